"""Tiled matrix multiply in Triton, batched over leading dims.

    c[b, m, n] = sum_k a[b, m, k] * b[b, k, n]      (accumulated in float32; float64 for float64)

Each program computes one BLOCK_M x BLOCK_N tile of c, walking K in BLOCK_K steps: it reads
BLOCK_M*K + K*BLOCK_N elements and writes BLOCK_M*BLOCK_N. Tiles are numbered in groups of
GROUP_M rows of tiles ("grouped ordering"), so programs running at the same time share
columns of b and rows of a in L2. The second grid axis is the batch.

float32 uses exact fp32 products by default (input_precision "ieee"); allow_tf32=True lets
the tensor cores use TF32. float16 and bfloat16 use the tensor cores with fp32 accumulation.
Block sizes are autotuned on the GPU (timed with CuPy events); under the interpreter only the
first configuration is used, so tests do not time anything.

The autotuner compiles every configuration it times, once per operand dtype and stride
pattern: a few seconds each, tens of seconds for the widest tiles. Before compiling, it drops
the configurations whose shared memory (shared_memory_estimate) exceeds what the GPU gives one
block, so no compile is spent on a kernel that could not load. MINIGRAD_AUTOTUNE=quick (set
by the GPU check and the quick benchmarks) times at most two per operand width instead,
chosen to fit that width's shared memory on A100 and H100 GPUs (QUICK_CONFIGS).
"""
from __future__ import annotations

import inspect
import os

import numpy as np
import triton
import triton.language as tl

from .. import _arrays
from . import _bridge

# (BLOCK_M, BLOCK_N, BLOCK_K, GROUP_M, num_warps, num_stages). The autotuner skips those
# that need more shared memory than the GPU has (on an H100: float32 as TF32 at 128x256 and
# 256x128, float64 at 128x256 and 256x128; see shared_memory_estimate).
CONFIGS = [
    (64, 64, 32, 8, 4, 3),
    (128, 128, 32, 8, 4, 4),
    (128, 256, 64, 8, 8, 3),
    (256, 128, 64, 8, 8, 3),
    (128, 64, 32, 8, 4, 4),
    (64, 128, 32, 8, 4, 4),
    (64, 32, 32, 8, 2, 5),
]

# MINIGRAD_AUTOTUNE=quick: the configurations timed per operand width in bytes. Shared memory
# is at most stages * (BLOCK_M + BLOCK_N) * BLOCK_K * width: 144 KiB here, under the A100's
# 163 KiB and the H100's 227 KiB per block.
QUICK_CONFIGS = {
    2: [(128, 256, 64, 8, 8, 3), (128, 128, 32, 8, 4, 4)],  # float16, bfloat16: tensor cores
    4: [(128, 128, 32, 8, 4, 4), (64, 64, 32, 8, 4, 3)],
    8: [(64, 64, 32, 8, 4, 3), (64, 32, 32, 8, 2, 5)],
}
_WIDTHS = {"float16": 2, "bfloat16": 2, "float32": 4, "float64": 8}


@triton.jit
def _matmul_kernel(a_ptr, b_ptr, c_ptr, M, N, K,
                   stride_ab, stride_am, stride_ak, stride_bb, stride_bk, stride_bn,
                   stride_cb, stride_cm, stride_cn,
                   ACC: tl.constexpr, PRECISION: tl.constexpr, WIDEN: tl.constexpr,
                   BLOCK_M: tl.constexpr,
                   BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr, GROUP_M: tl.constexpr):
    pid = tl.program_id(0)
    batch = tl.program_id(1).to(tl.int64)
    # Grouped ordering: consecutive programs sweep GROUP_M tile rows before moving right.
    tiles_m = tl.cdiv(M, BLOCK_M)
    tiles_n = tl.cdiv(N, BLOCK_N)
    per_group = GROUP_M * tiles_n
    first_m = (pid // per_group) * GROUP_M
    group_rows = tl.minimum(tiles_m - first_m, GROUP_M)
    pid_m = first_m + (pid % per_group) % group_rows
    pid_n = (pid % per_group) // group_rows

    rows = (pid_m * BLOCK_M + tl.arange(0, BLOCK_M)).to(tl.int64)
    cols = (pid_n * BLOCK_N + tl.arange(0, BLOCK_N)).to(tl.int64)
    ks = tl.arange(0, BLOCK_K)
    a_ptrs = a_ptr + batch * stride_ab + rows[:, None] * stride_am + ks[None, :] * stride_ak
    b_ptrs = b_ptr + batch * stride_bb + ks[:, None] * stride_bk + cols[None, :] * stride_bn
    acc = tl.zeros((BLOCK_M, BLOCK_N), ACC)
    for k in range(0, K, BLOCK_K):
        a = tl.load(a_ptrs, mask=(rows[:, None] < M) & (k + ks[None, :] < K), other=0.0)
        b = tl.load(b_ptrs, mask=(k + ks[:, None] < K) & (cols[None, :] < N), other=0.0)
        if WIDEN:  # see `launch`: the interpreter's bfloat16 dot is wrong
            a = a.to(tl.float32)
            b = b.to(tl.float32)
        acc = tl.dot(a, b, acc, input_precision=PRECISION, out_dtype=ACC)
        a_ptrs += BLOCK_K * stride_ak
        b_ptrs += BLOCK_K * stride_bk
    c_ptrs = c_ptr + batch * stride_cb + rows[:, None] * stride_cm + cols[None, :] * stride_cn
    tl.store(c_ptrs, acc.to(c_ptr.dtype.element_ty), mask=(rows[:, None] < M) & (cols[None, :] < N))


_tuned = None


def autotune_mode() -> str:
    """'full' (time every configuration in CONFIGS, the default) or 'quick' (QUICK_CONFIGS),
    from the MINIGRAD_AUTOTUNE environment variable, read at each new autotuning key."""
    mode = os.environ.get("MINIGRAD_AUTOTUNE", "full").strip().lower() or "full"
    if mode not in ("full", "quick"):
        raise ValueError(f"MINIGRAD_AUTOTUNE={mode!r}: expected 'full' or 'quick'")
    return mode


def shared_memory_estimate(config: tuple, dtype, precision: str = "ieee",
                           capability: int = 90) -> int:
    """Bytes of shared memory the kernel needs with `config` (a CONFIGS tuple) for operands of
    `dtype` on a GPU of compute `capability` (90 for sm_90).

    Triton's software pipeline keeps copies of the A and B tiles, (BLOCK_M + BLOCK_N) * BLOCK_K
    elements, in shared memory: num_stages of them when the product runs on Hopper's
    asynchronous warpgroup instructions (wgmma, which read one copy while the others load),
    num_stages - 1 otherwise. wgmma takes float16, bfloat16 and float32 as TF32, from a
    warpgroup of 4 warps and 64 rows (every BLOCK_M here is at least 64).
    python -m kernels.triton.compile_check --pruned compares this with what the compiler
    allocates: equal for every configuration here, on sm_90 and sm_80, Triton 3.6 and 3.9.
    """
    bm, bn, bk, _group, warps, stages = config
    name = str(dtype).split(".")[-1]
    tensor_cores = name in ("float16", "bfloat16") or (name == "float32" and precision == "tf32")
    copies = stages if capability >= 90 and tensor_cores and warps >= 4 else stages - 1
    return copies * (bm + bn) * bk * _WIDTHS[name]


def _as_tuple(config) -> tuple:
    meta = config.kwargs
    return (meta["BLOCK_M"], meta["BLOCK_N"], meta["BLOCK_K"], meta["GROUP_M"],
            config.num_warps, config.num_stages)


def configs_to_time(configs: list, dtype, precision: str = "ieee",
                    device: tuple[int, int] | None = None) -> list:
    """The autotuner's configurations for operands of `dtype` (a NumPy or torch dtype, or its
    name) in the current autotune_mode: all of them, or the quick ones for its width. On a
    `device` given as (compute capability, shared memory per block in bytes), those whose
    shared_memory_estimate exceeds the device's are left out (the smallest is kept if none fits)."""
    if autotune_mode() == "quick":
        quick = QUICK_CONFIGS[_WIDTHS[str(dtype).split(".")[-1]]]
        configs = [config for config in configs if _as_tuple(config) in quick]
    if device is None:
        return list(configs)
    capability, limit = device
    needs = [shared_memory_estimate(_as_tuple(config), dtype, precision, capability)
             for config in configs]
    fitting = [config for config, need in zip(configs, needs) if need <= limit]
    return fitting or [configs[needs.index(min(needs))]]


def _prune(configs, named_args, **kwargs):
    """triton.autotune's early_config_prune hook: see configs_to_time."""
    operand = named_args["a_ptr"]
    return configs_to_time(configs, operand.dtype, kwargs.get("PRECISION", "ieee"),
                           _bridge.device_limits(operand))


def tuning_report() -> dict | None:
    """What the last autotuning run did (None before the first tuned call): the mode, the
    configurations timed and their median times (ms; inf where one failed to compile or
    load), the one chosen, and the seconds tuning took, compiles included."""
    timings = getattr(_tuned, "configs_timings", None)
    if not isinstance(timings, dict):  # not tuned yet (or read back from Triton's disk cache)
        return None
    return {"mode": autotune_mode(),
            "timed": {str(_as_tuple(c)): float(t[0] if isinstance(t, (list, tuple)) else t)
                      for c, t in timings.items()},
            "best": str(_as_tuple(_tuned.best_config)),
            "seconds": float(getattr(_tuned, "bench_time", float("nan")))}


def _autotuned():
    """The autotuned kernel, built on first use (so the interpreter check sees the env)."""
    global _tuned
    if _tuned is None:
        configs = [triton.Config(dict(BLOCK_M=bm, BLOCK_N=bn, BLOCK_K=bk, GROUP_M=g),
                                 num_warps=w, num_stages=s) for bm, bn, bk, g, w, s in CONFIGS]
        if _bridge.interpreting():
            configs = configs[:1]
        options = {}
        # Triton 3.2+ takes a `do_bench` callable; older versions time with PyTorch.
        if "do_bench" in inspect.signature(triton.autotune).parameters:
            options["do_bench"] = _bridge.cupy_do_bench
        _tuned = triton.autotune(configs=configs, key=["M", "N", "K", "PRECISION", "WIDEN"],
                                 prune_configs_by={"early_config_prune": _prune},
                                 **options)(_matmul_kernel)
    return _tuned


def launch(a3, b3, c3, a_strides, b_strides, c_strides, *, allow_tf32=False, config=None):
    """Run the kernel on 3-D operands given as kernel arguments (torch tensors, CuPy pointer
    adapters) with their element strides; c3 = a3 @ b3. `config` (a dict of BLOCK_M,
    BLOCK_N, BLOCK_K, GROUP_M) skips the autotuner."""
    batch, m, k = a3.shape
    n = b3.shape[-1]
    precision = "tf32" if allow_tf32 else "ieee"
    acc = _bridge.accumulator(c3.dtype)
    # Triton's interpreter (3.9) multiplies bfloat16 operands as their raw uint16 bit patterns;
    # widening them to float32 first gives the product the GPU computes (exact products, fp32
    # accumulation). Compiled kernels keep bfloat16 operands for the tensor cores.
    widen = _bridge.interpreting() and "bfloat16" in str(a3.dtype)
    for first in range(0, batch, _bridge.MAX_GRID_Y):
        count = min(_bridge.MAX_GRID_Y, batch - first)
        part = [t[first:first + count] for t in (a3, b3, c3)]
        args = [*(_bridge.pointer(t) for t in part), m, n, k, *a_strides, *b_strides, *c_strides]
        if config is not None:
            grid = (triton.cdiv(m, config["BLOCK_M"]) * triton.cdiv(n, config["BLOCK_N"]), count)
            _matmul_kernel[grid](*args, ACC=acc, PRECISION=precision, WIDEN=widen, **config)
        else:
            def grid(meta, count=count):
                return (triton.cdiv(m, meta["BLOCK_M"]) * triton.cdiv(n, meta["BLOCK_N"]), count)
            _autotuned()[grid](*args, ACC=acc, PRECISION=precision, WIDEN=widen)


def matmul(a, b, *, allow_tf32: bool = False, config: dict | None = None):
    """c = a @ b with NumPy's matmul semantics, for NumPy (interpreter) or CuPy arrays."""
    xp = _arrays.get_xp(a)
    dtype = np.result_type(a.dtype, b.dtype)
    _bridge.check_float_dtype("matmul", dtype)
    a, b = a.astype(dtype, copy=False), b.astype(dtype, copy=False)
    vector_a, vector_b = a.ndim == 1, b.ndim == 1
    if vector_a:
        a = a[None, :]
    if vector_b:
        b = b[:, None]
    m, k = a.shape[-2:]
    n = b.shape[-1]
    if b.ndim == 2 and a.ndim > 2:
        # x @ W with x [..., M, K]: fold the leading dims into M, one big 2-D product.
        out_shape = a.shape[:-1] + (n,)
        a = a.reshape(-1, k)
        m = a.shape[0]
        batch_shape = ()
    else:
        batch_shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        out_shape = batch_shape + (m, n)
    a3 = xp.broadcast_to(a, batch_shape + (m, k)).reshape(-1, m, k)
    b3 = xp.broadcast_to(b, batch_shape + (k, n)).reshape(-1, k, n)
    c3 = _bridge.empty_like(a, (a3.shape[0], m, n), dtype)
    if c3.size:
        launch(a3, b3, c3, _bridge.strides(a3), _bridge.strides(b3), _bridge.strides(c3),
               allow_tf32=allow_tf32, config=config)
    c = c3.reshape(out_shape)
    if vector_a:
        c = c[..., 0, :]
    if vector_b:
        c = c[..., 0]
    return c
