"""Fused cross-entropy over class logits in Triton, forward and backward.

With lse = log sum_j exp(x_j), C classes, target t and label smoothing s:

    loss = (1 - s) * (lse - x_t) + s * (lse - sum_j x_j / C)      (0 where t == ignore_index)
    dx_j = (exp(x_j - lse) - s / C - (1 - s) * [j == t]) * dloss

Forward: one program per row walks the row in column blocks with a running max and a
running sum of exp (online logsumexp), plus the running sum of x for the smoothing term;
it reads the logits once (N*C reads) and writes two numbers per row. Probabilities are never
stored. Backward: a 2-D grid (row, column block) recomputes exp(x - lse) from the saved lse
and writes dlogits directly: N*C reads and N*C writes.
"""
from __future__ import annotations

import triton
import triton.language as tl

from .. import _arrays
from . import _bridge
from .softmax import online_step

BLOCK = 4096  # columns per step (vocab 50257 takes 13 steps)


@triton.jit
def _fwd_kernel(x_ptr, t_ptr, loss_ptr, lse_ptr, x_row_stride, n_cols, ignore_index,
                smoothing_hi, smoothing_lo, ACC: tl.constexpr, BLOCK: tl.constexpr):
    smoothing = tl.cast(smoothing_hi, ACC) + tl.cast(smoothing_lo, ACC)
    row = tl.program_id(0).to(tl.int64)
    x_row = x_ptr + row * x_row_stride
    cols = tl.arange(0, BLOCK)
    m = tl.full((), -float("inf"), ACC)
    s = tl.zeros((), ACC)
    x_sum = tl.zeros((), ACC)
    for start in range(0, n_cols, BLOCK):
        mask = start + cols < n_cols
        x = tl.load(x_row + start + cols, mask=mask, other=-float("inf")).to(ACC)
        m, s = online_step(m, s, x, ACC)  # as softmax's loop does
        x_sum += tl.sum(tl.where(mask, x, 0.0), axis=0)
    lse = m + tl.log(s)
    target = tl.load(t_ptr + row)
    valid = target != ignore_index
    x_target = tl.load(x_row + tl.where(valid, target, 0)).to(ACC)
    loss = (1.0 - smoothing) * (lse - x_target) + smoothing * (lse - x_sum / n_cols)
    loss = tl.where(valid, loss, 0.0)
    tl.store(loss_ptr + row, loss.to(loss_ptr.dtype.element_ty))
    tl.store(lse_ptr + row, lse.to(lse_ptr.dtype.element_ty))


@triton.jit
def _bwd_kernel(x_ptr, t_ptr, lse_ptr, dloss_ptr, dx_ptr, x_row_stride, dx_row_stride, n_cols,
                ignore_index, smoothing_hi, smoothing_lo, ACC: tl.constexpr, BLOCK: tl.constexpr):
    smoothing = tl.cast(smoothing_hi, ACC) + tl.cast(smoothing_lo, ACC)
    row = tl.program_id(0).to(tl.int64)
    cols = tl.program_id(1) * BLOCK + tl.arange(0, BLOCK)
    mask = cols < n_cols
    target = tl.load(t_ptr + row)
    valid = target != ignore_index
    lse = tl.load(lse_ptr + row).to(ACC)
    dloss = tl.load(dloss_ptr + row).to(ACC)
    x = tl.load(x_ptr + row * x_row_stride + cols, mask=mask, other=0.0).to(ACC)
    grad = tl.exp(x - lse) - smoothing / n_cols - tl.where(cols == target, 1.0 - smoothing, 0.0)
    grad = tl.where(valid, grad * dloss, 0.0)
    tl.store(dx_ptr + row * dx_row_stride + cols, grad.to(dx_ptr.dtype.element_ty), mask=mask)


def cross_entropy_fwd(logits, targets, ignore_index=-100, label_smoothing=0.0, *,
                      block: int | None = None):
    """Return (losses [N] in the logits dtype, lse [N] float32, or float64 for float64)."""
    _bridge.check_float_dtype("cross_entropy_fwd", logits.dtype)
    n, c = logits.shape
    losses = _bridge.empty_like(logits, (n,))
    lse = _bridge.empty_like(logits, (n,), _arrays.stats_dtype(logits.dtype))
    if n == 0:
        return losses, lse
    if c == 0:
        raise _bridge.Unsupported("cross_entropy_fwd: zero classes")
    x = _bridge.rows(logits)
    (targets,) = _bridge.contiguous(targets)
    block = block or min(BLOCK, _bridge.next_power_of_2(c))
    _fwd_kernel[(n,)](_bridge.pointer(x), _bridge.pointer(targets), _bridge.pointer(losses),
                      _bridge.pointer(lse), _bridge.strides(x)[0], c, int(ignore_index),
                      *_bridge.float_pair(label_smoothing),
                      ACC=_bridge.accumulator(logits.dtype), BLOCK=block,
                      num_warps=_bridge.warps_for(block))
    return losses, lse


def cross_entropy_bwd(logits, targets, lse, dlosses, ignore_index=-100, label_smoothing=0.0, *,
                      block: int | None = None):
    """Return dlogits [N, C] in the logits dtype."""
    _bridge.check_float_dtype("cross_entropy_bwd", logits.dtype)
    n, c = logits.shape
    dx = _bridge.empty_like(logits, (n, c))
    if n == 0 or c == 0:
        return dx
    x = _bridge.rows(logits)
    targets, lse, dlosses = _bridge.contiguous(targets, lse, dlosses)
    block = block or min(1024, _bridge.next_power_of_2(c))
    grid = (n, triton.cdiv(c, block))
    _bwd_kernel[grid](_bridge.pointer(x), _bridge.pointer(targets), _bridge.pointer(lse),
                      _bridge.pointer(dlosses), _bridge.pointer(dx), _bridge.strides(x)[0],
                      _bridge.strides(dx)[0], c, int(ignore_index),
                      *_bridge.float_pair(label_smoothing),
                      ACC=_bridge.accumulator(logits.dtype), BLOCK=block,
                      num_warps=_bridge.warps_for(block))
    return dx
