"""load_digits, load_breast_cancer, train_test_split, standardize."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import load_breast_cancer, load_digits, standardize, train_test_split


def test_digits():
    pytest.importorskip("sklearn")
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert set(np.unique(y)) == set(range(10))
    assert X.min() == 0 and X.max() == 16


def test_breast_cancer():
    pytest.importorskip("sklearn")
    X, y = load_breast_cancer(dtype=np.float64)
    assert X.shape == (569, 30) and X.dtype == np.float64
    assert y.dtype == np.int64 and set(np.unique(y)) == {0, 1}


def test_missing_sklearn_is_a_clear_error(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name.startswith("sklearn"):
            raise ImportError("No module named 'sklearn'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    with pytest.raises(ImportError, match="pip install scikit-learn"):
        load_digits()


def test_train_test_split_partitions_the_rows():
    X = np.arange(40).reshape(20, 2)
    y = np.arange(20)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)
    assert len(X_test) == 5 and len(X_train) == 15
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(20))
    np.testing.assert_array_equal(X_train[:, 0], 2 * y_train)  # rows stay paired
    np.testing.assert_array_equal(X_test[:, 0], 2 * y_test)
    again = train_test_split(X, y, test_size=0.25, seed=0)
    np.testing.assert_array_equal(again[3], y_test)
    assert not np.array_equal(train_test_split(X, y, test_size=0.25, seed=1)[3], y_test)
    assert len(train_test_split(X, y, test_size=3, seed=0)[1]) == 3


def test_train_test_split_without_seed_follows_manual_seed():
    X, y = np.zeros((10, 1)), np.arange(10)
    mg.manual_seed(4)
    a = train_test_split(X, y)[3]
    mg.manual_seed(4)
    np.testing.assert_array_equal(train_test_split(X, y)[3], a)


@pytest.mark.parametrize("test_size", [0.0, 1.0, 0, 10, 1.5])
def test_train_test_split_rejects_empty_sides(test_size):
    with pytest.raises(ValueError, match="test_size"):
        train_test_split(np.zeros((10, 2)), np.zeros(10), test_size=test_size)


def test_train_test_split_needs_matching_lengths():
    with pytest.raises(ValueError, match="X has 10 rows but y has 9"):
        train_test_split(np.zeros((10, 2)), np.zeros(9))


def test_standardize_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    train = (rng.standard_normal((200, 3)) * [1, 5, 0] + [0, 10, 7]).astype(np.float32)
    test = (rng.standard_normal((50, 3)) * 2 + 100).astype(np.float32)
    train_s, test_s = standardize(train, test)
    assert train_s.dtype == np.float32 and test_s.dtype == np.float32
    np.testing.assert_allclose(train_s.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(train_s[:, :2].std(axis=0), 1, rtol=1e-5)
    np.testing.assert_array_equal(train_s[:, 2], 0)  # a constant column is centred, not divided by zero
    mean, std = train.astype(np.float64).mean(axis=0), train.astype(np.float64).std(axis=0)
    np.testing.assert_allclose(test_s[:, :2], (test[:, :2] - mean[:2]) / std[:2], rtol=1e-5)
    assert test_s.mean() > 5  # the test set was not re-centred on itself


def test_standardize_needs_matching_columns():
    with pytest.raises(ValueError, match="same number of columns"):
        standardize(np.zeros((4, 3)), np.zeros((4, 2)))
