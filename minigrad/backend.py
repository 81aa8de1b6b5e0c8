"""Devices and array modules: the one switch between NumPy (cpu) and CuPy (cuda).

Every op is written once against `xp`, the array module of its inputs. This file
is the only place that knows which module belongs to which device, and the only
place in the engine that imports CuPy (lazily, the first time "cuda" is asked
for), so `import minigrad` works on a machine with NumPy alone.
"""

from __future__ import annotations

import ctypes
import os
import sys

import numpy as np

DEVICES = ("cpu", "cuda")

_cupy = None  # the cupy module once imported successfully


def _import_cupy():
    """Import CuPy and check that a GPU is there, or say clearly what is missing."""
    global _cupy
    if _cupy is not None:
        return _cupy
    try:
        import cupy
    except ImportError as err:
        raise RuntimeError(
            "device 'cuda' needs CuPy, which is not installed: "
            "pip install 'minigrad[gpu]' for CUDA 13, 'minigrad[gpu-cuda12]' for CUDA 12 "
            "(or the cupy-cudaXXx wheel matching your CUDA)"
        ) from err
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as err:  # CUDA driver missing or broken
        raise RuntimeError(f"device 'cuda': CuPy is installed but no CUDA device is usable ({err})") from err
    if count == 0:
        raise RuntimeError("device 'cuda': CuPy is installed but no CUDA device was found")
    _cupy = cupy
    return cupy


def cuda_is_available() -> bool:
    """True when CuPy imports and sees at least one GPU."""
    try:
        _import_cupy()
    except RuntimeError:
        return False
    return True


def check_device(device) -> str:
    """Normalise a device name ('cpu', 'cuda', 'cuda:0') and reject anything else."""
    name = str(device)
    if name.startswith("cuda"):
        name = "cuda"
    if name not in DEVICES:
        raise ValueError(f"unknown device {device!r}: expected one of {DEVICES}")
    return name


def xp_for(device: str):
    """The array module (numpy or cupy) that holds arrays of `device`."""
    if device == "cpu":
        return np
    return _import_cupy()


def device_of(array) -> str:
    """'cpu' for NumPy arrays, 'cuda' for CuPy arrays."""
    if isinstance(array, (np.ndarray, np.generic)):
        return "cpu"
    if _cupy is not None and isinstance(array, _cupy.ndarray):
        return "cuda"
    raise TypeError(f"expected a numpy or cupy array, got {type(array).__name__}")


def is_gpu_array(array) -> bool:
    """True for a CuPy array (checked by its type's module, so CuPy need not be imported yet)."""
    if _cupy is not None and isinstance(array, _cupy.ndarray):
        return True
    return type(array).__module__.split(".")[0] == "cupy"


def xp_of(*arrays):
    """The array module of the arrays (Python numbers among them are ignored): numpy or cupy."""
    for a in arrays:
        if _cupy is not None and isinstance(a, _cupy.ndarray):
            return _cupy
    return np


def to_device(array, device: str):
    """Copy `array` to `device` (no copy if it is already there)."""
    if device == "cpu":
        if isinstance(array, np.ndarray):
            return array
        return array.get() if hasattr(array, "get") else np.asarray(array)
    cupy = _import_cupy()
    return cupy.asarray(array)


def scatter_add(target, index, values) -> None:
    """target[index] += values, adding up repeated indices (np.add.at on the CPU)."""
    if isinstance(target, np.ndarray):
        np.add.at(target, index, values)
    else:
        import cupyx

        cupyx.scatter_add(target, index, values)


# ---- NumPy's memory on Linux ---------------------------------------------------------------------

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt parameter numbers (glibc's malloc.h)
KEEP_FREED_LIMIT = 32 << 20  # bytes: the ceiling of glibc's own adaptive mmap threshold


def keep_freed_memory() -> bool:
    """Let glibc's malloc keep freed NumPy buffers for reuse instead of handing them back to
    the operating system; True if it was set (Linux with glibc), False elsewhere.

    A training step allocates and frees the same arrays every step (activations, gradients,
    temporaries). By default glibc serves a block above its mmap threshold (128 KiB at
    start, raised adaptively towards 32 MiB) straight from the OS and returns it on free,
    and it trims the top of its heap once more than the trim threshold is free there. The
    next step then touches fresh pages, and the kernel zero-fills each 4 KiB page on first
    touch: ~7,000 page faults per tiny-GPT step (28 MiB), about a fifth of its time.
    This sets the mmap threshold to 32 MiB, the ceiling of glibc's own adaptive rule, and
    the trim threshold to 64 MiB: blocks up to 32 MiB come from the heap and are reused.
    The price: the process's resident memory may stay near its peak after a large phase
    (memory below a live block is never returned, and up to 64 MiB at the top is kept).
    It applies to the whole process, not only to minigrad's arrays. `import minigrad` calls
    it once; MINIGRAD_KEEP_FREED_MEMORY=0 in the environment before the import turns it off.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # glibc's; musl and others have none
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, KEEP_FREED_LIMIT)
                and mallopt(M_TRIM_THRESHOLD, 2 * KEEP_FREED_LIMIT))


if os.environ.get("MINIGRAD_KEEP_FREED_MEMORY", "1") != "0":
    keep_freed_memory()
