"""Small helpers Keras users call: seeding, one-hot labels, and the layer-name counter.

    keras.utils.set_random_seed(0)              # mg.manual_seed, plus Python's and NumPy's global seeds
    y_onehot = keras.utils.to_categorical(y, 10)
    keras.utils.clear_session()                 # layer names start again at "dense", "dense_1", ...
"""

from __future__ import annotations

import random
import re
from collections import Counter

import numpy as np

from ..random import manual_seed

_NAMES: Counter = Counter()


def set_random_seed(seed: int) -> None:
    """Seed minigrad's generator (weights, dropout, shuffling) and Python's and NumPy's global ones."""
    manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed)


def to_categorical(x, num_classes: int | None = None) -> np.ndarray:
    """Class indices [N] (or [N, 1]) -> one-hot rows [N, num_classes] (float64, as Keras returns them)."""
    x = np.asarray(x)
    if x.dtype.kind == "f" and not np.array_equal(x, np.round(x)):
        raise ValueError(f"to_categorical: expected integer class indices, got non-integer values of dtype {x.dtype}")
    x = x.astype(np.int64)
    shape = x.shape[:-1] if x.ndim > 1 and x.shape[-1] == 1 else x.shape
    flat = x.reshape(-1)
    if num_classes is None:
        num_classes = int(flat.max()) + 1 if flat.size else 0
    if flat.size and (flat.min() < 0 or flat.max() >= num_classes):
        raise ValueError(f"to_categorical: class indices must be in [0, {num_classes}), got {flat.min()}..{flat.max()}")
    onehot = np.zeros((flat.size, num_classes))
    onehot[np.arange(flat.size), flat] = 1
    return onehot.reshape(shape + (num_classes,))


def clear_session() -> None:
    """Forget the layer names handed out so far, so a new model's layers are named from scratch."""
    _NAMES.clear()


def snake_case(name: str) -> str:
    """'LayerNormalization' -> 'layer_normalization', as Keras names layers by class."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def unique_name(base: str) -> str:
    """'dense' the first time, then 'dense_1', 'dense_2', ...: Keras's automatic layer names."""
    count = _NAMES[base]
    _NAMES[base] += 1
    return base if count == 0 else f"{base}_{count}"
