"""`mg.cuda`: is a GPU usable here? (CuPy is imported only when asked.)"""

from __future__ import annotations

from . import backend


def is_available() -> bool:
    """True when CuPy is installed and sees at least one CUDA device."""
    return backend.cuda_is_available()


def device_count() -> int:
    """Number of CUDA devices CuPy sees (0 without CuPy or a GPU)."""
    if not is_available():
        return 0
    return backend.xp_for("cuda").cuda.runtime.getDeviceCount()


def synchronize() -> None:
    """Wait for all queued GPU work to finish (for timing); a no-op without a GPU."""
    if is_available():
        backend.xp_for("cuda").cuda.Device().synchronize()
