"""Cross-entropy over class logits, per row, with PyTorch's ignore_index and label smoothing.

With lse = log sum_j exp(x_j), C classes, target t and smoothing s:

    loss = (1 - s) * (lse - x_t) + s * (lse - mean_j x_j)        (0 on ignored rows)
    dloss/dx_j = softmax(x)_j - (1 - s) * [j == t] - s / C

The backward rebuilds softmax from the saved lse instead of storing probabilities.
"""
from __future__ import annotations

import numpy as np

from .._arrays import compute_dtype, get_xp


def _row_lse(xp, x):
    m = x.max(axis=1)
    shifted = x - m[:, None]
    xp.exp(shifted, out=shifted)
    lse = xp.log(shifted.sum(axis=1))
    lse += m
    return lse


def cross_entropy_fwd(logits, targets, ignore_index=-100, label_smoothing=0.0):
    """Return (losses [N] in the logits dtype, lse [N] in the compute dtype)."""
    xp = get_xp(logits)
    work = compute_dtype(logits.dtype)
    x = logits.astype(work, copy=False)
    n, c = x.shape
    if n == 0 or c == 0:
        return xp.zeros(n, dtype=logits.dtype), xp.zeros(n, dtype=work)
    valid = targets != ignore_index
    safe = xp.where(valid, targets, 0)
    lse = _row_lse(xp, x)
    losses = lse - x[xp.arange(n), safe]
    if label_smoothing:
        losses *= 1.0 - label_smoothing
        smooth = lse - x.mean(axis=1)
        smooth *= label_smoothing
        losses += smooth
    losses *= valid
    return losses.astype(logits.dtype, copy=False), lse


def cross_entropy_bwd(logits, targets, lse, dlosses, ignore_index=-100, label_smoothing=0.0):
    """Return dlogits [N, C] = (softmax - smoothed one-hot) * dlosses[:, None]; 0 on ignored
    rows."""
    xp = get_xp(logits)
    work = compute_dtype(logits.dtype)
    n, c = logits.shape
    if n == 0 or c == 0:
        return xp.zeros(logits.shape, dtype=logits.dtype)
    valid = targets != ignore_index
    safe = xp.where(valid, targets, 0)
    dx = logits.astype(work, copy=True)
    dx -= lse.astype(work, copy=False)[:, None]
    xp.exp(dx, out=dx)
    if label_smoothing:
        dx -= label_smoothing / c
    dx[xp.arange(n), safe] -= 1.0 - label_smoothing
    scale = dlosses.astype(work, copy=True)
    scale *= valid
    dx *= scale[:, None]
    if not bool(valid.all()):
        dx[~valid] = 0.0  # also clears NaN/inf logits on ignored rows
    return dx.astype(logits.dtype, copy=False)


__all__ = ["cross_entropy_fwd", "cross_entropy_bwd", "np"]
