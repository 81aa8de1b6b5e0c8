"""kernels.triton.compile_check without a GPU: arguments are specialized as Triton's launcher
specializes them, the table's judgement of shared memory, and one real compile for sm_90
through the command line (Triton ships ptxas, so CI compiles too)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("triton")

from kernels.triton import compile_check  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
KIB = 1024


class Array:
    """What Triton's launcher sees of a CuPy array: an address and a dtype."""

    def __init__(self, address, dtype):
        self.address, self.dtype = address, dtype

    def data_ptr(self):
        return self.address


def _tritons_rule(value):
    """(type, constant, divisible) from the launcher's own specialization, where importable."""
    jit = pytest.importorskip("triton.runtime.jit")
    native = getattr(jit, "native_specialize_impl", None)
    if native is None:
        pytest.skip("this Triton has no native_specialize_impl to compare with")
    from triton.backends.nvidia.compiler import CUDABackend

    kind, key = native(CUDABackend, value, False, True, True)[:2]
    if kind == "constexpr":
        return kind, key, False
    return kind, None, key == "D"


@pytest.mark.parametrize("value", [1, 0, 16, 48, 1000, 4097, -16, 2**31, 2**40 + 8, 0.125])
def test_integers_and_floats_are_specialized_as_the_launcher_does(value):
    assert compile_check.specialize(value) == _tritons_rule(value)


@pytest.mark.parametrize("dtype, pointer", [("float16", "*fp16"), ("float32", "*fp32"),
                                            ("float64", "*fp64"), ("bfloat16", "*bf16")])
def test_pointers_are_aligned_arrays_as_cupy_allocates_them(dtype, pointer):
    assert compile_check.specialize(pointer) == _tritons_rule(Array(256 * 1024, dtype))


def test_a_unit_stride_becomes_a_constant_and_multiples_of_16_are_marked():
    params = [SimpleNamespace(is_constexpr=c) for c in (False, False, False, False, True)]
    kernel = SimpleNamespace(arg_names=["a_ptr", "n", "stride_n", "stride_k", "BLOCK"],
                             params=params)
    signature, constexprs, attrs = compile_check.triton_source_args(
        kernel, dict(a_ptr="*fp16", n=100, stride_n=4096, stride_k=1, BLOCK=64))
    assert signature == {"a_ptr": "*fp16", "n": "i32", "stride_n": "i32",
                         "stride_k": "constexpr", "BLOCK": "constexpr"}
    assert constexprs == {"stride_k": 1, "BLOCK": 64}
    assert attrs == {(0,): [["tt.divisibility", 16]], (2,): [["tt.divisibility", 16]]}


def test_matrix_instructions_are_read_off_the_ptx():
    assert compile_check.matrix_instructions(
        "wgmma.fence.sync.aligned;\nwgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16") == "wgmma"
    assert compile_check.matrix_instructions("mma.sync.aligned.m16n8k16.row.col") == "mma"
    assert compile_check.matrix_instructions("fma.rn.f32 %f1, %f2, %f3, %f4;") == "-"


@pytest.mark.parametrize("shared, estimate, status", [
    (100 * KIB, None, "ok"), (300 * KIB, None, "OVER"),
    (144 * KIB, 144 * KIB, "ok"), (96 * KIB, 144 * KIB, "ok"),
    (150 * KIB, 144 * KIB, "UNDER"), (288 * KIB, 288 * KIB, "pruned"),
    (192 * KIB, 288 * KIB, "FITS"),
])
def test_each_variant_is_judged_against_the_limit_and_its_estimate(shared, estimate, status):
    assert compile_check.judge(shared, estimate, 227 * KIB) == status


def test_without_a_known_limit_nothing_is_pruned_or_over():
    assert compile_check.judge(10**9, 10**9, None) == "ok"
    assert not compile_check.pruned(10**9, None)


def test_the_sm90_limit_is_the_hopper_opt_in_maximum():
    assert compile_check.SHARED_MEMORY_LIMITS[90] == 232448  # 227 KiB, H100 and H200


def test_every_variant_names_its_arguments_once_and_only_real_ones():
    pytest.importorskip("torch")  # the kernels are interpreted here
    labels = set()
    for variant in compile_check.variants():
        assert variant.label not in labels, variant.label
        labels.add(variant.label)
        names = variant.kernel.arg_names
        assert sorted(variant.args) == sorted(names), variant.label
    assert any(label.startswith("attention fwd float16 D=128") for label in labels)


def test_the_command_compiles_for_sm90_with_launch_specialization():
    """One real compile: the float16 128x256x64 matmul is software-pipelined into 3 buffers
    of (128 + 256) x 64 halves, 144 KiB, as its estimate says, and runs on wgmma."""
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    done = subprocess.run([sys.executable, "-m", "kernels.triton.compile_check", "--only",
                           "matmul float16 ieee 128x256x64"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = [line for line in done.stdout.splitlines() if "| matmul float16" in line]
    assert len(rows) == 1, done.stdout
    cells = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert cells[0] == "ok" and cells[4] == "144.0" and cells[6] == "144.0", rows[0]
    assert cells[7] == "wgmma" and int(cells[8]) <= 255 and cells[9] == "0", rows[0]  # no spills
