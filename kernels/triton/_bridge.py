"""Getting arrays into Triton kernels.

Triton treats an argument as a pointer when it has `.data_ptr()` and `.dtype`. On the GPU a
CuPy array gets a thin adapter (`CupyPointer`); under the interpreter a NumPy array becomes a
torch CPU tensor via `torch.from_numpy`, which shares the buffer, so the kernel's stores land
in the NumPy output. Strides are always passed to kernels explicitly, in elements.
"""
from __future__ import annotations

import os
import warnings

import numpy as np
import triton
import triton.language as tl

from .. import _arrays
from .._arrays import Unsupported  # noqa: F401 (raised by the kernels)


class CupyPointer:
    """What Triton needs from a CuPy array: its device address and its dtype."""

    __slots__ = ("array", "dtype")

    def __init__(self, array):
        self.array = array
        self.dtype = array.dtype  # str(numpy dtype) is 'float32', which Triton maps to fp32

    def data_ptr(self) -> int:
        return self.array.data.ptr


def interpreting() -> bool:
    return os.environ.get("TRITON_INTERPRET", "0").strip().lower() in ("1", "true", "on", "yes")


def pointer(array):
    """The kernel argument for a NumPy or CuPy array (anything else is passed through)."""
    if isinstance(array, np.ndarray):
        import torch

        if any(s < 0 for s in array.strides):
            array = np.ascontiguousarray(array)
        with warnings.catch_warnings():
            # Read-only inputs (broadcast views) are fine: kernels never write to inputs.
            warnings.simplefilter("ignore", UserWarning)
            return torch.from_numpy(array)
    if _arrays.is_cupy(array):
        return CupyPointer(array)
    return array


def strides(array) -> tuple[int, ...]:
    """Element strides of a NumPy/CuPy array or a torch tensor."""
    if callable(getattr(array, "stride", None)):
        return tuple(array.stride())
    return tuple(s // array.itemsize for s in array.strides)


def rows(x):
    """View x as a 2-D [rows, last axis] array whose last axis is contiguous."""
    xp = _arrays.get_xp(x)
    if x.ndim == 0:
        x = x.reshape(1)
    if x.strides and x.shape[-1] > 1 and x.strides[-1] != x.itemsize:
        x = xp.ascontiguousarray(x)
    flat = x.reshape(-1, x.shape[-1])
    if flat.shape[0] > 1 and flat.strides[0] < 0:
        flat = xp.ascontiguousarray(flat)
    return flat


def empty_like(x, shape, dtype=None):
    """An output on x's device, through the allocator tests can poison."""
    return _arrays.empty(_arrays.get_xp(x), shape, x.dtype if dtype is None else dtype)


MAX_GRID_Y = 65535  # CUDA's limit on a launch grid's second (and third) dimension

_device_limits: dict[int, tuple[int, int]] = {}


def device_limits(argument) -> tuple[int, int] | None:
    """(compute capability as 10 * major + minor, shared memory one block may use in bytes) of
    the GPU that holds a kernel argument (a CupyPointer or a CUDA torch tensor); None for
    anything else, such as the interpreter's CPU tensors. The shared memory is the opt-in
    maximum (227 KiB on an H100), which Triton asks for when a kernel needs more than 48 KiB."""
    if isinstance(argument, CupyPointer):
        index = argument.array.device.id
    elif getattr(getattr(argument, "device", None), "type", None) == "cuda":
        index = argument.device.index or 0
    else:
        return None
    if index not in _device_limits:
        import cupy

        device = cupy.cuda.Device(index)
        shared = device.attributes.get("MaxSharedMemoryPerBlockOptin")
        if not shared:  # unknown: callers then try everything, as Triton would
            return None
        _device_limits[index] = (int(device.compute_capability), int(shared))
    return _device_limits[index]

_TRITON_DTYPES = {"float16": tl.float16, "float32": tl.float32, "float64": tl.float64,
                  "bfloat16": tl.bfloat16}


def accumulator(dtype):
    """The dtype a kernel accumulates in: float64 for float64 data, float32 otherwise."""
    return tl.float64 if str(dtype).split(".")[-1] == "float64" else tl.float32


def check_float_dtype(op: str, dtype) -> None:
    name = str(dtype).split(".")[-1]
    if name not in _TRITON_DTYPES:
        raise Unsupported(f"{op}: the Triton kernel takes float16, bfloat16, float32 or float64, "
                          f"got {name}")


def next_power_of_2(n: int) -> int:
    return triton.next_power_of_2(max(int(n), 1))


def warps_for(block: int) -> int:
    """A warp count that grows with the row block (a rule of thumb from Triton's tutorials)."""
    return 16 if block >= 8192 else 8 if block >= 2048 else 4


def float_pair(value: float) -> tuple[float, float]:
    """Split a Python float into two float32-exact parts, hi + lo ~= value to ~48 bits.

    Compiled Triton passes a Python float argument as fp32, which would cost float64 kernels
    7 digits in constants such as the attention scale. Kernels rebuild the constant with
    tl.cast(hi, ACC) + tl.cast(lo, ACC), which is exact in fp32 and ~1e-14 in fp64.
    """
    hi = float(np.float32(value))
    lo = float(np.float32(value - hi))
    return hi, lo


def cupy_do_bench(kernel_call, quantiles=None, warmup: int = 3, repeats: int = 20):
    """Time `kernel_call` with CuPy events (milliseconds), for triton.autotune's `do_bench`
    hook, so tuning does not go through torch.cuda (Triton's default benchmarker does).
    Returns the median, or the requested quantiles as a list, as Triton's own does.
    (Triton 3.6's CUDA driver still takes the device and stream from torch.cuda itself;
    kernels.dispatch checks once that the driver finds the GPU.)"""
    import cupy

    for _ in range(warmup):
        kernel_call()
    start, end = cupy.cuda.Event(), cupy.cuda.Event()
    times = []
    for _ in range(repeats):
        start.record()
        kernel_call()
        end.record()
        end.synchronize()
        times.append(cupy.cuda.get_elapsed_time(start, end))
    times = np.asarray(times)
    if quantiles is None:
        return float(np.median(times))
    return [float(q) for q in np.quantile(times, quantiles)]


def contiguous(*arrays):
    """Make 1-D helpers (targets, weights, saved statistics) unit-stride; None passes through."""
    out = []
    for array in arrays:
        if array is not None and not array.flags.c_contiguous:
            array = _arrays.get_xp(array).ascontiguousarray(array)
        out.append(array)
    return out
