"""Softmax and log-softmax over the last axis, forward and backward.

    softmax:      y_i = exp(x_i - m) / sum_j exp(x_j - m),   m = max_j x_j   (stable form)
                  dx_i = y_i * (dy_i - sum_j dy_j y_j)
    log-softmax:  y_i = x_i - m - log(sum_j exp(x_j - m))
                  dx_i = dy_i - exp(y_i) * sum_j dy_j

Each function makes one working array and updates it in place; the row reductions come from
_rows (a matrix-vector product where NumPy's own reduction is slow on short rows).
"""
from __future__ import annotations

from .._arrays import compute_dtype, get_xp
from ._rows import row_dot, row_max, row_sum


def _working_copy(x):
    # A fresh array in the compute dtype that we are free to overwrite.
    return x.astype(compute_dtype(x.dtype), copy=True)


def softmax_fwd(x):
    xp = get_xp(x)
    if x.size == 0:
        return x.copy()
    y = _working_copy(x)
    y -= row_max(y)[..., None]
    xp.exp(y, out=y)
    y /= row_sum(y)[..., None]
    return y.astype(x.dtype, copy=False)


def softmax_bwd(y, dy):
    xp = get_xp(y)
    if y.size == 0:
        return dy.copy()
    work = compute_dtype(y.dtype)
    yw, dyw = y.astype(work, copy=False), dy.astype(work, copy=False)
    row = row_dot(dyw, yw)
    dx = xp.subtract(dyw, row[..., None])
    dx *= yw
    return dx.astype(y.dtype, copy=False)


def log_softmax_fwd(x):
    xp = get_xp(x)
    if x.size == 0:
        return x.copy()
    y = _working_copy(x)
    y -= row_max(y)[..., None]
    total = row_sum(xp.exp(y))
    y -= xp.log(total, out=total)[..., None]
    return y.astype(x.dtype, copy=False)


def log_softmax_bwd(y, dy):
    xp = get_xp(y)
    if y.size == 0:
        return dy.copy()
    work = compute_dtype(y.dtype)
    dyw = dy.astype(work, copy=False)
    dx = xp.exp(y.astype(work, copy=False))
    total = row_sum(dyw)
    xp.negative(total, out=total)
    dx *= total[..., None]
    dx += dyw
    return dx.astype(y.dtype, copy=False)
