"""Compile every Triton kernel for a CUDA target on a machine without a GPU.

    python -m kernels.triton.compile_check               # sm_90 (H100, H200)
    python -m kernels.triton.compile_check --arch 80     # sm_80 (A100)
    python -m kernels.triton.compile_check --only "matmul float32" --pruned

The interpreter tests check what the kernels compute; this checks that each kernel, in each
dtype and variant the wrappers launch, lowers through Triton's compiler to a cubin (ptxas
ships with Triton), and prints a Markdown table: the shared memory each variant needs against
the target's limit per block, which matrix instructions its PTX uses (`wgmma`, Hopper's
warpgroup tensor-core product; `mma`, the older per-warp one; `-`, neither: plain FMAs), and
its registers per thread and stack frame (bytes of spilled registers: slow).

Arguments are specialized as a real launch specializes them, so the code compiled here is
the code the GPU runs: an integer argument equal to 1 becomes a compile-time constant (a unit
stride: contiguous, vectorizable loads), and an integer or pointer divisible by 16 is marked
so (the alignment that lets Triton issue 16-byte loads and software-pipeline tiles through
shared memory). Passing every stride as a plain integer would compile slower code and
under-report its shared memory.

Matmul configurations the autotuner prunes by its shared-memory estimate are listed, not
compiled (`--pruned` compiles them too, to check the estimate). A variant that fails to
compile, needs more shared memory than the target has or than its estimate, or was pruned
although it fits makes the exit status 1 (see `judge`). It takes several minutes (Triton
caches what it compiled). Must run without TRITON_INTERPRET.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass

POINTERS = {"float32": "*fp32", "float16": "*fp16", "float64": "*fp64", "bfloat16": "*bf16",
            "int64": "*i64"}

# Shared memory one block may use (the opt-in maximum, bytes) by compute capability, from
# CUDA's table of per-architecture limits: 227 KiB on sm_90 (H100, H200) and sm_100, 163 KiB
# on sm_80 (A100) and sm_87, 99 KiB on sm_86, sm_89 and sm_120, 64 KiB on sm_75.
SHARED_MEMORY_LIMITS = {75: 64 * 1024, 80: 163 * 1024, 86: 99 * 1024, 87: 163 * 1024,
                        89: 99 * 1024, 90: 227 * 1024, 100: 227 * 1024, 120: 99 * 1024}

# Triton treats an integer argument as a 16-byte-aligned quantity when it is divisible by this.
DIVISIBILITY = 16


def specialize(value) -> tuple[str, object, bool]:
    """(signature type, constant or None, divisible by 16) for a kernel argument, as Triton's
    launcher decides them. `value` is a pointer type such as '*fp16' (the arrays CuPy
    allocates start on 256-byte boundaries, so pointers count as aligned), a float or an int."""
    if isinstance(value, str):
        return value, None, True
    if isinstance(value, bool):
        return "u1", None, False
    if isinstance(value, float):
        return "fp32", None, False
    if value == 1:
        return "constexpr", 1, False
    kind = "i32" if -2**31 <= value < 2**31 else "i64" if value < 2**63 else "u64"
    return kind, None, value % DIVISIBILITY == 0


def triton_source_args(kernel, args: dict) -> tuple[dict, dict, dict]:
    """(signature, constexprs, attrs) for triton.compiler.ASTSource, from the argument values
    of one launch (constexpr parameters take their value as given)."""
    signature, constexprs, attrs = {}, {}, {}
    for index, name in enumerate(kernel.arg_names):
        value = args[name]
        if kernel.params[index].is_constexpr:
            signature[name], constexprs[name] = "constexpr", value
            continue
        kind, constant, divisible = specialize(value)
        signature[name] = kind
        if constant is not None:
            constexprs[name] = constant
        if divisible:
            attrs[(index,)] = [["tt.divisibility", DIVISIBILITY]]
    return signature, constexprs, attrs


def registers_and_stack(cubin: bytes) -> tuple[int, int] | None:
    """(registers per thread, stack frame bytes) of a compiled kernel, from the cuobjdump that
    ships with Triton; None where it is missing. A stack frame means registers spilled to
    local memory, which is slow."""
    try:
        from triton import knobs

        tool = knobs.nvidia.cuobjdump.path
    except (ImportError, AttributeError, RuntimeError):  # an older Triton, or no cuobjdump
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "kernel.cubin")
        with open(path, "wb") as file:
            file.write(cubin)
        report = subprocess.run([tool, "-res-usage", path], capture_output=True, text=True)
    found = re.search(r"REG:(\d+) STACK:(\d+)", report.stdout)
    return (int(found[1]), int(found[2])) if found else None


def matrix_instructions(ptx: str) -> str:
    """'wgmma' (Hopper's warpgroup products), 'mma' (per-warp tensor-core products) or '-'."""
    if "wgmma.mma_async" in ptx:
        return "wgmma"
    if "mma.sync" in ptx:
        return "mma"
    return "-"


@dataclass
class Variant:
    """One launch the wrappers make: a kernel, its launch options and argument values.
    `estimate` (bytes) is the autotuner's shared-memory estimate where it prunes by one."""
    label: str
    kernel: object
    options: dict
    args: dict
    estimate: int | None = None


def _row_variants(tl, arch):
    """Softmax, cross-entropy and layer norm: one row per program, in each dtype."""
    from . import cross_entropy, layer_norm, softmax

    for dt in ("float32", "float16", "float64"):
        p = POINTERS[dt]
        acc = tl.float64 if dt == "float64" else tl.float32
        stat = "*fp64" if dt == "float64" else "*fp32"
        for log in (False, True):
            row = dict(n_cols=1000, LOG=log, ACC=acc)
            fwd = dict(x_ptr=p, y_ptr=p, x_row_stride=1000, y_row_stride=1000, **row)
            bwd = dict(y_ptr=p, dy_ptr=p, dx_ptr=p, y_row_stride=1000, dy_row_stride=1000,
                       dx_row_stride=1000, **row)
            yield Variant(f"softmax fwd {dt} log={log}", softmax._fwd_row_kernel, {},
                          dict(BLOCK=1024, **fwd))
            yield Variant(f"softmax fwd looped {dt} log={log}", softmax._fwd_loop_kernel,
                          dict(num_warps=8), dict(BLOCK=4096, **fwd))
            yield Variant(f"softmax bwd {dt} log={log}", softmax._bwd_row_kernel,
                          dict(num_warps=16), dict(BLOCK=16384, **bwd))
            yield Variant(f"softmax bwd looped {dt} log={log}", softmax._bwd_loop_kernel,
                          dict(num_warps=8), dict(BLOCK=4096, **bwd))
        ce = dict(t_ptr="*i64", n_cols=50257, ignore_index=-100, smoothing_hi=0.1,
                  smoothing_lo=1e-9, ACC=acc)
        yield Variant(f"cross_entropy fwd {dt}", cross_entropy._fwd_kernel, dict(num_warps=8),
                      dict(x_ptr=p, loss_ptr=p, lse_ptr=stat, x_row_stride=50257, BLOCK=4096,
                           **ce))
        yield Variant(f"cross_entropy bwd {dt}", cross_entropy._bwd_kernel, {},
                      dict(x_ptr=p, lse_ptr=stat, dloss_ptr=p, dx_ptr=p, x_row_stride=50257,
                           dx_row_stride=50257, BLOCK=1024, **ce))
        for affine in (True, False):
            yield Variant(f"layer_norm fwd {dt} affine={affine}", layer_norm._fwd_kernel, {},
                          dict(x_ptr=p, w_ptr=p, b_ptr=p, y_ptr=p, mean_ptr=stat,
                               rstd_ptr=stat, x_row_stride=768, y_row_stride=768, n_cols=768,
                               eps_hi=1e-5, eps_lo=0.0, HAS_WEIGHT=affine, HAS_BIAS=affine,
                               ACC=acc, BLOCK=1024))
            yield Variant(f"layer_norm bwd {dt} affine={affine}", layer_norm._bwd_kernel, {},
                          dict(dy_ptr=p, x_ptr=p, w_ptr=p, mean_ptr=stat, rstd_ptr=stat,
                               dx_ptr=p, dw_part_ptr=stat, db_part_ptr=stat, dy_row_stride=768,
                               x_row_stride=768, dx_row_stride=768, n_rows=4096, n_cols=768,
                               HAS_WEIGHT=affine, ACC=acc, ROWS=8, BLOCK=1024))
        yield Variant(f"layer_norm column sum {dt}", layer_norm._column_sum_kernel, {},
                      dict(part_ptr=stat, out_ptr=p, n_parts=512, n_cols=768, ACC=acc,
                           BLOCK_PARTS=32, BLOCK_COLS=128))


def _attention_variants(tl, arch):
    """Sequence length 1024 (the benchmark's smallest), [B*H, T, D] contiguous."""
    from . import attention

    t = 1024
    for dt in ("float32", "float16", "bfloat16", "float64"):
        p = POINTERS[dt]
        acc = tl.float64 if dt == "float64" else tl.float32
        stat = "*fp64" if dt == "float64" else "*fp32"
        for d in (16, 32, 64, 128):
            blocks = attention.blocks_for(dt, d)
            meta = dict(n_q=t, n_k=t, d_qk=d, d_v=d, scale_hi=0.125, scale_lo=0.0, ACC=acc,
                        PRECISION="ieee", BLOCK_M=blocks.block_m, BLOCK_N=blocks.block_n,
                        BLOCK_DK=d, BLOCK_DV=d, stride_qb=t * d, stride_qt=d, stride_kb=t * d,
                        stride_kt=d, stride_vb=t * d, stride_vt=d)
            options = dict(num_warps=blocks.num_warps, num_stages=blocks.num_stages)
            grads = dict(q_ptr=p, k_ptr=p, v_ptr=p, do_ptr=p, lse_ptr=stat, delta_ptr=stat,
                         stride_db=t * d, stride_dt=d, stride_lb=t)
            for causal in (False, True):
                label = (f"{dt} D={d} causal={causal} "
                         f"{blocks.block_m}x{blocks.block_n}")
                yield Variant(f"attention fwd {label}", attention._fwd_kernel, options,
                              dict(q_ptr=p, k_ptr=p, v_ptr=p, o_ptr=p, lse_ptr=stat,
                                   stride_ob=t * d, stride_ot=d, stride_lb=t, CAUSAL=causal,
                                   **meta))
                yield Variant(f"attention bwd dk/dv {label}", attention._bwd_dkdv_kernel,
                              options, dict(dk_ptr=p, dv_ptr=p, stride_dkb=t * d, stride_dkt=d,
                                            stride_dvb=t * d, stride_dvt=d, CAUSAL=causal,
                                            **grads, **meta))
                yield Variant(f"attention bwd dq {label}", attention._bwd_dq_kernel, options,
                              dict(dq_ptr=p, stride_dqb=t * d, stride_dqt=d, CAUSAL=causal,
                                   **grads, **meta))
            yield Variant(f"attention delta {dt} D={d}", attention._delta_kernel, {},
                          dict(o_ptr=p, do_ptr=p, delta_ptr=stat, stride_ob=t * d, stride_ot=d,
                               stride_db=t * d, stride_dt=d, stride_deltab=t, n_q=t, d_v=d,
                               ACC=acc, BLOCK_M=blocks.block_m, BLOCK_DV=d))


def _matmul_variants(tl, arch):
    """Every autotuning configuration, 4096^3 row-major operands (a, b, c contiguous)."""
    from . import matmul

    n = 4096
    for dt in ("float32", "float16", "bfloat16", "float64"):
        p = POINTERS[dt]
        acc = tl.float64 if dt == "float64" else tl.float32
        for config in matmul.CONFIGS:
            bm, bn, bk, group, warps, stages = config
            for precision in ("ieee", "tf32") if dt == "float32" else ("ieee",):
                yield Variant(
                    f"matmul {dt} {precision} {bm}x{bn}x{bk} warps={warps} stages={stages}",
                    matmul._matmul_kernel, dict(num_warps=warps, num_stages=stages),
                    dict(a_ptr=p, b_ptr=p, c_ptr=p, M=n, N=n, K=n, stride_ab=0, stride_am=n,
                         stride_ak=1, stride_bb=0, stride_bk=n, stride_bn=1, stride_cb=0,
                         stride_cm=n, stride_cn=1, ACC=acc, PRECISION=precision, WIDEN=False,
                         BLOCK_M=bm, BLOCK_N=bn, BLOCK_K=bk, GROUP_M=group),
                    estimate=matmul.shared_memory_estimate(config, dt, precision, arch))


# One generator per kernel family, called with triton.language and the target's compute
# capability; a new kernel file adds its own here.
FAMILIES = [_row_variants, _attention_variants, _matmul_variants]


def variants(arch: int = 90):
    """Every Variant the wrappers launch, family by family, for compute capability `arch`."""
    import triton.language as tl

    for family in FAMILIES:
        yield from family(tl, arch)


@dataclass
class Result:
    """What compiling one variant gave: its status (see judge; 'FAIL' when it did not compile),
    shared memory in bytes (None when not compiled), matrix instructions, registers per thread
    and stack frame bytes (None when unknown), an error message."""
    variant: Variant
    status: str
    shared: int | None = None
    matrix: str = ""
    resources: tuple[int, int] | None = None
    message: str = ""


PROBLEMS = ("FAIL", "OVER", "UNDER", "FITS")


def pruned(estimate: int | None, limit: int | None) -> bool:
    """True when the autotuner leaves a configuration out: its estimate exceeds the limit."""
    return estimate is not None and limit is not None and estimate > limit


def judge(shared: int, estimate: int | None, limit: int | None) -> str:
    """A compiled variant's status from the shared memory it needs, the autotuner's estimate
    (None where there is none) and the target's limit (None when unknown):

    'ok'      kept, and it fits (and needs no more than its estimate);
    'OVER'    kept, but needs more than the limit: it would fail to load on the GPU;
    'UNDER'   needs more than its estimate: the autotuner could keep one that cannot load;
    'pruned'  left out by its estimate, and indeed over the limit;
    'FITS'    left out by its estimate, although it fits: the estimate is too high.
    """
    over = limit is not None and shared > limit
    if pruned(estimate, limit):
        return "pruned" if over else "FITS"
    if over:
        return "OVER"
    if estimate is not None and shared > estimate:
        return "UNDER"
    return "ok"


def check(variant: Variant, target, limit: int | None, compile_pruned: bool) -> Result:
    """Compile one variant for `target` and judge its shared memory against `limit`."""
    import triton
    from triton.compiler import ASTSource

    if pruned(variant.estimate, limit) and not compile_pruned:
        return Result(variant, "pruned")
    signature, constexprs, attrs = triton_source_args(variant.kernel, variant.args)
    try:
        compiled = triton.compile(ASTSource(variant.kernel, signature, constexprs, attrs),
                                  target=target, options=variant.options)
    except Exception as error:  # report every failure, then exit non-zero
        return Result(variant, "FAIL", message=f"{type(error).__name__}: {error}")
    shared = compiled.metadata.shared
    return Result(variant, judge(shared, variant.estimate, limit), shared,
                  matrix_instructions(compiled.asm.get("ptx", "")),
                  registers_and_stack(compiled.asm["cubin"]))


def _kib(nbytes) -> str:
    return "" if nbytes is None else f"{nbytes / 1024:.1f}"


def table_row(result: Result, limit: int | None) -> str:
    """One Markdown table row: status, variant, warps, stages, shared KiB, % of the limit,
    estimate KiB, matrix instructions, registers, stack bytes."""
    options = result.variant.options
    share = ("" if result.shared is None or not limit else f"{100 * result.shared / limit:.0f}%")
    registers, stack = result.resources or ("", "")
    cells = [result.status, result.variant.label, options.get("num_warps", 4),
             options.get("num_stages", 3), _kib(result.shared), share,
             _kib(result.variant.estimate), result.matrix, registers, stack]
    return "| " + " | ".join(str(c) for c in cells) + " |"


HEADER = ("| status | variant | warps | stages | shared KiB | of limit | estimate KiB | matrix "
          "| regs | stack B |\n|---|---|--:|--:|--:|--:|--:|---|--:|--:|")


def main(argv=None) -> int:
    """The command line: compile every selected variant, print the table, and return 1 when
    any variant has a problem (see judge)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", type=int, default=90, help="CUDA compute capability, e.g. 80")
    parser.add_argument("--only", nargs="+", default=[""], metavar="TEXT",
                        help="compile only variants whose label contains one of these texts")
    parser.add_argument("--pruned", action="store_true",
                        help="also compile the matmul configurations the autotuner prunes")
    args = parser.parse_args(argv)
    if os.environ.get("TRITON_INTERPRET", "0") not in ("", "0"):
        print("unset TRITON_INTERPRET: the check needs compiled kernels", file=sys.stderr)
        return 2
    import triton
    from triton.backends.compiler import GPUTarget

    target = GPUTarget("cuda", args.arch, 32)
    limit = SHARED_MEMORY_LIMITS.get(args.arch)
    print(f"Triton {triton.__version__}, sm_{args.arch}, shared memory limit per block "
          f"{_kib(limit) or 'unknown'} KiB\n")
    print(HEADER, flush=True)
    bad = []
    for variant in variants(args.arch):
        if not any(text in variant.label for text in args.only):
            continue
        result = check(variant, target, limit, args.pruned)
        print(table_row(result, limit), flush=True)
        if result.status in PROBLEMS:
            bad.append(result)
    print()
    for result in bad:
        need, estimate = _kib(result.shared), _kib(result.variant.estimate)
        reason = {"FAIL": result.message,
                  "OVER": f"needs {need} KiB, over the limit",
                  "UNDER": f"needs {need} KiB, more than its estimate of {estimate} KiB",
                  "FITS": f"pruned by its estimate of {estimate} KiB but needs only {need} KiB"}
        print(f"{result.status}  {result.variant.label}: {reason[result.status]}")
    print(f"{len(bad)} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
