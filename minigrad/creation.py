"""Factories: tensor, zeros, ones, full, randn, rand, arange, eye, zeros_like, ones_like.

Each takes `dtype` (float32 by default, like PyTorch), `device` ('cpu' or
'cuda') and `requires_grad`.
"""

from __future__ import annotations

import numpy as np

from . import backend
from .random import generator
from .tensor import Tensor, as_dtype, float32, int64


def tensor(data, requires_grad: bool = False, dtype=None, device=None) -> Tensor:
    """A new tensor holding a copy of `data` (a list, number, NumPy/CuPy array or Tensor).

    >>> tensor([1, 2, 3]).dtype      # Python ints give int64, Python floats float32
    dtype('int64')
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, device=device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing `array`'s memory (a change to one shows in the other), keeping its dtype."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    if array.dtype.kind not in "biufc":
        raise TypeError(f"from_numpy: cannot make a tensor from an array of {array.dtype} values")
    return Tensor._wrap(array, False)


def from_dlpack(obj) -> Tensor:
    """A tensor sharing the memory of any DLPack producer: a NumPy or CuPy array, a torch tensor, ...

    CPU data becomes a NumPy array, CUDA data a CuPy array, without copying.
    """
    if isinstance(obj, Tensor):
        return obj
    device_type = obj.__dlpack_device__()[0] if hasattr(obj, "__dlpack_device__") else 1
    if device_type == 1:  # kDLCPU
        return Tensor._wrap(np.from_dlpack(obj), False)
    return Tensor._wrap(backend.xp_for("cuda").from_dlpack(obj), False)


def _shape(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    if any(not isinstance(n, (int, np.integer)) or n < 0 for n in shape):
        raise ValueError(f"shape must be non-negative integers, got {shape}")
    return tuple(int(n) for n in shape)


def _make(array, device, requires_grad: bool) -> Tensor:
    """A tensor of `array` on `device` (copied there unless it is already there)."""
    device = backend.check_device(device or "cpu")
    out = Tensor._wrap(backend.to_device(array, device), False)
    return out.requires_grad_(True) if requires_grad else out


def zeros(*shape, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of `shape` filled with 0."""
    return full(_shape(shape), 0, dtype=dtype, device=device, requires_grad=requires_grad)


def ones(*shape, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of `shape` filled with 1."""
    return full(_shape(shape), 1, dtype=dtype, device=device, requires_grad=requires_grad)


def full(shape, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of `shape` filled with `fill_value`."""
    shape = _shape(shape if isinstance(shape, (tuple, list)) else (shape,))
    xp = backend.xp_for(backend.check_device(device or "cpu"))  # made on the device: no copy
    return _make(xp.full(shape, fill_value, dtype=as_dtype(dtype) or float32), device, requires_grad)


def zeros_like(x: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape, device and (unless given) dtype of `x`."""
    return zeros(x.shape, dtype=dtype or x.dtype, device=x.device, requires_grad=requires_grad)


def ones_like(x: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape, device and (unless given) dtype of `x`."""
    return ones(x.shape, dtype=dtype or x.dtype, device=x.device, requires_grad=requires_grad)


def randn(*shape, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from minigrad's generator (see manual_seed)."""
    array = generator().standard_normal(_shape(shape)).astype(as_dtype(dtype) or float32)
    return _make(array, device, requires_grad)


def rand(*shape, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from minigrad's generator."""
    array = generator().random(_shape(shape)).astype(as_dtype(dtype) or float32)
    return _make(array, device, requires_grad)


def randint(low: int, high: int, shape, device=None) -> Tensor:
    """Integers uniform in [low, high), int64."""
    return _make(generator().integers(low, high, size=_shape(tuple(shape))).astype(int64), device, False)


def arange(start, stop=None, step=1, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, stop); int64 when all arguments are ints, else float32."""
    if stop is None:
        start, stop = 0, start
    integers = all(isinstance(v, (int, np.integer)) for v in (start, stop, step))
    dtype = as_dtype(dtype) if dtype is not None else int64 if integers else float32
    # Integer ranges (positions, row numbers) are made on the device: no copy from the host.
    # Float ranges come from NumPy, so the GPU gets exactly the CPU's rounding.
    on_device = integers and np.dtype(dtype).kind in "iu"
    xp = backend.xp_for(backend.check_device(device or "cpu")) if on_device else np
    return _make(xp.arange(start, stop, step, dtype=dtype), device, requires_grad)


def eye(n: int, m: int | None = None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix."""
    return _make(np.eye(n, m, dtype=as_dtype(dtype) or float32), device, requires_grad)
