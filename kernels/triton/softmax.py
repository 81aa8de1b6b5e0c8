"""Row softmax and log-softmax in Triton, forward and backward, over the last axis.

    softmax:      y = exp(x - m) / s,          m = max_j x_j,  s = sum_j exp(x_j - m)
    log-softmax:  y = x - m - log(s)
    backward:     softmax      dx = y * (dy - sum_j y_j dy_j)
                  log-softmax  dx = dy - exp(y) * sum_j dy_j

Memory moved per element: forward reads x once and writes y once (2 accesses) when a row
fits in one block; long rows use the online form (running max m and sum s, with
s <- s * exp(m_old - m_new) + sum exp(x - m_new)) and read x twice (3 accesses). Backward
reads y and dy and writes dx (3 accesses; 5 when looped).

Rows with more than LOOP_ABOVE columns take the looped kernels; tests lower the threshold
to exercise them at small sizes.
"""
from __future__ import annotations

import triton
import triton.language as tl

from . import _bridge

LOOP_ABOVE = 16384   # longest row handled by one block
LOOP_BLOCK = 4096    # column block of the looped kernels


@triton.jit
def online_step(m, s, x, ACC: tl.constexpr):
    """One block of the online softmax: fold the values x into the running max m and the
    running sum s of exp(value - m), rescaling s when the max grows. Returns (m, s)."""
    m_new = tl.maximum(m, tl.max(x, axis=0))
    # While every value seen is -inf, subtract 0 instead to avoid (-inf) - (-inf) = NaN.
    m_safe = tl.where(m_new == -float("inf"), 0.0, m_new).to(ACC)
    s = s * tl.exp(m - m_safe) + tl.sum(tl.exp(x - m_safe), axis=0)
    return m_new, s


@triton.jit
def _fwd_row_kernel(x_ptr, y_ptr, x_row_stride, y_row_stride, n_cols,
                    LOG: tl.constexpr, ACC: tl.constexpr, BLOCK: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)
    cols = tl.arange(0, BLOCK)
    mask = cols < n_cols
    x = tl.load(x_ptr + row * x_row_stride + cols, mask=mask, other=-float("inf")).to(ACC)
    shifted = x - tl.max(x, axis=0)
    e = tl.exp(shifted)
    total = tl.sum(e, axis=0)
    if LOG:
        y = shifted - tl.log(total)
    else:
        y = e / total
    tl.store(y_ptr + row * y_row_stride + cols, y.to(y_ptr.dtype.element_ty), mask=mask)


@triton.jit
def _fwd_loop_kernel(x_ptr, y_ptr, x_row_stride, y_row_stride, n_cols,
                     LOG: tl.constexpr, ACC: tl.constexpr, BLOCK: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)
    x_row = x_ptr + row * x_row_stride
    y_row = y_ptr + row * y_row_stride
    cols = tl.arange(0, BLOCK)
    # Pass 1: running max and running sum of exp(x - max), rescaled when the max grows.
    m = tl.full((), -float("inf"), ACC)
    s = tl.zeros((), ACC)
    for start in range(0, n_cols, BLOCK):
        mask = start + cols < n_cols
        x = tl.load(x_row + start + cols, mask=mask, other=-float("inf")).to(ACC)
        m, s = online_step(m, s, x, ACC)
    log_s = tl.log(s)
    # Pass 2: normalise and write.
    for start in range(0, n_cols, BLOCK):
        mask = start + cols < n_cols
        x = tl.load(x_row + start + cols, mask=mask, other=-float("inf")).to(ACC)
        if LOG:
            y = x - m - log_s
        else:
            y = tl.exp(x - m) / s
        tl.store(y_row + start + cols, y.to(y_ptr.dtype.element_ty), mask=mask)


@triton.jit
def _bwd_row_kernel(y_ptr, dy_ptr, dx_ptr, y_row_stride, dy_row_stride, dx_row_stride, n_cols,
                    LOG: tl.constexpr, ACC: tl.constexpr, BLOCK: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)
    cols = tl.arange(0, BLOCK)
    mask = cols < n_cols
    y = tl.load(y_ptr + row * y_row_stride + cols, mask=mask, other=0.0).to(ACC)
    dy = tl.load(dy_ptr + row * dy_row_stride + cols, mask=mask, other=0.0).to(ACC)
    if LOG:
        dx = dy - tl.exp(y) * tl.sum(dy, axis=0)
    else:
        dx = y * (dy - tl.sum(y * dy, axis=0))
    tl.store(dx_ptr + row * dx_row_stride + cols, dx.to(dx_ptr.dtype.element_ty), mask=mask)


@triton.jit
def _bwd_loop_kernel(y_ptr, dy_ptr, dx_ptr, y_row_stride, dy_row_stride, dx_row_stride, n_cols,
                     LOG: tl.constexpr, ACC: tl.constexpr, BLOCK: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)
    cols = tl.arange(0, BLOCK)
    total = tl.zeros((BLOCK,), ACC)
    for start in range(0, n_cols, BLOCK):
        mask = start + cols < n_cols
        dy = tl.load(dy_ptr + row * dy_row_stride + start + cols, mask=mask, other=0.0).to(ACC)
        if LOG:
            total += dy
        else:
            y = tl.load(y_ptr + row * y_row_stride + start + cols, mask=mask, other=0.0).to(ACC)
            total += y * dy
    row_sum = tl.sum(total, axis=0)
    for start in range(0, n_cols, BLOCK):
        mask = start + cols < n_cols
        y = tl.load(y_ptr + row * y_row_stride + start + cols, mask=mask, other=0.0).to(ACC)
        dy = tl.load(dy_ptr + row * dy_row_stride + start + cols, mask=mask, other=0.0).to(ACC)
        if LOG:
            dx = dy - tl.exp(y) * row_sum
        else:
            dx = y * (dy - row_sum)
        tl.store(dx_ptr + row * dx_row_stride + start + cols, dx.to(dx_ptr.dtype.element_ty),
                 mask=mask)


def _pick(n_cols, loop_above, block, row_kernel, loop_kernel):
    """(kernel, block): one block per row when the row fits, else the looped kernel."""
    looped = n_cols > (LOOP_ABOVE if loop_above is None else loop_above)
    block = block or (LOOP_BLOCK if looped else _bridge.next_power_of_2(n_cols))
    return (loop_kernel if looped else row_kernel), block


def _forward(op, x, log, loop_above, block):
    _bridge.check_float_dtype(op, x.dtype)
    x2 = _bridge.rows(x)
    n_rows, n_cols = x2.shape
    y2 = _bridge.empty_like(x, x2.shape)
    if n_rows and n_cols:
        kernel, block = _pick(n_cols, loop_above, block, _fwd_row_kernel, _fwd_loop_kernel)
        kernel[(n_rows,)](_bridge.pointer(x2), _bridge.pointer(y2), _bridge.strides(x2)[0],
                          _bridge.strides(y2)[0], n_cols, LOG=log,
                          ACC=_bridge.accumulator(x.dtype), BLOCK=block,
                          num_warps=_bridge.warps_for(block))
    return y2.reshape(x.shape)


def _backward(op, y, dy, log, loop_above, block):
    _bridge.check_float_dtype(op, y.dtype)
    y2, dy2 = _bridge.rows(y), _bridge.rows(dy)
    n_rows, n_cols = y2.shape
    dx2 = _bridge.empty_like(y, y2.shape)
    if n_rows and n_cols:
        kernel, block = _pick(n_cols, loop_above, block, _bwd_row_kernel, _bwd_loop_kernel)
        kernel[(n_rows,)](_bridge.pointer(y2), _bridge.pointer(dy2), _bridge.pointer(dx2),
                          _bridge.strides(y2)[0], _bridge.strides(dy2)[0],
                          _bridge.strides(dx2)[0], n_cols, LOG=log,
                          ACC=_bridge.accumulator(y.dtype), BLOCK=block,
                          num_warps=_bridge.warps_for(block))
    return dx2.reshape(y.shape)


def softmax_fwd(x, *, loop_above: int | None = None, block: int | None = None):
    """Softmax over the last axis; `loop_above`/`block` override the long-row threshold and
    the column block (tests use them to reach the looped kernel at small sizes)."""
    return _forward("softmax_fwd", x, False, loop_above, block)


def softmax_bwd(y, dy, *, loop_above: int | None = None, block: int | None = None):
    return _backward("softmax_bwd", y, dy, False, loop_above, block)


def log_softmax_fwd(x, *, loop_above: int | None = None, block: int | None = None):
    return _forward("log_softmax_fwd", x, True, loop_above, block)


def log_softmax_bwd(y, dy, *, loop_above: int | None = None, block: int | None = None):
    return _backward("log_softmax_bwd", y, dy, True, loop_above, block)
