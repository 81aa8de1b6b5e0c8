"""The elementwise update of a recurrent cell, forward and backward: LSTM, GRU, plain RNN.

A cell's two matrix products stay outside these kernels (they are BLAS calls); a kernel gets
the gates' two shares for one time step, rows = batch,

    gx = x W_ih^T + b_ih        [B, G]   (for a whole sequence: one matmul before the loop)
    gh = h W_hh^T + b_hh        [B, G]   (one matmul per step)

and does everything else in one pass over the row. Gate blocks are H columns wide, in
PyTorch's order. sigma is the logistic function, computed as (1 + tanh(x / 2)) / 2 (never
overflows; one transcendental for all four LSTM gates).

LSTM, G = 4H, gates i, f, g, o; the state is packed as [h | c] (2H columns):

    i = sigma(gx_i + gh_i)   f = sigma(gx_f + gh_f)   g = tanh(gx_g + gh_g)   o = sigma(gx_o + gh_o)
    c' = f c + i g,   h' = o tanh(c')
  backward, given dh' and dc' (the saved activations [i, f, g, o], c and c'):
    dc_all = dc' + dh' o (1 - tanh^2 c')                  (c' feeds the loss directly and through h')
    d(pre-activations) = [dc_all g . i(1-i), dc_all c . f(1-f), dc_all i . (1-g^2), dh' tanh c' . o(1-o)]
    dc = dc_all f                                          (the gradient the previous cell state gets)

GRU, G = 3H, gates r, z, n; the state is h:

    r = sigma(gx_r + gh_r),  z = sigma(gx_z + gh_z),  n = tanh(gx_n + r gh_n),  h' = (1 - z) n + z h
  backward, given dh' (the saved [r, z, n, gh_n] and h):
    dn = dh' (1 - z)(1 - n^2),   dz = dh' (h - n) z(1-z),   dr = dn gh_n r(1-r)
    dgx = [dr, dz, dn],   dgh = [dr, dz, dn r],   dh (direct) = dh' z

RNN, G = H:  h' = tanh(gx + gh) or relu(gx + gh);  d(pre-activation) = dh' (1 - h'^2) or dh' [h' > 0]

float16 is computed in float32 and rounded back; the saved activations keep the input's dtype.
"""
from __future__ import annotations

import numpy as np

from .._arrays import compute_dtype, get_xp

_LSTM_CONSTANTS: dict = {}  # (H, dtype) -> NumPy constant rows (CuPy arrays build their own)


def _lstm_constants(xp, hidden: int, dtype):
    """Per-column constants that treat the four LSTM gate blocks in one pass each.

    scale: 1/2 on sigmoid blocks (i, f, o), 1 on g, so that  act = scale * tanh(scale * pre) + shift
           is sigma(pre) = (1 + tanh(pre / 2)) / 2 on i, f, o and tanh(pre) on g, with
    shift: 1/2 on sigmoid blocks, 0 on g.
    The activation's derivative, from the activation a:  a(1 - a) on i, f, o and 1 - a^2 on g,
    is  a (one - a) + zero_or_one  with one = 1 and zero_or_one = 0 on sigmoid blocks, and
    one = 0, zero_or_one = 1 on g.
    """
    key = (hidden, np.dtype(dtype).str)
    constants = _LSTM_CONSTANTS.get(key) if xp is np else None
    if constants is None:
        sigmoid_block = np.ones(4 * hidden, dtype=bool)
        sigmoid_block[2 * hidden:3 * hidden] = False  # the g block is a tanh
        scale = np.where(sigmoid_block, 0.5, 1.0).astype(dtype)
        shift = np.where(sigmoid_block, 0.5, 0.0).astype(dtype)
        one = sigmoid_block.astype(dtype)
        zero_or_one = (~sigmoid_block).astype(dtype)
        constants = tuple(xp.asarray(c) for c in (scale, shift, one, zero_or_one))
        if xp is np and len(_LSTM_CONSTANTS) < 64:
            _LSTM_CONSTANTS[key] = constants
    return constants


def _sigmoid_(xp, x):
    """x <- sigma(x) = (1 + tanh(x / 2)) / 2, in place."""
    x *= 0.5
    xp.tanh(x, out=x)
    x *= 0.5
    x += 0.5
    return x


# ---- LSTM ------------------------------------------------------------------------------------

def lstm_cell_fwd(gx, gh, c):
    """Return (state' [B, 2H] = [h' | c'], gates [B, 4H] = activated [i, f, g, o])."""
    xp = get_xp(gx)
    work = compute_dtype(gx.dtype)
    hidden = c.shape[-1]
    scale, shift, _, _ = _lstm_constants(xp, hidden, work)
    gates = xp.add(gx, gh, dtype=work)
    gates *= scale
    xp.tanh(gates, out=gates)
    gates *= scale
    gates += shift
    i, f, g, o = (gates[:, k * hidden:(k + 1) * hidden] for k in range(4))
    state = xp.empty((gates.shape[0], 2 * hidden), dtype=work)
    h_new, c_new = state[:, :hidden], state[:, hidden:]
    xp.multiply(f, c, out=c_new)
    c_new += i * g
    xp.tanh(c_new, out=h_new)
    h_new *= o
    return state.astype(gx.dtype, copy=False), gates.astype(gx.dtype, copy=False)


def lstm_cell_bwd(dh, dc, c, c_new, gates):
    """Return (dgates [B, 4H], the gradient of both gx and gh; dc_prev [B, H])."""
    xp = get_xp(gates)
    dtype, work = gates.dtype, compute_dtype(gates.dtype)
    hidden = c.shape[-1]
    _, _, one, zero_or_one = _lstm_constants(xp, hidden, work)
    act = gates.astype(work, copy=False)
    i, f, g, o = (act[:, k * hidden:(k + 1) * hidden] for k in range(4))
    dgates = xp.empty(act.shape, dtype=work)
    di, df, dg, do = (dgates[:, k * hidden:(k + 1) * hidden] for k in range(4))
    tanh_c = xp.tanh(c_new.astype(work, copy=False))
    xp.multiply(dh, tanh_c, out=do)
    dc_all = xp.multiply(tanh_c, tanh_c, out=tanh_c)  # reuses tanh_c's buffer from here on
    xp.subtract(1.0, dc_all, out=dc_all)
    dc_all *= o
    dc_all *= dh
    dc_all += dc
    xp.multiply(dc_all, g, out=di)
    xp.multiply(dc_all, c, out=df)
    xp.multiply(dc_all, i, out=dg)
    derivative = xp.subtract(one, act)
    derivative *= act
    derivative += zero_or_one
    dgates *= derivative
    dc_all *= f
    return dgates.astype(dtype, copy=False), dc_all.astype(dtype, copy=False)


# ---- GRU -------------------------------------------------------------------------------------

def gru_cell_fwd(gx, gh, h):
    """Return (h' [B, H], saved [B, 4H] = [r, z, n, gh_n])."""
    xp = get_xp(gx)
    work = compute_dtype(gx.dtype)
    hidden = h.shape[-1]
    saved = xp.empty((gx.shape[0], 4 * hidden), dtype=work)
    rz, n, gh_n = saved[:, :2 * hidden], saved[:, 2 * hidden:3 * hidden], saved[:, 3 * hidden:]
    xp.add(gx[:, :2 * hidden], gh[:, :2 * hidden], out=rz)
    _sigmoid_(xp, rz)
    r, z = rz[:, :hidden], rz[:, hidden:]
    gh_n[...] = gh[:, 2 * hidden:]
    xp.multiply(r, gh_n, out=n)
    n += gx[:, 2 * hidden:]
    xp.tanh(n, out=n)
    h_new = xp.subtract(h, n, dtype=work)  # h' = n + z (h - n)
    h_new *= z
    h_new += n
    return h_new.astype(gx.dtype, copy=False), saved.astype(gx.dtype, copy=False)


def gru_cell_bwd(dh, h, saved):
    """Return (dgx [B, 3H], dgh [B, 3H], dh_prev [B, H], the direct path z dh' only)."""
    xp = get_xp(saved)
    dtype, work = saved.dtype, compute_dtype(saved.dtype)
    hidden = h.shape[-1]
    saved = saved.astype(work, copy=False)
    r, z, n, gh_n = (saved[:, k * hidden:(k + 1) * hidden] for k in range(4))
    dgx = xp.empty((saved.shape[0], 3 * hidden), dtype=work)
    dr, dz, dn = (dgx[:, k * hidden:(k + 1) * hidden] for k in range(3))
    one_minus_z = xp.subtract(1.0, z)
    xp.multiply(n, n, out=dn)
    xp.subtract(1.0, dn, out=dn)
    dn *= one_minus_z
    dn *= dh
    xp.subtract(h, n, out=dz)
    dz *= dh
    dz *= z
    dz *= one_minus_z
    xp.multiply(dn, gh_n, out=dr)
    dr *= r
    dr *= xp.subtract(1.0, r, out=one_minus_z)  # the buffer is free again
    dgh = xp.empty_like(dgx)
    dgh[:, :2 * hidden] = dgx[:, :2 * hidden]
    xp.multiply(dn, r, out=dgh[:, 2 * hidden:])
    dh_prev = xp.multiply(dh, z, dtype=work)
    return dgx.astype(dtype, copy=False), dgh.astype(dtype, copy=False), dh_prev.astype(dtype, copy=False)


# ---- plain RNN ---------------------------------------------------------------------------------

def rnn_cell_fwd(gx, gh, nonlinearity):
    """Return h' = tanh(gx + gh) or relu(gx + gh)."""
    xp = get_xp(gx)
    h_new = xp.add(gx, gh, dtype=compute_dtype(gx.dtype))
    if nonlinearity == "tanh":
        xp.tanh(h_new, out=h_new)
    else:
        xp.maximum(h_new, 0.0, out=h_new)
    return h_new.astype(gx.dtype, copy=False)


def rnn_cell_bwd(dh, h_new, nonlinearity):
    """Return the pre-activation's gradient (the gradient of both gx and gh), from the output h'."""
    xp = get_xp(h_new)
    work = compute_dtype(h_new.dtype)
    if nonlinearity == "tanh":
        out = h_new.astype(work)  # a copy: the buffer is overwritten
        out *= out
        xp.subtract(1.0, out, out=out)
        out *= dh
    else:
        out = xp.multiply(dh, h_new > 0, dtype=work)
    return out.astype(h_new.dtype, copy=False)
