"""Factories: tensor, zeros, ones, full, empty, eye, arange, linspace, logspace, the random
ones (rand, randn, randint, randperm, multinomial, bernoulli, normal) and the *_like forms.

Each takes `dtype` (float32 by default, int64 for integer draws and integer ranges, like
PyTorch), `device` ('cpu' or 'cuda') and `requires_grad`. Random values come from minigrad's
generator (mg.manual_seed), drawn on the host and copied to the device.
"""

from __future__ import annotations

import math

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


def empty(*shape, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of `shape` whose values are whatever the memory held (fast; fill it before reading)."""
    xp = backend.xp_for(backend.check_device(device or "cpu"))
    return _make(xp.empty(_shape(shape), dtype=as_dtype(dtype) or float32), device, requires_grad)


def _like(x: Tensor, dtype, device) -> tuple:
    """(shape, dtype, device) for a *_like factory: x's unless given."""
    if not isinstance(x, Tensor):
        raise TypeError(f"expected a Tensor to take the shape of, got {type(x).__name__}")
    return tuple(x.shape), as_dtype(dtype) or x.dtype, device or x.device


def zeros_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape, device and (unless given) dtype of `x`."""
    shape, dtype, device = _like(x, dtype, device)
    return zeros(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape, device and (unless given) dtype of `x`."""
    shape, dtype, device = _like(x, dtype, device)
    return ones(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(x: Tensor, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """`fill_value` everywhere, with the shape, device and (unless given) dtype of `x`."""
    shape, dtype, device = _like(x, dtype, device)
    return full(shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor with the shape, device and (unless given) dtype of `x`."""
    shape, dtype, device = _like(x, dtype, device)
    return empty(shape, dtype=dtype, device=device, requires_grad=requires_grad)


def _float_dtype(op: str, dtype) -> np.dtype:
    if dtype.kind != "f":
        raise TypeError(f"{op}: random floats need a floating-point dtype, got {dtype}")
    return dtype


def rand_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) with the shape, device and (unless given) dtype of `x`."""
    shape, dtype, device = _like(x, dtype, device)
    return rand(shape, dtype=_float_dtype("rand_like", dtype), device=device, requires_grad=requires_grad)


def randn_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples with the shape, device and (unless given) dtype of `x`."""
    shape, dtype, device = _like(x, dtype, device)
    return randn(shape, dtype=_float_dtype("randn_like", dtype), device=device, requires_grad=requires_grad)


def randint_like(x: Tensor, low: int = 0, high: int | None = None, *, dtype=None, device=None,
                 requires_grad: bool = False) -> Tensor:
    """Integers uniform in [low, high) with the shape, device and (unless given) dtype of `x`;
    randint_like(x, high) draws from [0, high)."""
    if high is None:
        low, high = 0, low
    shape, dtype, device = _like(x, dtype, device)
    return randint(low, high, shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randn(*shape, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from minigrad's generator (see manual_seed)."""
    array = generator().standard_normal(_shape(shape)).astype(as_dtype(dtype) or float32)
    return _make(array, device, requires_grad)


def rand(*shape, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from minigrad's generator."""
    array = generator().random(_shape(shape)).astype(as_dtype(dtype) or float32)
    return _make(array, device, requires_grad)


def randint(*args, size=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Integers uniform in [low, high): randint(high, size) or randint(low, high, size); int64 by
    default. size is a tuple (or one int)."""
    args = list(args)
    if size is None:
        if not args:
            raise TypeError("randint: missing the size")
        size = args.pop()
    if len(args) == 1:
        low, high = 0, args[0]
    elif len(args) == 2:
        low, high = args
    else:
        raise TypeError("randint: expected randint(high, size) or randint(low, high, size)")
    if high <= low:
        raise ValueError(f"randint: the range [{low}, {high}) is empty; expected low < high")
    size = (size,) if isinstance(size, (int, np.integer)) else tuple(size)
    dtype = as_dtype(dtype) or int64
    values = generator().integers(low, high, size=_shape(size)).astype(dtype)
    return _make(values, device, requires_grad)


def randperm(n: int, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A random permutation of 0 .. n - 1 (int64 by default)."""
    if n < 0:
        raise ValueError(f"randperm: n must be non-negative, got {n}")
    return _make(generator().permutation(int(n)).astype(as_dtype(dtype) or int64), device, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, end), every `step`; int64 when all arguments are ints, else float32.

    As PyTorch: the length is ceil((end - start) / step) computed in float64, and each value is
    start + i * step computed in float64, then rounded to the dtype once.
    """
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = values
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise ValueError(f"arange: the range from {start} to {end} runs against the step {step}")
    integers = all(isinstance(v, (int, np.integer)) for v in values)
    dtype = as_dtype(dtype) if dtype is not None else int64 if integers else float32
    if integers and np.dtype(dtype).kind in "iu":
        # Integer ranges (positions, row numbers) are made on the device: no copy from the host.
        xp = backend.xp_for(backend.check_device(device or "cpu"))
        return _make(xp.arange(start, end, step, dtype=dtype), device, requires_grad)
    # Float ranges come from NumPy, so the GPU gets exactly the CPU's rounding.
    length = math.ceil((float(end) - float(start)) / float(step))
    array = float(start) + np.arange(length, dtype=np.float64) * float(step)
    return _make(array.astype(dtype), device, requires_grad)


def linspace(start, end, steps: int, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """`steps` evenly spaced values from start to end, both included (float32 by default).

    As PyTorch computes them: step = (end - start) / (steps - 1) in the result's dtype (for an
    integer dtype: the ends made integers, the step in float64, the values truncated), the first
    half counted up from start and the second half down from end, so both ends are exact.
    """
    if steps < 0:
        raise ValueError(f"linspace: steps must be non-negative, got {steps}")
    dtype = as_dtype(dtype) or float32
    work = np.dtype(np.float64) if dtype.kind in "iu" else dtype
    if dtype.kind in "iu":  # the ends are converted to the integer type first (toward zero)
        start, end = int(start), int(end)
    start_, end_ = work.type(start), work.type(end)
    i = np.arange(steps)
    if steps == 1:
        array = np.full(1, start_, dtype=work)
    else:
        step = (end_ - start_) / work.type(steps - 1)
        array = np.where(i < steps // 2, start_ + step * i.astype(work), end_ - step * (steps - 1 - i).astype(work))
    return _make(array.astype(dtype), device, requires_grad)


def logspace(start, end, steps: int, base: float = 10.0, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """base ** linspace(start, end, steps): `steps` values spaced evenly on a log scale."""
    dtype = as_dtype(dtype) or float32
    work = np.dtype(np.float64) if dtype.kind in "iu" else dtype
    exponents = linspace(start, end, steps, dtype=work).data
    return _make(np.power(work.type(base), exponents).astype(dtype), device, requires_grad)


def eye(n: int, m: int | None = None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix."""
    return _make(np.eye(n, m, dtype=as_dtype(dtype) or float32), device, requires_grad)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False) -> Tensor:
    """Category indices drawn with probability proportional to the weights in `input` (one row
    per distribution: [C] or [N, C]; weights need not sum to 1). int64 [num_samples] or
    [N, num_samples]. Without replacement a category is drawn at most once per row.
    """
    weights = backend.to_device(input.data, "cpu").astype(np.float64)
    if weights.ndim not in (1, 2) or weights.shape[-1] == 0:
        raise ValueError(f"multinomial: expected weights of shape [C] or [N, C] with C > 0, got {tuple(weights.shape)}")
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise ValueError("multinomial: the weights must be finite and non-negative")
    rows = weights.reshape(-1, weights.shape[-1])
    totals = rows.sum(axis=1)
    if (totals <= 0).any():
        raise ValueError("multinomial: every row of weights needs a positive sum")
    if not replacement and num_samples > int((rows > 0).sum(axis=1).min()):
        raise ValueError(f"multinomial: cannot draw {num_samples} samples without replacement from a row with "
                         f"only {int((rows > 0).sum(axis=1).min())} categories of nonzero weight")
    if replacement:  # inverse CDF: the first category whose cumulative weight exceeds u * total
        u = generator().random((rows.shape[0], num_samples)) * totals[:, None]
        cumulative = np.cumsum(rows, axis=1)
        picked = np.stack([np.searchsorted(c, r, side="right") for c, r in zip(cumulative, u)])
        picked = np.minimum(picked, rows.shape[1] - 1)
    else:  # exponential races: category c finishes at E_c / w_c; the first num_samples to finish win
        with np.errstate(divide="ignore"):
            finish = generator().exponential(size=rows.shape) / rows
        picked = np.argsort(finish, axis=1, kind="stable")[:, :num_samples]
    picked = picked.astype(np.int64).reshape(*weights.shape[:-1], num_samples)
    return _make(picked, input.device, False)


def bernoulli(input: Tensor, p: float | None = None) -> Tensor:
    """0 or 1 drawn with probability `input` (or p) of 1, in input's shape and dtype."""
    probs = backend.to_device(input.data, "cpu") if p is None else np.full(input.shape, p)
    if (probs < 0).any() or (probs > 1).any():
        raise ValueError("bernoulli: probabilities must be in [0, 1]")
    draws = generator().random(input.shape) < probs
    return _make(draws.astype(input.dtype), input.device, False)


def normal(mean, std=1.0, size=None, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Normal samples N(mean, std^2): mean and std are numbers (give size) or tensors (broadcast
    together; the result has their shape, dtype and device)."""
    tensors = [v for v in (mean, std) if isinstance(v, Tensor)]
    if tensors:
        if size is not None:
            raise TypeError("normal: size goes with a number mean and std; with tensors the shape is theirs")
        like = tensors[0]
        m = backend.to_device(mean.data, "cpu") if isinstance(mean, Tensor) else mean
        s = backend.to_device(std.data, "cpu") if isinstance(std, Tensor) else std
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        dtype, device = as_dtype(dtype) or like.dtype, device or like.device
    else:
        if size is None:
            raise TypeError("normal: give size when mean and std are numbers")
        m, s, shape = mean, std, _shape(size if isinstance(size, (tuple, list)) else (size,))
        dtype = as_dtype(dtype) or float32
    if np.any(np.asarray(s) < 0):
        raise ValueError("normal: std must be non-negative")
    values = m + s * generator().standard_normal(shape)
    return _make(np.asarray(values).astype(dtype), device, requires_grad)
