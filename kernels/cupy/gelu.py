"""GELU forward and backward as CuPy ElementwiseKernels, both of PyTorch's forms.

    "none":  y = 0.5 x (1 + erf(x / sqrt 2)),     dy/dx = Phi(x) + x phi(x)
    "tanh":  y = 0.5 x (1 + tanh u),  u = sqrt(2/pi) (x + 0.044715 x^3)
             dy/dx = 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) sqrt(2/pi) (1 + 3 * 0.044715 x^2)

One pass each: the forward reads x and writes y; the backward reads x and dy and writes dx.
float16 is computed in float32, float64 in float64.
"""
from __future__ import annotations

import functools

import cupy

from .. import _arrays
from ._common import ACC_PREAMBLE

_SETUP = r"""
typedef acc_t<T>::type A;
const A v = (A)x;
const A k_sqrt_half = (A)0.70710678118654752440;
const A k_sqrt_2_over_pi = (A)0.79788456080286535588;
const A k_inv_sqrt_2pi = (A)0.39894228040143267794;
const A k_kappa = (A)0.044715;
"""

_BODIES = {
    ("fwd", "none"): "y = (T)((A)0.5 * v * ((A)1 + erf(v * k_sqrt_half)));",
    ("fwd", "tanh"): r"""
        const A u = k_sqrt_2_over_pi * (v + k_kappa * v * v * v);
        y = (T)((A)0.5 * v * ((A)1 + tanh(u)));""",
    ("bwd", "none"): r"""
        const A cdf = (A)0.5 * ((A)1 + erf(v * k_sqrt_half));
        const A pdf = exp((A)-0.5 * v * v) * k_inv_sqrt_2pi;
        dx = (T)((A)dy * (cdf + v * pdf));""",
    ("bwd", "tanh"): r"""
        const A t = tanh(k_sqrt_2_over_pi * (v + k_kappa * v * v * v));
        const A slope = k_sqrt_2_over_pi * ((A)1 + (A)3 * k_kappa * v * v);
        dx = (T)((A)dy * ((A)0.5 * ((A)1 + t) + (A)0.5 * v * ((A)1 - t * t) * slope));""",
}


@functools.lru_cache(maxsize=None)
def _kernel(direction: str, approximate: str):
    if direction == "fwd":
        params, outputs = "T x", "T y"
    else:
        params, outputs = "T x, T dy", "T dx"
    return cupy.ElementwiseKernel(params, outputs, _SETUP + _BODIES[direction, approximate],
                                  f"minigrad_gelu_{direction}_{approximate}",
                                  preamble=ACC_PREAMBLE)


def gelu_fwd(x, approximate="none"):
    y = _arrays.empty(cupy, x.shape, x.dtype)
    _kernel("fwd", approximate)(x, y)
    return y


def gelu_bwd(x, dy, approximate="none", y=None):
    """y (the forward's output) is not needed: recomputing Phi costs the GPU less than reading y."""
    dx = _arrays.empty(cupy, x.shape, x.dtype)
    _kernel("bwd", approximate)(x, dy.astype(x.dtype, copy=False), dx)
    return dx
