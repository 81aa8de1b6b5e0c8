"""Layer norm over the last axis D (biased variance, like PyTorch).

    mean = sum_i x_i / D,  rstd = 1 / sqrt(sum_i (x_i - mean)^2 / D + eps)
    xhat = (x - mean) * rstd,  y = xhat * w + b

Backward, with g = dy * w (or dy without an affine transform):

    dx = rstd * (g - mean_i(g) - xhat * mean_i(g * xhat))
    dw = sum over rows of dy * xhat,   db = sum over rows of dy
"""
from __future__ import annotations

from .._arrays import compute_dtype, get_xp


def _row_dot(xp, a, b):
    """sum(a * b, axis=-1) without a full-size temporary on NumPy."""
    if xp.__name__ == "numpy":
        return xp.einsum("...i,...i->...", a, b)
    return (a * b).sum(axis=-1)


def layer_norm_fwd(x, weight, bias, eps):
    """Return (y, mean, rstd); mean and rstd have shape x.shape[:-1] in the compute dtype."""
    xp = get_xp(x)
    work = compute_dtype(x.dtype)
    d = x.shape[-1]
    y = x.astype(work, copy=True)
    mean = y.mean(axis=-1)
    y -= mean[..., None]
    var = _row_dot(xp, y, y)
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
    xhat = x.astype(work, copy=True)
    xhat -= mean
    xhat *= rstd
    dweight = dbias = None
    if weight is not None:
        rows_dy = dyw.reshape(-1, d)
        rows_xhat = xhat.reshape(-1, d)
        dweight = _row_dot(xp, rows_dy.T, rows_xhat.T).astype(weight.dtype, copy=False)
        dbias = rows_dy.sum(axis=0).astype(weight.dtype, copy=False)
        g = dyw * weight.astype(work, copy=False)
    else:
        g = dyw.copy()
    c1 = g.mean(axis=-1, keepdims=True)
    c2 = _row_dot(xp, g, xhat)[..., None]
    c2 /= d
    g -= c1
    xhat *= c2
    g -= xhat
    g *= rstd
    return g.astype(x.dtype, copy=False), dweight, dbias
