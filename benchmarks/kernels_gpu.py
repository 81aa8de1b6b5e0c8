"""Group 2 on the GPU: minigrad's Triton, CuPy and reference-on-CuPy kernels against cuBLAS /
CuPy composites and PyTorch CUDA, with the device's own ceilings measured in the same run.

Only imported work happens when CuPy sees a GPU; on any other machine `plan("cuda")`
returns a single benchmark that skips with a note.

Ceilings (measured, never taken from a data sheet):
    copy bandwidth   device-to-device copy of a large buffer, bytes read + bytes written
    fp16 / fp32      a large square cuBLAS matmul through CuPy, 2 n^3 FLOPs
    bf16             the same through torch.matmul (when PyTorch has CUDA)
Each row then shows the achieved throughput of minigrad's kernel (TFLOP/s for the
matmul-bound kernels, GB/s for the memory-bound ones, from the counted work in cases.py)
and that figure as a fraction of the matching ceiling, and the time of its first call
(compilation and autotuning included, where this process had not done them yet).

Quick runs (--quick) measure the GPU implementations only (Triton, CuPy), not the
reference running on CuPy arrays, and time two matmul configurations per dtype.

Timing: CUDA events around a block of calls after a device synchronize (harness.CupyClock
for minigrad and CuPy, harness.TorchCudaClock for PyTorch). Inputs smaller than 4x the L2
cache are replicated and rotated through, so no side runs out of a warm cache.
"""
from __future__ import annotations

import math

import numpy as np

import kernels
from kernels import Unsupported

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
    "first call: minigrad's first call at that size, synchronized; Triton and CuPy compile and "
    "the matmul autotunes there when this process (and their on-disk caches) have not yet.",
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
    torch = _torch_cuda()
    if torch is not None:  # CuPy has no bfloat16 matmul of its own: cuBLAS through PyTorch
        n = 8192 if free > 6 * 8192 * 8192 * 2 else 4096
        generator = torch.Generator(device="cuda").manual_seed(0)
        a, b = (torch.randn(n, n, device="cuda", dtype=torch.bfloat16, generator=generator)
                for _ in range(2))
        stats = compare([Side("matmul", lambda: torch.matmul(a, b), TorchCudaClock(torch))],
                        config)["matmul"]
        ceilings["matmul_bf16_TFLOPs"] = 2.0 * n ** 3 / stats.median / 1e12
        ceilings["matmul_bf16_n"] = n
        ceilings["matmul_bf16_stats"] = stats.to_dict()
        del a, b
        torch.cuda.empty_cache()
    return ceilings


def _torch_cuda():
    """PyTorch when it is installed with CUDA and sees the GPU, else None."""
    torch = harness.optional_import("torch")
    if torch is None or not torch.cuda.is_available():
        return None
    return torch


CEILING_FOR_DTYPE = {"float16": "matmul_fp16_TFLOPs", "bfloat16": "matmul_bf16_TFLOPs"}


def _gpu_extra(ceilings: dict):
    def extra(case, size, dtype, stats: dict) -> dict:
        if case.flops is not None:
            work = case.flops(size)
            unit, scale = "TFLOP/s", 1e12
            key = CEILING_FOR_DTYPE.get(str(dtype), "matmul_fp32_TFLOPs")
        else:
            work = case.bytes(size, np.dtype(dtype).itemsize)
            unit, scale, key = "GB/s", 1e9, "copy_GBps"
        throughput = {name: work / s.median / scale for name, s in stats.items()}
        ceiling = ceilings.get(key)
        return {"throughput_unit": unit, "throughput": throughput, "ceiling": key,
                "fraction_of_ceiling": {name: t / ceiling for name, t in throughput.items()}
                if ceiling else {}}
    return extra


def gpu_impls(op: str, quick: bool) -> list:
    """minigrad's implementations of `op` to measure on the GPU: every available one (the
    reference on CuPy arrays included), or in quick runs the GPU kernels alone."""
    impls = list(kernels.available(op))  # numpy (on CuPy), triton, cupy
    if quick:
        impls = [impl for impl in impls if impl != "numpy"] or impls
    return impls


def describe_tuning(case, impl: str) -> dict:
    """The Triton matmul's autotuning for the row's first call (configurations timed, choice,
    seconds), from kernels.triton.matmul.tuning_report."""
    if case.op != "matmul" or impl != "triton":
        return {}
    from kernels.triton import matmul as triton_matmul

    report = triton_matmul.tuning_report()
    return {"autotune": report} if report is not None else {}


def cuda_spec(cupy, ceilings: dict, quick: bool = False) -> DeviceSpec:
    """How run_case measures on the GPU: CuPy arrays, CUDA-event clocks, rotating input sets
    below 4x the L2, throughput against the ceilings."""
    torch = _torch_cuda()  # None for a CPU-only PyTorch build: no CUDA column
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
        impls=lambda op: gpu_impls(op, quick),
        copies=copies, extra=_gpu_extra(ceilings), describe=describe_tuning,
        # A GPU kernel may decline a size it was not written for (kernels.Unsupported): a
        # note. Any other error is a failure of that row, reported as such.
        skip_errors=(Unsupported, NotImplementedError))


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
            state["spec"] = cuda_spec(cupy, state["ceilings"], quick=ctx.quick)
            c = state["ceilings"]
            bf16 = (f", bf16 (torch) {c['matmul_bf16_TFLOPs']:.1f}" if "matmul_bf16_TFLOPs" in c
                    else "")
            ctx.note(f"ceilings measured in this run: copy {c['copy_GBps']:.0f} GB/s, cuBLAS fp16 "
                     f"{c['matmul_fp16_TFLOPs']:.1f} TFLOP/s{bf16}, fp32 "
                     f"{c['matmul_fp32_TFLOPs']:.1f} TFLOP/s")
            if state["spec"].torch is None:
                ctx.note("PyTorch with CUDA is not available: torch column dropped")
        return state["spec"]

    def ceiling_rows(ctx: Context) -> list:
        prepare(ctx)
        c = state["ceilings"]
        rows = [Row(GROUP, "ceiling: copy bandwidth", f"{c['copy_bytes'] / 2**20:.0f} MiB", c["copy_bytes"],
                    "cupy.copyto", None, extra={"throughput_unit": "GB/s", "achieved": c["copy_GBps"]})]
        for name, via in (("fp16", "cupy.matmul"), ("bf16", "torch.matmul"), ("fp32", "cupy.matmul")):
            if f"matmul_{name}_n" not in c:
                continue
            n = c[f"matmul_{name}_n"]
            rows.append(Row(GROUP, f"ceiling: cuBLAS matmul {name}", f"{n}x{n}x{n}", 2.0 * n ** 3,
                            via, None,
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
