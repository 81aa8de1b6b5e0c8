"""TensorDataset and DataLoader: batch shapes and dtypes, determinism, drop_last, shuffle coverage."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import DataLoader, TensorDataset


def arrays(n=10):
    X = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int32)
    return X, y


def test_batches_are_tuples_of_tensors_with_the_right_dtypes():
    X, y = arrays()
    batches = list(DataLoader((X, y), batch_size=4))
    assert [b[0].shape for b in batches] == [(4, 3), (4, 3), (2, 3)]
    for xb, yb in batches:
        assert isinstance(xb, mg.Tensor) and isinstance(yb, mg.Tensor)
        assert xb.dtype == np.float32  # floats keep their dtype
        assert yb.dtype == np.int64  # integers become int64 (targets, indices)
    np.testing.assert_array_equal(np.concatenate([b[0].numpy() for b in batches]), X)
    float64 = list(DataLoader((X.astype(np.float64),), batch_size=4))
    assert float64[0][0].dtype == np.float64


def test_len_is_the_number_of_batches():
    X, y = arrays(10)
    assert len(DataLoader((X, y), batch_size=4)) == 3
    assert len(DataLoader((X, y), batch_size=4, drop_last=True)) == 2
    assert len(DataLoader((X, y), batch_size=5, drop_last=True)) == 2
    assert len(DataLoader((X, y), batch_size=20)) == 1
    assert len(DataLoader((X, y), batch_size=20, drop_last=True)) == 0


def test_drop_last_leaves_out_the_short_batch():
    X, y = arrays(10)
    batches = list(DataLoader((X, y), batch_size=4, shuffle=True, drop_last=True, seed=0))
    assert len(batches) == 2 and all(len(b[1]) == 4 for b in batches)


def test_shuffle_covers_every_row_once_per_epoch_in_a_new_order():
    X, y = arrays(50)
    loader = DataLoader((X, y), batch_size=8, shuffle=True, seed=3)
    orders = []
    for _ in range(3):
        seen = np.concatenate([yb.numpy() for _, yb in loader])
        assert sorted(seen.tolist()) == list(range(50))
        orders.append(seen)
    assert not np.array_equal(orders[0], np.arange(50))
    assert not np.array_equal(orders[0], orders[1]) and not np.array_equal(orders[1], orders[2])
    # rows stay together
    for xb, yb in loader:
        np.testing.assert_array_equal(xb.numpy()[:, 0], 3 * yb.numpy())


def test_same_seed_same_batches():
    X, y = arrays(30)

    def epochs(seed):
        loader = DataLoader((X, y), batch_size=7, shuffle=True, seed=seed)
        return [[yb.numpy().tolist() for _, yb in loader] for _ in range(2)]

    assert epochs(1) == epochs(1)
    assert epochs(1) != epochs(2)


def test_no_seed_follows_manual_seed():
    X, y = arrays(30)

    def first_epoch():
        return [yb.numpy().tolist() for _, yb in DataLoader((X, y), batch_size=30, shuffle=True)]

    mg.manual_seed(0)
    a = first_epoch()
    mg.manual_seed(0)
    assert first_epoch() == a


def test_loader_randomness_is_its_own():
    X, y = arrays(30)

    def first_epoch(draw_in_between):
        loader = DataLoader((X, y), batch_size=30, shuffle=True, seed=5)
        if draw_in_between:
            mg.randn(10)
            np.random.default_rng().random()
        return next(iter(loader))[1].numpy().tolist()

    assert first_epoch(False) == first_epoch(True)


def test_any_dataset_with_len_and_getitem():
    class Squares:
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i, i * i], dtype=np.float32), i

    (xb, yb), _, _ = list(DataLoader(Squares(), batch_size=2))
    np.testing.assert_array_equal(xb.numpy(), [[0, 0], [1, 1]])
    assert yb.dtype == np.int64 and yb.numpy().tolist() == [0, 1]


def test_single_array_and_tensor_inputs():
    X, _ = arrays(6)
    (xb,) = next(iter(DataLoader(X, batch_size=6)))
    np.testing.assert_array_equal(xb.numpy(), X)
    (xb, yb) = next(iter(DataLoader((mg.tensor(X), mg.arange(6)), batch_size=6)))
    np.testing.assert_array_equal(yb.numpy(), np.arange(6))


def test_tensor_dataset_indexing():
    X, y = arrays(6)
    ds = TensorDataset(X, y)
    assert len(ds) == 6
    row = ds[2]
    np.testing.assert_array_equal(row[0], X[2])
    assert row[1] == 2
    xb, yb = ds[np.array([4, 1])]
    np.testing.assert_array_equal(yb, [4, 1])


def test_mismatched_lengths_are_an_error():
    with pytest.raises(ValueError, match=r"same number of rows, got shapes \[\(10, 3\), \(9,\)\]"):
        DataLoader((np.zeros((10, 3)), np.zeros(9)), batch_size=2)


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True])
def test_bad_batch_size_is_an_error(batch_size):
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        DataLoader(arrays(), batch_size=batch_size)


def test_not_a_dataset_is_an_error():
    with pytest.raises(TypeError, match="expected a dataset"):
        DataLoader(42, batch_size=2)
