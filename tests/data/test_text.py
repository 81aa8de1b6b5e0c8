"""CharDataset: vocabulary, encode/decode, windows, random batches; default_corpus."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import CharDataset, DataLoader, default_corpus

TEXT = "hello world, hello minigrad!\n"


def test_vocabulary_is_the_sorted_characters():
    ds = CharDataset(TEXT, block_size=4)
    assert ds.chars == sorted(set(TEXT))
    assert ds.vocab_size == len(set(TEXT))
    assert ds.stoi["\n"] == 0  # the smallest character gets id 0
    assert all(ds.itos[ds.stoi[c]] == c for c in TEXT)


def test_encode_decode_round_trip():
    ds = CharDataset(TEXT, block_size=4)
    ids = ds.encode("hello minigrad")
    assert all(isinstance(i, int) for i in ids)
    assert ds.decode(ids) == "hello minigrad"
    assert ds.decode(np.array(ids)) == "hello minigrad"
    assert ds.decode(mg.tensor(ids)) == "hello minigrad"
    assert ds.decode(ds.data) == TEXT


def test_unknown_characters_are_an_error():
    ds = CharDataset(TEXT, block_size=4)
    with pytest.raises(ValueError, match="'Z' is not in the vocabulary"):
        ds.encode("Zebra")
    with pytest.raises(ValueError, match="id 99 is outside the vocabulary"):
        ds.decode([99])


def test_items_are_windows_shifted_by_one():
    ds = CharDataset(TEXT, block_size=5)
    assert len(ds) == len(TEXT) - 5
    for i in (0, 7, len(ds) - 1):
        x, y = ds[i]
        assert x.dtype == np.int64 and y.dtype == np.int64
        assert x.shape == (5,) and y.shape == (5,)
        assert ds.decode(x) == TEXT[i:i + 5]
        assert ds.decode(y) == TEXT[i + 1:i + 6]
    with pytest.raises(IndexError, match="out of range"):
        ds[len(ds)]


def test_get_batch_gives_random_windows():
    ds = CharDataset(TEXT * 3, block_size=6)
    x, y = ds.get_batch(8, np.random.default_rng(0))
    assert x.shape == (8, 6) and y.shape == (8, 6) and x.dtype == np.int64
    np.testing.assert_array_equal(x[:, 1:], y[:, :-1])
    for xr, yr in zip(x, y):
        window = ds.decode(xr) + ds.decode(yr)[-1]
        assert window in TEXT * 3
    again, _ = ds.get_batch(8, np.random.default_rng(0))
    np.testing.assert_array_equal(x, again)
    seeded, _ = ds.get_batch(8, 0)
    np.testing.assert_array_equal(x, seeded)


def test_works_with_the_data_loader():
    ds = CharDataset(TEXT, block_size=3)
    xb, yb = next(iter(DataLoader(ds, batch_size=4)))
    assert xb.shape == (4, 3) and xb.dtype == np.int64
    np.testing.assert_array_equal(xb.numpy()[1], ds[1][0])


@pytest.mark.parametrize("text, block_size, error, message", [
    ("abc", 3, ValueError, "needs at least 4"),
    ("abcdef", 0, ValueError, "block_size"),
    (b"bytes", 2, TypeError, "text must be a str"),
])
def test_bad_input_is_an_error(text, block_size, error, message):
    with pytest.raises(error, match=message):
        CharDataset(text, block_size)


def test_default_corpus_is_a_few_hundred_kb_and_stable():
    text = default_corpus()
    assert 200_000 < len(text) < 2_000_000
    assert default_corpus() == text
    assert "def " in text and "import" in text
    ds = CharDataset(text, block_size=32)
    assert 60 < ds.vocab_size < 200
