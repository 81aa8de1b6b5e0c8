"""Shared setup for the kernel tests: markers, the Triton interpreter on CPU-only machines,
skips for missing backends, random generators that report their seed, and a float64
relative-error check that never lets NaN pass."""
from __future__ import annotations

import importlib.util
import os
import shutil

import numpy as np
import pytest


def _gpu_present() -> bool:
    # Import-free: a CUDA driver tool or device node means a GPU may be there.
    return shutil.which("nvidia-smi") is not None or os.path.exists("/dev/nvidia0")


# Must happen before triton decorates any kernel (kernels/triton/* are imported lazily).
if not _gpu_present():
    os.environ.setdefault("TRITON_INTERPRET", "1")


def pytest_configure(config):
    # Registering a marker twice (here and in pyproject.toml) is harmless.
    config.addinivalue_line("markers",
                            "triton: Triton kernels (run under TRITON_INTERPRET=1 on CPU)")
    config.addinivalue_line("markers", "gpu: needs CuPy and a CUDA device")


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def triton_usable() -> bool:
    """Triton importable, plus torch when the interpreter runs (it carries the arrays)."""
    if not _importable("triton"):
        return False
    interpreting = os.environ.get("TRITON_INTERPRET", "0").lower() in ("1", "true", "on", "yes")
    return _importable("torch") if interpreting else cuda_usable()


def cuda_usable() -> bool:
    if not _importable("cupy"):
        return False
    try:
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def pytest_collection_modifyitems(config, items):
    has_triton = has_gpu = None
    for item in items:
        if "triton" in item.keywords:
            has_triton = triton_usable() if has_triton is None else has_triton
            if not has_triton:
                item.add_marker(pytest.mark.skip(
                    reason="triton (and torch, for the interpreter) not importable"))
        if "gpu" in item.keywords:
            has_gpu = cuda_usable() if has_gpu is None else has_gpu
            if not has_gpu:
                item.add_marker(pytest.mark.skip(reason="cupy or a CUDA device is not available"))


@pytest.fixture
def rng():
    """A freshly seeded generator; the seed is printed, so a failure shows it."""
    seed = int(np.random.SeedSequence().entropy % (2**32))
    print(f"random seed: {seed}  (np.random.default_rng({seed}))")
    return np.random.default_rng(seed)


@pytest.fixture
def no_forced_choices():
    """Run with every op on its default implementation, restoring any forced choices after."""
    from kernels import dispatch

    saved = dict(dispatch._forced)
    dispatch._forced.clear()
    yield
    dispatch._forced.clear()
    dispatch._forced.update(saved)


@pytest.fixture
def poison():
    """Fill every kernel output with NaN before the kernel runs, to catch unwritten elements."""
    from kernels import _arrays

    previous = _arrays.POISON_OUTPUTS
    _arrays.POISON_OUTPUTS = True
    yield
    _arrays.POISON_OUTPUTS = previous


def to_numpy(array):
    if array is None:
        return None
    if hasattr(array, "get") and type(array).__module__.startswith("cupy"):
        return array.get()
    if type(array).__module__.startswith("torch"):
        return array.detach().float().cpu().numpy() if str(array.dtype) == "torch.bfloat16" \
            else array.detach().cpu().numpy()
    return np.asarray(array)


def relative_error(out, ref) -> float:
    """||out - ref|| / ||ref|| in float64 (absolute when ref is all zeros); NaN fails."""
    out = to_numpy(out).astype(np.float64)
    ref = to_numpy(ref).astype(np.float64)
    assert out.shape == ref.shape, f"shape {out.shape} != reference shape {ref.shape}"
    assert not np.isnan(out).any(), f"{np.isnan(out).sum()} NaN values in the output"
    scale = np.linalg.norm(ref)
    error = np.linalg.norm(out - ref)
    return float(error / scale) if scale > 0 else float(error)


# Relative-error budgets per dtype, against a float64 reference.
TOLERANCE = {"float64": 1e-12, "float32": 2e-6, "float16": 3e-3, "bfloat16": 2e-2}


@pytest.fixture
def assert_close():
    def check(out, ref, dtype=None, tol=None, what="output"):
        if dtype is None:
            dtype = to_numpy(out).dtype
        name = dtype if isinstance(dtype, str) else np.dtype(dtype).name
        budget = tol if tol is not None else TOLERANCE[name]
        error = relative_error(out, ref)
        assert error <= budget, f"{what}: relative error {error:.3g} > {budget:.3g} ({name})"
    return check


class Device:
    """Where the Triton tests run: NumPy arrays under the interpreter, CuPy arrays on a GPU."""

    def __init__(self):
        interpreting = os.environ.get("TRITON_INTERPRET", "0").lower() in ("1", "true", "on", "yes")
        self.name = "cpu" if interpreting else "cuda"

    def put(self, array):
        if self.name == "cpu":
            return np.asarray(array)
        import cupy

        return cupy.asarray(array)


@pytest.fixture
def device():
    return Device()
