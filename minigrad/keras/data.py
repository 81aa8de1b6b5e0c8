"""Turning what Keras users pass to fit / evaluate / predict into minigrad DataLoaders.

    arrays           NumPy arrays, lists, pandas DataFrames/Series or Tensors: floating-point data
                     becomes float32 (Keras's floatx; scikit-learn and pandas hand out float64),
                     integers int64; then a DataLoader cuts them into (shuffled) batches
    a DataLoader     used as it is (its batches are (x, y) tuples of Tensors)
    validation_split the LAST fraction of the rows (before any shuffling), as Keras takes it
"""

from __future__ import annotations

import math

import numpy as np

from ..data import DataLoader
from ..tensor import Tensor
from . import config


def to_array(values, what: str) -> np.ndarray:
    """A NumPy array of `values`: floatx (float32) for any floating-point input, int64 for integers."""
    if isinstance(values, Tensor):
        values = values.numpy()
    elif hasattr(values, "__cuda_array_interface__"):
        values = values.get()
    array = np.asarray(values)
    if array.dtype == object or array.dtype.kind not in "biuf":
        raise TypeError(f"{what}: expected numbers (an array, a list or a DataFrame), got {array.dtype} values "
                        f"from a {type(values).__name__}")
    if array.ndim == 0:
        raise ValueError(f"{what}: expected one row per sample, got a scalar")
    if array.dtype.kind in "fb":
        return array.astype(config.floatx(), copy=False)
    return array.astype(np.int64, copy=False)


def _pair(op: str, x, y) -> tuple[np.ndarray, np.ndarray]:
    if y is None:
        raise ValueError(f"{op}: y is required with array inputs (pass x and y, or a DataLoader as x)")
    x, y = to_array(x, f"{op} x"), to_array(y, f"{op} y")
    if len(x) != len(y):
        raise ValueError(f"{op}: x has {len(x)} rows but y has {len(y)}")
    if len(x) == 0:
        raise ValueError(f"{op}: x and y have no rows")
    return x, y


def _batch_size(batch_size) -> int:
    if batch_size is None:
        return 32  # Keras's default
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    return int(batch_size)


def fit_loaders(x, y, batch_size, validation_split: float, validation_data, shuffle: bool, validation_batch_size,
                device: str) -> tuple[DataLoader, DataLoader | None]:
    """The training loader and the validation loader (or None) for Model.fit."""
    if isinstance(x, DataLoader):
        if y is not None or validation_split:
            raise ValueError("fit: with a DataLoader as x, give neither y nor validation_split (the loader holds "
                             "the targets; pass validation_data instead)")
        train = x
    else:
        x, y = _pair("fit", x, y)
        if not 0.0 <= validation_split < 1.0:
            raise ValueError(f"fit: validation_split must be in [0, 1), got {validation_split}")
        if validation_split:
            if validation_data is not None:
                raise ValueError("fit: give validation_split or validation_data, not both")
            split_at = int(math.floor(len(x) * (1.0 - validation_split)))
            if split_at in (0, len(x)):
                raise ValueError(f"fit: validation_split={validation_split} of {len(x)} rows leaves one side empty")
            x, x_val, y, y_val = x[:split_at], x[split_at:], y[:split_at], y[split_at:]
            validation_data = (x_val, y_val)
        train = DataLoader((x, y), batch_size=_batch_size(batch_size), shuffle=bool(shuffle), device=device)
    if validation_data is None:
        return train, None
    val_batch = validation_batch_size or (train.batch_size if batch_size is None else batch_size)
    return train, eval_loader(validation_data, None, val_batch, device, "fit validation_data")


def eval_loader(x, y, batch_size, device: str, op: str = "evaluate") -> DataLoader:
    """Batches in order (no shuffling) of (x, y), of a tuple (x, y) given as x, or a DataLoader."""
    if isinstance(x, DataLoader):
        return x
    if y is None and isinstance(x, (tuple, list)) and len(x) == 2:
        x, y = x
    x, y = _pair(op, x, y)
    return DataLoader((x, y), batch_size=_batch_size(batch_size), device=device)


def predict_loader(x, batch_size, device: str) -> DataLoader:
    """Batches in order of the inputs alone."""
    if isinstance(x, DataLoader):
        return x
    x = to_array(x, "predict x")
    return DataLoader((x,), batch_size=_batch_size(batch_size), device=device)


def first_sample(loader: DataLoader) -> np.ndarray:
    """One input row with a batch axis of 1 (to build a model), without drawing from the loader's shuffle."""
    dataset = loader.dataset
    sample = dataset[np.arange(1)] if hasattr(dataset, "arrays") else dataset[0]
    first = sample[0] if isinstance(sample, (tuple, list)) else sample
    first = first.numpy() if isinstance(first, Tensor) else np.asarray(first)
    return first if hasattr(dataset, "arrays") else first[None]
