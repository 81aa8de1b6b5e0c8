"""Reductions: sum, mean, max, min, amax, amin, var over `dim` (None, an int or a tuple), with `keepdim`.

The backward of a reduction spreads the output gradient back over the reduced
axes: first put the reduced axes back as size-1 axes (so it broadcasts), then
broadcast to the input's shape.

`x.max(dim)` and `x.min(dim)` return PyTorch's (values, indices); the gradient goes
to the index returned. `amax`/`amin` (and NumPy's spelling `x.max(axis=...)`) return
the values only and split the gradient evenly between ties.
"""

from __future__ import annotations

import builtins
import math

import numpy as np

from ..autograd import Function, xp_of
from ..tensor import Tensor
from ._args import keep, normalize_axes, pick, values_indices, check_axis


def _expand_back(g, axes: tuple, keepdims: bool, shape: tuple):
    """The gradient of a reduction, broadcast back to the input's shape (a writable array)."""
    if not keepdims:
        g = g.reshape([1 if i in axes else n for i, n in enumerate(shape)])
    if isinstance(g, Tensor):
        return g.broadcast_to(shape)
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
    """max over axes (amax);  dx = g at the maximum (split evenly between ties, as PyTorch's amax)."""

    reduce_name = "max"

    def forward(self, x, axes, keepdims):
        self.x, self.axes, self.keepdims = x, axes, keepdims
        self.out = getattr(x, self.reduce_name)(axis=axes, keepdims=True)
        return self.out if keepdims else self.out.reshape([n for i, n in enumerate(x.shape) if i not in axes])

    def backward(self, g):
        winners = self.x == self.out  # piecewise constant: no gradient flows through the mask
        count = winners.sum(axis=self.axes, keepdims=True)
        if not self.keepdims:
            g = g.reshape(count.shape)
        return winners * (g / count)


class Min(Max):
    """min over axes (amin);  dx = g at the minimum (split evenly between ties)."""

    reduce_name = "min"


class Var(Function):
    """variance over axes with `correction` (ddof);  dx = g * 2 (x - mean) / (n - correction).

    n - correction <= 0 gives inf or nan, as in PyTorch (0/0 for an all-equal input).
    """

    def forward(self, x, axes, keepdims, correction):
        self.x, self.axes, self.keepdims, self.shape = x, axes, keepdims, x.shape
        n = math.prod(x.shape[a] for a in axes)
        self.denominator = builtins.max(n - correction, 0)
        centered = x - x.mean(axis=axes, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (centered * centered).sum(axis=axes, keepdims=keepdims) / self.denominator

    def backward(self, g):
        if not self.keepdims:
            g = g.reshape([1 if i in self.axes else n for i, n in enumerate(self.shape)])
        centered = self.x - self.x.mean(axis=self.axes, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            return g * centered * (2.0 / self.denominator if self.denominator else math.inf)


def _check_not_empty(x: Tensor, axes: tuple, op: str) -> None:
    if builtins.any(x.shape[a] == 0 for a in axes) or (not axes and x.data.size == 0):
        raise IndexError(f"{op}: cannot reduce over an empty dimension (shape {tuple(x.shape)}, dims {axes}); "
                         "the result would have no defined value")


def _reduce_args(op: str, x: Tensor, dim, keepdim, axis, keepdims) -> tuple:
    axes = normalize_axes(op, pick(op, dim, "dim", axis, "axis"), x.ndim, x.shape)
    return axes, keep(op, keepdim, keepdims)


def sum(x: Tensor, dim=None, keepdim: bool = None, *, dtype=None, axis=None, keepdims: bool = None) -> Tensor:
    """Sum of elements over `dim` (all when None); dtype= casts first (integers sum as int64, as PyTorch)."""
    axes, keepdims = _reduce_args("sum", x, dim, keepdim, axis, keepdims)
    if dtype is not None:
        x = x.astype(dtype)
    elif x.dtype.kind in "bi" and x.dtype != np.int64 or x.dtype.kind == "u":
        x = x.astype(np.int64)  # PyTorch sums bools and narrow integers as int64
    return Sum.apply(x, axes=axes, keepdims=keepdims)


def mean(x: Tensor, dim=None, keepdim: bool = None, *, dtype=None, axis=None, keepdims: bool = None) -> Tensor:
    """Mean of elements over `dim` (all when None); needs a floating-point tensor (or dtype=)."""
    axes, keepdims = _reduce_args("mean", x, dim, keepdim, axis, keepdims)
    if dtype is not None:
        x = x.astype(dtype)
    if x.dtype.kind not in "fc":
        raise TypeError(f"mean: expected a floating-point tensor, got {x.dtype} (convert it with .float(), "
                        "or pass dtype=mg.float32)")
    return Mean.apply(x, axes=axes, keepdims=keepdims)


def _extreme(op: str, x: Tensor, dim, keepdim, axis, keepdims, op_class, arg_fn):
    """max/min: PyTorch's (values, indices) for an int dim; values only for no dim or NumPy's axis=."""
    if isinstance(dim, Tensor):  # torch.max(a, b) is the elementwise maximum
        from .elementwise import maximum, minimum

        return (maximum if op == "max" else minimum)(x, dim)
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{op}: got both dim= and axis=; they are the same argument, give one")
        if not isinstance(dim, (int, np.integer)):
            raise TypeError(f"{op}: dim must be an int (the PyTorch call returns values and indices along one "
                            f"dim); for several dims use a{op}(x, dims) or {op}(axis=dims), got {dim!r}")
        keepdims = keep(op, keepdim, keepdims)
        axis_ = check_axis(op, dim, x.ndim, x.shape)
        _check_not_empty(x, (axis_,) if x.ndim else (), op)
        indices = arg_fn(x, axis_, keepdim=True)
        from .index import take_along_dim

        values = take_along_dim(x, indices, axis_) if x.ndim else x * 1
        if not keepdims and x.ndim:
            values, indices = values.squeeze(axis_), indices.squeeze(axis_)
        return values_indices[op](values, indices)
    axes, keepdims = _reduce_args(op, x, None, keepdim, axis, keepdims)
    _check_not_empty(x, axes, op)
    return op_class.apply(x, axes=axes, keepdims=keepdims)


def max(x: Tensor, dim=None, keepdim: bool = None, *, axis=None, keepdims: bool = None):
    """The largest element: over everything (no dim), PyTorch's (values, indices) along an int
    `dim`, values only along NumPy's `axis=`; `max(x, other_tensor)` is the elementwise maximum.

    >>> values, indices = x.max(1)        # as torch.max(x, 1)
    """
    return _extreme("max", x, dim, keepdim, axis, keepdims, Max, argmax)


def min(x: Tensor, dim=None, keepdim: bool = None, *, axis=None, keepdims: bool = None):
    """The smallest element; see max for the three forms."""
    return _extreme("min", x, dim, keepdim, axis, keepdims, Min, argmin)


def amax(x: Tensor, dim=None, keepdim: bool = None, *, axis=None, keepdims: bool = None) -> Tensor:
    """The largest values over `dim` (an int or tuple; all when None or ()); gradient split between ties."""
    axes, keepdims = _reduce_args("amax", x, dim if dim != () else None, keepdim, axis, keepdims)
    _check_not_empty(x, axes, "amax")
    return Max.apply(x, axes=axes, keepdims=keepdims)


def amin(x: Tensor, dim=None, keepdim: bool = None, *, axis=None, keepdims: bool = None) -> Tensor:
    """The smallest values over `dim` (an int or tuple; all when None or ()); gradient split between ties."""
    axes, keepdims = _reduce_args("amin", x, dim if dim != () else None, keepdim, axis, keepdims)
    _check_not_empty(x, axes, "amin")
    return Min.apply(x, axes=axes, keepdims=keepdims)


def _correction(op: str, correction, unbiased, ddof) -> float:
    given = [name for name, v in (("correction", correction), ("unbiased", unbiased), ("ddof", ddof)) if v is not None]
    if len(given) > 1:
        raise TypeError(f"{op}: give only one of correction=, unbiased=, ddof= (got {', '.join(given)})")
    if unbiased is not None:
        return 1 if unbiased else 0
    if ddof is not None:
        return ddof
    return 1 if correction is None else correction


def var(x: Tensor, dim=None, unbiased: bool = None, keepdim: bool = None, *, correction=None, axis=None,
        keepdims: bool = None, ddof=None) -> Tensor:
    """Variance over `dim`, divided by n - correction: PyTorch's default correction=1 (unbiased);
    unbiased=False or correction=0 give the population variance. Spelled NumPy's way
    (x.var(axis=0), ddof=) it is NumPy's var, whose default is ddof=0."""
    if isinstance(unbiased, (int, np.integer)) and not isinstance(unbiased, bool) or isinstance(unbiased, tuple):
        # var(x, dim, keepdim) written positionally in the old order: refuse instead of misreading it
        raise TypeError("var: the second positional argument is unbiased (a bool); pass dims as dim=")
    return Var.apply(x, **_var_args("var", x, dim, unbiased, keepdim, correction, axis, keepdims, ddof))


def _var_args(op: str, x: Tensor, dim, unbiased, keepdim, correction, axis, keepdims, ddof) -> dict:
    """Axes, keepdims and the correction of var/std: PyTorch's default correction=1, but a call
    spelled NumPy's way (axis=, keepdims=, ddof=) gets NumPy's default ddof=0."""
    axes, keep_ = _reduce_args(op, x, dim, keepdim, axis, keepdims)
    if x.dtype.kind not in "fc":
        raise TypeError(f"{op}: expected a floating-point tensor, got {x.dtype}")
    numpy_spelling = (axis is not None or keepdims is not None) and correction is None and unbiased is None
    if ddof is None and numpy_spelling:
        ddof = 0
    return dict(axes=axes, keepdims=keep_, correction=_correction(op, correction, unbiased, ddof))


def argmax(x: Tensor, dim=None, keepdim: bool = None, *, axis=None, keepdims: bool = None) -> Tensor:
    """Index of the largest element along `dim` (of the flattened tensor when None); int64, no gradient."""
    return _arg("argmax", x, dim, keepdim, axis, keepdims)


def argmin(x: Tensor, dim=None, keepdim: bool = None, *, axis=None, keepdims: bool = None) -> Tensor:
    """Index of the smallest element along `dim` (of the flattened tensor when None); int64, no gradient."""
    return _arg("argmin", x, dim, keepdim, axis, keepdims)


def _arg(op: str, x: Tensor, dim, keepdim, axis, keepdims) -> Tensor:
    axis_ = pick(op, dim, "dim", axis, "axis")
    keepdims = keep(op, keepdim, keepdims)
    if axis_ is not None:
        axis_ = check_axis(op, axis_, x.ndim, x.shape)
        if x.ndim == 0:
            axis_ = None
    if x.size == 0:
        raise IndexError(f"{op}: cannot take the {op} of an empty tensor (shape {tuple(x.shape)})")
    result = getattr(x.data, op)(axis=axis_, keepdims=keepdims)
    return Tensor._wrap(xp_of(x.data).asarray(result, dtype=np.int64), False)


def any(x: Tensor, dim=None, keepdim: bool = None, *, axis=None, keepdims: bool = None) -> Tensor:
    """True where any element over `dim` is nonzero (bool, no gradient)."""
    axes, keepdims = _reduce_args("any", x, dim, keepdim, axis, keepdims)
    return Tensor._wrap(x._xp.asarray(x.data.any(axis=axes, keepdims=keepdims)), False)


def all(x: Tensor, dim=None, keepdim: bool = None, *, axis=None, keepdims: bool = None) -> Tensor:
    """True where all elements over `dim` are nonzero (bool, no gradient)."""
    axes, keepdims = _reduce_args("all", x, dim, keepdim, axis, keepdims)
    return Tensor._wrap(x._xp.asarray(x.data.all(axis=axes, keepdims=keepdims)), False)
