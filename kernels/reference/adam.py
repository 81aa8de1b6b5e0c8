"""One Adam / AdamW step, in place, with PyTorch's order of operations.

    g = grad + wd * param                 (Adam, decoupled=False)
    param *= 1 - lr * wd                  (AdamW, decoupled=True)
    m = m + (1 - beta1) * (g - m)         (PyTorch's lerp)
    v = beta2 * v + (1 - beta2) * g * g
    param -= lr / (1 - beta1^step) * m / (sqrt(v) / sqrt(1 - beta2^step) + eps)

Every step is an in-place ufunc on one scratch array (11 passes for plain Adam). The last
line is evaluated as param -= m / d with d = sqrt(v) * (1 / (bc2 * step_size)) + eps / step_size,
step_size = lr / bc1, bc2 = sqrt(1 - beta2^step): the same quotient with the two scalar
factors folded into the denominator, two passes fewer (it differs from PyTorch's evaluation
in the last bit only). With lr = 0 the unfolded form runs (no division by a zero step size).
"""
from __future__ import annotations

import math

from .._arrays import get_xp


def adam_update(param, grad, exp_avg, exp_avg_sq, *, lr, beta1, beta2, eps, weight_decay, step,
                decoupled):
    xp = get_xp(param)
    if param.ndim == 0:
        # Work on 1-element views: NumPy turns 0-d results into scalars, which `out=` rejects.
        param, exp_avg, exp_avg_sq = param.reshape(1), exp_avg.reshape(1), exp_avg_sq.reshape(1)
        grad = grad.reshape(1)
    if grad.dtype != param.dtype:
        grad = grad.astype(param.dtype)
    if weight_decay and not decoupled:
        grad = grad + weight_decay * param  # a new array: the caller's grad stays untouched
    if weight_decay and decoupled:
        param *= 1.0 - lr * weight_decay
    tmp = xp.subtract(grad, exp_avg)
    tmp *= 1.0 - beta1
    exp_avg += tmp
    xp.multiply(grad, grad, out=tmp)
    tmp *= 1.0 - beta2
    exp_avg_sq *= beta2
    exp_avg_sq += tmp
    bias_correction1 = 1.0 - beta1 ** step
    bias_correction2_sqrt = math.sqrt(1.0 - beta2 ** step)
    step_size = lr / bias_correction1
    xp.sqrt(exp_avg_sq, out=tmp)
    if step_size:
        tmp *= 1.0 / (bias_correction2_sqrt * step_size)
        tmp += eps / step_size
        xp.divide(exp_avg, tmp, out=tmp)
    else:
        tmp /= bias_correction2_sqrt
        tmp += eps
        xp.divide(exp_avg, tmp, out=tmp)
        tmp *= step_size
    param -= tmp
