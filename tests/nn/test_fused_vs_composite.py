"""Every fused op equals its composite of engine primitives, in value and in gradient (float64).

Shapes are random (seeded), with odd sizes; the cases cover ignore_index rows and label
smoothing for cross-entropy, causal and not, Tq != Tk for attention.
"""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.nn import composite

SEEDS = range(6)
TOL = dict(rtol=1e-10, atol=1e-12)


def _leaf(rng, *shape, scale=1.0):
    return mg.tensor(rng.standard_normal(shape) * scale, dtype="float64", requires_grad=True)


def _value_and_grads(fn, inputs, rng):
    """fn's output and the gradients of sum(output * w) for fixed random w."""
    for x in inputs:
        x.grad = None
    out = fn(*inputs)
    w = rng.standard_normal(out.shape)
    (out * mg.tensor(w, dtype="float64")).sum().backward()
    return out.numpy().copy(), [x.grad.numpy().copy() for x in inputs]


def assert_same(fused_fn, composite_fn, inputs, seed):
    fused_out, fused_grads = _value_and_grads(fused_fn, inputs, np.random.default_rng(seed))
    comp_out, comp_grads = _value_and_grads(composite_fn, inputs, np.random.default_rng(seed))
    np.testing.assert_allclose(fused_out, comp_out, **TOL)
    for i, (a, b) in enumerate(zip(fused_grads, comp_grads)):
        np.testing.assert_allclose(a, b, **TOL, err_msg=f"gradient of input {i}")


@pytest.mark.parametrize("seed", SEEDS)
def test_linear(seed):
    rng = np.random.default_rng(seed)
    n_in, n_out = rng.integers(1, 40, size=2)
    lead = tuple(rng.integers(1, 6, size=rng.integers(0, 3)))
    inputs = [_leaf(rng, *lead, n_in), _leaf(rng, n_out, n_in), _leaf(rng, n_out)]
    assert_same(F.linear, composite.linear_composite, inputs, seed)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("seed", SEEDS)
def test_cross_entropy(seed, reduction):
    rng = np.random.default_rng(seed)
    c = int(rng.integers(1, 37))
    lead = tuple(rng.integers(1, 7, size=rng.integers(1, 3)))
    targets = rng.integers(0, c, size=lead)
    targets[rng.random(lead) < 0.3] = -1 if seed % 2 else -100  # ignored rows
    targets.flat[0] = 0  # at least one row counts
    ignore_index = -1 if seed % 2 else -100
    smoothing = [0.0, 0.1, 0.37][seed % 3]
    t = mg.tensor(targets)
    logits = _leaf(rng, *lead, c, scale=3.0)
    assert_same(
        lambda x: F.cross_entropy(x.movedim(-1, 1), t, reduction=reduction, ignore_index=ignore_index,
                                  label_smoothing=smoothing),  # PyTorch's layout: classes on dim 1
        lambda x: composite.cross_entropy_composite(x, t, reduction, ignore_index, smoothing),
        [logits], seed,
    )


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("seed", SEEDS)
def test_layer_norm(seed, affine):
    rng = np.random.default_rng(seed)
    d = int(rng.integers(2, 50))
    lead = tuple(rng.integers(1, 6, size=rng.integers(0, 3)))
    x = _leaf(rng, *lead, d, scale=2.0)
    if affine:
        inputs = [x, _leaf(rng, d), _leaf(rng, d)]
        assert_same(lambda x, w, b: F.layer_norm(x, d, w, b), composite.layer_norm_composite, inputs, seed)
    else:
        assert_same(lambda x: F.layer_norm(x, d), composite.layer_norm_composite, [x], seed)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("seed", SEEDS)
def test_attention(seed, causal):
    rng = np.random.default_rng(seed)
    tq, d, dv = rng.integers(1, 12, size=3)
    tk = int(rng.integers(tq, tq + 6)) if causal else int(rng.integers(1, 12))  # causal needs Tk >= Tq
    lead = tuple(rng.integers(1, 4, size=rng.integers(1, 3)))
    inputs = [_leaf(rng, *lead, tq, d), _leaf(rng, *lead, tk, d), _leaf(rng, *lead, tk, dv)]
    scale = None if seed % 2 else 0.3
    assert_same(
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=causal, scale=scale),
        lambda q, k, v: composite.attention_composite(q, k, v, causal=causal, scale=scale),
        inputs, seed,
    )


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("seed", SEEDS)
def test_self_attention(seed, causal):
    rng = np.random.default_rng(seed)
    heads, head_dim, b, t = rng.integers(1, 5, size=4)
    qkv = _leaf(rng, b, t, 3 * heads * head_dim)
    assert_same(
        lambda qkv: F.self_attention(qkv, int(heads), causal=causal),
        lambda qkv: composite.self_attention_composite(qkv, int(heads), causal=causal),
        [qkv], seed,
    )


@pytest.mark.parametrize("rows", [3, 300, 1000])  # both NumPy gradient routes: one-hot matmul and sort-reduceat
def test_embedding(rows):
    rng = np.random.default_rng(rows)
    indices = mg.tensor(rng.integers(0, rows, size=(7, 9)))
    indices.data[0, :4] = 1  # repeated indices must add up
    weight = _leaf(rng, rows, 5)
    assert_same(lambda w: F.embedding(indices, w), lambda w: composite.embedding_composite(indices, w), [weight], rows)


@pytest.mark.parametrize("seed", SEEDS)
def test_bce_with_logits(seed):
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(1, 6, size=2))
    x = _leaf(rng, *shape, scale=4.0)
    y = mg.tensor(rng.random(shape), dtype="float64", requires_grad=True)
    w = mg.tensor(rng.random(shape[-1]) * 3, dtype="float64", requires_grad=True)
    assert_same(
        lambda x, y, w: F.binary_cross_entropy_with_logits(x, y, reduction="none", pos_weight=w),
        composite.bce_with_logits_composite, [x, y, w], seed,
    )


def test_bce_with_logits_gradient_at_zero_is_sigmoid_minus_target():
    # the composite's relu/abs kinks give the wrong answer exactly here; the fused op must not
    x = mg.zeros(3, dtype="float64", requires_grad=True)
    y = mg.tensor([0.0, 0.5, 1.0], dtype="float64")
    F.binary_cross_entropy_with_logits(x, y, reduction="sum").backward()
    np.testing.assert_allclose(x.grad.numpy(), 0.5 - y.numpy())
