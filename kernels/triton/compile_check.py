"""Compile every Triton kernel for a CUDA target on a machine without a GPU.

    python -m kernels.triton.compile_check            # sm_90 (H100)
    python -m kernels.triton.compile_check --arch 80  # sm_80 (A100)

The interpreter tests check what the kernels compute; this checks that each kernel, in each
dtype and variant the wrappers launch, lowers through Triton's compiler to a cubin (ptxas
ships with Triton), and prints the shared memory each one needs. It takes a few minutes.
Must run without TRITON_INTERPRET (the kernels must be decorated as compiled functions).
"""
from __future__ import annotations

import argparse
import os
import sys

POINTERS = {"float32": "*fp32", "float16": "*fp16", "float64": "*fp64", "bfloat16": "*bf16"}


def _signature(kernel, args):
    signature, constexprs = {}, {}
    for index, name in enumerate(kernel.arg_names):
        value = args[name]
        if kernel.params[index].is_constexpr:
            signature[name], constexprs[name] = "constexpr", value
        elif isinstance(value, str):
            signature[name] = value
        elif isinstance(value, float):
            signature[name] = "fp32"
        else:
            signature[name] = "i32"
    return signature, constexprs


def variants():
    """(label, kernel, launch options, arguments) for everything the wrappers launch."""
    import triton.language as tl

    from . import attention, cross_entropy, layer_norm, matmul, softmax

    for dt in ("float32", "float16", "float64"):
        p = POINTERS[dt]
        acc = tl.float64 if dt == "float64" else tl.float32
        stat = "*fp64" if dt == "float64" else "*fp32"
        row = dict(n_cols=1000, LOG=False, ACC=acc)
        for log in (False, True):
            row["LOG"] = log
            yield (f"softmax fwd {dt} log={log}", softmax._fwd_row_kernel, {},
                   dict(x_ptr=p, y_ptr=p, x_row_stride=1000, y_row_stride=1000, BLOCK=1024, **row))
            yield (f"softmax fwd looped {dt} log={log}", softmax._fwd_loop_kernel,
                   dict(num_warps=8), dict(x_ptr=p, y_ptr=p, x_row_stride=1000, y_row_stride=1000,
                                           BLOCK=4096, **row))
            strides = dict(y_row_stride=1000, dy_row_stride=1000, dx_row_stride=1000)
            yield (f"softmax bwd {dt} log={log}", softmax._bwd_row_kernel, dict(num_warps=16),
                   dict(y_ptr=p, dy_ptr=p, dx_ptr=p, BLOCK=16384, **strides, **row))
            yield (f"softmax bwd looped {dt} log={log}", softmax._bwd_loop_kernel,
                   dict(num_warps=8), dict(y_ptr=p, dy_ptr=p, dx_ptr=p, BLOCK=4096, **strides,
                                           **row))
        ce = dict(n_cols=50257, ignore_index=-100, smoothing_hi=0.1, smoothing_lo=1e-9, ACC=acc)
        yield (f"cross_entropy fwd {dt}", cross_entropy._fwd_kernel, dict(num_warps=8),
               dict(x_ptr=p, t_ptr="*i64", loss_ptr=p, lse_ptr=stat, x_row_stride=50257,
                    BLOCK=4096, **ce))
        yield (f"cross_entropy bwd {dt}", cross_entropy._bwd_kernel, {},
               dict(x_ptr=p, t_ptr="*i64", lse_ptr=stat, dloss_ptr=p, dx_ptr=p,
                    x_row_stride=50257, dx_row_stride=50257, BLOCK=1024, **ce))
        for affine in (True, False):
            yield (f"layer_norm fwd {dt} affine={affine}", layer_norm._fwd_kernel, {},
                   dict(x_ptr=p, w_ptr=p, b_ptr=p, y_ptr=p, mean_ptr=stat, rstd_ptr=stat,
                        x_row_stride=768, y_row_stride=768, n_cols=768, eps_hi=1e-5, eps_lo=0.0,
                        HAS_WEIGHT=affine, HAS_BIAS=affine, ACC=acc, BLOCK=1024))
            yield (f"layer_norm bwd {dt} affine={affine}", layer_norm._bwd_kernel, {},
                   dict(dy_ptr=p, x_ptr=p, w_ptr=p, mean_ptr=stat, rstd_ptr=stat, dx_ptr=p,
                        dw_part_ptr=stat, db_part_ptr=stat, dy_row_stride=768, x_row_stride=768,
                        dx_row_stride=768, n_rows=4096, n_cols=768, HAS_WEIGHT=affine, ACC=acc,
                        ROWS=8, BLOCK=1024))
        yield (f"layer_norm column sum {dt}", layer_norm._column_sum_kernel, {},
               dict(part_ptr=stat, out_ptr=p, n_parts=512, n_cols=768, ACC=acc, BLOCK_PARTS=32,
                    BLOCK_COLS=128))
        for d in (16, 32, 64, 128):
            wide = dt != "float16" or d > 64
            block = 16 if dt == "float64" and d > 64 else 32 if wide else 64
            strides = dict(stride_qb=8192, stride_qt=d, stride_kb=8192, stride_kt=d,
                           stride_vb=8192, stride_vt=d)
            for causal in (False, True):
                meta = dict(n_q=100, n_k=100, d_qk=d, d_v=d, scale_hi=0.125, scale_lo=0.0,
                            CAUSAL=causal, ACC=acc, PRECISION="ieee", BLOCK_M=block,
                            BLOCK_N=block, BLOCK_DK=d, BLOCK_DV=d, **strides)
                options = dict(num_warps=4, num_stages=2)
                label = f"{dt} D={d} causal={causal}"
                yield (f"attention fwd {label}", attention._fwd_kernel, options,
                       dict(q_ptr=p, k_ptr=p, v_ptr=p, o_ptr=p, lse_ptr=stat, stride_ob=8192,
                            stride_ot=d, stride_lb=100, **meta))
                yield (f"attention bwd dk/dv {label}", attention._bwd_dkdv_kernel, options,
                       dict(q_ptr=p, k_ptr=p, v_ptr=p, do_ptr=p, lse_ptr=stat, delta_ptr=stat,
                            dk_ptr=p, dv_ptr=p, stride_db=8192, stride_dt=d, stride_lb=100,
                            stride_dkb=8192, stride_dkt=d, stride_dvb=8192, stride_dvt=d, **meta))
                yield (f"attention bwd dq {label}", attention._bwd_dq_kernel, options,
                       dict(q_ptr=p, k_ptr=p, v_ptr=p, do_ptr=p, lse_ptr=stat, delta_ptr=stat,
                            dq_ptr=p, stride_db=8192, stride_dt=d, stride_lb=100,
                            stride_dqb=8192, stride_dqt=d, **meta))
        yield (f"attention delta {dt}", attention._delta_kernel, {},
               dict(o_ptr=p, do_ptr=p, delta_ptr=stat, stride_ob=8192, stride_ot=64,
                    stride_db=8192, stride_dt=64, stride_deltab=100, n_q=100, d_v=64, ACC=acc,
                    BLOCK_M=64, BLOCK_DV=64))
    for dt in ("float32", "float16", "bfloat16", "float64"):
        p = POINTERS[dt]
        acc = tl.float64 if dt == "float64" else tl.float32
        for bm, bn, bk, group, warps, stages in matmul.CONFIGS:
            for precision in ("ieee", "tf32") if dt == "float32" else ("ieee",):
                yield (f"matmul {dt} {precision} {bm}x{bn}x{bk} warps={warps} stages={stages}",
                       matmul._matmul_kernel, dict(num_warps=warps, num_stages=stages),
                       dict(a_ptr=p, b_ptr=p, c_ptr=p, M=1024, N=1024, K=1024, stride_ab=0,
                            stride_am=1024, stride_ak=1, stride_bb=0, stride_bk=1024,
                            stride_bn=1, stride_cb=0, stride_cm=1024, stride_cn=1, ACC=acc,
                            PRECISION=precision, WIDEN=False, BLOCK_M=bm, BLOCK_N=bn,
                            BLOCK_K=bk, GROUP_M=group))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", type=int, default=90, help="CUDA compute capability, e.g. 80")
    parser.add_argument("--only", default="", help="compile only labels containing this text")
    args = parser.parse_args(argv)
    if os.environ.get("TRITON_INTERPRET", "0") not in ("", "0"):
        print("unset TRITON_INTERPRET: the check needs compiled kernels", file=sys.stderr)
        return 2
    import triton
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource

    target = GPUTarget("cuda", args.arch, 32)
    failures = 0
    for label, kernel, options, kernel_args in variants():
        if args.only not in label:
            continue
        signature, constexprs = _signature(kernel, kernel_args)
        try:
            compiled = triton.compile(ASTSource(kernel, signature, constexprs), target=target,
                                      options=options)
            print(f"ok    {label}  (shared memory {compiled.metadata.shared} B)")
        except Exception as error:  # report every failure, then exit non-zero
            failures += 1
            print(f"FAIL  {label}: {type(error).__name__}: {error}")
    print(f"{failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
