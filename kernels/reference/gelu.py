"""GELU, PyTorch's two forms, forward and backward.

    "none":  y = x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2))
             dy/dx = Phi(x) + x * phi(x),   phi(x) = exp(-x^2 / 2) / sqrt(2 pi)
    "tanh":  y = 0.5 x (1 + tanh(u)),   u = sqrt(2 / pi) (x + 0.044715 x^3)
             dy/dx = 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) sqrt(2 / pi) (1 + 3 * 0.044715 x^2)

The backward may be given the forward's output y: for the float32 erf form it then reads
Phi(x) = y / x off it (1/2 near x = 0) instead of evaluating erf again, 11 passes instead
of 24. (float16 outputs are too coarse for that and float64 keeps its exact erf, so both
recompute.)

On NumPy the work runs in blocks of BLOCK elements with a few block-sized scratch buffers,
every step an in-place ufunc: the ~20 passes then read and write the L2 cache instead of
memory (a [16, 64, 512] float32 array is 2 MB per temporary; in blocks the exact form runs
~1.7x faster). float32 (and float16, computed in float32) uses erf.erf_float32's tanh form
for Phi, accurate to float32; float64 keeps the float64-accurate erf, so gradchecks see the
exact function. CuPy arrays take the plain whole-array path.
"""
from __future__ import annotations

import math

import numpy as np

from .._arrays import F32, F64, compute_dtype, get_xp
from .erf import _TANH_FORM, tanh_form_argument
from .erf import erf as numpy_erf

SQRT_HALF = math.sqrt(0.5)
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
KAPPA = 0.044715

BLOCK = 65536  # elements: out, x, dy and 2 scratch blocks of float32 (1.25 MB) stay in L2
# (measured at [16, 64, 512]: 16K-element blocks 15% slower, 128K 5% slower, unblocked 1.7x)

# Phi(x) = (1 + erf(x / sqrt 2)) / 2 = (1 + tanh(x * Q(x^2))) / 2 with Q(w) = P(w / 2) / sqrt 2,
# P the tanh form of erf: the rescaling is folded into the coefficients (two passes fewer).
_PHI_FORM = tuple(c * SQRT_HALF / 2.0 ** k for k, c in enumerate(_TANH_FORM))
# The forward writes Phi as a logistic: (1 + tanh u) / 2 = 1 / (1 + exp(-2u)), so
# y = x / (1 + exp(-2u)): one pass fewer than tanh, +1, *x, *0.5. -2 is folded in as well.
_MINUS_2U_FORM = tuple(-2.0 * c for c in _PHI_FORM)


def _erf(xp, x):
    if xp.__name__ == "numpy":
        return numpy_erf(x)
    from cupyx.scipy.special import erf  # the CuPy fallback path

    return erf(x)


def _tanh_inner(xp, x):
    """tanh(sqrt(2/pi) * (x + kappa x^3)) as a new array."""
    t = x * x
    t *= KAPPA * x
    t += x
    t *= SQRT_2_OVER_PI
    return xp.tanh(t, out=t)


# ---- NumPy blocks: each function fills `out` from same-length 1-D blocks, using `scratch` ----

def _tanh_block(x, t):
    """t <- tanh(sqrt(2/pi) (x + kappa x^3))."""
    np.multiply(x, x, out=t)
    t *= KAPPA
    t += 1.0
    t *= x
    t *= SQRT_2_OVER_PI
    np.tanh(t, out=t)


def _fwd_tanh_block(out, scratch, x):
    _tanh_block(x, out)
    out += 1.0
    out *= x
    out *= 0.5


def _bwd_tanh_block(out, scratch, x, dy):
    th, slope = scratch[0], scratch[1]
    _tanh_block(x, th)
    np.multiply(th, th, out=out)
    np.subtract(1.0, out, out=out)  # 1 - tanh^2
    np.multiply(x, x, out=slope)
    slope *= 3.0 * KAPPA
    slope += 1.0
    slope *= x
    slope *= 0.5 * SQRT_2_OVER_PI
    out *= slope
    th += 1.0
    th *= 0.5
    out += th
    out *= dy


def _x_phi(x, x_squared, out):
    """out <- x phi(x) = x exp(-x^2 / 2) / sqrt(2 pi), given x^2 (out may be x_squared)."""
    np.multiply(x_squared, -0.5, out=out)
    np.exp(out, out=out)
    out *= x
    out *= INV_SQRT_2PI


def _fwd_erf32_block(out, scratch, x):
    w = scratch[0]
    np.multiply(x, x, out=w)
    tanh_form_argument(x, w, out, _MINUS_2U_FORM)  # -2u
    np.exp(out, out=out)
    out += 1.0
    np.divide(x, out, out=out)  # x / (1 + exp(-2u)) = x Phi(x)


def _bwd_erf32_block(out, scratch, x, dy):
    w, pdf = scratch[0], scratch[1]
    np.multiply(x, x, out=w)
    _x_phi(x, w, pdf)
    tanh_form_argument(x, w, out, _PHI_FORM)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5  # Phi(x)
    out += pdf
    out *= dy


TINY = 2.0 ** -60  # below this |x|, Phi(x) = 1/2 to float32 precision (Phi(x) - 1/2 ~ 0.4 x)


def _bwd_erf32_from_output_block(out, scratch, x, y, dy):
    pdf = scratch[0]
    np.divide(y, x, out=out)  # Phi(x) = y / x, except near 0 (0 / 0, or a subnormal y) ...
    np.absolute(x, out=pdf)
    np.copyto(out, 0.5, where=pdf < TINY)  # ... where Phi = 1/2
    np.multiply(x, x, out=pdf)
    _x_phi(x, pdf, pdf)
    out += pdf
    out *= dy


def _blocked(block_fn, n_scratch, work, x, *others):
    """Run block_fn over BLOCK-sized pieces of x (and of the same-shape `others`)."""
    flat = [a.astype(work, copy=False).reshape(-1) for a in (x,) + others]
    out = np.empty(x.shape, dtype=work)
    out_flat = out.reshape(-1)
    size = out_flat.size
    scratch = [np.empty(min(size, BLOCK), dtype=work) for _ in range(n_scratch)]
    for start in range(0, size, BLOCK):
        stop = min(start + BLOCK, size)
        n = stop - start
        block_fn(out_flat[start:stop], [s[:n] for s in scratch],
                 *(a[start:stop] for a in flat))
    return out


def _blocked_erf(block_fn, n_scratch, work, x, *others):
    """_blocked for the float32 erf form, where overflow is expected and harmless: exp(-2u)
    is inf for x below about -13 (then y = x / inf = -0), and P(x^2) is inf for |x| above
    about 1e4 (then tanh = +-1); so is y / x = 0 / 0 at x = 0 (replaced by 1/2)."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _blocked(block_fn, n_scratch, work, x, *others)


def gelu_fwd(x, approximate="none"):
    if x.ndim == 0:  # NumPy turns 0-d results into scalars, which `out=` cannot write to
        return gelu_fwd(x.reshape(1), approximate).reshape(())
    xp = get_xp(x)
    work = compute_dtype(x.dtype)
    if xp is np and (work is F32 or (work is F64 and approximate == "tanh")):
        if approximate == "tanh":
            y = _blocked(_fwd_tanh_block, 0, work, x)
        else:
            y = _blocked_erf(_fwd_erf32_block, 1, work, x)
        return y.astype(x.dtype, copy=False)
    xw = x.astype(work, copy=False)
    if approximate == "tanh":
        y = _tanh_inner(xp, xw)
    else:
        y = _erf(xp, xw * SQRT_HALF)
    y += 1.0
    y *= xw
    y *= 0.5
    return y.astype(x.dtype, copy=False)


def gelu_bwd(x, dy, approximate="none", y=None):
    """dx = dy * gelu'(x); y, the forward's output, if given, saves re-evaluating erf."""
    if x.ndim == 0:
        y = None if y is None else y.reshape(1)
        return gelu_bwd(x.reshape(1), dy.reshape(1), approximate, y).reshape(())
    xp = get_xp(x)
    work = compute_dtype(x.dtype)
    if xp is np and approximate == "none" and y is not None and x.dtype is F32 and y.dtype is F32:
        return _blocked_erf(_bwd_erf32_from_output_block, 1, work, x, y, dy)
    if xp is np and (work is F32 or (work is F64 and approximate == "tanh")):
        run = _blocked if approximate == "tanh" else _blocked_erf
        block = _bwd_tanh_block if approximate == "tanh" else _bwd_erf32_block
        return run(block, 2, work, x, dy).astype(x.dtype, copy=False)
    xw, dyw = x.astype(work, copy=False), dy.astype(work, copy=False)
    if approximate == "tanh":
        th = _tanh_inner(xp, xw)
        dx = th * th
        xp.subtract(1.0, dx, out=dx)  # 1 - tanh^2
        slope = xw * xw
        slope *= 3.0 * KAPPA
        slope += 1.0
        slope *= (0.5 * SQRT_2_OVER_PI) * xw
        dx *= slope
        th += 1.0
        th *= 0.5
        dx += th
    else:
        dx = xw * xw
        dx *= -0.5
        xp.exp(dx, out=dx)
        dx *= INV_SQRT_2PI * xw  # x * phi(x)
        cdf = _erf(xp, xw * SQRT_HALF)
        cdf += 1.0
        cdf *= 0.5
        dx += cdf
    dx *= dyw
    return dx.astype(x.dtype, copy=False)
