"""Fused Adam / AdamW step as one CuPy ElementwiseKernel: a single pass reads param, grad,
exp_avg, exp_avg_sq and writes param, exp_avg, exp_avg_sq in place (7 accesses per element,
where the unfused update makes about a dozen passes). Same order of operations as PyTorch:

    g = grad + wd * param            (Adam)         param *= 1 - lr * wd      (AdamW)
    m += (1 - beta1) * (g - m);  v = beta2 * v + (1 - beta2) * g * g
    param -= lr / (1 - beta1^step) * m / (sqrt(v) / sqrt(1 - beta2^step) + eps)
"""
from __future__ import annotations

import functools
import math

import cupy
import numpy as np

from ._common import ACC_PREAMBLE

_CODE = r"""
typedef acc_t<T>::type A;
A g = (A)grad;
A p = (A)param;
if (weight_decay != 0.0) {
    if (decoupled) {
        p = p * (A)(1.0 - lr * weight_decay);
    } else {
        g = g + (A)weight_decay * p;
    }
}
A m = (A)exp_avg;
m = m + (A)(1.0 - beta1) * (g - m);
A v = (A)exp_avg_sq * (A)beta2 + (A)(1.0 - beta2) * g * g;
const A denom = sqrt(v) / (A)bias_correction2_sqrt + (A)eps;
p = p - (A)step_size * (m / denom);
param = (T)p;
exp_avg = (T)m;
exp_avg_sq = (T)v;
"""


@functools.lru_cache(maxsize=None)
def _kernel():
    return cupy.ElementwiseKernel(
        "T grad, float64 lr, float64 beta1, float64 beta2, float64 eps, float64 weight_decay, "
        "float64 step_size, float64 bias_correction2_sqrt, int32 decoupled",
        "T param, T exp_avg, T exp_avg_sq", _CODE, "minigrad_adam_update",
        preamble=ACC_PREAMBLE)


def adam_update(param, grad, exp_avg, exp_avg_sq, *, lr, beta1, beta2, eps, weight_decay, step,
                decoupled):
    step_size = lr / (1.0 - beta1 ** step)
    bias_correction2_sqrt = math.sqrt(1.0 - beta2 ** step)
    _kernel()(grad.astype(param.dtype, copy=False), lr, beta1, beta2, eps, weight_decay,
              step_size, bias_correction2_sqrt, np.int32(bool(decoupled)),
              param, exp_avg, exp_avg_sq)
