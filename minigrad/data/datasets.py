"""Small tabular datasets (bundled with scikit-learn) and the two chores every tabular run needs:
a train/test split and standardisation. Everything here is NumPy arrays in, NumPy arrays out.

    X, y = mg.data.load_digits()                     # 1797 8x8 images, 10 classes
    X_train, X_test, y_train, y_test = mg.data.train_test_split(X, y, test_size=0.2, seed=0)
    X_train, X_test = mg.data.standardize(X_train, X_test)
"""

from __future__ import annotations

import numpy as np

from ..random import generator


def _sklearn_datasets():
    try:
        import sklearn.datasets
    except ImportError as err:
        raise ImportError(
            "load_digits / load_breast_cancer read the copies bundled with scikit-learn, which is not installed: "
            "pip install scikit-learn (or minigrad[examples])"
        ) from err
    return sklearn.datasets


def load_digits(dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    """The 8x8 handwritten digits: X [1797, 64] with pixel values 0..16 (as `dtype`), y [1797] int64 in 0..9."""
    bunch = _sklearn_datasets().load_digits()
    return bunch.data.astype(dtype), bunch.target.astype(np.int64)


def load_breast_cancer(dtype=np.float32) -> tuple[np.ndarray, np.ndarray]:
    """Wisconsin breast cancer: X [569, 30] tumour measurements (as `dtype`), y [569] int64 (1 = benign)."""
    bunch = _sklearn_datasets().load_breast_cancer()
    return bunch.data.astype(dtype), bunch.target.astype(np.int64)


def train_test_split(X, y, test_size: float | int = 0.2, seed: int | None = None):
    """Shuffle the rows and split them: returns (X_train, X_test, y_train, y_test), as scikit-learn does.

    test_size: a fraction in (0, 1) (the test set gets ceil(fraction * n) rows) or a row count.
    seed: seeds the shuffle; None draws from minigrad's generator (see mg.manual_seed).
    """
    X, y = np.asarray(X), np.asarray(y)
    n = len(X)
    if len(y) != n:
        raise ValueError(f"train_test_split: X has {n} rows but y has {len(y)}")
    if isinstance(test_size, float):
        if not 0.0 < test_size < 1.0:
            raise ValueError(f"train_test_split: a fractional test_size must be in (0, 1), got {test_size}")
        n_test = int(np.ceil(test_size * n))
    else:
        n_test = int(test_size)
    if not 0 < n_test < n:
        raise ValueError(f"train_test_split: test_size={test_size} leaves {n_test} of {n} rows for testing; "
                         "both sides need at least one")
    rng = np.random.default_rng(seed) if seed is not None else generator()
    order = rng.permutation(n)
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def standardize(train, test):
    """Scale each column to mean 0 and standard deviation 1, using the statistics of `train` only.

    Fitting on the training rows alone keeps the test set unseen. Constant columns (std 0,
    e.g. the always-blank border pixels of digits) are centred and left unscaled.
    Returns (train_scaled, test_scaled), in the inputs' float dtype.
    """
    train, test = np.asarray(train), np.asarray(test)
    if train.ndim != 2 or test.ndim != 2 or train.shape[1] != test.shape[1]:
        raise ValueError(f"standardize: expected 2-d arrays with the same number of columns, "
                         f"got train {train.shape} and test {test.shape}")
    dtype = train.dtype if train.dtype.kind == "f" else np.float32
    mean = train.mean(axis=0, dtype=np.float64)
    std = train.std(axis=0, dtype=np.float64)
    std[std == 0] = 1.0
    return ((train - mean) / std).astype(dtype), ((test - mean) / std).astype(dtype)
