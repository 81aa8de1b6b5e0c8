"""Factories against PyTorch: the same signatures, dtypes, shapes and (for deterministic ones)
values; random ones are checked for their range, distribution and reproducibility."""

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")


def _same(ours, theirs, rtol=0.0):
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=rtol, atol=0)


@pytest.mark.parametrize("args", [
    (5,), (2, 7), (0, 1, 0.1), (1, 4, 0.3), (1.5, 2.5, 0.25), (0.0, -1.0, -0.15), (10, 0, -3),
    (0, 5, 1.5), (-2.2, 3.9, 0.7), (0, 0.3, 0.1), (1, 1), (0, 10, 3),
])
def test_arange_length_and_values_follow_pytorch(args):
    # The lengths and dtypes are exact; float64 values may differ in the last bit or two, because
    # PyTorch's vectorised kernel adds i * step to a per-vector base instead of to start.
    _same(mg.arange(*args), torch.arange(*args), rtol=1e-7)
    _same(mg.arange(*args, dtype=mg.float64), torch.arange(*args, dtype=torch.float64), rtol=4e-15)


def test_arange_errors():
    with pytest.raises(ValueError, match="arange: step must be nonzero"):
        mg.arange(0, 1, 0)
    with pytest.raises(ValueError, match="arange: the range from 0 to 10 runs against the step -1"):
        mg.arange(0, 10, -1)


@pytest.mark.parametrize("start, end, steps", [(0, 1, 5), (-3.3, 7.1, 11), (2, 2, 4), (0, 1, 1), (0, 1, 0),
                                               (10, -1, 8), (0.1, 0.9, 100)])
def test_linspace_and_logspace(start, end, steps):
    _same(mg.linspace(start, end, steps), torch.linspace(start, end, steps), rtol=1e-6)
    _same(mg.linspace(start, end, steps, dtype=mg.float64), torch.linspace(start, end, steps, dtype=torch.float64),
          rtol=4e-15)
    _same(mg.linspace(start, end, steps, dtype=mg.int64), torch.linspace(start, end, steps, dtype=torch.int64))
    _same(mg.logspace(start, end, steps), torch.logspace(start, end, steps), rtol=1e-5)
    _same(mg.logspace(start, end, steps, base=2), torch.logspace(start, end, steps, base=2), rtol=1e-5)


def test_empty_and_the_like_factories():
    x = mg.tensor([[1, 2, 3]], dtype=mg.int32)
    tx = torch.tensor([[1, 2, 3]], dtype=torch.int32)
    assert mg.empty(2, 3).shape == (2, 3) and mg.empty((2, 3)).dtype == mg.float32
    assert mg.empty(2, dtype=mg.int64).dtype == torch.empty(2, dtype=torch.int64).numpy().dtype
    _same(mg.zeros_like(x), torch.zeros_like(tx))
    _same(mg.ones_like(x, dtype=mg.float64), torch.ones_like(tx, dtype=torch.float64))
    _same(mg.full_like(x, 7), torch.full_like(tx, 7))
    _same(mg.full_like(x, 2.5, dtype=mg.float32), torch.full_like(tx, 2.5, dtype=torch.float32))
    assert mg.empty_like(x).shape == (1, 3) and mg.empty_like(x).dtype == mg.int32
    f = mg.zeros(4, 5, dtype=mg.float64)
    for fn in (mg.rand_like, mg.randn_like, mg.zeros_like, mg.ones_like, mg.empty_like):
        out = fn(f, requires_grad=True)
        assert out.shape == (4, 5) and out.dtype == mg.float64 and out.requires_grad and out.device == "cpu"
    assert mg.rand_like(f, dtype=mg.float16).dtype == mg.float16
    assert mg.zeros_like(f, device="cpu").device == "cpu"
    with pytest.raises(TypeError, match="rand_like: random floats need a floating-point dtype, got int32"):
        mg.rand_like(x)
    with pytest.raises(TypeError, match="randn_like"):
        mg.randn_like(x)


def test_randint_signatures_and_dtypes():
    mg.manual_seed(0)
    assert mg.randint(10, (3, 4)).shape == torch.randint(10, (3, 4)).shape
    assert mg.randint(3, 10, (5,)).dtype == mg.int64
    assert mg.randint(0, 5, 7).shape == (7,)  # an int size too
    assert mg.randint(2, size=(2, 2)).shape == (2, 2)
    assert mg.randint(0, 4, (3,), dtype=mg.float32).dtype == torch.randint(0, 4, (3,), dtype=torch.float32).numpy().dtype
    values = mg.randint(-3, 4, (2000,)).numpy()
    assert values.min() == -3 and values.max() == 3
    like = mg.randint_like(mg.zeros(3, 3), 5)
    assert like.dtype == mg.float32 and like.shape == (3, 3) and set(like.numpy().ravel()) <= set(range(5))
    assert set(mg.randint_like(mg.zeros(50, dtype=mg.int64), 2, 4).numpy()) == {2, 3}
    with pytest.raises(ValueError, match="randint: the range \\[5, 5\\) is empty"):
        mg.randint(5, 5, (2,))


def test_randperm_is_a_permutation_and_reproducible():
    mg.manual_seed(3)
    p = mg.randperm(50)
    mg.manual_seed(3)
    assert p.tolist() == mg.randperm(50).tolist()
    assert p.dtype == torch.randperm(3).numpy().dtype and sorted(p.tolist()) == list(range(50))
    assert mg.randperm(5, dtype=mg.float32).dtype == mg.float32


def test_multinomial_frequencies_and_rules():
    mg.manual_seed(0)
    weights = mg.tensor([1.0, 0.0, 3.0])
    draws = mg.multinomial(weights, 4000, replacement=True)
    assert draws.dtype == mg.int64 and draws.shape == (4000,)
    counts = np.bincount(draws.numpy(), minlength=3) / 4000
    np.testing.assert_allclose(counts, [0.25, 0.0, 0.75], atol=0.03)
    rows = weights.multinomial(2)  # without replacement: both nonzero categories, each once
    assert sorted(rows.tolist()) == [0, 2]
    batch = mg.multinomial(mg.tensor([[0.0, 1.0, 1.0, 0.0], [5.0, 0.0, 0.0, 1.0]]), 2)
    assert batch.shape == (2, 2) and [sorted(r) for r in batch.tolist()] == [[1, 2], [0, 3]]
    first = [mg.multinomial(mg.tensor([1.0, 9.0]), 1).item() for _ in range(400)]
    assert 0.85 < np.mean(first) < 0.95  # without replacement the first draw still follows the weights
    with pytest.raises(ValueError, match="multinomial: cannot draw 3 samples without replacement"):
        mg.multinomial(weights, 3)
    with pytest.raises(ValueError, match="non-negative"):
        mg.multinomial(mg.tensor([1.0, -1.0]), 1)


def test_bernoulli_and_normal():
    mg.manual_seed(0)
    p = mg.tensor([0.0, 1.0, 0.3] * 1000)
    draws = mg.bernoulli(p)
    assert draws.dtype == mg.float32 and set(np.unique(draws.numpy())) <= {0.0, 1.0}
    assert draws.numpy()[0::3].sum() == 0 and draws.numpy()[1::3].sum() == 1000
    assert abs(draws.numpy()[2::3].mean() - 0.3) < 0.05
    assert abs(mg.zeros(4000).bernoulli(0.25).numpy().mean() - 0.25) < 0.03
    n = mg.normal(2.0, 3.0, (20000,))
    assert n.dtype == mg.float32 and abs(n.numpy().mean() - 2.0) < 0.1 and abs(n.numpy().std() - 3.0) < 0.1
    means = mg.tensor([0.0, 100.0], dtype=mg.float64)
    m = mg.normal(means, 0.1)
    assert m.dtype == mg.float64 and abs(m.numpy()[1] - 100) < 1
    assert mg.normal(0.0, mg.ones(3, 2)).shape == (3, 2)
