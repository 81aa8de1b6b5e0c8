"""The elementwise update of a recurrent cell, forward and backward: LSTM, GRU, plain RNN.

A cell's two matrix products stay outside these kernels (they are BLAS calls); a kernel gets
the gates' two shares for one time step, rows = batch,

    gx = x W_ih^T + b_ih        [B, G]   (for a whole sequence: one matmul before the loop)
    gh = h W_hh^T + b_hh        [B, G]   (one matmul per step)

and does everything else. Gate blocks are H columns wide, in PyTorch's order. sigma is the
logistic function 1 / (1 + e^-x); the LSTM's one tanh gate is computed from the same
exponential as tanh x = 2 sigma(2x) - 1, so the four gates cost one exp (on this machine
NumPy's float32 tanh costs about twice its exp). e^-x overflows to inf for very negative x,
and 1 / (1 + inf) = 0 is the right answer, so that warning is silenced.

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

    minus_scale: -1 on sigmoid blocks (i, f, o), -2 on g, so that 1 / (1 + exp(minus_scale * pre))
                 is sigma(pre) on i, f, o and sigma(2 pre) on g (then 2 sigma(2 pre) - 1 = tanh pre).
    The activation's derivative, from the activation a:  a(1 - a) on i, f, o and 1 - a^2 on g,
    is  a (one - a) + zero_or_one  with one = 1 and zero_or_one = 0 on sigmoid blocks, and
    one = 0, zero_or_one = 1 on g.
    """
    key = (hidden, np.dtype(dtype).str)
    constants = _LSTM_CONSTANTS.get(key) if xp is np else None
    if constants is None:
        sigmoid_block = np.ones(4 * hidden, dtype=bool)
        sigmoid_block[2 * hidden:3 * hidden] = False  # the g block is a tanh
        minus_scale = np.where(sigmoid_block, -1.0, -2.0).astype(dtype)
        one = sigmoid_block.astype(dtype)
        zero_or_one = (~sigmoid_block).astype(dtype)
        constants = tuple(xp.asarray(c) for c in (minus_scale, one, zero_or_one))
        if xp is np and len(_LSTM_CONSTANTS) < 64:
            _LSTM_CONSTANTS[key] = constants
    return constants


def _logistic_(xp, x, minus_scale=-1.0):
    """x <- 1 / (1 + exp(minus_scale * x)), in place: sigma(x) for minus_scale = -1."""
    x *= minus_scale
    with np.errstate(over="ignore"):  # exp(large) = inf gives 1 / (1 + inf) = 0, the right answer
        xp.exp(x, out=x)
    x += 1.0
    xp.reciprocal(x, out=x)
    return x


# ---- LSTM ------------------------------------------------------------------------------------

def lstm_cell_fwd(gx, gh, c):
    """Return (state' [B, 2H] = [h' | c'], gates [B, 4H] = activated [i, f, g, o])."""
    xp = get_xp(gx)
    work = compute_dtype(gx.dtype)
    hidden = c.shape[-1]
    minus_scale, _, _ = _lstm_constants(xp, hidden, work)
    gates = _logistic_(xp, xp.add(gx, gh, dtype=work), minus_scale)  # sigma on i, f, o; sigma(2 pre) on g
    i, f, g, o = (gates[:, k * hidden:(k + 1) * hidden] for k in range(4))
    g *= 2.0
    g -= 1.0  # tanh = 2 sigma(2 x) - 1
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
    _, one, zero_or_one = _lstm_constants(xp, hidden, work)
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
    _logistic_(xp, rz)
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
