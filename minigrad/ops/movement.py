"""Ops that copy elements to new places: flip, roll, repeat/tile, repeat_interleave, pad,
unfold, meshgrid.

Every output element is one input element (or a constant), so each backward sends the
gradient back to where its element came from:

    flip(x, dims)        dx = flip(g, dims)             (flipping twice is the identity)
    roll(x, s, dims)     dx = roll(g, -s, dims)
    tile(x, reps)        dx = g summed over the copies
    pad(x, p, value)     dx = pad(g, -p)                (constant mode: cropping undoes padding)

The rest are built from recorded ops: reflect/replicate/circular padding, repeat_interleave
and unfold pick elements with an integer index along one axis (GetItem, whose backward adds
the gradient up where an element was picked more than once); meshgrid broadcasts.
"""

from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Function, xp_of
from ..tensor import Tensor
from ._args import check_axis, shape_arg
from .index import getitem
from .shape import broadcast_to, movedim, reshape


class Flip(Function):
    """x reversed along axes;  dx = flip(g) along the same axes"""

    def forward(self, x, axes):
        self.axes = axes
        return xp_of(x).flip(x, axes).copy()  # a copy, as PyTorch's flip (a view would share writes)

    def backward(self, g):
        return xp_of(g).flip(g, self.axes)


class Roll(Function):
    """x shifted cyclically by shifts along axes;  dx = roll(g, -shifts) along the same axes"""

    def forward(self, x, shifts, axes):
        self.shifts, self.axes = shifts, axes
        return xp_of(x).roll(x, shifts, axes)

    def backward(self, g):
        return xp_of(g).roll(g, tuple(-s for s in self.shifts), self.axes)


class Tile(Function):
    """x repeated reps[i] times along each axis i (len(reps) == x.ndim);
    dx = g viewed as [r0, n0, r1, n1, ...] and summed over the r axes (one term per copy)"""

    def forward(self, x, reps):
        self.reps, self.shape = reps, x.shape
        return xp_of(x).tile(x, reps)

    def backward(self, g):
        pairs = [n for r, s in zip(self.reps, self.shape) for n in (r, s)]
        return g.reshape(pairs).sum(axis=tuple(range(0, len(pairs), 2)))


class ConstantPad(Function):
    """x with pads[i] = (before, after) elements of `value` added on each side of axis i
    (negative: that many removed);  dx = pad(g, -pads): cropping what was added, zeros where
    x was cropped"""

    def forward(self, x, pads, value):
        self.pads = pads
        return _constant_pad(x, pads, value)

    def backward(self, g):
        negated = tuple((-before, -after) for before, after in self.pads)
        if isinstance(g, Tensor):
            return ConstantPad.apply(g, pads=negated, value=0)
        return _constant_pad(g, negated, 0)


def _constant_pad(x, pads: tuple, value):
    """The array behind ConstantPad: a filled array with the kept part of x copied in."""
    shape = tuple(n + before + after for n, (before, after) in zip(x.shape, pads))
    out = xp_of(x).full(shape, value, dtype=x.dtype)
    source = tuple(slice(max(-before, 0), n - max(-after, 0)) for n, (before, after) in zip(x.shape, pads))
    target = tuple(slice(max(before, 0), m - max(after, 0)) for m, (before, after) in zip(shape, pads))
    out[target] = x[source]
    return out


# ---- the functions the Tensor methods and `minigrad.*` call ----------------------------------


def _dims(op: str, x: Tensor, dims) -> tuple:
    """dims given as ints or one sequence, checked against x, as non-negative axes."""
    dims = shape_arg(dims) if dims and not isinstance(dims[0], (int, np.integer)) else tuple(dims)
    axes = tuple(check_axis(op, d, x.ndim, x.shape) for d in dims)
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op}: dim {dims} appears more than once (shape {tuple(x.shape)})")
    return axes


def flip(x: Tensor, *dims, **kwargs) -> Tensor:
    """Reverse the order of elements along the given dims: x.flip(0), mg.flip(x, (0, 1)), mg.flip(x, dims=[0])."""
    if set(kwargs) - {"dims"} or (dims and kwargs):
        raise TypeError(f"flip: expected the dims as ints, one sequence or dims=, got {dims} and {kwargs}")
    axes = _dims("flip", x, dims or (kwargs.get("dims", ()),))
    if x.ndim == 0 or not axes:
        return x
    return Flip.apply(x, axes=axes)


def fliplr(x: Tensor) -> Tensor:
    """Reverse the columns (dim 1) of a tensor of at least 2 dims."""
    if x.ndim < 2:
        raise ValueError(f"fliplr: expected a tensor of at least 2 dims, got shape {tuple(x.shape)}")
    return flip(x, 1)


def flipud(x: Tensor) -> Tensor:
    """Reverse the rows (dim 0) of a tensor of at least 1 dim."""
    if x.ndim < 1:
        raise ValueError("flipud: expected a tensor of at least 1 dim, got a 0-d tensor")
    return flip(x, 0)


def roll(x: Tensor, shifts, dims=None) -> Tensor:
    """Shift elements cyclically along dims (elements pushed off one end come back at the other).

    With dims=None the tensor is rolled as if flattened, then given its shape back.
    """
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    if dims is None:
        if len(shifts) != 1:
            raise ValueError(f"roll: without dims, shifts must be one int, got {shifts}")
        return reshape(roll(reshape(x, -1), shifts, 0), x.shape)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(shifts) != len(dims):
        raise ValueError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    axes = tuple(check_axis("roll", d, x.ndim, x.shape) for d in dims)
    if x.ndim == 0 or x.data.size == 0:
        return x
    return Roll.apply(x, shifts=tuple(int(s) for s in shifts), axes=axes)


def repeat(x: Tensor, *sizes) -> Tensor:
    """PyTorch's x.repeat(*sizes): tile the whole tensor sizes[i] times along dim i.

    sizes may be longer than x.ndim (x gets leading size-1 dims first), not shorter.
    This is numpy.tile; for NumPy's repeat (each element repeated) use repeat_interleave.
    """
    sizes = shape_arg(sizes)
    if len(sizes) < x.ndim:
        raise ValueError(f"repeat: got {len(sizes)} repeat counts {sizes} for a tensor with {x.ndim} dims "
                         f"(shape {tuple(x.shape)}); give at least one per dim")
    if any(n < 0 for n in sizes):
        raise ValueError(f"repeat: repeat counts must be non-negative, got {sizes}")
    x = reshape(x, (1,) * (len(sizes) - x.ndim) + tuple(x.shape))
    if all(n == 1 for n in sizes):
        return x
    return Tile.apply(x, reps=sizes)


def tile(x: Tensor, dims) -> Tensor:
    """torch.tile: like repeat, but a shorter `dims` is padded with leading 1s."""
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    return repeat(x, (1,) * (x.ndim - len(dims)) + dims)


def repeat_interleave(x, repeats=None, dim=None, *, output_size=None) -> Tensor:
    """Repeat each element `repeats` times along dim (flattened when dim is None), as
    numpy.repeat: [1, 2] with repeats=2 gives [1, 1, 2, 2].

    repeats is an int or a tensor of one count per element along dim. Called with only a
    tensor of counts, returns the indices repeated by them: repeat_interleave([1, 2]) = [0, 1, 1].
    """
    if repeats is None:  # torch.repeat_interleave(repeats)
        counts = _counts(x)
        if counts.ndim != 1 or bool((counts < 0).any()):
            raise ValueError(f"repeat_interleave: the counts must be 1-D and non-negative, got {counts}")
        index = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
        return Tensor._wrap(backend.to_device(index, x.device), False)
    if dim is None:
        x, dim = reshape(x, -1), 0
    axis = check_axis("repeat_interleave", dim, x.ndim, x.shape)
    length = x.shape[axis] if x.ndim else 1
    counts = _counts(repeats)
    if counts.ndim > 1 or counts.size not in (1, length):
        raise ValueError(f"repeat_interleave: repeats must be an int or hold one count per element along dim "
                         f"{dim} ({length}), got shape {tuple(counts.shape)}")
    if bool((counts < 0).any()):
        raise ValueError("repeat_interleave: repeats must be non-negative")
    index = np.repeat(np.arange(length), counts.reshape(-1) if counts.size == length else int(counts))
    if output_size is not None and output_size != index.size:
        raise ValueError(f"repeat_interleave: output_size={output_size} but the repeats give {index.size} elements")
    if x.ndim == 0:
        x = reshape(x, 1)
    return getitem(x, (slice(None),) * axis + (index,))


def _counts(repeats) -> np.ndarray:
    """Integer repeat counts as a NumPy array (the index they make is built on the host)."""
    if isinstance(repeats, (int, np.integer)):
        return np.asarray(repeats)
    data = backend.to_device(repeats.data, "cpu") if isinstance(repeats, Tensor) else np.asarray(repeats)
    if data.dtype.kind not in "iu":
        raise TypeError(f"repeat_interleave: repeats must hold integers, got {data.dtype}")
    return data


_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def pad(input: Tensor, pad, mode: str = "constant", value=None) -> Tensor:
    """F.pad: add elements on both sides of the last len(pad) // 2 dims.

    pad lists (before, after) pairs starting from the LAST dim: (left, right) pads the last
    dim, (left, right, top, bottom) the last two. A negative amount removes elements.
    mode "constant" fills with `value` (0); "reflect" mirrors without repeating the edge
    ([1, 2, 3] -> [3, 2, 1, 2, 3, 2, 1]); "replicate" repeats the edge; "circular" wraps around.
    """
    x, amounts = input, tuple(int(p) for p in pad)
    if len(amounts) % 2 or len(amounts) // 2 > x.ndim:
        raise ValueError(f"pad: the padding {amounts} must have an even length of at most twice the number of "
                         f"dims (input shape {tuple(x.shape)})")
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode must be one of {_PAD_MODES}, got {mode!r}")
    if mode != "constant" and value:
        raise ValueError(f"pad: a fill value only goes with mode='constant', got mode={mode!r} with value={value}")
    pairs = [(0, 0)] * x.ndim
    for i in range(len(amounts) // 2):
        pairs[x.ndim - 1 - i] = (amounts[2 * i], amounts[2 * i + 1])
    for axis, (before, after) in enumerate(pairs):
        if x.shape[axis] + before + after < 0:
            raise ValueError(f"pad: padding {(before, after)} leaves a negative size for dim {axis} of shape "
                             f"{tuple(x.shape)}")
    if all(p == (0, 0) for p in pairs):
        return x
    if mode == "constant":
        return ConstantPad.apply(x, pads=tuple(pairs), value=0 if value is None else value)
    # The other modes pick each position's source element along one axis at a time. As in PyTorch,
    # reflect pads the whole input and then crops where an amount is negative; replicate and
    # circular crop first and pad what is left. Reflect needs each amount below the dim's size,
    # circular at most the size (it then wraps around), replicate a non-empty dim.
    for axis, (before, after) in enumerate(pairs):
        n = x.shape[axis]
        limit = {"reflect": n - 1, "circular": n, "replicate": n if n else -1}[mode]
        if max(before, after) > limit:
            raise ValueError(f"pad: {mode} padding of ({before}, {after}) is too large for dim {axis} of size {n} "
                             f"(input shape {tuple(x.shape)}); expected at most {max(limit, 0)} on each side")
    if mode != "reflect":
        x = getitem(x, tuple(slice(max(-b, 0), n - max(-a, 0)) for n, (b, a) in zip(x.shape, pairs)))
        pairs = [(max(b, 0), max(a, 0)) for b, a in pairs]
    for axis, (before, after) in enumerate(pairs):
        if before or after:
            x = getitem(x, (slice(None),) * axis + (_pad_index(mode, x.shape[axis], before, after),))
    return x


def _pad_index(mode: str, n: int, before: int, after: int) -> np.ndarray:
    """For each position of the padded (and, for reflect, cropped) axis, the position of the
    element it copies: positions -before .. n + after - 1, mapped back into 0 .. n - 1."""
    position = np.arange(-before, n + after)
    if mode == "reflect":  # mirror at the edge elements, which are not repeated
        position = np.abs(position)
        return np.where(position > n - 1, 2 * (n - 1) - position, position)
    if mode == "replicate":
        return np.clip(position, 0, n - 1)
    return position % n


def unfold(x: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Tensor.unfold: every window of `size` elements along `dimension`, starting every `step`.

    The dim becomes the number of windows, (n - size) // step + 1, and the window is a new
    last dim: arange(10.).unfold(0, 3, 2) has shape [4, 3]. (PyTorch returns a view; this is a copy.)
    """
    if x.ndim == 0:
        return reshape(unfold(reshape(x, 1), 0, size, step), size)
    axis = check_axis("unfold", dimension, x.ndim, x.shape)
    n = x.shape[axis]
    if not 0 <= size <= n:
        raise ValueError(f"unfold: the window size {size} must be in [0, {n}], the size of dim {dimension} of "
                         f"shape {tuple(x.shape)}")
    if step <= 0:
        raise ValueError(f"unfold: step must be positive, got {step}")
    starts = x._xp.arange(0, n - size + 1, step)
    index = starts[:, None] + x._xp.arange(size)[None, :]  # [windows, size]
    picked = getitem(x, (slice(None),) * axis + (index,))  # [..., windows, size, ...]
    return movedim(picked, axis + 1, -1)


def meshgrid(*tensors, indexing: str = "ij") -> tuple:
    """Coordinate grids from 1-D tensors: output i holds tensor i's values along its own dim.

    indexing="ij" (default): outputs have shape (len(t0), len(t1), ...); "xy" swaps the first
    two dims (NumPy's and MATLAB's Cartesian convention): (len(t1), len(t0), ...).
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    if not tensors:
        raise ValueError("meshgrid: expected at least one tensor")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor) or t.ndim > 1:
            raise ValueError(f"meshgrid: expected 0-d or 1-D tensors, got {t.shape if isinstance(t, Tensor) else t} "
                             f"at position {i}")
    sizes = [t.data.size for t in tensors]
    place = list(range(len(tensors)))  # the output dim each input runs along
    if indexing == "xy" and len(tensors) >= 2:
        place[0], place[1] = 1, 0
    shape = [0] * len(tensors)
    for i, where in enumerate(place):
        shape[where] = sizes[i]
    out = []
    for t, where in zip(tensors, place):
        view = [1] * len(tensors)
        view[where] = -1
        out.append(broadcast_to(reshape(t, view), tuple(shape)))
    return tuple(out)
