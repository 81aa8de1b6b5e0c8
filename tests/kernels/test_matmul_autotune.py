"""The Triton matmul autotuner leaves out, before compiling, every configuration whose shared
memory exceeds what the GPU gives one block; no GPU needed (the device is given by hand)."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("triton")

from kernels.triton import matmul  # noqa: E402

KIB = 1024
H100 = (90, 227 * KIB)   # compute capability, shared memory per block (opt-in maximum)
A100 = (80, 163 * KIB)

# What Triton's compiler allocated for these configurations, read off
# `python -m kernels.triton.compile_check --only matmul --pruned` (and `--arch 80`) with
# Triton 3.6 and 3.9, which agree: one of each path (wgmma keeps num_stages copies of the
# tiles, mma.sync and FMA products num_stages - 1).
COMPILED_KIB = [
    # (config, dtype, precision, capability, KiB)
    ((128, 256, 64, 8, 8, 3), "float16", "ieee", 90, 144),
    ((128, 256, 64, 8, 8, 3), "bfloat16", "ieee", 80, 96),
    ((64, 32, 32, 8, 2, 5), "float16", "ieee", 90, 24),      # 2 warps: no warpgroup, mma
    ((128, 256, 64, 8, 8, 3), "float32", "tf32", 90, 288),
    ((128, 256, 64, 8, 8, 3), "float32", "ieee", 90, 192),
    ((128, 128, 32, 8, 4, 4), "float32", "tf32", 80, 96),
    ((128, 128, 32, 8, 4, 4), "float64", "ieee", 90, 192),
    ((128, 256, 64, 8, 8, 3), "float64", "ieee", 90, 384),
]


def _configs():
    import triton

    return [triton.Config(dict(BLOCK_M=bm, BLOCK_N=bn, BLOCK_K=bk, GROUP_M=g), num_warps=w,
                          num_stages=s) for bm, bn, bk, g, w, s in matmul.CONFIGS]


def _kept(dtype, precision, device):
    return {matmul._as_tuple(c) for c in matmul.configs_to_time(_configs(), dtype, precision,
                                                                device)}


@pytest.mark.parametrize("config, dtype, precision, capability, kib", COMPILED_KIB)
def test_the_estimate_is_what_the_compiler_allocates(config, dtype, precision, capability, kib):
    assert matmul.shared_memory_estimate(config, dtype, precision, capability) == kib * KIB


WIDE = {(128, 256, 64, 8, 8, 3), (256, 128, 64, 8, 8, 3)}


@pytest.mark.parametrize("dtype, precision, device, dropped", [
    ("float16", "ieee", H100, set()),
    ("bfloat16", "ieee", A100, set()),
    ("float32", "ieee", H100, set()),                 # FMA products: 192 KiB, fits
    ("float32", "tf32", H100, WIDE),                  # wgmma: 288 KiB
    ("float32", "ieee", A100, WIDE),                  # 192 KiB > 163
    ("float64", "ieee", H100, WIDE),                  # 384 KiB; 128x128x32 at 192 fits
    ("float64", "ieee", A100, WIDE | {(128, 128, 32, 8, 4, 4)}),
])
def test_the_full_autotune_drops_exactly_what_cannot_load(dtype, precision, device, dropped,
                                                          monkeypatch):
    monkeypatch.setenv("MINIGRAD_AUTOTUNE", "full")
    assert _kept(dtype, precision, device) == set(matmul.CONFIGS) - dropped


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64"])
@pytest.mark.parametrize("device", [H100, A100], ids=["H100", "A100"])
def test_the_quick_autotune_keeps_its_configurations(dtype, device, monkeypatch):
    monkeypatch.setenv("MINIGRAD_AUTOTUNE", "quick")
    width = 2 if dtype == "bfloat16" else np.dtype(dtype).itemsize
    assert _kept(dtype, "ieee", device) == set(matmul.QUICK_CONFIGS[width])


def test_when_nothing_fits_the_smallest_configuration_is_still_timed(monkeypatch):
    monkeypatch.setenv("MINIGRAD_AUTOTUNE", "full")
    assert _kept("float64", "ieee", (90, 1024)) == {(64, 64, 32, 8, 4, 3)}  # 64 KiB, the least


def test_without_a_device_every_configuration_is_kept(monkeypatch):
    monkeypatch.setenv("MINIGRAD_AUTOTUNE", "full")
    assert _kept("float64", "ieee", None) == set(matmul.CONFIGS)


def test_the_prune_hook_reads_the_operands_device_and_precision(monkeypatch):
    """What triton.autotune calls: the operand's dtype and GPU, and the PRECISION argument."""
    from kernels.triton import _bridge

    class Operand:  # what Triton sees of a CuPy array (kernels.triton._bridge.CupyPointer)
        dtype = np.dtype(np.float32)

    monkeypatch.setenv("MINIGRAD_AUTOTUNE", "full")
    monkeypatch.setattr(_bridge, "device_limits", lambda argument: H100)
    tf32 = matmul._prune(_configs(), {"a_ptr": Operand()}, PRECISION="tf32", ACC=None)
    ieee = matmul._prune(_configs(), {"a_ptr": Operand()}, PRECISION="ieee", ACC=None)
    assert {matmul._as_tuple(c) for c in tf32} == set(matmul.CONFIGS) - WIDE
    assert len(ieee) == len(matmul.CONFIGS)


def test_arrays_off_the_gpu_have_no_device_limits():
    from kernels.triton import _bridge

    assert _bridge.device_limits(_bridge.pointer(np.zeros(3, np.float32))) is None
    assert _bridge.device_limits(np.zeros(3)) is None
