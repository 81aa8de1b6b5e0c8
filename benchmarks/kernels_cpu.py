"""Group 2 on the CPU: every kernel minigrad has for NumPy arrays against a plain NumPy
composite and PyTorch eager, size by size.

`run_case` is written for any device: a `DeviceSpec` says which array module holds the
inputs, how to hand them to PyTorch, which clock times each side, and how many input sets
to rotate through. kernels_gpu.py builds the CUDA spec and reuses it.
"""
from __future__ import annotations

import sys
import time
import traceback
from dataclasses import dataclass, field
from itertools import cycle
from typing import Callable

import numpy as np

import kernels

from . import harness
from .cases import CASES, KernelCase, first_array
from .harness import CpuClock, Side, compare
from .record import Bench, Context, Row, Skip

GROUP = "kernels"
TITLE = "Kernels (CPU, float32): minigrad's kernels vs plain NumPy and PyTorch eager"
COMPOSITE = "numpy composite"
COMPETITORS = [COMPOSITE, "torch"]
NOTES = [
    "minigrad calls the public kernels.* function (input checks and dispatch included); "
    "'numpy composite' is the same math written plainly with NumPy; torch is the eager op "
    "(fwd+bwd rows go through torch.autograd.grad).",
    "Triton kernels run on the CPU only under the interpreter and are not benchmarked here.",
]


@dataclass
class DeviceSpec:
    """What `run_case` needs to know about a device."""

    name: str  # "cpu" or "cuda"
    xp: object  # numpy or cupy
    composite_name: str
    minigrad_clock: object
    composite_clock: object
    torch: object | None = None
    to_torch: Callable | None = None  # array -> torch tensor sharing memory where possible
    torch_clock: object | None = None
    impls: Callable = None  # op -> minigrad implementations to benchmark
    copies: Callable = lambda nbytes: 1  # input sets to rotate through (GPU: defeat the L2 cache)
    extra: Callable | None = None  # (case, size, dtype, {side: Stats}) -> dict for the row
    describe: Callable | None = None  # (case, impl) -> dict for the row, read after timing
    skip_errors: tuple = field(default_factory=tuple)


def cpu_spec() -> DeviceSpec:
    torch = harness.optional_import("torch")
    return DeviceSpec(
        name="cpu", xp=np, composite_name=COMPOSITE, minigrad_clock=CpuClock(),
        composite_clock=CpuClock(), torch=torch,
        to_torch=(lambda a: torch.from_numpy(a)) if torch is not None else None,
        torch_clock=CpuClock(),
        # "triton" on NumPy arrays would be the interpreter; "cupy" needs CuPy arrays.
        impls=lambda op: [impl for impl in kernels.available(op) if impl == "numpy"],
        extra=cpu_throughput)


def sizes_for(case: KernelCase, device: str, ctx: Context) -> tuple:
    quick, full = case.cpu_sizes if device == "cpu" else case.gpu_sizes
    sizes = quick if ctx.quick or ctx.sizes == "tiny" else full
    return tuple(sizes[:1]) if ctx.sizes == "tiny" else tuple(sizes)


def _nbytes(inputs: dict) -> int:
    return int(sum(a.nbytes for a in inputs.values()))


def _rotating(fns: list) -> Callable:
    """One callable that runs the next of `fns` each time (one input set per call)."""
    if len(fns) == 1:
        return fns[0]
    it = cycle(fns)
    return lambda: next(it)()


def _to_numpy(array):
    if hasattr(array, "detach"):  # torch
        return array.detach().cpu().numpy()
    if hasattr(array, "get"):  # cupy
        return array.get()
    return np.asarray(array)


def _agreement(reference, other) -> float:
    """max |reference - other| / max |reference|: do the sides compute the same thing?"""
    a = _to_numpy(first_array(reference)).astype(np.float64)
    b = _to_numpy(first_array(other)).astype(np.float64)
    scale = max(float(np.abs(a).max()) if a.size else 0.0, 1e-30)
    return float(np.abs(a - b).max()) / scale if a.size else 0.0


def cpu_throughput(case: KernelCase, size, dtype, stats: dict) -> dict:
    """GFLOP/s (matmul-bound kernels) or GB/s (the rest) for each side, from counted work."""
    if case.flops is not None:
        work, unit = case.flops(size), "GFLOP/s"
    else:
        work, unit = case.bytes(size, np.dtype(dtype).itemsize), "GB/s"
    return {"throughput_unit": unit,
            "throughput": {name: work / s.median / 1e9 for name, s in stats.items()}}


def run_case(case: KernelCase, ctx: Context, spec: DeviceSpec) -> list:
    """Measure every size of `case` on the device of `spec`; one row per minigrad implementation."""
    dtype = case.dtypes["cpu" if spec.name == "cpu" else "gpu"]
    impls = spec.impls(case.op)
    if not impls:
        raise Skip(f"{case.name}: no minigrad implementation runs on {spec.name}")
    if case.note:
        ctx.note(f"{case.name}: {case.note}")
    rows = []
    rng = np.random.default_rng(0)
    for size in sizes_for(case, spec.name, ctx):
        first = case.make(spec.xp, size, rng, dtype)
        inputs = [first] + [case.make(spec.xp, size, rng, dtype)
                            for _ in range(spec.copies(_nbytes(first)) - 1)]
        competitors = []
        composite = [case.composite(spec.xp, i) for i in inputs] if case.composite else [None]
        if composite[0] is not None:
            competitors.append(Side(spec.composite_name, _rotating(composite), spec.composite_clock))
        if spec.torch is not None and case.torch is not None:
            tensors = [{k: spec.to_torch(v) for k, v in i.items()} for i in inputs]
            competitors.append(Side("torch", _rotating([case.torch(spec.torch, t) for t in tensors]),
                                    spec.torch_clock))
        for impl in impls:
            what = f"{case.name} {case.label(size)} {impl}"
            try:
                with kernels.use(case.op, impl):
                    row = _measure(case, ctx, spec, impl, size, dtype, inputs, competitors)
            except spec.skip_errors as error:  # a GPU kernel declining this size
                ctx.note(f"{what}: declined ({error})")
                continue
            except Exception as error:  # noqa: BLE001 - one broken kernel must not hide the rest
                ctx.error(f"{what}: {type(error).__name__}: {error}")
                traceback.print_exc(file=sys.stderr)
                continue
            rows.append(row)
    return rows


def _measure(case: KernelCase, ctx: Context, spec: DeviceSpec, impl: str, size, dtype,
             inputs: list, competitors: list) -> Row:
    """One row: minigrad's `impl` (already chosen with kernels.use) against the competitors."""
    minigrad = Side("minigrad", _rotating([case.minigrad(i) for i in inputs]), spec.minigrad_clock)
    # The first call compiles (Triton, CuPy) and autotunes where this process has not yet:
    # its time, synchronized, is what a user waits for once.
    spec.minigrad_clock.sync()
    started = time.perf_counter()
    result = minigrad.fn()
    spec.minigrad_clock.sync()
    extra = {"dtype": dtype, "input_sets": len(inputs), "first_call_s": time.perf_counter() - started}
    if case.check:
        # Fresh results from the first input set; the rotation is not advanced.
        reference = case.minigrad(inputs[0])()
        for side in competitors:
            own = (case.composite(spec.xp, inputs[0]) if side.name == spec.composite_name
                   else case.torch(spec.torch, {k: spec.to_torch(v) for k, v in inputs[0].items()}))
            extra[f"rel_diff_vs_{side.name}"] = _agreement(reference, own())
    del result
    stats = compare([minigrad, *competitors], ctx.config)
    if spec.extra is not None:
        extra.update(spec.extra(case, size, dtype, stats))
    if spec.describe is not None:
        extra.update(spec.describe(case, impl))
    return Row(GROUP if spec.name == "cpu" else "kernels_gpu", case.name, case.label(size),
               case.count(size), impl, stats.pop("minigrad"), stats, extra=extra)


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name).strip("_").replace("__", "_")


def plan(device: str) -> list:
    if device != "cpu":
        return []
    spec_holder = {}

    def runner(case):
        def run(ctx: Context) -> list:
            if "spec" not in spec_holder:
                spec_holder["spec"] = cpu_spec()
            return run_case(case, ctx, spec_holder["spec"])
        return run

    return [Bench(f"kernels.{_slug(case.name)}", GROUP, runner(case), op=case.op)
            for case in CASES if case.cpu_sizes[0]]
