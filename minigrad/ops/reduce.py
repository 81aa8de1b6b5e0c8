"""Reductions: sum, mean, prod, max, min, amax, amin, var, std, logsumexp and the vector norms over
`dim` (None, an int or a tuple), with `keepdim`; count_nonzero, any, all, argmax, argmin.

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


class Std(Var):
    """std = sqrt(var) over axes, var divided by n - correction;  dx = g / (2 std) * 2 (x - mean) / (n - correction)

    Where std is 0 (all values equal) the gradient is 0, as in PyTorch (not 0/0).
    """

    def forward(self, x, axes, keepdims, correction):
        self.out = xp_of(x).sqrt(super().forward(x, axes, keepdims, correction))
        return self.out

    def backward(self, g):
        xp = xp_of(g)
        zero = self.out == 0
        return super().backward(xp.where(zero, 0.0, g / (2 * xp.where(zero, 1.0, self.out))))


class Prod(Function):
    """product over axes;  dx = g * (product of the other elements): g * prod / x where x != 0

    With zeros in a slice: one zero gets the product of the others and every other element
    0; two or more zeros give 0 everywhere (as PyTorch, never 0/0). A recorded backward
    (higher-order gradients) through zeros forms each product of the others explicitly.
    """

    def forward(self, x, axes, keepdims):
        self.x, self.axes, self.keepdims, self.shape = x, axes, keepdims, x.shape
        self.out = x.prod(axis=axes, keepdims=keepdims)
        return self.out

    def backward(self, g):
        xp = xp_of(g)
        x, axes = self.x, self.axes
        g = _expand_back(g, axes, self.keepdims, self.shape)
        is_zero = _data(x) == 0
        if not bool(is_zero.any()):
            return g * _expand_back(self.out, axes, self.keepdims, self.shape) / x
        if isinstance(g, Tensor):
            return g * _product_of_the_others(x, axes)
        # prod(others) = prod / x away from zeros (0 in a slice with a zero); at a lone zero
        # it is the product of the rest
        x_or_one = xp.where(is_zero, 1, x)
        others = x_or_one.prod(axis=axes, keepdims=True)
        lone_zero = is_zero & (is_zero.sum(axis=axes, keepdims=True) == 1)
        out = _expand_back(self.out, axes, self.keepdims, self.shape)
        return g * xp.where(lone_zero, others, out / x_or_one)


def _product_of_the_others(x: Tensor, axes: tuple) -> Tensor:
    """For each element of x, the product of the other elements of its slice over axes, as
    recorded ops: the n elements of a slice are repeated n times, each time with a different one
    replaced by 1, and multiplied. O(n^2), so only the recorded backward through zeros uses it."""
    kept = x.ndim - len(axes)
    last = list(range(kept, x.ndim))
    moved = x.movedim(list(axes), last)  # the reduced axes last
    n = math.prod(x.shape[a] for a in axes)
    rows = moved.reshape(moved.shape[:kept] + (1, n))
    eye = Tensor._wrap(x._xp.eye(n, dtype=bool), False)
    from .elementwise import where

    others = where(eye, 1.0, rows).prod(dim=-1)  # [..., k] = prod over j != k of x_j
    return others.reshape(moved.shape).movedim(last, list(axes))


class LogSumExp(Function):
    """log(sum(exp(x))) over axes, computed as m + log(sum(exp(x - m))) with m the max;  dx = g * exp(x - out)"""

    def forward(self, x, axes, keepdims):
        self.x, self.axes, self.keepdims, self.shape = x, axes, keepdims, x.shape
        xp = xp_of(x)
        m = x.max(axis=axes, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)  # all -inf (or an inf) in a slice: shift by 0 instead
        with np.errstate(divide="ignore"):  # log(0) = -inf for an all -inf slice, as PyTorch
            out = xp.log(xp.exp(x - m).sum(axis=axes, keepdims=True)) + m
        self.out = out if keepdims else out.reshape([n for i, n in enumerate(x.shape) if i not in axes])
        return self.out

    def backward(self, g):
        out = _expand_back(self.out, self.axes, self.keepdims, self.shape)
        with np.errstate(invalid="ignore"):  # -inf - -inf in an all -inf slice: nan, as PyTorch
            return _expand_back(g, self.axes, self.keepdims, self.shape) * xp_of(g).exp(self.x - out)


class VectorNorm(Function):
    """(sum |x|^p)^(1/p) over axes (p = inf: max |x|, -inf: min |x|, 0: the count of nonzeros);
    dx = g * sign(x) |x|^(p-1) / norm^(p-1)  (p = 2: g x / norm, p = 1: g sign(x))

    As PyTorch: the gradient is 0 where x = 0 or the norm is 0 (not 0/0); for p = +-inf it is
    shared evenly between the elements that reach the norm; for p = 0 it is 0.
    """

    def forward(self, x, p, axes, keepdims):
        self.x, self.p, self.axes, self.keepdims, self.shape = x, p, axes, keepdims, x.shape
        xp = xp_of(x)
        a = xp.abs(x)
        if p == math.inf:
            out = a.max(axis=axes, keepdims=keepdims)
        elif p == -math.inf:
            out = a.min(axis=axes, keepdims=keepdims)
        elif p == 0:
            out = (x != 0).sum(axis=axes, keepdims=keepdims).astype(x.dtype)
        elif p == 1:
            out = a.sum(axis=axes, keepdims=keepdims)
        elif p == 2:
            out = xp.sqrt((x * x).sum(axis=axes, keepdims=keepdims))
        else:
            with np.errstate(divide="ignore"):  # 0 ** negative p = inf, as PyTorch
                out = (a ** p).sum(axis=axes, keepdims=keepdims) ** (1.0 / p)
        self.out = xp.asarray(out)
        return self.out

    def backward(self, g):
        xp = xp_of(g)
        x, p = self.x, self.p
        g = _expand_back(g, self.axes, self.keepdims, self.shape)
        norm = _expand_back(self.out, self.axes, self.keepdims, self.shape)
        if p == 0:
            return xp.zeros_like(g)
        if p == 1:
            return g * xp.sign(x)
        if p == 2:
            return g * x / xp.where(norm == 0, 1.0, norm)  # x = 0 wherever the norm is 0
        if p in (math.inf, -math.inf):
            reaches = xp.abs(x) == norm  # piecewise constant: no gradient flows through the mask
            count = reaches.sum(axis=self.axes, keepdims=True)
            return g * xp.sign(x) * reaches / count
        with np.errstate(divide="ignore", invalid="ignore"):
            scaled = xp.where(x == 0, 0.0, xp.abs(x) ** (p - 1) * xp.sign(x))
            return g * scaled / xp.where(norm == 0, 1.0, norm ** (p - 1))


def _data(value):
    """The array of a Tensor (a recorded backward hands Tensors), or the array itself."""
    return value.data if isinstance(value, Tensor) else value


class Median(Function):
    """the lower median of all elements (the smaller middle one for an even count, NaN if any is NaN);
    dx = g split evenly between the elements equal to it (as PyTorch's median without dim)"""

    def forward(self, x):
        self.x = x
        xp = xp_of(x)
        flat = x.reshape(-1)
        if flat.size == 0 or bool(xp.isnan(flat).any()):
            value = math.nan
        else:
            value = xp.partition(flat, (flat.size - 1) // 2)[(flat.size - 1) // 2]
        self.out = xp.full((), value, dtype=x.dtype)
        return self.out

    def backward(self, g):
        xp = xp_of(g)
        x, out = self.x, self.out
        winners = (x == out) | (xp.isnan(x) & xp.isnan(out))  # a mask: no gradient flows through it
        return g * winners / winners.sum()


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


def prod(x: Tensor, dim=None, keepdim: bool = None, *, dtype=None, axis=None, keepdims: bool = None) -> Tensor:
    """Product of elements over `dim` (all when None); integers multiply as int64, as PyTorch.
    The gradient is right with zeros in the input (no 0/0)."""
    axes, keepdims = _reduce_args("prod", x, dim, keepdim, axis, keepdims)
    if dtype is not None:
        x = x.astype(dtype)
    elif x.dtype.kind in "bi" and x.dtype != np.int64 or x.dtype.kind == "u":
        x = x.astype(np.int64)
    return Prod.apply(x, axes=axes, keepdims=keepdims)


def std(x: Tensor, dim=None, unbiased: bool = None, keepdim: bool = None, *, correction=None, axis=None,
        keepdims: bool = None, ddof=None) -> Tensor:
    """Standard deviation over `dim`, the square root of var with the same arguments: PyTorch's
    default correction=1 (unbiased); NumPy's spelling (axis=, ddof=) has NumPy's default ddof=0."""
    if isinstance(unbiased, (int, np.integer)) and not isinstance(unbiased, bool) or isinstance(unbiased, tuple):
        raise TypeError("std: the second positional argument is unbiased (a bool); pass dims as dim=")
    return Std.apply(x, **_var_args("std", x, dim, unbiased, keepdim, correction, axis, keepdims, ddof))


def var_mean(x: Tensor, dim=None, unbiased: bool = None, keepdim: bool = None, *, correction=None, axis=None,
             keepdims: bool = None, ddof=None) -> tuple:
    """(var, mean) over `dim` in one call, with var's arguments."""
    args = _var_args("var_mean", x, dim, unbiased, keepdim, correction, axis, keepdims, ddof)
    return Var.apply(x, **args), Mean.apply(x, axes=args["axes"], keepdims=args["keepdims"])


def std_mean(x: Tensor, dim=None, unbiased: bool = None, keepdim: bool = None, *, correction=None, axis=None,
             keepdims: bool = None, ddof=None) -> tuple:
    """(std, mean) over `dim` in one call, with std's arguments."""
    args = _var_args("std_mean", x, dim, unbiased, keepdim, correction, axis, keepdims, ddof)
    return Std.apply(x, **args), Mean.apply(x, axes=args["axes"], keepdims=args["keepdims"])


def logsumexp(x: Tensor, dim, keepdim: bool = False, *, axis=None, keepdims: bool = None) -> Tensor:
    """log(sum(exp(x))) over `dim` (required, as in PyTorch), computed without overflow."""
    from .elementwise import _float_tensor

    x = _float_tensor("logsumexp", x)
    if dim is None and axis is None:
        raise TypeError("logsumexp: dim is required (an int or a tuple of ints), as in PyTorch")
    axes, keepdims = _reduce_args("logsumexp", x, dim if dim != () else None, keepdim or None, axis, keepdims)
    if x.size == 0:  # the sum of no exponentials is 0: log 0 = -inf
        shape = [1 if i in axes else n for i, n in enumerate(x.shape) if keepdims or i not in axes]
        return Tensor._wrap(x._xp.full(shape, -math.inf, dtype=x.dtype), False)
    return LogSumExp.apply(x, axes=axes, keepdims=keepdims)


def count_nonzero(x: Tensor, dim=None, *, axis=None) -> Tensor:
    """The number of nonzero elements over `dim` (an int or tuple; all when None), as int64."""
    axes = normalize_axes("count_nonzero", pick("count_nonzero", dim, "dim", axis, "axis"), x.ndim, x.shape)
    counts = (x.data != 0).sum(axis=axes)
    return Tensor._wrap(x._xp.asarray(counts, dtype=np.int64), False)


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The p-norm (sum |x|^p)^(1/p) over `dim` (all elements when None); ord may be any number,
    inf (max |x|), -inf (min |x|) or 0 (the count of nonzeros). PyTorch's linalg.vector_norm."""
    if not isinstance(x, Tensor):
        raise TypeError(f"vector_norm: expected a Tensor, got {type(x).__name__}")
    if dtype is not None:
        x = x.astype(dtype)
    if x.dtype.kind != "f":
        raise TypeError(f"vector_norm: expected a floating-point tensor, got {x.dtype} (convert it with .float())")
    if isinstance(ord, str) or isinstance(ord, bool) or not isinstance(ord, (int, float, np.number)):
        raise TypeError(f"vector_norm: ord must be a number (or inf, -inf), got {ord!r}")
    axes = normalize_axes("vector_norm", dim if dim != () else None, x.ndim, x.shape)
    if (ord < 0 or ord == math.inf) and builtins.any(x.shape[a] == 0 for a in axes):
        raise IndexError(f"vector_norm: the ord={ord} norm of an empty dimension has no value (shape "
                         f"{tuple(x.shape)}, dims {axes}): the max, min or negative power of nothing")
    return VectorNorm.apply(x, p=float(ord), axes=axes, keepdims=bool(keepdim))


def norm(x: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """PyTorch's torch.norm / Tensor.norm: the 2-norm over `dim` for p="fro" (all elements when
    dim is None), the vector p-norm over `dim` for a number p (also over a pair of dims).
    For matrix norms use minigrad.linalg.matrix_norm / minigrad.linalg.norm."""
    if isinstance(p, str):
        if p == "fro":
            return vector_norm(x, 2, dim, keepdim, dtype=dtype)
        if p == "nuc":
            raise NotImplementedError("norm: p='nuc' (the nuclear norm) needs a singular value decomposition, "
                                      "which minigrad does not have")
        raise ValueError(f"norm: p must be a number, 'fro' or 'nuc', got {p!r}")
    return vector_norm(x, 2 if p is None else p, dim, keepdim, dtype=dtype)
