"""Cross-entropy over class logits, per row, with PyTorch's ignore_index and label smoothing.

With lse = log sum_j exp(x_j), C classes, target t and smoothing s:

    loss = (1 - s) * (lse - x_t) + s * (lse - mean_j x_j)        (0 on ignored rows)
    dloss/dx_j = softmax(x)_j - (1 - s) * [j == t] - s / C

The backward rebuilds softmax from the saved lse instead of storing probabilities: one
exp pass written in place, then the target entries are corrected by a gather.

`all_valid` lets a caller that has already proved no target equals ignore_index (kernels'
input check does, at no extra cost) skip the masking; left as None it is computed here.
"""
from __future__ import annotations

from .._arrays import compute_dtype, get_xp
from ._rows import TRANSPOSED_MAX_COLUMNS, row_sum
from ._rows import arange as cached_arange


def _rows(xp, n):
    return cached_arange(n) if xp.__name__ == "numpy" else xp.arange(n)


def _row_lse(xp, x):
    """log sum_j exp(x_j) per row, shifted by the row max for stability."""
    n, c = x.shape
    if xp.__name__ == "numpy" and c <= TRANSPOSED_MAX_COLUMNS:
        # Few classes (digits, MNIST): work on a [C, N] copy, where the max and the sum over
        # classes are elementwise operations on whole rows instead of N tiny reductions.
        shifted = x.T.copy()
        m = shifted.max(axis=0)
        shifted -= m
        xp.exp(shifted, out=shifted)
        total = shifted.sum(axis=0)
    else:
        m = x.max(axis=1)
        shifted = xp.subtract(x, m[:, None])
        xp.exp(shifted, out=shifted)
        total = row_sum(shifted)
    lse = xp.log(total, out=total)
    lse += m
    return lse


def _validity(targets, ignore_index, all_valid):
    """(all_valid, valid mask or None, targets with ignored rows pointing at class 0)."""
    if all_valid:
        return True, None, targets
    valid = targets != ignore_index
    if bool(valid.all()):
        return True, None, targets
    return False, valid, get_xp(targets).where(valid, targets, 0)


def cross_entropy_fwd(logits, targets, ignore_index=-100, label_smoothing=0.0, all_valid=None):
    """Return (losses [N] in the logits dtype, lse [N] in the compute dtype)."""
    xp = get_xp(logits)
    work = compute_dtype(logits.dtype)
    x = logits.astype(work, copy=False)
    n, c = x.shape
    if n == 0 or c == 0:
        return xp.zeros(n, dtype=logits.dtype), xp.zeros(n, dtype=work)
    all_valid, valid, safe = _validity(targets, ignore_index, all_valid)
    lse = _row_lse(xp, x)
    losses = xp.subtract(lse, x[_rows(xp, n), safe])
    if label_smoothing:
        losses *= 1.0 - label_smoothing
        smooth = lse - row_sum(x) / c
        smooth *= label_smoothing
        losses += smooth
    if not all_valid:
        losses *= valid
    return losses.astype(logits.dtype, copy=False), lse


def cross_entropy_bwd(logits, targets, lse, dlosses, ignore_index=-100, label_smoothing=0.0,
                      all_valid=None):
    """Return dlogits [N, C] = (softmax - smoothed one-hot) * dlosses[:, None]; 0 on ignored
    rows."""
    xp = get_xp(logits)
    work = compute_dtype(logits.dtype)
    n, c = logits.shape
    if n == 0 or c == 0:
        return xp.zeros(logits.shape, dtype=logits.dtype)
    all_valid, valid, safe = _validity(targets, ignore_index, all_valid)
    dx = xp.subtract(logits.astype(work, copy=False), lse.astype(work, copy=False)[:, None])
    xp.exp(dx, out=dx)
    if label_smoothing:
        dx -= label_smoothing / c
    dx[_rows(xp, n), safe] -= 1.0 - label_smoothing
    scale = dlosses.astype(work, copy=not all_valid)
    if not all_valid:
        scale *= valid
    dx *= scale[:, None]
    if not all_valid:
        dx[~valid] = 0.0  # also clears NaN/inf logits on ignored rows
    return dx.astype(logits.dtype, copy=False)
