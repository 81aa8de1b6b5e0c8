"""Sorting and order statistics: sort argsort msort topk kthvalue median mode.

Each finds indices with the array library (no gradient flows through an ordering) and
reads the values at those indices with `take_along_dim`, so the values are differentiable:
the gradient of each output value goes to the element it came from. They return PyTorch's
named tuples (values, indices), indices as int64.

The sort is stable, which also satisfies PyTorch's unstable sort (it promises no order
among equal values). Descending order keeps equal values in their original order and puts
NaN first; ascending puts NaN last, as PyTorch does. median is the lower median (the
smaller of the two middle values for an even count) and NaN where a NaN is present.
"""

from __future__ import annotations

import numpy as np

from ..autograd import xp_of
from ..tensor import Tensor
from ._args import check_axis, keep, pick, values_indices
from .index import take_along_dim
from .reduce import Median
from .scan import _accumulate


def _argsort(data, axis: int, descending: bool):
    """Stable argsort along axis. Descending: sort the reversed array ascending and read the
    order back to front, so equal values keep their original order and NaN comes first."""
    xp = xp_of(data)
    if not descending:
        return xp.argsort(data, axis=axis, kind="stable")
    flip = (slice(None),) * axis + (slice(None, None, -1),)
    order = xp.argsort(data[flip], axis=axis, kind="stable")[flip]
    return (data.shape[axis] - 1) - order


def _dim(op: str, x, dim, axis) -> int:
    """dim (PyTorch) or axis (NumPy), the last dim when neither is given, checked."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    dim = pick(op, dim, "dim", axis, "axis")
    return check_axis(op, -1 if dim is None else dim, x.ndim, x.shape)


def _select(op: str, x: Tensor, axis: int, indices, keepdims: bool = True):
    """(values, indices) named tuple: x read at int64 `indices` along axis (differentiably)."""
    indices = Tensor._wrap(indices.astype(np.int64, copy=False), False)
    values = take_along_dim(x, indices, axis)
    if not keepdims:
        values, indices = values.squeeze(axis), indices.squeeze(axis)
    return values_indices[op](values, indices)


def _vector(x: Tensor) -> Tensor:
    """A 0-d tensor as a 1-element vector (the order statistics treat it as one)."""
    return x.reshape(1) if x.ndim == 0 else x


def _scalar_result(result, op: str):
    """Undo _vector: (values, indices) of a 0-d input are 0-d."""
    return values_indices[op](result.values.reshape(()), result.indices.reshape(()))


def sort(x: Tensor, dim: int = None, descending: bool = False, stable: bool = False, *, axis: int = None):
    """(values, indices) of x sorted along `dim` (the last when None), ascending unless descending=True;
    always stable (stable=True is what it does anyway)."""
    axis_ = _dim("sort", x, dim, axis)
    if x.ndim == 0:
        return _scalar_result(sort(_vector(x), 0, descending), "sort")
    return _select("sort", x, axis_, _argsort(x.data, axis_, descending))


def argsort(x: Tensor, dim: int = None, descending: bool = False, stable: bool = False, *, axis: int = None) -> Tensor:
    """The indices that sort x along `dim` (int64, no gradient); stable."""
    axis_ = _dim("argsort", x, dim, axis)
    if x.ndim == 0:
        return Tensor._wrap(x._xp.zeros((), dtype=np.int64), False)
    return Tensor._wrap(_argsort(x.data, axis_, descending).astype(np.int64, copy=False), False)


def msort(x: Tensor) -> Tensor:
    """x sorted along its first dim (the values of sort(x, 0))."""
    return sort(x, 0).values


def topk(x: Tensor, k: int, dim: int = None, largest: bool = True, sorted: bool = True, *,  # noqa: A002
         axis: int = None):
    """(values, indices) of the k largest (or, largest=False, smallest) elements along `dim`,
    in sorted order (sorted=False is allowed and gives the same order)."""
    axis_ = _dim("topk", x, dim, axis)
    size = x.shape[axis_] if x.ndim else 1
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 0 <= k <= size:
        raise ValueError(f"topk: k={k!r} is out of range for dimension {dim} of size {size} (shape {tuple(x.shape)})")
    if x.ndim == 0:
        result = topk(_vector(x), k, 0, largest)
        return _scalar_result(result, "topk") if k == 1 else result
    order = _argsort(x.data, axis_, descending=largest)
    return _select("topk", x, axis_, order[(slice(None),) * axis_ + (slice(0, k),)])


def kthvalue(x: Tensor, k: int, dim: int = None, keepdim: bool = False, *, axis: int = None, keepdims: bool = None):
    """(values, indices) of the k-th smallest element (k counts from 1) along `dim`."""
    axis_ = _dim("kthvalue", x, dim, axis)
    size = x.shape[axis_] if x.ndim else 1
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 1 <= k <= size:
        raise ValueError(f"kthvalue: k={k!r} is out of range for dimension {dim} of size {size} "
                         f"(shape {tuple(x.shape)}); k counts from 1")
    keepdims = keep("kthvalue", keepdim, keepdims)
    if x.ndim == 0:
        return _scalar_result(kthvalue(_vector(x), k, 0, True), "kthvalue")
    position = (slice(None),) * axis_ + (slice(k - 1, k),)
    return _select("kthvalue", x, axis_, _argsort(x.data, axis_, False)[position], keepdims)


def median(x: Tensor, dim: int = None, keepdim: bool = False, *, axis: int = None, keepdims: bool = None):
    """Without dim: the lower median of all elements (a tensor; the gradient is shared between
    equal elements). With dim: (values, indices) of the lower median along it. NaN wins."""
    if not isinstance(x, Tensor):
        raise TypeError(f"median: expected a Tensor, got {type(x).__name__}")
    if dim is None and axis is None:
        return Median.apply(x)
    axis_ = _dim("median", x, dim, axis)
    keepdims = keep("median", keepdim, keepdims)
    if x.ndim == 0:
        return _scalar_result(median(_vector(x), 0, True), "median")
    size = x.shape[axis_]
    if size == 0:
        raise IndexError(f"median: cannot take the median of an empty dimension (shape {tuple(x.shape)}, dim {dim})")
    xp = x._xp
    order = _argsort(x.data, axis_, False)
    chosen = order[(slice(None),) * axis_ + (slice((size - 1) // 2, (size - 1) // 2 + 1),)]
    if x.dtype.kind == "f":  # a NaN anywhere in a slice makes its median NaN (the first NaN's index)
        nan = xp.isnan(x.data)
        first_nan = xp.argmax(nan, axis=axis_, keepdims=True)
        chosen = xp.where(nan.any(axis=axis_, keepdims=True), first_nan, chosen)
    return _select("median", x, axis_, chosen, keepdims)


def mode(x: Tensor, dim: int = None, keepdim: bool = False, *, axis: int = None, keepdims: bool = None):
    """(values, indices) of the most frequent value along `dim`: the smallest one on a tie of
    counts, and the index of its last occurrence, as PyTorch returns."""
    axis_ = _dim("mode", x, dim, axis)
    keepdims = keep("mode", keepdim, keepdims)
    if x.ndim == 0:
        return _scalar_result(mode(_vector(x), 0, True), "mode")
    size = x.shape[axis_]
    if size == 0:
        raise IndexError(f"mode: cannot take the mode of an empty dimension (shape {tuple(x.shape)}, dim {dim})")
    xp = x._xp
    order = _argsort(x.data, axis_, False)  # stable: equal values in their original order
    ranked = xp.take_along_axis(x.data, order, axis=axis_)
    # The length of the run of equal values that ends at each sorted position:
    #   run_i = i - (the start of the run holding i) + 1
    positions = xp.broadcast_to(xp.arange(size).reshape([size if i == axis_ else 1 for i in range(x.ndim)]),
                                ranked.shape)
    first = (slice(None),) * axis_ + (slice(0, 1),)
    rest, before = (slice(None),) * axis_ + (slice(1, None),), (slice(None),) * axis_ + (slice(None, -1),)
    starts_run = xp.concatenate([xp.ones_like(ranked[first], dtype=bool), ranked[rest] != ranked[before]], axis=axis_)
    run_start = _accumulate("maximum", xp.where(starts_run, positions, 0), axis_)
    run_length = positions - run_start + 1
    # the longest run; argmax takes the first, which is the smallest value (the sort is ascending)
    best = xp.argmax(run_length, axis=axis_, keepdims=True)
    return _select("mode", x, axis_, xp.take_along_axis(order, best, axis=axis_), keepdims)

