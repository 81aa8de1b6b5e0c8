"""GELU, PyTorch's two forms, forward and backward.

    "none":  y = x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2))
             dy/dx = Phi(x) + x * phi(x),   phi(x) = exp(-x^2 / 2) / sqrt(2 pi)
    "tanh":  y = 0.5 x (1 + tanh(u)),   u = sqrt(2 / pi) (x + 0.044715 x^3)
             dy/dx = 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) sqrt(2 / pi) (1 + 3 * 0.044715 x^2)
"""
from __future__ import annotations

import math

from .._arrays import compute_dtype, get_xp
from .erf import erf as numpy_erf

SQRT_HALF = math.sqrt(0.5)
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
KAPPA = 0.044715


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


def gelu_fwd(x, approximate="none"):
    if x.ndim == 0:  # NumPy turns 0-d results into scalars, which `out=` cannot write to
        return gelu_fwd(x.reshape(1), approximate).reshape(())
    xp = get_xp(x)
    xw = x.astype(compute_dtype(x.dtype), copy=False)
    if approximate == "tanh":
        y = _tanh_inner(xp, xw)
    else:
        y = _erf(xp, xw * SQRT_HALF)
    y += 1.0
    y *= xw
    y *= 0.5
    return y.astype(x.dtype, copy=False)


def gelu_bwd(x, dy, approximate="none"):
    if x.ndim == 0:
        return gelu_bwd(x.reshape(1), dy.reshape(1), approximate).reshape(())
    xp = get_xp(x)
    work = compute_dtype(x.dtype)
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
