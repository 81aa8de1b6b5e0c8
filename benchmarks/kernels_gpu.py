"""Group 2 on the GPU: minigrad's Triton, CuPy and reference-on-CuPy kernels against cuBLAS /
CuPy composites and PyTorch CUDA, with the device's own ceilings measured in the same run.

Only imported work happens when CuPy sees a GPU; on any other machine `plan("cuda")`
returns a single benchmark that skips with a note.

Ceilings (measured, never taken from a data sheet):
    copy bandwidth   device-to-device copy of a large buffer, bytes read + bytes written
    fp16 / fp32      a large square cuBLAS matmul through CuPy, 2 n^3 FLOPs
Each row then shows the achieved throughput of minigrad's kernel (TFLOP/s for the
matmul-bound kernels, GB/s for the memory-bound ones, from the counted work in cases.py)
and that figure as a fraction of the matching ceiling.

Timing: CUDA events around a block of calls after a device synchronize (harness.CupyClock
for minigrad and CuPy, harness.TorchCudaClock for PyTorch). Inputs smaller than 4x the L2
cache are replicated and rotated through, so no side runs out of a warm cache.
"""
from __future__ import annotations

import math

import numpy as np

import kernels

from . import harness
from .cases import CASES
from .harness import CupyClock, Side, TorchCudaClock, compare, cupy_with_gpu
from .kernels_cpu import DeviceSpec, _slug, run_case
from .record import Bench, Context, Row, Skip

GROUP = "kernels_gpu"
TITLE = "Kernels (GPU): minigrad's kernels vs cuBLAS/CuPy and PyTorch CUDA"
COMPOSITE = "cupy"
COMPETITORS = [COMPOSITE, "torch"]
NOTES = [
    "'cupy' is cuBLAS through cupy.matmul for the matmuls and the same math written with CuPy "
    "array ops for the rest; torch is PyTorch eager on CUDA.",
    "minigrad 'numpy' rows are the reference implementation running on CuPy arrays (the GPU "
    "fallback).",
    "% ceil: minigrad's achieved throughput over the ceiling measured in this run (copy "
    "bandwidth for memory-bound kernels, cuBLAS matmul TFLOP/s of the same dtype otherwise).",
]

ROTATE_FACTOR = 4  # inputs below ROTATE_FACTOR x L2 are replicated and rotated
MAX_COPIES = 64


def _l2_bytes(cupy) -> int:
    try:
        return int(cupy.cuda.Device().attributes["L2CacheSize"])
    except Exception:
        return 50 * 2**20  # larger than any current L2: rotate generously when unknown


def measure_ceilings(cupy, config) -> dict:
    """Copy bandwidth (GB/s) and cuBLAS fp16/fp32 matmul throughput (TFLOP/s) of this GPU."""
    clock = CupyClock(cupy)
    free, _total = cupy.cuda.runtime.memGetInfo()
    nbytes = int(min(2**30, free // 8)) // 4 * 4
    src = cupy.arange(nbytes // 4, dtype=cupy.float32)
    dst = cupy.empty_like(src)
    copy = compare([Side("copy", lambda: cupy.copyto(dst, src), clock)], config)["copy"]
    del src, dst
    ceilings = {"copy_GBps": 2 * nbytes / copy.median / 1e9, "copy_bytes": nbytes,
                "copy_stats": copy.to_dict()}
    rng = np.random.default_rng(0)
    for dtype, name in ((np.float16, "fp16"), (np.float32, "fp32")):
        n = 8192 if free > 6 * 8192 * 8192 * np.dtype(dtype).itemsize else 4096
        a = cupy.asarray(rng.standard_normal((n, n)).astype(dtype))
        b = cupy.asarray(rng.standard_normal((n, n)).astype(dtype))
        stats = compare([Side("matmul", lambda: cupy.matmul(a, b), clock)], config)["matmul"]
        ceilings[f"matmul_{name}_TFLOPs"] = 2.0 * n ** 3 / stats.median / 1e12
        ceilings[f"matmul_{name}_n"] = n
        ceilings[f"matmul_{name}_stats"] = stats.to_dict()
        del a, b
    cupy.get_default_memory_pool().free_all_blocks()
    return ceilings


def _gpu_extra(ceilings: dict):
    def extra(case, size, dtype, stats: dict) -> dict:
        if case.flops is not None:
            work = case.flops(size)
            unit, scale = "TFLOP/s", 1e12
            key = "matmul_fp16_TFLOPs" if np.dtype(dtype) == np.float16 else "matmul_fp32_TFLOPs"
        else:
            work = case.bytes(size, np.dtype(dtype).itemsize)
            unit, scale, key = "GB/s", 1e9, "copy_GBps"
        throughput = {name: work / s.median / scale for name, s in stats.items()}
        ceiling = ceilings.get(key)
        return {"throughput_unit": unit, "throughput": throughput, "ceiling": key,
                "fraction_of_ceiling": {name: t / ceiling for name, t in throughput.items()}
                if ceiling else {}}
    return extra


def cuda_spec(cupy, ceilings: dict) -> DeviceSpec:
    torch = harness.optional_import("torch")
    if torch is not None and not torch.cuda.is_available():
        torch = None  # a CPU-only PyTorch build: no CUDA column
    l2 = _l2_bytes(cupy)

    def copies(nbytes: int) -> int:
        if nbytes >= ROTATE_FACTOR * l2:
            return 1
        return min(MAX_COPIES, math.ceil(ROTATE_FACTOR * l2 / max(nbytes, 1)))

    return DeviceSpec(
        name="cuda", xp=cupy, composite_name=COMPOSITE, minigrad_clock=CupyClock(cupy),
        composite_clock=CupyClock(cupy), torch=torch,
        to_torch=(lambda a: torch.as_tensor(a, device="cuda")) if torch is not None else None,
        torch_clock=TorchCudaClock(torch) if torch is not None else None,
        impls=lambda op: list(kernels.available(op)),  # numpy (on CuPy), triton, cupy
        copies=copies, extra=_gpu_extra(ceilings),
        # A GPU kernel may decline a size it was not written for; that becomes a note.
        skip_errors=(ValueError, RuntimeError, NotImplementedError))


def plan(device: str) -> list:
    if device != "cuda":
        return []
    state: dict = {}

    def prepare(ctx: Context):
        cupy = cupy_with_gpu()
        if cupy is None:
            raise Skip("CuPy with a CUDA GPU is not available: GPU kernels not benchmarked")
        if "spec" not in state:
            state["ceilings"] = measure_ceilings(cupy, ctx.config)
            state["spec"] = cuda_spec(cupy, state["ceilings"])
            c = state["ceilings"]
            ctx.note(f"ceilings measured in this run: copy {c['copy_GBps']:.0f} GB/s, cuBLAS fp16 "
                     f"{c['matmul_fp16_TFLOPs']:.1f} TFLOP/s, fp32 {c['matmul_fp32_TFLOPs']:.1f} TFLOP/s")
            if state["spec"].torch is None:
                ctx.note("PyTorch with CUDA is not available: torch column dropped")
        return state["spec"]

    def ceiling_rows(ctx: Context) -> list:
        prepare(ctx)
        c = state["ceilings"]
        rows = [Row(GROUP, "ceiling: copy bandwidth", f"{c['copy_bytes'] / 2**20:.0f} MiB", c["copy_bytes"],
                    "cupy.copyto", None, extra={"throughput_unit": "GB/s", "achieved": c["copy_GBps"]})]
        for name in ("fp16", "fp32"):
            n = c[f"matmul_{name}_n"]
            rows.append(Row(GROUP, f"ceiling: cuBLAS matmul {name}", f"{n}x{n}x{n}", 2.0 * n ** 3,
                            "cupy.matmul", None,
                            extra={"throughput_unit": "TFLOP/s", "achieved": c[f"matmul_{name}_TFLOPs"]}))
        return rows

    def runner(case):
        def run(ctx: Context) -> list:
            return run_case(case, ctx, prepare(ctx))
        return run

    benches = [Bench("kernels_gpu.ceilings", GROUP, ceiling_rows)]
    benches += [Bench(f"kernels_gpu.{_slug(case.name)}", GROUP, runner(case), op=case.op)
                for case in CASES if case.gpu_sizes[0]]
    return benches
