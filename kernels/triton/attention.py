"""Flash attention in Triton, forward and backward, causal or not.

Forward, per (batch*head, block of BLOCK_M queries), over blocks of BLOCK_N keys:

    s = scale * q k^T;  m_new = max(m, rowmax s);  p = exp(s - m_new)
    l = l * exp(m - m_new) + rowsum p;  acc = acc * exp(m - m_new) + p v
    o = acc / l,  lse = m + log l

Only BLOCK_M x BLOCK_N scores live at a time (in registers), never the T x T matrix. Memory
moved: q, o once; k, v once per query block (Tq/BLOCK_M times); lse, Tq numbers per head.

Backward recomputes p = exp(scale * q k^T - lse) from the saved lse. With
delta_i = sum_d do_id o_id (one small kernel), ds = p * (do v^T - delta):

    dv = p^T do,  dk = scale * ds^T q       (one program per key block, looping over queries)
    dq = scale * ds k                       (one program per query block, looping over keys)

Two kernels instead of one with atomics: every output is written once, deterministically.
Causal masking is top-left aligned (query i sees keys j <= i), as in PyTorch's SDPA; blocks
entirely above the diagonal are skipped.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import triton
import triton.language as tl

from .. import _arrays
from . import _bridge

MAX_D = 128


@triton.jit
def _tile(ptr, stride_t, t, n_t, d, n_d):
    """Rows t (masked below n_t) and columns d (masked below n_d) of a [T, D] slice, 0 outside."""
    return tl.load(ptr + t[:, None] * stride_t + d[None, :],
                   mask=(t[:, None] < n_t) & (d[None, :] < n_d), other=0.0)


@triton.jit
def _store_tile(ptr, stride_t, t, n_t, d, n_d, value):
    """Write `value` to rows t (below n_t) and columns d (below n_d) of a [T, D] slice."""
    tl.store(ptr + t[:, None] * stride_t + d[None, :], value.to(ptr.dtype.element_ty),
             mask=(t[:, None] < n_t) & (d[None, :] < n_d))


@triton.jit
def _bwd_scores(q, k, v, do, lse, delta, rows, cols, n_q, n_k, scale,
                CAUSAL: tl.constexpr, ACC: tl.constexpr, PRECISION: tl.constexpr):
    """The backward's score block, shared by both backward kernels: p = exp(scale q k^T - lse)
    (0 where masked) and ds = p * (do v^T - delta)."""
    s = tl.dot(q, tl.trans(k), input_precision=PRECISION).to(ACC) * scale
    visible = (rows[:, None] < n_q) & (cols[None, :] < n_k)
    if CAUSAL:
        visible = visible & (cols[None, :] <= rows[:, None])
    p = tl.where(visible, tl.exp(s - lse[:, None]), 0.0)
    dp = tl.dot(do, tl.trans(v), input_precision=PRECISION).to(ACC)
    return p, p * (dp - delta[:, None])


@triton.jit
def _fwd_kernel(q_ptr, k_ptr, v_ptr, o_ptr, lse_ptr,
                stride_qb, stride_qt, stride_kb, stride_kt, stride_vb, stride_vt,
                stride_ob, stride_ot, stride_lb, n_q, n_k, d_qk, d_v, scale_hi, scale_lo,
                CAUSAL: tl.constexpr, ACC: tl.constexpr, PRECISION: tl.constexpr,
                BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_DK: tl.constexpr,
                BLOCK_DV: tl.constexpr):
    start_m = tl.program_id(0) * BLOCK_M
    bh = tl.program_id(1).to(tl.int64)
    scale = tl.cast(scale_hi, ACC) + tl.cast(scale_lo, ACC)
    rows = start_m + tl.arange(0, BLOCK_M)
    dk = tl.arange(0, BLOCK_DK)
    dv = tl.arange(0, BLOCK_DV)
    q = _tile(q_ptr + bh * stride_qb, stride_qt, rows, n_q, dk, d_qk)
    m_i = tl.full((BLOCK_M,), -float("inf"), ACC)
    l_i = tl.zeros((BLOCK_M,), ACC)
    acc = tl.zeros((BLOCK_M, BLOCK_DV), ACC)
    end = n_k
    if CAUSAL:
        end = tl.minimum(n_k, start_m + BLOCK_M)
    for start_n in range(0, end, BLOCK_N):
        cols = start_n + tl.arange(0, BLOCK_N)
        k = _tile(k_ptr + bh * stride_kb, stride_kt, cols, n_k, dk, d_qk)
        s = tl.dot(q, tl.trans(k), input_precision=PRECISION).to(ACC) * scale
        visible = cols[None, :] < n_k
        if CAUSAL:
            visible = visible & (cols[None, :] <= rows[:, None])
        s = tl.where(visible, s, -float("inf"))
        # Key 0 is visible to every query, so m_new is finite from the first block on.
        m_new = tl.maximum(m_i, tl.max(s, axis=1))
        p = tl.exp(s - m_new[:, None])
        alpha = tl.exp(m_i - m_new)
        l_i = l_i * alpha + tl.sum(p, axis=1)
        v = _tile(v_ptr + bh * stride_vb, stride_vt, cols, n_k, dv, d_v)
        acc = acc * alpha[:, None]
        acc = tl.dot(p.to(v.dtype), v, acc, input_precision=PRECISION, out_dtype=ACC)
        m_i = m_new
    o = acc / l_i[:, None]
    _store_tile(o_ptr + bh * stride_ob, stride_ot, rows, n_q, dv, d_v, o)
    tl.store(lse_ptr + bh * stride_lb + rows, (m_i + tl.log(l_i)).to(lse_ptr.dtype.element_ty),
             mask=rows < n_q)


@triton.jit
def _delta_kernel(o_ptr, do_ptr, delta_ptr, stride_ob, stride_ot, stride_db, stride_dt,
                  stride_deltab, n_q, d_v, ACC: tl.constexpr, BLOCK_M: tl.constexpr,
                  BLOCK_DV: tl.constexpr):
    """delta_i = sum_d do_id * o_id, the row term of the softmax backward."""
    rows = tl.program_id(0) * BLOCK_M + tl.arange(0, BLOCK_M)
    bh = tl.program_id(1).to(tl.int64)
    dv = tl.arange(0, BLOCK_DV)
    o = _tile(o_ptr + bh * stride_ob, stride_ot, rows, n_q, dv, d_v).to(ACC)
    do = _tile(do_ptr + bh * stride_db, stride_dt, rows, n_q, dv, d_v).to(ACC)
    tl.store(delta_ptr + bh * stride_deltab + rows, tl.sum(o * do, axis=1), mask=rows < n_q)


@triton.jit
def _bwd_dkdv_kernel(q_ptr, k_ptr, v_ptr, do_ptr, lse_ptr, delta_ptr, dk_ptr, dv_ptr,
                     stride_qb, stride_qt, stride_kb, stride_kt, stride_vb, stride_vt,
                     stride_db, stride_dt, stride_lb, stride_dkb, stride_dkt, stride_dvb,
                     stride_dvt, n_q, n_k, d_qk, d_v, scale_hi, scale_lo,
                     CAUSAL: tl.constexpr, ACC: tl.constexpr, PRECISION: tl.constexpr,
                     BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_DK: tl.constexpr,
                     BLOCK_DV: tl.constexpr):
    start_n = tl.program_id(0) * BLOCK_N
    bh = tl.program_id(1).to(tl.int64)
    scale = tl.cast(scale_hi, ACC) + tl.cast(scale_lo, ACC)
    cols = start_n + tl.arange(0, BLOCK_N)
    dk_idx = tl.arange(0, BLOCK_DK)
    dv_idx = tl.arange(0, BLOCK_DV)
    k = _tile(k_ptr + bh * stride_kb, stride_kt, cols, n_k, dk_idx, d_qk)
    v = _tile(v_ptr + bh * stride_vb, stride_vt, cols, n_k, dv_idx, d_v)
    dk = tl.zeros((BLOCK_N, BLOCK_DK), ACC)
    dv = tl.zeros((BLOCK_N, BLOCK_DV), ACC)
    first = 0
    if CAUSAL:
        first = (start_n // BLOCK_M) * BLOCK_M  # earlier queries cannot see these keys
    for start_m in range(first, n_q, BLOCK_M):
        rows = start_m + tl.arange(0, BLOCK_M)
        q = _tile(q_ptr + bh * stride_qb, stride_qt, rows, n_q, dk_idx, d_qk)
        do = _tile(do_ptr + bh * stride_db, stride_dt, rows, n_q, dv_idx, d_v)
        lse = tl.load(lse_ptr + bh * stride_lb + rows, mask=rows < n_q, other=0.0).to(ACC)
        delta = tl.load(delta_ptr + bh * stride_lb + rows, mask=rows < n_q, other=0.0).to(ACC)
        p, ds = _bwd_scores(q, k, v, do, lse, delta, rows, cols, n_q, n_k, scale,
                            CAUSAL, ACC, PRECISION)
        dv = tl.dot(tl.trans(p.to(do.dtype)), do, dv, input_precision=PRECISION, out_dtype=ACC)
        dk = tl.dot(tl.trans(ds.to(q.dtype)), q, dk, input_precision=PRECISION, out_dtype=ACC)
    dk = dk * scale
    _store_tile(dk_ptr + bh * stride_dkb, stride_dkt, cols, n_k, dk_idx, d_qk, dk)
    _store_tile(dv_ptr + bh * stride_dvb, stride_dvt, cols, n_k, dv_idx, d_v, dv)


@triton.jit
def _bwd_dq_kernel(q_ptr, k_ptr, v_ptr, do_ptr, lse_ptr, delta_ptr, dq_ptr,
                   stride_qb, stride_qt, stride_kb, stride_kt, stride_vb, stride_vt,
                   stride_db, stride_dt, stride_lb, stride_dqb, stride_dqt,
                   n_q, n_k, d_qk, d_v, scale_hi, scale_lo,
                   CAUSAL: tl.constexpr, ACC: tl.constexpr, PRECISION: tl.constexpr,
                   BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_DK: tl.constexpr,
                   BLOCK_DV: tl.constexpr):
    start_m = tl.program_id(0) * BLOCK_M
    bh = tl.program_id(1).to(tl.int64)
    scale = tl.cast(scale_hi, ACC) + tl.cast(scale_lo, ACC)
    rows = start_m + tl.arange(0, BLOCK_M)
    dk_idx = tl.arange(0, BLOCK_DK)
    dv_idx = tl.arange(0, BLOCK_DV)
    q = _tile(q_ptr + bh * stride_qb, stride_qt, rows, n_q, dk_idx, d_qk)
    do = _tile(do_ptr + bh * stride_db, stride_dt, rows, n_q, dv_idx, d_v)
    lse = tl.load(lse_ptr + bh * stride_lb + rows, mask=rows < n_q, other=0.0).to(ACC)
    delta = tl.load(delta_ptr + bh * stride_lb + rows, mask=rows < n_q, other=0.0).to(ACC)
    dq = tl.zeros((BLOCK_M, BLOCK_DK), ACC)
    end = n_k
    if CAUSAL:
        end = tl.minimum(n_k, start_m + BLOCK_M)
    for start_n in range(0, end, BLOCK_N):
        cols = start_n + tl.arange(0, BLOCK_N)
        k = _tile(k_ptr + bh * stride_kb, stride_kt, cols, n_k, dk_idx, d_qk)
        v = _tile(v_ptr + bh * stride_vb, stride_vt, cols, n_k, dv_idx, d_v)
        _, ds = _bwd_scores(q, k, v, do, lse, delta, rows, cols, n_q, n_k, scale,
                            CAUSAL, ACC, PRECISION)
        dq = tl.dot(ds.to(k.dtype), k, dq, input_precision=PRECISION, out_dtype=ACC)
    dq = dq * scale
    _store_tile(dq_ptr + bh * stride_dqb, stride_dqt, rows, n_q, dk_idx, d_qk, dq)


class Blocks(NamedTuple):
    """Tile sizes and launch options of the attention kernels for one dtype and head dim."""
    block_m: int
    block_n: int
    num_warps: int = 4
    num_stages: int = 2


def blocks_for(dtype, head_dim: int) -> Blocks:
    """The blocks the wrappers launch for `dtype` (a NumPy or torch dtype, or its name) and a
    head dim up to MAX_D, chosen from what the compiler makes of them for sm_90
    (python -m kernels.triton.compile_check: shared memory, matrix instructions, registers):
    tensor-core instructions where the dtype has them, and no registers spilled to memory.

    float16 and bfloat16 take 64x64 blocks: 64 query rows make one warpgroup's tile, so on
    Hopper every tl.dot becomes a wgmma (32-row blocks fall back to the older mma.sync). At
    D=128 they run 8 warps, so that the dk/dv kernel's two [64, 128] float32 accumulators
    and its k and v tiles fit in registers (with 4 warps it spills), and need at most
    104.5 KiB of shared memory on sm_90 (72.5 KiB on sm_80 and sm_89).
    float32 (exact products on the FMA units) takes 32x32 blocks, 8 warps from D=64 on, and
    at D=128 no software pipelining (num_stages=1), the only way found to keep the dk/dv
    kernel from spilling. float64 takes 32x32 blocks, and 16x16 at D=128.
    (Figures from Triton 3.6, the version minigrad targets on H100s; Triton 3.9 needs less
    shared memory but spills a few hundred bytes in the float32 dk/dv kernel at D=32 and 64.)
    """
    name = str(dtype).split(".")[-1]
    block_d = max(16, _bridge.next_power_of_2(head_dim))
    if name in ("float16", "bfloat16"):
        return Blocks(64, 64, num_warps=8 if block_d > 64 else 4)
    if name == "float64":
        return Blocks(16, 16) if block_d > 64 else Blocks(32, 32)
    if block_d > 64:
        return Blocks(32, 32, num_warps=8, num_stages=1)
    return Blocks(32, 32, num_warps=8 if block_d > 32 else 4)


def _heads(x):
    """[..., T, D] -> [B*H, T, D] with a unit stride on D (a view when possible)."""
    x3 = x.reshape((-1,) + tuple(x.shape[-2:]))
    if x3.shape[-1] > 1 and x3.strides[-1] != x3.itemsize:
        x3 = _arrays.get_xp(x).ascontiguousarray(x3)
    return x3


def _setup(op, q, k, v, scale, block_m, block_n):
    _bridge.check_float_dtype(op, q.dtype)
    d_qk, d_v = q.shape[-1], v.shape[-1]
    if max(d_qk, d_v) > MAX_D:
        raise _bridge.Unsupported(f"{op}: the Triton kernel takes head dims up to {MAX_D}, "
                                  f"got q/k D={d_qk}, v D={d_v}")
    if k.shape[-2] == 0:
        raise _bridge.Unsupported(f"{op}: attention over zero keys is undefined")
    heads = math.prod(q.shape[:-2])
    if heads > _bridge.MAX_GRID_Y:  # batch x heads is the launch grid's second axis
        raise _bridge.Unsupported(f"{op}: the Triton kernel takes at most {_bridge.MAX_GRID_Y} "
                                  f"batch x heads, got {heads}")
    scale = 1.0 / math.sqrt(d_qk) if scale is None else float(scale)
    block_dk = max(16, _bridge.next_power_of_2(d_qk))
    block_dv = max(16, _bridge.next_power_of_2(d_v))
    blocks = blocks_for(q.dtype, max(d_qk, d_v))
    meta = dict(ACC=_bridge.accumulator(q.dtype), PRECISION="ieee",
                BLOCK_M=block_m or blocks.block_m, BLOCK_N=block_n or blocks.block_n,
                BLOCK_DK=block_dk, BLOCK_DV=block_dv, num_warps=blocks.num_warps,
                num_stages=blocks.num_stages)
    return scale, meta


def attention_fwd(q, k, v, causal=False, scale=None, *, block_m=None, block_n=None):
    """Return (o [..., Tq, Dv], lse [..., Tq] float32, or float64 for float64 inputs)."""
    scale, meta = _setup("attention_fwd", q, k, v, scale, block_m, block_n)
    q3, k3, v3 = _heads(q), _heads(k), _heads(v)
    bh, n_q, d_qk = q3.shape
    n_k, d_v = k3.shape[1], v3.shape[2]
    o3 = _bridge.empty_like(q, (bh, n_q, d_v))
    lse = _bridge.empty_like(q, (bh, n_q), _arrays.stats_dtype(q.dtype))
    if bh and n_q:
        grid = (triton.cdiv(n_q, meta["BLOCK_M"]), bh)
        s = [_bridge.strides(t) for t in (q3, k3, v3, o3, lse)]
        _fwd_kernel[grid](_bridge.pointer(q3), _bridge.pointer(k3), _bridge.pointer(v3),
                          _bridge.pointer(o3), _bridge.pointer(lse),
                          s[0][0], s[0][1], s[1][0], s[1][1], s[2][0], s[2][1], s[3][0], s[3][1],
                          s[4][0], n_q, n_k, d_qk, d_v, *_bridge.float_pair(scale),
                          CAUSAL=bool(causal), **meta)
    return o3.reshape(q.shape[:-1] + (d_v,)), lse.reshape(q.shape[:-1])


def attention_bwd(q, k, v, o, lse, do, causal=False, scale=None, *, block_m=None, block_n=None):
    """Return (dq, dk, dv) shaped like q, k, v."""
    scale, meta = _setup("attention_bwd", q, k, v, scale, block_m, block_n)
    q3, k3, v3, o3, do3 = (_heads(t) for t in (q, k, v, o, do))
    lse2 = lse.reshape(-1, q3.shape[1])
    bh, n_q, d_qk = q3.shape
    n_k, d_v = k3.shape[1], v3.shape[2]
    dq3 = _bridge.empty_like(q, q3.shape)
    dk3 = _bridge.empty_like(k, k3.shape)
    dv3 = _bridge.empty_like(v, v3.shape)
    if bh == 0:
        return dq3.reshape(q.shape), dk3.reshape(k.shape), dv3.reshape(v.shape)
    if n_q == 0:  # no queries: nothing flows back to the keys and values
        dk3.fill(0)
        dv3.fill(0)
        return dq3.reshape(q.shape), dk3.reshape(k.shape), dv3.reshape(v.shape)
    if lse2.dtype != _arrays.stats_dtype(q.dtype):
        lse2 = lse2.astype(_arrays.stats_dtype(q.dtype))
    if lse2.strides[-1] != lse2.itemsize or lse2.strides[0] != n_q * lse2.itemsize:
        lse2 = lse2.copy()
    delta = _bridge.empty_like(q, (bh, n_q), _arrays.stats_dtype(q.dtype))
    P = _bridge.pointer
    sq, sk, sv, so, sdo = (_bridge.strides(t) for t in (q3, k3, v3, o3, do3))
    _delta_kernel[(triton.cdiv(n_q, meta["BLOCK_M"]), bh)](
        P(o3), P(do3), P(delta), so[0], so[1], sdo[0], sdo[1], n_q, n_q, d_v,
        ACC=meta["ACC"], BLOCK_M=meta["BLOCK_M"], BLOCK_DV=meta["BLOCK_DV"])
    common = (sq[0], sq[1], sk[0], sk[1], sv[0], sv[1], sdo[0], sdo[1], n_q)
    sdk, sdv, sdq = (_bridge.strides(t) for t in (dk3, dv3, dq3))
    _bwd_dkdv_kernel[(triton.cdiv(n_k, meta["BLOCK_N"]), bh)](
        P(q3), P(k3), P(v3), P(do3), P(lse2), P(delta), P(dk3), P(dv3), *common,
        sdk[0], sdk[1], sdv[0], sdv[1], n_q, n_k, d_qk, d_v, *_bridge.float_pair(scale),
        CAUSAL=bool(causal), **meta)
    _bwd_dq_kernel[(triton.cdiv(n_q, meta["BLOCK_M"]), bh)](
        P(q3), P(k3), P(v3), P(do3), P(lse2), P(delta), P(dq3), *common,
        sdq[0], sdq[1], n_q, n_k, d_qk, d_v, *_bridge.float_pair(scale),
        CAUSAL=bool(causal), **meta)
    return dq3.reshape(q.shape), dk3.reshape(k.shape), dv3.reshape(v.shape)
