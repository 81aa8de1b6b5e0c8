"""The recurrent cells' elementwise update in Triton: LSTM, GRU and plain RNN, forward and backward.

The math is kernels/reference/recurrent.py's (read it there). One program handles one batch
row and a block of BLOCK hidden units, so it loads each gate's slice of that row once,
computes in float32 (float64 for float64) and stores every output once:

    lstm fwd  reads gx, gh [B, 4H] and c [B, H];  writes state [B, 2H] = [h' | c'], gates [B, 4H]
    lstm bwd  reads dh, dc, c, c' [B, H], gates [B, 4H];  writes dgates [B, 4H], dc_prev [B, H]
    gru fwd   reads gx, gh [B, 3H], h [B, H];  writes h' [B, H], saved [B, 4H] = [r, z, n, gh_n]
    gru bwd   reads dh, h [B, H], saved [B, 4H];  writes dgx, dgh [B, 3H], dh_prev [B, H]
    rnn       h' = tanh / relu(gx + gh);  backward dpre = dh (1 - h'^2) or dh [h' > 0]

That is the minimum memory traffic for the step (every input read once, every output written
once), where the NumPy reference makes ~15 passes: on the GPU a small recurrent layer is
bound by launches and memory, not arithmetic. Arrays are rows with a unit column stride;
each is passed with its own row stride, so views such as the [h | c] state's halves need
no copy.

tanh is written out (Triton's interpreter has no libdevice): (1 - e) / (1 + e) with
e = exp(-2|x|) <= 1, which never overflows, and a Taylor series below |x| = 1/16, where
1 - e would cancel; its coefficients are integer ratios over 155925, exact in any dtype.
"""
from __future__ import annotations

import triton
import triton.language as tl

from . import _bridge

MAX_BLOCK = 256  # hidden units per program


@triton.jit
def _tanh(x):
    a = tl.abs(x)
    e = tl.exp(-2.0 * a)
    t = (1.0 - e) / (1.0 + e)
    x2 = x * x
    # tanh x = x (1 - x^2/3 + 2 x^4/15 - 17 x^6/315 + 62 x^8/2835 - 1382 x^10/155925 + ...): below
    # |x| = 1/16 the first term left out is < 2e-17 of the result
    series = x + x * x2 * (-51975.0 + x2 * (20790.0 + x2 * (-8415.0 + x2 * (3410.0 - x2 * 1382.0)))) / 155925.0
    return tl.where(a < 0.0625, series, tl.where(x >= 0, t, -t))


@triton.jit
def _sigmoid(x):
    return 1.0 / (1.0 + tl.exp(-x))  # exp(-x) = inf gives 0: no NaN


@triton.jit
def _load(ptr, mask, ACC: tl.constexpr):
    return tl.load(ptr, mask=mask, other=0.0).to(ACC)


@triton.jit
def _store(ptr, value, mask):
    tl.store(ptr, value.to(ptr.dtype.element_ty), mask=mask)


@triton.jit
def _lstm_fwd_kernel(gx_ptr, gh_ptr, c_ptr, state_ptr, gates_ptr, gx_stride, gh_stride, c_stride, state_stride,
                     gates_stride, hidden, ACC: tl.constexpr, BLOCK: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)
    cols = tl.program_id(1) * BLOCK + tl.arange(0, BLOCK)
    mask = cols < hidden
    gx = gx_ptr + row * gx_stride + cols
    gh = gh_ptr + row * gh_stride + cols
    i = _sigmoid(_load(gx, mask, ACC) + _load(gh, mask, ACC))
    f = _sigmoid(_load(gx + hidden, mask, ACC) + _load(gh + hidden, mask, ACC))
    g = _tanh(_load(gx + 2 * hidden, mask, ACC) + _load(gh + 2 * hidden, mask, ACC))
    o = _sigmoid(_load(gx + 3 * hidden, mask, ACC) + _load(gh + 3 * hidden, mask, ACC))
    c_new = f * _load(c_ptr + row * c_stride + cols, mask, ACC) + i * g
    state = state_ptr + row * state_stride + cols
    _store(state, o * _tanh(c_new), mask)
    _store(state + hidden, c_new, mask)
    gates = gates_ptr + row * gates_stride + cols
    _store(gates, i, mask)
    _store(gates + hidden, f, mask)
    _store(gates + 2 * hidden, g, mask)
    _store(gates + 3 * hidden, o, mask)


@triton.jit
def _lstm_bwd_kernel(dh_ptr, dc_ptr, c_ptr, c_new_ptr, gates_ptr, dgates_ptr, dc_prev_ptr, dh_stride, dc_stride,
                     c_stride, c_new_stride, gates_stride, dgates_stride, dc_prev_stride, hidden,
                     ACC: tl.constexpr, BLOCK: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)
    cols = tl.program_id(1) * BLOCK + tl.arange(0, BLOCK)
    mask = cols < hidden
    gates = gates_ptr + row * gates_stride + cols
    i = _load(gates, mask, ACC)
    f = _load(gates + hidden, mask, ACC)
    g = _load(gates + 2 * hidden, mask, ACC)
    o = _load(gates + 3 * hidden, mask, ACC)
    dh = _load(dh_ptr + row * dh_stride + cols, mask, ACC)
    tanh_c = _tanh(_load(c_new_ptr + row * c_new_stride + cols, mask, ACC))
    dc_all = _load(dc_ptr + row * dc_stride + cols, mask, ACC) + dh * o * (1.0 - tanh_c * tanh_c)
    dgates = dgates_ptr + row * dgates_stride + cols
    _store(dgates, dc_all * g * i * (1.0 - i), mask)
    _store(dgates + hidden, dc_all * _load(c_ptr + row * c_stride + cols, mask, ACC) * f * (1.0 - f), mask)
    _store(dgates + 2 * hidden, dc_all * i * (1.0 - g * g), mask)
    _store(dgates + 3 * hidden, dh * tanh_c * o * (1.0 - o), mask)
    _store(dc_prev_ptr + row * dc_prev_stride + cols, dc_all * f, mask)


@triton.jit
def _gru_fwd_kernel(gx_ptr, gh_ptr, h_ptr, h_new_ptr, saved_ptr, gx_stride, gh_stride, h_stride, h_new_stride,
                    saved_stride, hidden, ACC: tl.constexpr, BLOCK: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)
    cols = tl.program_id(1) * BLOCK + tl.arange(0, BLOCK)
    mask = cols < hidden
    gx = gx_ptr + row * gx_stride + cols
    gh = gh_ptr + row * gh_stride + cols
    r = _sigmoid(_load(gx, mask, ACC) + _load(gh, mask, ACC))
    z = _sigmoid(_load(gx + hidden, mask, ACC) + _load(gh + hidden, mask, ACC))
    gh_n = _load(gh + 2 * hidden, mask, ACC)
    n = _tanh(_load(gx + 2 * hidden, mask, ACC) + r * gh_n)
    h = _load(h_ptr + row * h_stride + cols, mask, ACC)
    _store(h_new_ptr + row * h_new_stride + cols, n + z * (h - n), mask)
    saved = saved_ptr + row * saved_stride + cols
    _store(saved, r, mask)
    _store(saved + hidden, z, mask)
    _store(saved + 2 * hidden, n, mask)
    _store(saved + 3 * hidden, gh_n, mask)


@triton.jit
def _gru_bwd_kernel(dh_ptr, h_ptr, saved_ptr, dgx_ptr, dgh_ptr, dh_prev_ptr, dh_stride, h_stride, saved_stride,
                    dgx_stride, dgh_stride, dh_prev_stride, hidden, ACC: tl.constexpr, BLOCK: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)
    cols = tl.program_id(1) * BLOCK + tl.arange(0, BLOCK)
    mask = cols < hidden
    saved = saved_ptr + row * saved_stride + cols
    r = _load(saved, mask, ACC)
    z = _load(saved + hidden, mask, ACC)
    n = _load(saved + 2 * hidden, mask, ACC)
    gh_n = _load(saved + 3 * hidden, mask, ACC)
    dh = _load(dh_ptr + row * dh_stride + cols, mask, ACC)
    h = _load(h_ptr + row * h_stride + cols, mask, ACC)
    dn = dh * (1.0 - z) * (1.0 - n * n)
    dz = dh * (h - n) * z * (1.0 - z)
    dr = dn * gh_n * r * (1.0 - r)
    dgx = dgx_ptr + row * dgx_stride + cols
    dgh = dgh_ptr + row * dgh_stride + cols
    _store(dgx, dr, mask)
    _store(dgx + hidden, dz, mask)
    _store(dgx + 2 * hidden, dn, mask)
    _store(dgh, dr, mask)
    _store(dgh + hidden, dz, mask)
    _store(dgh + 2 * hidden, dn * r, mask)
    _store(dh_prev_ptr + row * dh_prev_stride + cols, dh * z, mask)


@triton.jit
def _rnn_fwd_kernel(gx_ptr, gh_ptr, h_new_ptr, gx_stride, gh_stride, h_new_stride, hidden,
                    RELU: tl.constexpr, ACC: tl.constexpr, BLOCK: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)
    cols = tl.program_id(1) * BLOCK + tl.arange(0, BLOCK)
    mask = cols < hidden
    pre = _load(gx_ptr + row * gx_stride + cols, mask, ACC) + _load(gh_ptr + row * gh_stride + cols, mask, ACC)
    if RELU:
        h_new = tl.maximum(pre, 0.0)
    else:
        h_new = _tanh(pre)
    _store(h_new_ptr + row * h_new_stride + cols, h_new, mask)


@triton.jit
def _rnn_bwd_kernel(dh_ptr, h_new_ptr, dpre_ptr, dh_stride, h_new_stride, dpre_stride, hidden,
                    RELU: tl.constexpr, ACC: tl.constexpr, BLOCK: tl.constexpr):
    row = tl.program_id(0).to(tl.int64)
    cols = tl.program_id(1) * BLOCK + tl.arange(0, BLOCK)
    mask = cols < hidden
    dh = _load(dh_ptr + row * dh_stride + cols, mask, ACC)
    h_new = _load(h_new_ptr + row * h_new_stride + cols, mask, ACC)
    if RELU:
        dpre = tl.where(h_new > 0, dh, 0.0)
    else:
        dpre = dh * (1.0 - h_new * h_new)
    _store(dpre_ptr + row * dpre_stride + cols, dpre, mask)


# ---- launchers: same signatures as kernels/reference/recurrent.py ----------------------------------

def _rows(op: str, *arrays):
    """Each array as rows with a unit column stride (a copy only when the columns are strided)."""
    _bridge.check_float_dtype(op, arrays[0].dtype)
    out = []
    for a in arrays:
        if a.ndim != 2 or (a.shape[1] > 1 and a.strides[1] != a.itemsize):
            a = _bridge.rows(a)
        out.append(a)
    return out


def _launch(kernel, batch: int, hidden: int, arrays: list, dtype, **constants) -> None:
    """Run `kernel` over (rows, hidden blocks): pointers first, then each array's row stride."""
    if batch == 0 or hidden == 0:
        return
    block = min(_bridge.next_power_of_2(hidden), MAX_BLOCK)
    grid = (batch, triton.cdiv(hidden, block))
    kernel[grid](*[_bridge.pointer(a) for a in arrays], *[_bridge.strides(a)[0] for a in arrays], hidden,
                 ACC=_bridge.accumulator(dtype), BLOCK=block, **constants)


def lstm_cell_fwd(gx, gh, c):
    gx, gh, c = _rows("lstm_cell_fwd", gx, gh, c)
    batch, hidden = c.shape
    state = _bridge.empty_like(gx, (batch, 2 * hidden))
    gates = _bridge.empty_like(gx, (batch, 4 * hidden))
    _launch(_lstm_fwd_kernel, batch, hidden, [gx, gh, c, state, gates], gx.dtype)
    return state, gates


def lstm_cell_bwd(dh, dc, c, c_new, gates):
    dh, dc, c, c_new, gates = _rows("lstm_cell_bwd", dh, dc, c, c_new, gates)
    batch, hidden = c.shape
    dgates = _bridge.empty_like(gates, gates.shape)
    dc_prev = _bridge.empty_like(gates, (batch, hidden))
    _launch(_lstm_bwd_kernel, batch, hidden, [dh, dc, c, c_new, gates, dgates, dc_prev], gates.dtype)
    return dgates, dc_prev


def gru_cell_fwd(gx, gh, h):
    gx, gh, h = _rows("gru_cell_fwd", gx, gh, h)
    batch, hidden = h.shape
    h_new = _bridge.empty_like(gx, (batch, hidden))
    saved = _bridge.empty_like(gx, (batch, 4 * hidden))
    _launch(_gru_fwd_kernel, batch, hidden, [gx, gh, h, h_new, saved], gx.dtype)
    return h_new, saved


def gru_cell_bwd(dh, h, saved):
    dh, h, saved = _rows("gru_cell_bwd", dh, h, saved)
    batch, hidden = h.shape
    dgx = _bridge.empty_like(saved, (batch, 3 * hidden))
    dgh = _bridge.empty_like(saved, (batch, 3 * hidden))
    dh_prev = _bridge.empty_like(saved, (batch, hidden))
    _launch(_gru_bwd_kernel, batch, hidden, [dh, h, saved, dgx, dgh, dh_prev], saved.dtype)
    return dgx, dgh, dh_prev


def rnn_cell_fwd(gx, gh, nonlinearity):
    gx, gh = _rows("rnn_cell_fwd", gx, gh)
    h_new = _bridge.empty_like(gx, gx.shape)
    _launch(_rnn_fwd_kernel, gx.shape[0], gx.shape[1], [gx, gh, h_new], gx.dtype, RELU=nonlinearity == "relu")
    return h_new


def rnn_cell_bwd(dh, h_new, nonlinearity):
    dh, h_new = _rows("rnn_cell_bwd", dh, h_new)
    dpre = _bridge.empty_like(h_new, h_new.shape)
    _launch(_rnn_bwd_kernel, h_new.shape[0], h_new.shape[1], [dh, h_new, dpre], h_new.dtype,
            RELU=nonlinearity == "relu")
    return dpre
