"""Reductions: sum, mean, max, min, var over `axis` (None, an int or a tuple), with `keepdims`.

The backward of a reduction spreads the output gradient back over the reduced
axes: first put the reduced axes back as size-1 axes (so it broadcasts), then
broadcast to the input's shape.
"""

from __future__ import annotations

import builtins
import math

import numpy as np

from ..autograd import Function
from ..backend import xp_of
from ..tensor import Tensor


def normalize_axis(axis, ndim: int, op: str) -> tuple:
    """axis (None, int or tuple, negatives allowed) as a sorted tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < builtins.max(ndim, 1):
            raise ValueError(f"{op}: axis {a} is out of range for a tensor with {ndim} dimensions")
        out.append(int(a) % builtins.max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis}")
    return tuple(sorted(out))


def _expand_back(g, axes: tuple, keepdims: bool, shape: tuple):
    """The gradient of a reduction, broadcast back to the input's shape (a writable array)."""
    if not keepdims:
        g = g.reshape([1 if i in axes else n for i, n in enumerate(shape)])
    out = xp_of(g).empty(shape, dtype=g.dtype)
    out[...] = g
    return out


class Sum(Function):
    """sum over axes;  dx = g broadcast back over the summed axes."""

    def forward(self, x, axes, keepdims):
        self.axes, self.keepdims, self.shape = axes, keepdims, x.shape
        return x.sum(axis=axes, keepdims=keepdims)

    def backward(self, g):
        return _expand_back(g, self.axes, self.keepdims, self.shape)


class Mean(Function):
    """mean over axes;  dx = g / n broadcast back, n = number of elements averaged."""

    def forward(self, x, axes, keepdims):
        self.axes, self.keepdims, self.shape = axes, keepdims, x.shape
        self.count = math.prod(x.shape[a] for a in axes)
        return x.mean(axis=axes, keepdims=keepdims)

    def backward(self, g):
        return _expand_back(g / self.count, self.axes, self.keepdims, self.shape)


class Max(Function):
    """max over axes;  dx = g at the maximum (split evenly between ties, as PyTorch's amax)."""

    reduce_name = "max"

    def forward(self, x, axes, keepdims):
        self.x, self.axes, self.keepdims = x, axes, keepdims
        self.out = getattr(x, self.reduce_name)(axis=axes, keepdims=True)
        return self.out if keepdims else self.out.reshape([n for i, n in enumerate(x.shape) if i not in axes])

    def backward(self, g):
        winners = self.x == self.out
        count = winners.sum(axis=self.axes, keepdims=True)
        if not self.keepdims:
            g = g.reshape(count.shape)
        return winners * (g / count)


class Min(Max):
    """min over axes;  dx = g at the minimum (split evenly between ties)."""

    reduce_name = "min"


class Var(Function):
    """variance over axes with `ddof`;  dx = g * 2 (x - mean) / (n - ddof)."""

    def forward(self, x, axes, keepdims, ddof):
        self.axes, self.keepdims, self.shape = axes, keepdims, x.shape
        n = math.prod(x.shape[a] for a in axes)
        self.centered = x - x.mean(axis=axes, keepdims=True)
        self.denominator = n - ddof
        return (self.centered * self.centered).sum(axis=axes, keepdims=keepdims) / self.denominator

    def backward(self, g):
        if not self.keepdims:
            g = g.reshape([1 if i in self.axes else n for i, n in enumerate(self.shape)])
        return g * self.centered * (2.0 / self.denominator)


def _check_not_empty(x: Tensor, axes: tuple, op: str) -> None:
    if any(x.shape[a] == 0 for a in axes):
        raise ValueError(f"{op}: cannot reduce over an empty axis (shape {x.shape}, axis {axes})")


def sum(x: Tensor, axis=None, keepdims: bool = False) -> Tensor:
    """Sum of elements over `axis` (all when None)."""
    return Sum.apply(x, axes=normalize_axis(axis, x.ndim, "sum"), keepdims=keepdims)


def mean(x: Tensor, axis=None, keepdims: bool = False) -> Tensor:
    """Mean of elements over `axis` (all when None)."""
    axes = normalize_axis(axis, x.ndim, "mean")
    if x.dtype.kind not in "fc":
        raise TypeError(f"mean: expected a floating-point tensor, got {x.dtype} (convert it with .float())")
    _check_not_empty(x, axes, "mean")
    return Mean.apply(x, axes=axes, keepdims=keepdims)


def max(x: Tensor, axis=None, keepdims: bool = False) -> Tensor:
    """Largest element over `axis` (values only; use argmax for indices)."""
    axes = normalize_axis(axis, x.ndim, "max")
    _check_not_empty(x, axes, "max")
    return Max.apply(x, axes=axes, keepdims=keepdims)


def min(x: Tensor, axis=None, keepdims: bool = False) -> Tensor:
    """Smallest element over `axis`."""
    axes = normalize_axis(axis, x.ndim, "min")
    _check_not_empty(x, axes, "min")
    return Min.apply(x, axes=axes, keepdims=keepdims)


def var(x: Tensor, axis=None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Variance over `axis`; ddof=0 is the biased (population) variance, NumPy's default."""
    axes = normalize_axis(axis, x.ndim, "var")
    _check_not_empty(x, axes, "var")
    return Var.apply(x, axes=axes, keepdims=keepdims, ddof=ddof)


def argmax(x: Tensor, axis=None, keepdims: bool = False) -> Tensor:
    """Index of the largest element (int64, no gradient)."""
    return Tensor._wrap(xp_of(x.data).asarray(x.data.argmax(axis=axis, keepdims=keepdims)), False)


def argmin(x: Tensor, axis=None, keepdims: bool = False) -> Tensor:
    """Index of the smallest element (int64, no gradient)."""
    return Tensor._wrap(xp_of(x.data).asarray(x.data.argmin(axis=axis, keepdims=keepdims)), False)
