"""Shared setup for the kernel tests: markers, the Triton interpreter on CPU-only machines,
skips for missing backends, and helpers to compare against a float64 reference."""
from __future__ import annotations

import importlib.util
import os
import shutil

import numpy as np
import pytest


def _gpu_present() -> bool:
    # Cheap and import-free: a CUDA driver tool or device node means a GPU may be there.
    return shutil.which("nvidia-smi") is not None or os.path.exists("/dev/nvidia0")


# Must happen before triton decorates any kernel (kernels/triton/* are imported lazily).
if not _gpu_present():
    os.environ.setdefault("TRITON_INTERPRET", "1")


def pytest_configure(config):
    # Registering a marker twice (here and in pyproject.toml) is harmless.
    config.addinivalue_line("markers", "triton: Triton kernels (run under TRITON_INTERPRET=1 on CPU)")
    config.addinivalue_line("markers", "gpu: needs CuPy and a CUDA device")


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def triton_usable() -> bool:
    """Triton and torch installed (torch carries the interpreter's arrays on the CPU)."""
    return _importable("triton") and _importable("torch")


def cuda_usable() -> bool:
    if not _importable("cupy"):
        return False
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def pytest_collection_modifyitems(config, items):
    skip_triton = pytest.mark.skip(reason="triton or torch is not installed")
    skip_gpu = pytest.mark.skip(reason="cupy or a CUDA device is not available")
    need_triton = any("triton" in item.keywords for item in items)
    need_gpu = any("gpu" in item.keywords for item in items)
    has_triton = triton_usable() if need_triton else True
    has_gpu = cuda_usable() if need_gpu else True
    for item in items:
        if "triton" in item.keywords and not has_triton:
            item.add_marker(skip_triton)
        if "gpu" in item.keywords and not has_gpu:
            item.add_marker(skip_gpu)


@pytest.fixture
def rng(request):
    """A fresh random generator; its seed is printed when the test fails."""
    seed = int(np.random.SeedSequence().entropy % (2**32))
    generator = np.random.default_rng(seed)
    generator.seed = seed
    yield generator
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print(f"\n[{request.node.name}] random seed = {seed}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report
