"""Scaled dot-product attention, materialising the T x T score matrix (the reference; the
Triton kernel never does).

    s = scale * q k^T  (causal: s_ij = -inf for j > i, top-left aligned like PyTorch's SDPA)
    lse_i = log sum_j exp(s_ij),  p = exp(s - lse),  o = p v

Backward, with delta_i = sum_d do_id o_id:

    dv = p^T do,  dp = do v^T,  ds = p * (dp - delta),  dq = scale * ds k,  dk = scale * ds^T q
"""
from __future__ import annotations

import math

import numpy as np

from .._arrays import compute_dtype, get_xp


def _stats_dtype(dtype):
    return np.dtype(np.float64) if np.dtype(dtype) == np.float64 else np.dtype(np.float32)


def _scores(xp, q, k, causal, scale):
    s = xp.matmul(q, k.swapaxes(-1, -2))
    s *= scale
    if causal:
        tq, tk = s.shape[-2], s.shape[-1]
        hidden = xp.arange(tk)[None, :] > xp.arange(tq)[:, None]
        s += xp.where(hidden, -xp.inf, 0.0).astype(s.dtype)  # -inf above the diagonal
    return s


def _default_scale(q, scale):
    return 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)


def attention_fwd(q, k, v, causal=False, scale=None):
    """Return (o like q, lse [..., Tq] in float32, or float64 for float64 inputs)."""
    xp = get_xp(q)
    work = compute_dtype(q.dtype)
    scale = _default_scale(q, scale)
    qw, kw, vw = (t.astype(work, copy=False) for t in (q, k, v))
    s = _scores(xp, qw, kw, causal, scale)
    m = s.max(axis=-1, keepdims=True)
    s -= m
    xp.exp(s, out=s)
    total = s.sum(axis=-1, keepdims=True)
    s /= total
    o = xp.matmul(s, vw)
    lse = (xp.log(total) + m)[..., 0]
    return o.astype(q.dtype, copy=False), lse.astype(_stats_dtype(q.dtype), copy=False)


def attention_bwd(q, k, v, o, lse, do, causal=False, scale=None):
    """Return (dq, dk, dv), recomputing the probabilities from the saved lse."""
    xp = get_xp(q)
    work = compute_dtype(q.dtype)
    scale = _default_scale(q, scale)
    qw, kw, vw, ow, dow = (t.astype(work, copy=False) for t in (q, k, v, o, do))
    p = _scores(xp, qw, kw, causal, scale)
    p -= lse.astype(work, copy=False)[..., None]
    xp.exp(p, out=p)
    dv = xp.matmul(p.swapaxes(-1, -2), dow)
    dp = xp.matmul(dow, vw.swapaxes(-1, -2))
    delta = (dow * ow).sum(axis=-1, keepdims=True)
    dp -= delta
    dp *= p
    dp *= scale
    dq = xp.matmul(dp, kw)
    dk = xp.matmul(dp.swapaxes(-1, -2), qw)
    return (dq.astype(q.dtype, copy=False), dk.astype(k.dtype, copy=False),
            dv.astype(v.dtype, copy=False))
