"""Softmax and log-softmax over the last axis, forward and backward.

    softmax:      y_i = exp(x_i - m) / sum_j exp(x_j - m),   m = max_j x_j   (stable form)
                  dx_i = y_i * (dy_i - sum_j dy_j y_j)
    log-softmax:  y_i = x_i - m - log(sum_j exp(x_j - m))
                  dx_i = dy_i - exp(y_i) * sum_j dy_j

Each function makes one working array and updates it in place.
"""
from __future__ import annotations

from .._arrays import compute_dtype, get_xp


def _working_copy(x):
    # A fresh array in the compute dtype that we are free to overwrite.
    return x.astype(compute_dtype(x.dtype), copy=True)


def softmax_fwd(x):
    xp = get_xp(x)
    if x.size == 0:
        return x.copy()
    y = _working_copy(x)
    y -= y.max(axis=-1, keepdims=True)
    xp.exp(y, out=y)
    y /= y.sum(axis=-1, keepdims=True)
    return y.astype(x.dtype, copy=False)


def softmax_bwd(y, dy):
    xp = get_xp(y)
    if y.size == 0:
        return dy.copy()
    work = compute_dtype(y.dtype)
    yw, dyw = y.astype(work, copy=False), dy.astype(work, copy=False)
    dx = dyw * yw
    row = dx.sum(axis=-1, keepdims=True)
    xp.subtract(dyw, row, out=dx)
    dx *= yw
    return dx.astype(y.dtype, copy=False)


def log_softmax_fwd(x):
    xp = get_xp(x)
    if x.size == 0:
        return x.copy()
    y = _working_copy(x)
    y -= y.max(axis=-1, keepdims=True)
    total = xp.exp(y).sum(axis=-1, keepdims=True)
    y -= xp.log(total, out=total)
    return y.astype(x.dtype, copy=False)


def log_softmax_bwd(y, dy):
    xp = get_xp(y)
    if y.size == 0:
        return dy.copy()
    work = compute_dtype(y.dtype)
    dyw = dy.astype(work, copy=False)
    dx = xp.exp(y.astype(work, copy=False))
    dx *= -dyw.sum(axis=-1, keepdims=True)
    dx += dyw
    return dx.astype(y.dtype, copy=False)
