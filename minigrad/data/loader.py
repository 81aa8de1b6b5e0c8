"""TensorDataset and DataLoader: cut arrays into (shuffled) mini-batches of Tensors.

    X, y = mg.data.load_digits()
    loader = mg.data.DataLoader((X, y), batch_size=64, shuffle=True, seed=0)
    for epoch in range(10):
        for xb, yb in loader:          # xb: float32 Tensor [64, 64], yb: int64 Tensor [64]
            ...

A dataset is anything with `__len__` and `__getitem__(i)` returning an array or a tuple of
arrays. Shuffling draws a fresh permutation each epoch from the loader's own NumPy generator,
so two loaders with the same seed give the same batches, whatever else uses randomness.
"""

from __future__ import annotations

import math

import numpy as np

from ..random import generator
from ..tensor import Tensor


def _as_numpy(array, what: str) -> np.ndarray:
    if isinstance(array, Tensor):
        return array.numpy()
    if hasattr(array, "__cuda_array_interface__"):
        return array.get()
    out = np.asarray(array)
    if out.dtype == object:
        raise TypeError(f"{what}: could not turn a {type(array).__name__} into a numeric array")
    return out


class TensorDataset:
    """Rows of several arrays that share their first dimension: dataset[i] = (a[i], b[i], ...).

    Accepts NumPy arrays, Tensors and nested lists; stores NumPy arrays.
    `dataset[index_array]` returns whole batches at once (what DataLoader uses).
    """

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("TensorDataset: needs at least one array")
        self.arrays = tuple(_as_numpy(a, "TensorDataset") for a in arrays)
        shapes = [a.shape for a in self.arrays]
        if any(len(s) == 0 for s in shapes):
            raise ValueError(f"TensorDataset: every array needs a first (sample) dimension, got shapes {shapes}")
        if len({s[0] for s in shapes}) != 1:
            raise ValueError(f"TensorDataset: arrays must have the same number of rows, got shapes {shapes}")

    def __len__(self) -> int:
        return self.arrays[0].shape[0]

    def __getitem__(self, index):
        return tuple(a[index] for a in self.arrays)


def _to_tensor(array: np.ndarray, device) -> Tensor:
    """Integers become int64 (index / target tensors), everything else keeps its dtype."""
    if array.dtype.kind in "iu":
        array = array.astype(np.int64, copy=False)
    return Tensor(array, device=device)


class DataLoader:
    """Iterate over a dataset in mini-batches of Tensors.

    dataset_or_arrays: a dataset (len + getitem), one array, or a tuple/list of arrays (X, y)
    that share their first dimension. Each batch is a tuple of Tensors, one per field.
    shuffle: a new random order every epoch, from a generator seeded with `seed` (None: a seed
    drawn from minigrad's global generator, so mg.manual_seed makes runs repeatable).
    drop_last: leave out the last, smaller batch. len(loader) is the number of batches.
    sampler: an iterable of dataset indices (with len) that decides the order instead, e.g. a
    DistributedSampler; it excludes shuffle, as in PyTorch.
    """

    def __init__(self, dataset_or_arrays, batch_size: int = 1, shuffle: bool = False, drop_last: bool = False,
                 seed: int | None = None, device: str | None = None, sampler=None):
        if isinstance(dataset_or_arrays, (tuple, list)):
            dataset_or_arrays = TensorDataset(*dataset_or_arrays)
        elif isinstance(dataset_or_arrays, (np.ndarray, Tensor)):
            dataset_or_arrays = TensorDataset(dataset_or_arrays)
        if not (hasattr(dataset_or_arrays, "__len__") and hasattr(dataset_or_arrays, "__getitem__")):
            raise TypeError(f"DataLoader: expected a dataset (with __len__ and __getitem__), an array or a tuple of "
                            f"arrays, got {type(dataset_or_arrays).__name__}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle (the sampler decides "
                             "the order; DistributedSampler shuffles itself)")
        self.dataset = dataset_or_arrays
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.shuffle, self.drop_last, self.device = shuffle, drop_last, device
        self.seed = int(generator().integers(2**63)) if seed is None else seed
        self._rng = np.random.default_rng(self.seed)

    def __len__(self) -> int:
        n = len(self.dataset) if self.sampler is None else len(self.sampler)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        if self.sampler is not None:
            order = np.fromiter(self.sampler, dtype=np.int64)
        else:
            order = self._rng.permutation(n) if self.shuffle else np.arange(n)
        for b in range(len(self)):
            yield self._batch(order[b * self.batch_size:(b + 1) * self.batch_size])

    def _batch(self, indices: np.ndarray) -> tuple:
        if isinstance(self.dataset, TensorDataset):  # fancy indexing: one copy per field, no Python loop
            fields = self.dataset[indices]
        else:
            samples = [self.dataset[int(i)] for i in indices]
            if not isinstance(samples[0], (tuple, list)):
                samples = [(s,) for s in samples]
            fields = [np.stack([_as_numpy(s[k], "DataLoader") for s in samples]) for k in range(len(samples[0]))]
        return tuple(_to_tensor(f, self.device) for f in fields)
