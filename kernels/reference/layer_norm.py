"""Layer norm over the last axis D (biased variance, like PyTorch).

    mean = sum_i x_i / D,  rstd = 1 / sqrt(sum_i (x_i - mean)^2 / D + eps)
    xhat = (x - mean) * rstd,  y = xhat * w + b

Backward, with g = dy * w (or dy without an affine transform):

    dx = rstd * (g - mean_i(g) - xhat * mean_i(g * xhat))
    dw = sum over rows of dy * xhat,   db = sum over rows of dy

The variance comes from the centred array (two passes, no cancellation), and every row or
column sum is a matrix-vector product or an einsum (no full-size temporaries), see _rows.
"""
from __future__ import annotations

import numpy as np

from .._arrays import compute_dtype, get_xp
from ._rows import column_sum, row_dot, row_sum


def layer_norm_fwd(x, weight, bias, eps):
    """Return (y, mean, rstd); mean and rstd have shape x.shape[:-1] in the compute dtype."""
    xp = get_xp(x)
    work = compute_dtype(x.dtype)
    d = x.shape[-1]
    xw = x.astype(work, copy=False)
    mean = row_sum(xw)
    mean /= d
    y = xp.subtract(xw, mean[..., None])
    var = row_dot(y, y)
    var /= d
    var += eps
    rstd = xp.sqrt(var, out=var)
    xp.reciprocal(rstd, out=rstd)
    y *= rstd[..., None]
    if weight is not None:
        y *= weight.astype(work, copy=False)
    if bias is not None:
        y += bias.astype(work, copy=False)
    return y.astype(x.dtype, copy=False), mean, rstd


def layer_norm_bwd(dy, x, weight, mean, rstd):
    """Return (dx, dweight, dbias); dweight and dbias are None when weight is None."""
    xp = get_xp(x)
    work = compute_dtype(x.dtype)
    d = x.shape[-1]
    mean = mean.astype(work, copy=False)[..., None]
    rstd = rstd.astype(work, copy=False)[..., None]
    dyw = dy.astype(work, copy=False)
    xhat = xp.subtract(x.astype(work, copy=False), mean)
    xhat *= rstd
    dweight = dbias = None
    if weight is not None:
        rows_dy = dyw.reshape(-1, d)
        rows_xhat = xhat.reshape(-1, d)
        dweight = row_dot(rows_dy.T, rows_xhat.T).astype(weight.dtype, copy=False)
        dbias = column_sum(rows_dy).astype(weight.dtype, copy=False)
        g = dyw * weight.astype(work, copy=False)
    else:
        g = dyw.copy()
    c1 = row_sum(g)
    c1 /= d
    c2 = row_dot(g, xhat)
    c2 /= d
    g -= c1[..., None]
    xhat *= c2[..., None]
    g -= xhat
    g *= rstd
    return g.astype(x.dtype, copy=False), dweight, dbias
