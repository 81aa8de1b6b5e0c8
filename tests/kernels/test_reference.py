"""The NumPy references: against straightforward float64 math, against PyTorch where it is
installed, and for the dtype and in-place rules the engine relies on."""
from __future__ import annotations

import math

import numpy as np
import pytest

import kernels
from kernels.reference import erf as erf_module

FLOATS = [np.float32, np.float64]


def composite_softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def composite_attention(q, k, v, causal, scale):
    s = q @ np.swapaxes(k, -1, -2) * scale
    if causal:
        s = np.where(np.tril(np.ones(s.shape[-2:], bool)), s, -np.inf)
    return composite_softmax(s) @ v


def torch_or_skip():
    return pytest.importorskip("torch")


# ---------------------------------------------------------------- dtype rules


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_outputs_keep_the_input_dtype(dtype, rng):
    x = rng.standard_normal((3, 5)).astype(dtype)
    assert kernels.softmax_fwd(x).dtype == dtype
    assert kernels.log_softmax_fwd(x).dtype == dtype
    assert kernels.softmax_bwd(x, x).dtype == dtype
    assert kernels.log_softmax_bwd(x, x).dtype == dtype
    assert kernels.gelu_fwd(x).dtype == dtype
    assert kernels.gelu_bwd(x, x, "tanh").dtype == dtype
    assert kernels.matmul(x, x.T).dtype == dtype
    y, mean, rstd = kernels.layer_norm_fwd(x, None, None, 1e-5)
    assert y.dtype == dtype
    assert mean.shape == rstd.shape == (3,)
    losses, lse = kernels.cross_entropy_fwd(x, np.array([0, 1, 4]))
    assert losses.dtype == dtype
    assert lse.dtype == (np.float64 if dtype == np.float64 else np.float32)


# ---------------------------------------------------------------- matmul


@pytest.mark.parametrize("a_shape, b_shape", [
    ((4, 3), (3, 5)), ((2, 4, 3), (3, 5)), ((2, 1, 4, 3), (3, 3, 5)), ((3,), (3, 2)),
    ((4, 3), (3,)), ((3,), (3,)), ((0, 3), (3, 2)), ((2, 0), (0, 3)),
])
def test_matmul_follows_numpy_semantics(a_shape, b_shape, rng):
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    np.testing.assert_allclose(kernels.matmul(a, b), np.matmul(a, b), rtol=1e-12, atol=1e-12)


def test_matmul_float16_accumulates_in_float32(rng):
    a = rng.standard_normal((64, 512)).astype(np.float16)
    b = rng.standard_normal((512, 8)).astype(np.float16)
    exact = a.astype(np.float64) @ b.astype(np.float64)
    error = np.abs(kernels.matmul(a, b) - exact).max() / np.abs(exact).max()
    assert error < 2e-3


# ---------------------------------------------------------------- softmax family


@pytest.mark.parametrize("shape", [(7,), (3, 9), (2, 3, 1), (2, 5, 33)])
def test_softmax_and_log_softmax_match_composites(shape, rng):
    x = rng.standard_normal(shape) * 4
    y = kernels.softmax_fwd(x)
    np.testing.assert_allclose(y, composite_softmax(x), rtol=1e-13)
    np.testing.assert_allclose(kernels.log_softmax_fwd(x), np.log(composite_softmax(x)),
                               rtol=1e-12, atol=1e-13)
    dy = rng.standard_normal(shape)
    jac_vec = y * (dy - (dy * y).sum(-1, keepdims=True))
    np.testing.assert_allclose(kernels.softmax_bwd(y, dy), jac_vec, rtol=1e-12, atol=1e-14)
    logy = kernels.log_softmax_fwd(x)
    expected = dy - np.exp(logy) * dy.sum(-1, keepdims=True)
    np.testing.assert_allclose(kernels.log_softmax_bwd(logy, dy), expected, rtol=1e-12,
                               atol=1e-14)


def test_softmax_is_stable_for_huge_logits():
    x = np.array([[1e4, 1e4 - 1.0, -1e4]], dtype=np.float32)
    y = kernels.softmax_fwd(x)
    assert np.isfinite(y).all()
    np.testing.assert_allclose(y.sum(), 1.0, rtol=1e-6)
    assert np.isfinite(kernels.log_softmax_fwd(x)).all()


def test_softmax_backward_matches_finite_differences(rng):
    x, dy = rng.standard_normal((2, 6)), rng.standard_normal((2, 6))
    grad = kernels.softmax_bwd(kernels.softmax_fwd(x), dy)
    h, numeric = 1e-6, np.zeros_like(x)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = h
        numeric[index] = ((kernels.softmax_fwd(x + step) - kernels.softmax_fwd(x - step)) * dy
                          ).sum() / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_softmax_matches_torch(rng):
    torch = torch_or_skip()
    x = rng.standard_normal((4, 11))
    np.testing.assert_allclose(kernels.softmax_fwd(x), torch.softmax(torch.tensor(x), -1).numpy(),
                               rtol=1e-12)
    np.testing.assert_allclose(kernels.log_softmax_fwd(x),
                               torch.log_softmax(torch.tensor(x), -1).numpy(), rtol=1e-12)


# ---------------------------------------------------------------- cross-entropy


def composite_cross_entropy(x, t, ignore_index, smoothing):
    logp = np.log(composite_softmax(x))
    n, c = x.shape
    valid = t != ignore_index
    nll = -logp[np.arange(n), np.where(valid, t, 0)]
    smooth = -logp.mean(axis=1)
    return np.where(valid, (1 - smoothing) * nll + smoothing * smooth, 0.0)


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_cross_entropy_matches_composite(smoothing, rng):
    x = rng.standard_normal((6, 9)) * 3
    t = rng.integers(0, 9, 6)
    t[1] = -100
    losses, lse = kernels.cross_entropy_fwd(x, t, label_smoothing=smoothing)
    np.testing.assert_allclose(losses, composite_cross_entropy(x, t, -100, smoothing), rtol=1e-12)
    np.testing.assert_allclose(lse, np.log(np.exp(x).sum(1)), rtol=1e-13)
    assert losses[1] == 0.0


@pytest.mark.parametrize("smoothing", [0.0, 0.25])
@pytest.mark.parametrize("ignore_index", [-100, 3])
def test_cross_entropy_matches_torch(smoothing, ignore_index, rng):
    torch = torch_or_skip()
    F = torch.nn.functional
    x = rng.standard_normal((8, 7)) * 2
    t = rng.integers(0, 7, 8)
    t[0] = ignore_index if ignore_index >= 0 else -100
    t[5] = ignore_index if ignore_index >= 0 else -100
    tx = torch.tensor(x, requires_grad=True)
    ref = F.cross_entropy(tx, torch.tensor(t), ignore_index=ignore_index, reduction="none",
                          label_smoothing=smoothing)
    dl = rng.standard_normal(8)
    ref.backward(torch.tensor(dl))
    losses, lse = kernels.cross_entropy_fwd(x, t, ignore_index, smoothing)
    np.testing.assert_allclose(losses, ref.detach().numpy(), rtol=1e-12, atol=1e-14)
    dx = kernels.cross_entropy_bwd(x, t, lse, dl, ignore_index, smoothing)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_cross_entropy_handles_large_vocab_logits(rng):
    x = (rng.standard_normal((2, 50257)) * 10).astype(np.float32)
    losses, lse = kernels.cross_entropy_fwd(x, np.array([0, 50256]))
    assert np.isfinite(losses).all() and np.isfinite(lse).all()


# ---------------------------------------------------------------- layer norm


@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_matches_composite(affine, rng):
    x = rng.standard_normal((2, 3, 10)) * 3 + 1
    w, b = (rng.standard_normal(10), rng.standard_normal(10)) if affine else (None, None)
    y, mean, rstd = kernels.layer_norm_fwd(x, w, b, 1e-5)
    xhat = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(y, xhat * w + b if affine else xhat, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(mean, x.mean(-1), rtol=1e-13)
    np.testing.assert_allclose(rstd, 1 / np.sqrt(x.var(-1) + 1e-5), rtol=1e-13)


def test_layer_norm_matches_torch(rng):
    torch = torch_or_skip()
    F = torch.nn.functional
    x, w, b = rng.standard_normal((4, 5, 12)), rng.standard_normal(12), rng.standard_normal(12)
    dy = rng.standard_normal(x.shape)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ty = F.layer_norm(tx, (12,), tw, tb, 1e-5)
    ty.backward(torch.tensor(dy))
    y, mean, rstd = kernels.layer_norm_fwd(x, w, b, 1e-5)
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-12, atol=1e-13)
    dx, dw, db = kernels.layer_norm_bwd(dy, x, w, mean, rstd)
    for mine, theirs in ((dx, tx), (dw, tw), (db, tb)):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-11, atol=1e-12)


def test_layer_norm_without_weight_returns_no_weight_grads(rng):
    x, dy = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    _, mean, rstd = kernels.layer_norm_fwd(x, None, None, 1e-5)
    dx, dw, db = kernels.layer_norm_bwd(dy, x, None, mean, rstd)
    assert dw is None and db is None
    # Without an affine transform dx is orthogonal to 1 and to xhat in each row.
    np.testing.assert_allclose(dx.sum(-1), 0.0, atol=1e-12)


# ---------------------------------------------------------------- attention


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("tq, tk", [(5, 5), (3, 7), (7, 3)])
def test_attention_matches_composite(causal, tq, tk, rng):
    q, k, v = (rng.standard_normal((2, 3, t, 4)) for t in (tq, tk, tk))
    o, lse = kernels.attention_fwd(q, k, v, causal=causal)
    np.testing.assert_allclose(o, composite_attention(q, k, v, causal, 0.5), rtol=1e-12,
                               atol=1e-13)
    assert lse.shape == (2, 3, tq) and lse.dtype == np.float64


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("tq, tk", [(6, 6), (4, 9), (9, 4)])
def test_attention_matches_torch_sdpa(causal, tq, tk, rng):
    torch = torch_or_skip()
    F = torch.nn.functional
    q, k, v = (rng.standard_normal((2, 2, t, 8)) for t in (tq, tk, tk))
    do = rng.standard_normal((2, 2, tq, 8))
    tq_, tk_, tv_ = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    ref = F.scaled_dot_product_attention(tq_, tk_, tv_, is_causal=causal, scale=0.3)
    ref.backward(torch.tensor(do))
    o, lse = kernels.attention_fwd(q, k, v, causal=causal, scale=0.3)
    np.testing.assert_allclose(o, ref.detach().numpy(), rtol=1e-11, atol=1e-12)
    grads = kernels.attention_bwd(q, k, v, o, lse, do, causal=causal, scale=0.3)
    for mine, theirs in zip(grads, (tq_, tk_, tv_)):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_attention_float32_returns_float32_lse(rng):
    q = rng.standard_normal((1, 1, 3, 4)).astype(np.float32)
    o, lse = kernels.attention_fwd(q, q, q)
    assert o.dtype == np.float32 and lse.dtype == np.float32


# ---------------------------------------------------------------- GELU and erf


def test_erf_polynomial_is_float64_accurate():
    x = np.concatenate([np.linspace(-7, 7, 20001), [0.0, -0.0, 1.0, 2.0, 3.5, 6.0, 1e-300]])
    exact = np.array([math.erf(v) for v in x])
    approx = erf_module.erf_polynomial(x)
    relative = np.abs(approx - exact) / np.maximum(np.abs(exact), 1e-300)
    assert relative.max() < 1e-14


def test_erf_polynomial_keeps_float32_and_special_values():
    x = np.array([0.5, np.nan, np.inf, -np.inf], dtype=np.float32)
    y = erf_module.erf_polynomial(x)
    assert y.dtype == np.float32
    assert abs(y[0] - math.erf(0.5)) < 1e-7
    assert np.isnan(y[1]) and y[2] == 1 and y[3] == -1


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_matches_formula_and_finite_differences(approximate, rng):
    x = rng.standard_normal(50) * 3
    if approximate == "none":
        expected = np.array([0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x])
    else:
        expected = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    np.testing.assert_allclose(kernels.gelu_fwd(x, approximate), expected, rtol=1e-13, atol=1e-15)
    h = 1e-6
    numeric = (kernels.gelu_fwd(x + h, approximate)
               - kernels.gelu_fwd(x - h, approximate)) / (2 * h)
    np.testing.assert_allclose(kernels.gelu_bwd(x, np.ones_like(x), approximate), numeric,
                               rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_matches_torch(approximate, rng):
    torch = torch_or_skip()
    x, dy = rng.standard_normal((3, 40)) * 3, rng.standard_normal((3, 40))
    tx = torch.tensor(x, requires_grad=True)
    ty = torch.nn.functional.gelu(tx, approximate=approximate)
    ty.backward(torch.tensor(dy))
    np.testing.assert_allclose(kernels.gelu_fwd(x, approximate), ty.detach().numpy(),
                               rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(kernels.gelu_bwd(x, dy, approximate), tx.grad.numpy(),
                               rtol=1e-12, atol=1e-13)


def test_gelu_uses_the_polynomial_erf_when_scipy_is_missing(monkeypatch, rng):
    x = rng.standard_normal(100)
    expected = kernels.gelu_fwd(x)
    monkeypatch.setattr(erf_module, "_scipy_erf", False)
    np.testing.assert_allclose(kernels.gelu_fwd(x), expected, rtol=1e-14, atol=1e-16)


# ---------------------------------------------------------------- Adam


def adam_steps(decoupled, weight_decay, steps, rng, dtype=np.float64):
    param = rng.standard_normal((5, 4)).astype(dtype)
    grads = [rng.standard_normal((5, 4)).astype(dtype) for _ in range(steps)]
    return param, grads


@pytest.mark.parametrize("decoupled", [False, True])
@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_adam_update_matches_torch_over_several_steps(decoupled, weight_decay, rng):
    torch = torch_or_skip()
    param, grads = adam_steps(decoupled, weight_decay, 5, rng)
    tp = torch.tensor(param.copy(), requires_grad=True)
    optimizer = (torch.optim.AdamW if decoupled else torch.optim.Adam)(
        [tp], lr=0.01, betas=(0.9, 0.99), eps=1e-8, weight_decay=weight_decay)
    m, v = np.zeros_like(param), np.zeros_like(param)
    for step, grad in enumerate(grads, start=1):
        tp.grad = torch.tensor(grad)
        optimizer.step()
        kernels.adam_update(param, grad, m, v, lr=0.01, beta1=0.9, beta2=0.99, eps=1e-8,
                            weight_decay=weight_decay, step=step, decoupled=decoupled)
    # PyTorch may fuse multiply-adds (grad + wd * param), so agreement is to ~1e-14, not bits.
    np.testing.assert_allclose(param, tp.detach().numpy(), rtol=1e-12, atol=1e-14)
    state = optimizer.state[tp]
    np.testing.assert_allclose(m, state["exp_avg"].numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(v, state["exp_avg_sq"].numpy(), rtol=1e-12, atol=1e-14)


def test_adam_update_is_in_place_and_leaves_grad_alone(rng):
    param, (grad,) = adam_steps(False, 0.1, 1, rng, np.float32)
    m, v = np.zeros_like(param), np.zeros_like(param)
    ids, grad_before = (id(param), id(m), id(v)), grad.copy()
    param_before = param.copy()
    kernels.adam_update(param, grad, m, v, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8,
                        weight_decay=0.1, step=1, decoupled=False)
    assert (id(param), id(m), id(v)) == ids
    assert param.dtype == m.dtype == v.dtype == np.float32
    np.testing.assert_array_equal(grad, grad_before)
    # The first step moves every coordinate by about lr, against the gradient's sign.
    effective = grad + 0.1 * param_before
    np.testing.assert_allclose(param_before - param, 0.1 * np.sign(effective), rtol=1e-3)


def test_elementwise_ops_take_0d_arrays():
    x = np.array(0.7)
    assert kernels.gelu_fwd(x).shape == () and kernels.gelu_bwd(x, x, "tanh").shape == ()
    assert erf_module.erf_polynomial(x).shape == ()
    np.testing.assert_allclose(erf_module.erf_polynomial(x), math.erf(0.7), rtol=1e-15)
    param, m, v = np.array(1.0), np.array(0.0), np.array(0.0)
    kernels.adam_update(param, np.array(0.5), m, v, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8,
                        weight_decay=0.0, step=1, decoupled=False)
    np.testing.assert_allclose(param, 0.9, rtol=1e-6)
    assert m.shape == () and abs(float(m) - 0.05) < 1e-15
