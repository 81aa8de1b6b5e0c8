"""The CPU fast paths: the float32 erf and GELU, the blocked elementwise loop, the gemv row
reductions, the direct dispatch to the reference and the cheap input checks. Each fast path
must give what the general path gives (or the float64 truth, within float32 precision)."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import kernels
from kernels import dispatch, reference
from kernels.reference import _rows
from kernels.reference import erf as erf_module
from kernels.reference import gelu as gelu_module


def exact_erf(x):
    """float64 erf from the fitted float64 polynomials (accurate to ~1e-16; no scipy needed)."""
    return erf_module.erf_polynomial(np.asarray(x, dtype=np.float64))


# ---------------------------------------------------------------- float32 erf


def test_float32_erf_is_accurate_to_float32_on_a_dense_grid():
    x = np.linspace(-9.0, 9.0, 1_800_001, dtype=np.float32)
    error = np.abs(erf_module.erf_float32(x).astype(np.float64) - exact_erf(x))
    assert error.max() <= 2e-7, f"max |error| {error.max():.3g} at x = {x[error.argmax()]}"


def test_float32_erf_saturates_and_keeps_special_values_without_warnings():
    x = np.array([5.0, 10.0, 1e5, 1e30, 3e38, np.inf, -5.0, -1e30, -np.inf, np.nan, 0.0, -0.0],
                 np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = erf_module.erf_float32(x)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y[:6], 1.0)
    np.testing.assert_array_equal(y[6:9], -1.0)
    assert np.isnan(y[9]) and y[10] == 0.0 and np.signbit(y[11])


def test_tanh_form_polynomial_stays_positive_past_its_fit():
    # Why no clipping is needed: z * P(z^2) only grows past |z| = 4, where tanh rounds to 1.
    w = np.linspace(16.0, 1e4, 200_001)
    p = np.polynomial.Polynomial(erf_module._TANH_FORM)(w)
    assert (np.sqrt(w) * p).min() > 9.0
    assert (np.diff(p) > 0).all()


# ---------------------------------------------------------------- GELU fast path


def gelu_exact(x):
    x = np.asarray(x, dtype=np.float64)
    cdf = 0.5 * (1.0 + exact_erf(x / math.sqrt(2.0)))
    return x * cdf, cdf + x * np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def test_float32_gelu_matches_float64_within_float32_precision():
    x = np.linspace(-12.0, 12.0, 480_001, dtype=np.float32)
    y_exact, dydx_exact = gelu_exact(x)
    y = kernels.gelu_fwd(x).astype(np.float64)
    dydx = kernels.gelu_bwd(x, np.ones_like(x)).astype(np.float64)
    assert (np.abs(y - y_exact) / np.maximum(np.abs(x), 1.0)).max() <= 2e-7
    assert np.abs(dydx - dydx_exact).max() <= 3e-7


def test_float32_gelu_backward_from_the_output_matches_float64():
    """gelu_bwd(x, dy, y=gelu_fwd(x)) reads Phi(x) = y / x: as accurate as recomputing erf,
    including at x = +-0 (Phi = 1/2), far in both tails and where the forward overflows."""
    x = np.linspace(-12.0, 12.0, 480_001, dtype=np.float32)
    edges = np.float32([0.0, -0.0, 1.4e-45, -1.4e-45, 4.2e-45, -1e-40, 1e-30, -1e-30, -30.0,
                        -1e6, 1e6])  # zeros, subnormals, tiny, the tails
    x = np.concatenate([x, edges])
    _, dydx_exact = gelu_exact(x)
    y = kernels.gelu_fwd(x)
    dydx = kernels.gelu_bwd(x, np.ones_like(x), y=y).astype(np.float64)
    assert np.abs(dydx - dydx_exact).max() <= 3e-7
    assert (dydx[-len(edges):-5] == 0.5).all()  # every |x| below 2^-60 gets Phi = 1/2


def test_gelu_backward_from_the_output_propagates_nan_and_keeps_other_dtypes(rng):
    x = rng.standard_normal(100).astype(np.float32)
    x[17] = np.nan
    dx = kernels.gelu_bwd(x, np.ones_like(x), y=kernels.gelu_fwd(x))
    assert np.isnan(dx[17]) and np.isfinite(np.delete(dx, 17)).all()
    for dtype in (np.float16, np.float64):  # these recompute: y is not precise enough / not needed
        xd = (rng.standard_normal(50) * 3).astype(dtype)
        dy = rng.standard_normal(50).astype(dtype)
        np.testing.assert_array_equal(kernels.gelu_bwd(xd, dy, y=kernels.gelu_fwd(xd)),
                                      kernels.gelu_bwd(xd, dy))


def test_gelu_backward_checks_the_output_it_is_given(rng):
    x = rng.standard_normal((4, 5)).astype(np.float32)
    with pytest.raises(ValueError, match=r"gelu_bwd: y must have the shape of x"):
        kernels.gelu_bwd(x, x, y=x[:, :4])
    with pytest.raises(TypeError, match=r"gelu_bwd: y must be a floating-point array"):
        kernels.gelu_bwd(x, x, y=x.astype(np.int32))


def test_float16_gelu_runs_in_float32(rng):
    x = (rng.standard_normal(1000) * 3).astype(np.float16)
    y_exact, dydx_exact = gelu_exact(x)
    y, dx = kernels.gelu_fwd(x), kernels.gelu_bwd(x, np.ones_like(x))
    assert y.dtype == dx.dtype == np.float16
    np.testing.assert_allclose(y, y_exact, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(dx, dydx_exact, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_blocked_gelu_is_the_same_across_block_edges_and_layouts(approximate, dtype, rng,
                                                                 monkeypatch):
    monkeypatch.setattr(gelu_module, "BLOCK", 64)  # many blocks, and a ragged last one
    x = (rng.standard_normal((7, 45)) * 3).astype(dtype)
    dy = rng.standard_normal((7, 45)).astype(dtype)
    y, dx = kernels.gelu_fwd(x, approximate), kernels.gelu_bwd(x, dy, approximate)
    dx_from_y = kernels.gelu_bwd(x, dy, approximate, y=y)
    # Transposed (non-contiguous) inputs give the same numbers, elementwise.
    xt, dyt, yt = (np.ascontiguousarray(a.T).T for a in (x, dy, y))
    np.testing.assert_array_equal(kernels.gelu_fwd(xt, approximate), y)
    np.testing.assert_array_equal(kernels.gelu_bwd(xt, dyt, approximate), dx)
    np.testing.assert_array_equal(kernels.gelu_bwd(xt, dyt, approximate, y=yt), dx_from_y)
    # And one element at a time, through its own block of one.
    np.testing.assert_array_equal(kernels.gelu_fwd(x[3, 7:8], approximate), y[3, 7:8])
    np.testing.assert_array_equal(kernels.gelu_bwd(x[3, 7:8], dy[3, 7:8], approximate),
                                  dx[3, 7:8])
    np.testing.assert_array_equal(
        kernels.gelu_bwd(x[3, 7:8], dy[3, 7:8], approximate, y=y[3, 7:8]), dx_from_y[3, 7:8])


def test_blocked_tanh_gelu_matches_the_formula_in_float64(rng):
    x = rng.standard_normal(300) * 4
    inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)
    np.testing.assert_allclose(kernels.gelu_fwd(x, "tanh"), 0.5 * x * (1.0 + np.tanh(inner)),
                               rtol=1e-14, atol=1e-15)


# ---------------------------------------------------------------- row reductions


@pytest.mark.parametrize("shape", [(5,), (3, 7), (2, 3, 40), (4, 3000), (3, 0)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_helpers_match_numpy_reductions(shape, dtype, rng):
    x = rng.standard_normal(shape).astype(dtype)
    y = rng.standard_normal(shape).astype(dtype)
    # Both the helpers and NumPy round; compare with the float64 sum, bounding the error by
    # the sum of |terms| (a row sum may cancel to near 0, so relative-to-result is ill-posed).
    budget = 2e-6 if dtype == np.float32 else 1e-14
    x64, y64 = x.astype(np.float64), y.astype(np.float64)
    for got, terms in ((_rows.row_sum(x), x64), (_rows.row_dot(x, y), x64 * y64)):
        assert isinstance(got, np.ndarray) and got.shape == shape[:-1]
        error = np.abs(got - terms.sum(axis=-1)) / np.maximum(np.abs(terms).sum(axis=-1), 1e-300)
        assert error.size == 0 or error.max() <= budget, f"scaled error {error.max():.3g}"
    if shape[-1]:
        got = _rows.row_max(x)
        assert isinstance(got, np.ndarray)
        np.testing.assert_array_equal(got, x.max(axis=-1))


def test_row_max_propagates_nan():
    x = np.array([[1.0, np.nan, 3.0], [1.0, 2.0, 3.0]], np.float32)
    m = _rows.row_max(x)
    assert np.isnan(m[0]) and m[1] == 3.0


def test_cached_helper_arrays_are_read_only():
    for array in (_rows.ones(5, np.dtype(np.float32)), _rows.arange(5),
                  reference.attention._causal_mask_t(np, 4, 4, np.dtype(np.float32))):
        with pytest.raises(ValueError):
            array[0] = 7


# ---------------------------------------------------------------- direct dispatch


def _every_kernel(rng, dtype):
    """(name, callable) for one call of every public kernel on small inputs."""
    x = rng.standard_normal((6, 5)).astype(dtype)
    dy = rng.standard_normal((6, 5)).astype(dtype)
    t = rng.integers(0, 5, 6)
    w, b = rng.standard_normal(5).astype(dtype), rng.standard_normal(5).astype(dtype)
    q = rng.standard_normal((2, 2, 4, 3)).astype(dtype)
    losses, lse = kernels.cross_entropy_fwd(x, t)
    _, mean, rstd = kernels.layer_norm_fwd(x, w, b, 1e-5)
    o, att_lse = kernels.attention_fwd(q, q, q, causal=True)

    def adam():
        p, m, v = x.copy(), np.zeros_like(x), np.zeros_like(x)
        kernels.adam_update(p, dy, m, v, lr=0.1, beta1=0.9, beta2=0.99, eps=1e-8,
                            weight_decay=0.1, step=2, decoupled=True)
        return p, m, v

    return [
        ("matmul", lambda: kernels.matmul(x, dy.T)),
        ("softmax_fwd", lambda: kernels.softmax_fwd(x)),
        ("softmax_bwd", lambda: kernels.softmax_bwd(x, dy)),
        ("log_softmax_fwd", lambda: kernels.log_softmax_fwd(x)),
        ("log_softmax_bwd", lambda: kernels.log_softmax_bwd(x, dy)),
        ("cross_entropy_fwd", lambda: kernels.cross_entropy_fwd(x, t, label_smoothing=0.1)),
        ("cross_entropy_bwd", lambda: kernels.cross_entropy_bwd(x, t, lse, losses)),
        ("layer_norm_fwd", lambda: kernels.layer_norm_fwd(x, w, b, 1e-5)),
        ("layer_norm_bwd", lambda: kernels.layer_norm_bwd(dy, x, w, mean, rstd)),
        ("attention_fwd", lambda: kernels.attention_fwd(q, q, q, causal=True)),
        ("attention_bwd", lambda: kernels.attention_bwd(q, q, q, o, att_lse, q, causal=True)),
        ("gelu_fwd", lambda: kernels.gelu_fwd(x)),
        ("gelu_bwd", lambda: kernels.gelu_bwd(x, dy, "tanh")),
        ("adam_update", adam),
    ]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_direct_dispatch_equals_the_registry_path(dtype, monkeypatch):
    direct = [(name, fn()) for name, fn in _every_kernel(np.random.default_rng(7), dtype)]
    # Forcing any op sends every call through _run and the registry lookup.
    monkeypatch.setitem(dispatch._forced, "matmul", "numpy")
    for (name, expected), (_, fn) in zip(direct, _every_kernel(np.random.default_rng(7), dtype)):
        got = fn()
        pairs = zip(got, expected) if isinstance(got, tuple) else [(got, expected)]
        for a, b in pairs:
            np.testing.assert_array_equal(a, b, err_msg=name)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_non_contiguous_inputs_give_the_contiguous_result(dtype, rng):
    def strided(a):  # the same values in a transposed memory layout
        return np.ascontiguousarray(np.swapaxes(a, -1, -2)).swapaxes(-1, -2)

    x = rng.standard_normal((8, 6)).astype(dtype)
    dy = rng.standard_normal((8, 6)).astype(dtype)
    w = rng.standard_normal(6).astype(dtype)
    q = rng.standard_normal((1, 2, 5, 4)).astype(dtype)
    rtol = {np.float16: 2e-3, np.float32: 2e-6, np.float64: 1e-13}[dtype]

    def close(a, b):
        np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64),
                                   rtol=rtol, atol=rtol)

    close(kernels.softmax_fwd(strided(x)), kernels.softmax_fwd(x))
    close(kernels.log_softmax_bwd(strided(x), strided(dy)), kernels.log_softmax_bwd(x, dy))
    for a, b in zip(kernels.layer_norm_fwd(strided(x), w, None, 1e-5),
                    kernels.layer_norm_fwd(x, w, None, 1e-5)):
        close(a, b)
    for a, b in zip(kernels.attention_fwd(strided(q), strided(q), strided(q), causal=True),
                    kernels.attention_fwd(q, q, q, causal=True)):
        close(a, b)
    t = rng.integers(0, 6, 8)
    close(kernels.cross_entropy_fwd(strided(x), t[::-1].copy()[::-1])[0],
          kernels.cross_entropy_fwd(x, t)[0])


# ---------------------------------------------------------------- cross-entropy validity


@pytest.mark.parametrize("target_dtype", [np.int64, np.int32, np.uint8])
def test_cross_entropy_knows_when_no_row_is_ignored(target_dtype, rng):
    x = rng.standard_normal((5, 4))
    t = rng.integers(0, 4, 5).astype(target_dtype)
    assert kernels.checks.cross_entropy("op", x, t, -100, 0.0) is True
    # An ignore_index that is also a class may hide among the targets: no promise then.
    assert kernels.checks.cross_entropy("op", x, t, 2, 0.0) is False
    losses, lse = kernels.cross_entropy_fwd(x, t)
    for all_valid in (None, False, True):
        got, got_lse = reference.cross_entropy_fwd(x, t, -100, 0.0, all_valid)
        np.testing.assert_array_equal(got, losses)
        np.testing.assert_array_equal(got_lse, lse)
        np.testing.assert_array_equal(
            reference.cross_entropy_bwd(x, t, lse, np.ones(5), -100, 0.0, all_valid),
            kernels.cross_entropy_bwd(x, t, lse, np.ones(5)))


def test_cross_entropy_ignored_rows_still_take_the_masked_path(rng):
    x = rng.standard_normal((4, 3))
    t = np.array([0, -100, 2, -100])
    losses, lse = kernels.cross_entropy_fwd(x, t)
    np.testing.assert_array_equal(losses[[1, 3]], 0.0)
    dx = kernels.cross_entropy_bwd(x, t, lse, np.ones(4))
    np.testing.assert_array_equal(dx[[1, 3]], 0.0)
    with pytest.raises(IndexError, match="target -3 is out of range"):
        kernels.cross_entropy_fwd(x, np.array([0, -3, 1, 1]))


# ---------------------------------------------------------------- checks' fast path


def test_fast_checks_still_reject_what_the_detailed_checks_reject():
    f32 = np.zeros((2, 3), np.float32)
    with pytest.raises(TypeError, match="softmax_bwd: dy must be a floating-point"):
        kernels.softmax_bwd(f32, np.zeros((2, 3), np.int64))
    with pytest.raises(ValueError, match="dy must have the shape of y"):
        kernels.softmax_bwd(f32, np.zeros((3, 2), np.float32))
    with pytest.raises(TypeError, match="q, k, v must share one dtype"):
        kernels.attention_fwd(np.zeros((1, 2, 3)), np.zeros((1, 2, 3), np.float32),
                              np.zeros((1, 2, 3)))
    with pytest.raises(ValueError, match="lse must have shape"):
        q = np.zeros((1, 2, 3))
        kernels.attention_bwd(q, q, q, q, np.zeros((1, 3)), q)
    with pytest.raises(ValueError, match="mean must have shape"):
        kernels.layer_norm_bwd(f32, f32, None, np.zeros(3, np.float32), np.zeros(2, np.float32))
    with pytest.raises(ValueError, match="eps must be >= 0"):
        kernels.layer_norm_fwd(f32, None, None, -1.0)
    with pytest.raises(ValueError, match="label_smoothing must be in"):
        kernels.cross_entropy_fwd(f32, np.zeros(2, np.int64), label_smoothing=1.5)
    with pytest.raises(ValueError, match="exp_avg is read-only"):
        frozen = np.zeros((2, 3), np.float32)
        frozen.flags.writeable = False
        kernels.adam_update(f32.copy(), f32, frozen, f32.copy(), lr=1e-3, beta1=0.9,
                            beta2=0.999, eps=1e-8, weight_decay=0.0, step=1, decoupled=False)
    with pytest.raises(TypeError, match="exp_avg must have param's dtype"):
        kernels.adam_update(f32.copy(), f32, np.zeros((2, 3)), f32.copy(), lr=1e-3, beta1=0.9,
                            beta2=0.999, eps=1e-8, weight_decay=0.0, step=1, decoupled=False)
    with pytest.raises(ValueError, match="matmul: inner dimensions differ"):
        kernels.matmul(np.zeros(3), np.zeros(4))


# ---------------------------------------------------------------- Adam


def adam_textbook(param, grad, m, v, lr, beta1, beta2, eps, step):
    m = m + (1 - beta1) * (grad - m)
    v = beta2 * v + (1 - beta2) * grad * grad
    denom = np.sqrt(v) / math.sqrt(1 - beta2 ** step) + eps
    return param - lr / (1 - beta1 ** step) * m / denom, m, v


@pytest.mark.parametrize("lr", [1e-3, 0.0])
def test_folded_adam_step_equals_the_textbook_form(lr, rng):
    param, grad = rng.standard_normal(50), rng.standard_normal(50)
    m, v = rng.standard_normal(50) * 0.1, rng.random(50) * 0.01
    expected = adam_textbook(param, grad, m, v, lr, 0.9, 0.999, 1e-8, 3)
    kernels.adam_update(param, grad, m, v, lr=lr, beta1=0.9, beta2=0.999, eps=1e-8,
                        weight_decay=0.0, step=3, decoupled=False)
    for got, want in zip((param, m, v), expected):
        np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-16)


# ---------------------------------------------------------------- matmul dtypes


@pytest.mark.parametrize("a_dtype, b_dtype", [(np.float32, np.float64), (np.float16, np.float16),
                                              (np.float16, np.float32), (np.int64, np.float32)])
def test_matmul_mixed_dtypes_take_the_general_path(a_dtype, b_dtype, rng):
    a = (rng.standard_normal((4, 5)) * 3).astype(a_dtype)
    b = rng.standard_normal((5, 3)).astype(b_dtype)
    c = kernels.matmul(a, b)
    assert c.dtype == np.result_type(a_dtype, b_dtype)
    np.testing.assert_allclose(c.astype(np.float64), a.astype(np.float64) @ b.astype(np.float64),
                               rtol=3e-3 if np.float16 in (a_dtype, b_dtype) else 1e-5, atol=1e-2)


@pytest.mark.parametrize("decoupled, weight_decay", [(False, 0.0), (False, 0.1), (True, 0.1)])
def test_blocked_adam_equals_the_whole_array_update(decoupled, weight_decay, rng, monkeypatch):
    from kernels.reference import adam as adam_module

    param = rng.standard_normal((13, 11)).astype(np.float32)
    grads = [rng.standard_normal((13, 11)).astype(np.float32) for _ in range(3)]
    runs = []
    for block in (10_000, 16):  # one whole-array block; many blocks and a ragged last one
        monkeypatch.setattr(adam_module, "BLOCK", block)
        p, m, v = param.copy(), np.zeros_like(param), np.zeros_like(param)
        for step, grad in enumerate(grads, start=1):
            grad_before = grad.copy()
            kernels.adam_update(p, grad, m, v, lr=0.01, beta1=0.9, beta2=0.99, eps=1e-8,
                                weight_decay=weight_decay, step=step, decoupled=decoupled)
            np.testing.assert_array_equal(grad, grad_before)
        runs.append((p, m, v))
    for whole, blocked in zip(*runs):
        np.testing.assert_array_equal(blocked, whole)


def test_adam_on_a_non_contiguous_parameter_updates_it_in_place(rng, monkeypatch):
    from kernels.reference import adam as adam_module

    monkeypatch.setattr(adam_module, "BLOCK", 8)
    base = rng.standard_normal((12, 10))
    param = base.T  # a transposed view: cannot be flattened without a copy
    m, v = np.zeros_like(param), np.zeros_like(param)
    grad = rng.standard_normal(param.shape)
    before = param.copy()
    expected = adam_textbook(param.copy(), grad, m.copy(), v.copy(), 0.01, 0.9, 0.999, 1e-8, 1)
    kernels.adam_update(param, grad, m, v, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8,
                        weight_decay=0.0, step=1, decoupled=False)
    # param - update can cancel (|update| ~ lr): bound the error by the size of the terms
    terms = np.abs(before) + 0.01
    assert (np.abs(base.T - expected[0]) <= 1e-14 * terms).all()
    np.testing.assert_allclose(m, expected[1], rtol=1e-14)


@pytest.mark.parametrize("shape", [(1024, 384), (1, 7), (0, 5), (37, 1)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
def test_column_sum_is_the_sum_over_rows(shape, dtype, rng):
    rows = rng.standard_normal(shape).astype(dtype)
    got = kernels.column_sum(rows)
    assert got.shape == shape[1:] and got.dtype == dtype
    exact = rows.astype(np.float64).sum(axis=0)
    bound = np.abs(rows.astype(np.float64)).sum(axis=0)  # a rounding bound scales with sum |terms|
    eps = np.finfo(dtype).eps
    assert (np.abs(got.astype(np.float64) - exact) <= 4 * eps * np.sqrt(max(shape[0], 1)) * bound
            + eps).all()
