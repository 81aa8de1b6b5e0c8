"""Layer norm over the last axis D in Triton, forward and backward.

Forward, one program per row (the row fits in one block, D <= MAX_D):

    mean = sum x / D,  rstd = 1 / sqrt(sum (x - mean)^2 / D + eps),  y = (x - mean) rstd w + b

    reads x (plus w, b once per program), writes y and two numbers per row.

Backward, with xhat = (x - mean) rstd and g = dy * w:

    dx = rstd * (g - mean(g) - xhat * mean(g * xhat))
    dw = sum_rows dy * xhat,  db = sum_rows dy

Each program takes a contiguous group of ROWS rows: it writes dx for them and accumulates
its own partial dw, db rows in registers, stored to a [programs, D] buffer; a second kernel
sums the partials column by column. That is N*D reads of x and dy, N*D writes of dx, and
2*programs*D partials, instead of N*D atomics on one dw row.
"""
from __future__ import annotations

import triton
import triton.language as tl

from .. import _arrays
from . import _bridge

MAX_D = 8192


@triton.jit
def _fwd_kernel(x_ptr, w_ptr, b_ptr, y_ptr, mean_ptr, rstd_ptr, x_row_stride, y_row_stride,
                n_cols, eps_hi, eps_lo, HAS_WEIGHT: tl.constexpr, HAS_BIAS: tl.constexpr,
                ACC: tl.constexpr, BLOCK: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)
    cols = tl.arange(0, BLOCK)
    mask = cols < n_cols
    x = tl.load(x_ptr + row * x_row_stride + cols, mask=mask, other=0.0).to(ACC)
    mean = tl.sum(x, axis=0) / n_cols
    centred = tl.where(mask, x - mean, 0.0)
    var = tl.sum(centred * centred, axis=0) / n_cols
    eps = tl.cast(eps_hi, ACC) + tl.cast(eps_lo, ACC)
    rstd = 1.0 / tl.sqrt(var + eps)
    y = centred * rstd
    if HAS_WEIGHT:
        y = y * tl.load(w_ptr + cols, mask=mask, other=0.0).to(ACC)
    if HAS_BIAS:
        y = y + tl.load(b_ptr + cols, mask=mask, other=0.0).to(ACC)
    tl.store(y_ptr + row * y_row_stride + cols, y.to(y_ptr.dtype.element_ty), mask=mask)
    tl.store(mean_ptr + row, mean.to(mean_ptr.dtype.element_ty))
    tl.store(rstd_ptr + row, rstd.to(rstd_ptr.dtype.element_ty))


@triton.jit
def _bwd_kernel(dy_ptr, x_ptr, w_ptr, mean_ptr, rstd_ptr, dx_ptr, dw_part_ptr, db_part_ptr,
                dy_row_stride, x_row_stride, dx_row_stride, n_rows, n_cols,
                HAS_WEIGHT: tl.constexpr, ACC: tl.constexpr, ROWS: tl.constexpr,
                BLOCK: tl.constexpr):
    program = tl.program_id(0)
    cols = tl.arange(0, BLOCK)
    mask = cols < n_cols
    if HAS_WEIGHT:
        w = tl.load(w_ptr + cols, mask=mask, other=0.0).to(ACC)
    dw = tl.zeros((BLOCK,), ACC)
    db = tl.zeros((BLOCK,), ACC)
    first = program * ROWS
    for i in range(0, ROWS):
        row = (first + i).to(tl.int64)
        if row < n_rows:
            x = tl.load(x_ptr + row * x_row_stride + cols, mask=mask, other=0.0).to(ACC)
            dy = tl.load(dy_ptr + row * dy_row_stride + cols, mask=mask, other=0.0).to(ACC)
            mean = tl.load(mean_ptr + row).to(ACC)
            rstd = tl.load(rstd_ptr + row).to(ACC)
            xhat = tl.where(mask, (x - mean) * rstd, 0.0)
            if HAS_WEIGHT:
                g = dy * w
                dw += dy * xhat
                db += dy
            else:
                g = dy
            c1 = tl.sum(g, axis=0) / n_cols
            c2 = tl.sum(g * xhat, axis=0) / n_cols
            dx = (g - c1 - xhat * c2) * rstd
            tl.store(dx_ptr + row * dx_row_stride + cols, dx.to(dx_ptr.dtype.element_ty),
                     mask=mask)
    if HAS_WEIGHT:
        tl.store(dw_part_ptr + program * n_cols + cols, dw, mask=mask)
        tl.store(db_part_ptr + program * n_cols + cols, db, mask=mask)


@triton.jit
def _column_sum_kernel(part_ptr, out_ptr, n_parts, n_cols, ACC: tl.constexpr,
                       BLOCK_PARTS: tl.constexpr, BLOCK_COLS: tl.constexpr):
    """out[j] = sum_p part[p, j]; one program per block of columns."""
    cols = tl.program_id(0) * BLOCK_COLS + tl.arange(0, BLOCK_COLS)
    parts = tl.arange(0, BLOCK_PARTS)
    total = tl.zeros((BLOCK_PARTS, BLOCK_COLS), ACC)
    for start in range(0, n_parts, BLOCK_PARTS):
        p = start + parts
        mask = (p[:, None] < n_parts) & (cols[None, :] < n_cols)
        total += tl.load(part_ptr + p[:, None] * n_cols + cols[None, :], mask=mask, other=0.0)
    tl.store(out_ptr + cols, tl.sum(total, axis=0).to(out_ptr.dtype.element_ty),
             mask=cols < n_cols)


def _check(op, x):
    _bridge.check_float_dtype(op, x.dtype)
    if x.shape[-1] > MAX_D:
        raise _bridge.Unsupported(f"{op}: the Triton kernel holds a row in one block, "
                                  f"D <= {MAX_D}; got D={x.shape[-1]}")


def layer_norm_fwd(x, weight, bias, eps):
    """Return (y like x, mean and rstd of shape x.shape[:-1], float32 or float64)."""
    _check("layer_norm_fwd", x)
    x2 = _bridge.rows(x)
    weight, bias = _bridge.contiguous(weight, bias)
    n_rows, n_cols = x2.shape
    y2 = _bridge.empty_like(x, x2.shape)
    mean = _bridge.empty_like(x, (n_rows,), _arrays.stats_dtype(x.dtype))
    rstd = _bridge.empty_like(x, (n_rows,), _arrays.stats_dtype(x.dtype))
    if n_rows and n_cols:
        block = _bridge.next_power_of_2(n_cols)
        x_arg = _bridge.pointer(x2)
        _fwd_kernel[(n_rows,)](
            x_arg, _bridge.pointer(weight) if weight is not None else x_arg,
            _bridge.pointer(bias) if bias is not None else x_arg, _bridge.pointer(y2),
            _bridge.pointer(mean), _bridge.pointer(rstd), _bridge.strides(x2)[0],
            _bridge.strides(y2)[0], n_cols, *_bridge.float_pair(eps),
            HAS_WEIGHT=weight is not None, HAS_BIAS=bias is not None,
            ACC=_bridge.accumulator(x.dtype), BLOCK=block, num_warps=_bridge.warps_for(block))
    shape = x.shape[:-1]
    return y2.reshape(x.shape), mean.reshape(shape), rstd.reshape(shape)


def layer_norm_bwd(dy, x, weight, mean, rstd, *, rows_per_program: int | None = None):
    """Return (dx, dweight, dbias); dweight and dbias are None when weight is None."""
    _check("layer_norm_bwd", x)
    x2, dy2 = _bridge.rows(x), _bridge.rows(dy)
    weight, mean, rstd = _bridge.contiguous(weight, mean.reshape(-1), rstd.reshape(-1))
    n_rows, n_cols = x2.shape
    dx2 = _bridge.empty_like(x, x2.shape)
    has_weight = weight is not None
    dweight = _bridge.empty_like(weight, (n_cols,)) if has_weight else None
    dbias = _bridge.empty_like(weight, (n_cols,)) if has_weight else None
    if n_cols == 0:
        return dx2.reshape(x.shape), dweight, dbias
    if n_rows == 0:
        if has_weight:
            dweight.fill(0)
            dbias.fill(0)
        return dx2.reshape(x.shape), dweight, dbias
    block = _bridge.next_power_of_2(n_cols)
    # Enough programs to fill a GPU (a few per SM), each looping over a run of rows.
    rows = rows_per_program or max(1, triton.cdiv(n_rows, 512))
    programs = triton.cdiv(n_rows, rows)
    acc = _bridge.accumulator(x.dtype)
    part_dtype = _arrays.stats_dtype(x.dtype)
    dw_part = _bridge.empty_like(x, (programs, n_cols), part_dtype) if has_weight else None
    db_part = _bridge.empty_like(x, (programs, n_cols), part_dtype) if has_weight else None
    x_arg = _bridge.pointer(x2)
    _bwd_kernel[(programs,)](
        _bridge.pointer(dy2), x_arg, _bridge.pointer(weight) if has_weight else x_arg,
        _bridge.pointer(mean), _bridge.pointer(rstd), _bridge.pointer(dx2),
        _bridge.pointer(dw_part) if has_weight else x_arg,
        _bridge.pointer(db_part) if has_weight else x_arg,
        _bridge.strides(dy2)[0], _bridge.strides(x2)[0], _bridge.strides(dx2)[0], n_rows, n_cols,
        HAS_WEIGHT=has_weight, ACC=acc, ROWS=rows, BLOCK=block,
        num_warps=_bridge.warps_for(block))
    if has_weight:
        block_cols = min(128, block)
        grid = (triton.cdiv(n_cols, block_cols),)
        for part, out in ((dw_part, dweight), (db_part, dbias)):
            _column_sum_kernel[grid](_bridge.pointer(part), _bridge.pointer(out), programs, n_cols,
                                     ACC=acc, BLOCK_PARTS=32, BLOCK_COLS=block_cols)
    return dx2.reshape(x.shape), dweight, dbias
