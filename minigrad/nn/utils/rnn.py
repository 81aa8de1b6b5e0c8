"""Batches of sequences of different lengths, as PyTorch's torch.nn.utils.rnn.

    padded = pad_sequence([a, b, c])                         # [T, B, *], zeros after each end
    packed = pack_padded_sequence(padded, [5, 3, 2])          # what nn.LSTM & co. take
    output, (h_n, c_n) = lstm(packed)                         # h_n: each sequence's last real step
    output, lengths = pad_packed_sequence(output)             # [T, B, H], zeros after each end

A PackedSequence stores only the real steps, time-major, sequences sorted longest first:
`data` [sum of lengths, *] holds step 0 of every sequence, then step 1 of those that
have one, and so on; `batch_sizes[t]` is how many sequences have a step t;
`sorted_indices` maps the sorted order back to the batch order (None when the batch
came sorted, enforce_sorted=True).

This is PyTorch's layout, so PyTorch code runs unchanged. Inside minigrad's recurrent
layers a packed batch is unpacked into a padded one plus its lengths, and each
sequence's state simply stops changing after its last step (see
minigrad/ops/recurrent.py): one kernel shape for every step, rather than a batch that
shrinks as sequences end. Every function here is differentiable (gathers through the
engine's indexing).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ...ops.shape import concatenate
from ...tensor import Tensor


class PackedSequence(NamedTuple):
    """The real steps of a batch of sequences, time-major and longest first (see the module).

    data [sum(lengths), *], batch_sizes (int64, on the CPU) [max length], sorted_indices and
    unsorted_indices (int64 [B]) or None when the batch came sorted by decreasing length.
    """

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    def to(self, *args, **kwargs) -> "PackedSequence":
        """The same sequence with `data` moved or cast (as Tensor.to); the indices stay on the CPU."""
        return self._replace(data=self.data.to(*args, **kwargs))

    @property
    def is_cuda(self) -> bool:
        """True when the data lives on the GPU."""
        return self.data.device == "cuda"


def _lengths(op: str, lengths) -> np.ndarray:
    if isinstance(lengths, Tensor):
        lengths = lengths.numpy()
    lengths = np.asarray(lengths)
    if lengths.ndim != 1 or lengths.dtype.kind not in "iu":
        raise ValueError(f"{op}: lengths must be a 1-D list or tensor of integers, got {lengths.tolist()!r}")
    return lengths.astype(np.int64)


def _index(array: np.ndarray, like: Tensor) -> Tensor:
    """An int64 index tensor on `like`'s device."""
    return Tensor(array.astype(np.int64), device=like.device)


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch [T, B, *] ([B, T, *] with batch_first) whose sequence b has
    lengths[b] real steps. enforce_sorted=True requires lengths in decreasing order;
    False sorts them (and records the order to undo it)."""
    op = "pack_padded_sequence"
    lengths = _lengths(op, lengths)
    if not isinstance(input, Tensor) or input.ndim < 2:
        raise ValueError(f"{op}: input must be a Tensor [T, B, *] (or [B, T, *] with batch_first), "
                         f"got {getattr(input, 'shape', type(input).__name__)}")
    x = input.swapaxes(0, 1) if batch_first else input
    if len(lengths) != x.shape[1]:
        raise ValueError(f"{op}: {len(lengths)} lengths for a batch of {x.shape[1]} sequences "
                         f"(input shape {tuple(input.shape)}, batch_first={batch_first})")
    if len(lengths) == 0 or lengths.min() <= 0:
        raise ValueError(f"{op}: every sequence needs a length of at least 1, got {lengths.tolist()}")
    if lengths.max() > x.shape[0]:
        raise ValueError(f"{op}: a length of {lengths.max()} is longer than the padded input's "
                         f"{x.shape[0]} steps (input shape {tuple(input.shape)}, batch_first={batch_first})")
    if enforce_sorted:
        if (np.diff(lengths) > 0).any():
            raise ValueError(f"{op}: lengths must be in decreasing order when enforce_sorted=True, got "
                             f"{lengths.tolist()}; pass enforce_sorted=False to have them sorted")
        order = np.arange(len(lengths))
        sorted_indices = unsorted_indices = None
    else:
        order = np.argsort(-lengths, kind="stable")
        sorted_indices = Tensor(order.astype(np.int64))
        unsorted_indices = Tensor(np.argsort(order).astype(np.int64))
    sorted_lengths = lengths[order]
    batch_sizes = (sorted_lengths[None, :] > np.arange(sorted_lengths[0])[:, None]).sum(axis=1)
    steps = np.repeat(np.arange(len(batch_sizes)), batch_sizes)
    rows = np.concatenate([order[:n] for n in batch_sizes])
    data = x[_index(steps, x), _index(rows, x)]
    return PackedSequence(data, Tensor(batch_sizes.astype(np.int64)), sorted_indices, unsorted_indices)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple:
    """Undo pack_padded_sequence: (padded [T, B, *] in the original batch order, lengths int64 [B]).

    Positions after a sequence's end hold padding_value; T is the longest length, or
    total_length when given (which must not be shorter)."""
    op = "pad_packed_sequence"
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"{op}: expected a PackedSequence, got {type(sequence).__name__}")
    data = sequence.data
    batch_sizes = _lengths(op, sequence.batch_sizes)
    longest = len(batch_sizes)
    steps = longest if total_length is None else int(total_length)
    if steps < longest:
        raise ValueError(f"{op}: total_length={total_length} is shorter than the longest sequence ({longest})")
    batch = int(batch_sizes[0])
    sorted_lengths = (batch_sizes[None, :] > np.arange(batch)[:, None]).sum(axis=1)  # [B], longest first
    order = np.arange(batch) if sequence.sorted_indices is None else _lengths(op, sequence.sorted_indices)
    offsets = np.cumsum(batch_sizes) - batch_sizes  # the first row of each step in data
    index = np.full((steps, batch), data.shape[0], dtype=np.int64)  # data.shape[0]: the padding row
    t = np.arange(steps)[:, None]
    j = np.arange(batch)[None, :]
    real = t < sorted_lengths[None, :]
    index[:, order] = np.where(real, offsets[np.minimum(t, longest - 1)] + j, data.shape[0])
    pad = Tensor._wrap(data._xp.full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype), False)
    padded = concatenate([data, pad], axis=0)[_index(index, data)]
    lengths = np.empty(batch, dtype=np.int64)
    lengths[order] = sorted_lengths
    return (padded.swapaxes(0, 1) if batch_first else padded), Tensor(lengths)


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences [L_i, *] of different lengths into [T, B, *] (or [B, T, *]), T = max L_i,
    filling with padding_value after each end (padding_side="left": before each start)."""
    op = "pad_sequence"
    sequences = list(sequences)
    if not sequences or not all(isinstance(s, Tensor) and s.ndim >= 1 for s in sequences):
        raise ValueError(f"{op}: expected a non-empty list of Tensors [L, *]")
    tail = tuple(sequences[0].shape[1:])
    if any(tuple(s.shape[1:]) != tail or s.dtype != sequences[0].dtype for s in sequences):
        raise ValueError(f"{op}: every sequence must be [L, *{list(tail)}] of one dtype, got "
                         f"{[(tuple(s.shape), str(s.dtype)) for s in sequences]}")
    if padding_side not in ("right", "left"):
        raise ValueError(f"{op}: padding_side must be 'right' or 'left', got {padding_side!r}")
    lengths = np.array([s.shape[0] for s in sequences])
    steps, total = int(lengths.max()), int(lengths.sum())
    starts = np.cumsum(lengths) - lengths
    t = np.arange(steps)[:, None]
    first = 0 if padding_side == "right" else steps - lengths[None, :]  # where each sequence begins
    real = (t >= first) & (t < first + lengths[None, :])
    index = np.where(real, starts[None, :] + t - first, total)
    like = sequences[0]
    pad = Tensor._wrap(like._xp.full((1,) + tail, padding_value, dtype=like.dtype), False)
    padded = concatenate([*sequences, pad], axis=0)[_index(index, like)]
    return padded.swapaxes(0, 1) if batch_first else padded


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """pack_padded_sequence(pad_sequence(sequences), their lengths)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)
