"""Scans (running reductions along one dim): cumsum cumprod logcumsumexp, cummax cummin.

    cumsum:       y_i = x_0 + ... + x_i                dx_j = sum_{i>=j} g_i   (a reversed cumsum)
    cumprod:      y_i = x_0 * ... * x_i                dx_j = sum_{i>=j} g_i y_i / x_j  (away from zeros)
    logcumsumexp: y_i = log(exp(x_0) + ... + exp(x_i))  dx_j = sum_{i>=j} g_i exp(x_j - y_i)
    cummax:       y_i = max(x_0, ..., x_i)             the gradient goes to the index of each max

cummax and cummin return PyTorch's (values, indices); their values are read from x at the
indices by `take_along_dim`, whose gradient sends each g_i to the element that was the max.
On NumPy the running max, min and logaddexp are ufunc accumulations; CuPy accumulates only
sums and products, so there they run as a doubling scan (see `_accumulate`).
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function, xp_of
from ..tensor import Tensor, as_dtype
from ._args import check_axis, values_indices
from .elementwise import _float_tensor


def _reverse(a, axis: int):
    """a reversed along axis: a view of an array, or a recorded slice of a Tensor."""
    return a[(slice(None),) * axis + (slice(None, None, -1),)]


def _reverse_cumsum(a, axis: int):
    """sum_{i >= j} a_i along axis, for arrays and Tensors alike."""
    return _reverse(xp_of(a).cumsum(_reverse(a, axis), axis=axis), axis)


class Cumsum(Function):
    """running sum along axis;  dx = reversed cumsum of g (dx_j = sum over i >= j of g_i)"""

    def forward(self, x, axis):
        self.axis = axis
        return xp_of(x).cumsum(x, axis=axis)

    def backward(self, g):
        return _reverse_cumsum(g, self.axis)


class Cumprod(Function):
    """running product along axis;  dx_j = sum_{i>=j} g_i y_i / x_j where no zero comes before j

    With a zero in a slice (first zero at position z), as PyTorch: positions before z use the
    formula above (every y_i from z on is 0), position z gets sum_{i>=z} g_i * (product of
    x_0..x_i without x_z), and positions after z get 0 (every product through them holds x_z).
    A recorded backward (higher-order gradients) through zeros forms each sum explicitly.
    """

    def forward(self, x, axis):
        self.x, self.axis = x, axis
        self.out = xp_of(x).cumprod(x, axis=axis)
        return self.out

    def backward(self, g):
        xp = xp_of(g)
        x, out, axis = self.x, self.out, self.axis
        is_zero = _data(x) == 0
        if not bool(is_zero.any()):
            return _reverse_cumsum(g * out, axis) / x
        if isinstance(g, Tensor):
            return _cumprod_backward_recorded(x, g, axis)
        # z: the index of the first zero of each slice (n where there is none)
        positions = _positions(is_zero, axis)
        first_zero = xp.where(is_zero, positions, x.shape[axis]).min(axis=axis, keepdims=True)
        before, at = positions < first_zero, positions == first_zero
        without_z = xp.cumprod(xp.where(at, 1, x), axis=axis)  # the products with x_z left out
        return xp.where(before, _reverse_cumsum(g * out, axis) / xp.where(before, x, 1),
                        xp.where(at, _reverse_cumsum(g * without_z, axis), 0))


def _cumprod_backward_recorded(x: Tensor, g: Tensor, axis: int) -> Tensor:
    """dx_k = sum_{i>=k} g_i prod_{j<=i, j!=k} x_j as recorded ops, exact at zeros to any order:
    each slice is repeated n times with x_k replaced by 1 in the k-th copy. O(n^2) per slice, so
    only the recorded backward through zeros uses it (elsewhere the division form is exact)."""
    from .elementwise import where

    n = x.shape[axis]
    xm, gm = x.movedim(axis, -1), g.movedim(axis, -1)
    k, i = np.arange(n)[:, None], np.arange(n)[None, :]
    eye = Tensor._wrap(x._xp.asarray(k == i), False)
    later = Tensor._wrap(x._xp.asarray((i >= k).astype(x.dtype)), False)
    products = where(eye, 1.0, xm.unsqueeze(-2)).cumprod(-1)  # [..., k, i]
    return (products * gm.unsqueeze(-2) * later).sum(-1).movedim(-1, axis)


class LogCumSumExp(Function):
    """y_i = log(sum_{j<=i} exp(x_j)) along axis, without overflow;  dx_j = sum_{i>=j} g_i exp(x_j - y_i)

    The backward adds the positive and the negative parts of g separately in log space,
    dx = exp(x + rlcse(log g+ - y)) - exp(x + rlcse(log g- - y)) with rlcse the reversed
    logcumsumexp, so no exp(-y) overflows (PyTorch's method). A recorded backward (higher-order
    gradients) uses the direct form exp(x) * reversed cumsum(g exp(-y)).
    """

    def forward(self, x, axis):
        self.x, self.axis = x, axis
        self.out = _accumulate("logaddexp", x, axis)
        return self.out

    def backward(self, g):
        x, out, axis = self.x, self.out, self.axis
        if isinstance(g, Tensor):
            return x.exp() * _reverse_cumsum(g * (-out).exp(), axis)
        xp = xp_of(g)
        with np.errstate(divide="ignore", invalid="ignore"):
            parts = []
            for part in (xp.maximum(g, 0), xp.maximum(-g, 0)):
                log_sum = _reverse(_accumulate("logaddexp", _reverse(xp.log(part) - out, axis), axis), axis)
                parts.append(xp.exp(x + log_sum))
            return parts[0] - parts[1]


def _data(value):
    return value.data if isinstance(value, Tensor) else value


def _positions(like, axis: int):
    """0, 1, 2, ... along axis, shaped to broadcast against `like`."""
    xp = xp_of(like)
    shape = [1] * like.ndim
    shape[axis] = like.shape[axis]
    return xp.arange(like.shape[axis]).reshape(shape)


def _accumulate(ufunc: str, x, axis: int):
    """The running maximum / minimum / logaddexp of x along axis.

    NumPy has ufunc.accumulate. CuPy accumulates only add and multiply, so there the scan
    doubles its reach each pass (Hillis-Steele): after the pass with shift s, position i holds
    the result over i - 2s + 1 .. i; log2(n) passes of one elementwise op each.
    """
    xp = xp_of(x)
    fn = getattr(xp, ufunc)
    if xp is np:
        return fn.accumulate(x, axis=axis)
    return _doubling_scan(fn, x, axis)


def _doubling_scan(fn, x, axis: int):
    """The scan of an associative elementwise fn along axis in ceil(log2 n) passes (any xp)."""
    out = x.copy()
    n, shift = x.shape[axis], 1
    lead = (slice(None),) * axis
    while shift < n:
        combined = fn(out[lead + (slice(shift, None),)], out[lead + (slice(None, n - shift),)])
        out[lead + (slice(shift, None),)] = combined  # computed from the old values before writing
        shift *= 2
    return out


# ---- the functions the Tensor methods and `minigrad.*` call ----------------------------------


def _scan_axis(op: str, x, dim, axis) -> int:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    if dim is not None and axis is not None:
        raise TypeError(f"{op}: got both dim= and axis=; they are the same argument, give one")
    dim = dim if axis is None else axis
    if dim is None:
        raise TypeError(f"{op}: dim is required (the axis to scan along), as in PyTorch")
    return check_axis(op, dim, x.ndim, x.shape)


def _scan(op_class, x: Tensor, axis: int) -> Tensor:
    """Apply a scan op; a 0-d tensor scans as a 1-element vector."""
    if x.ndim == 0:
        return op_class.apply(x.reshape(1), axis=0).reshape(())
    return op_class.apply(x, axis=axis)


def _integer_to_int64(x: Tensor, dtype) -> Tensor:
    """dtype= casts first; otherwise bools and integers accumulate as int64, as PyTorch."""
    if dtype is not None:
        return x.astype(as_dtype(dtype))
    if x.dtype.kind in "biu" and x.dtype != np.int64:
        return x.astype(np.int64)
    return x


def cumsum(x: Tensor, dim: int = None, *, dtype=None, axis: int = None) -> Tensor:
    """Running sum along `dim`: y_i = x_0 + ... + x_i (integers sum as int64)."""
    axis = _scan_axis("cumsum", x, dim, axis)
    return _scan(Cumsum, _integer_to_int64(x, dtype), axis)


def cumprod(x: Tensor, dim: int = None, *, dtype=None, axis: int = None) -> Tensor:
    """Running product along `dim`: y_i = x_0 * ... * x_i (gradient right with zeros in x)."""
    axis = _scan_axis("cumprod", x, dim, axis)
    return _scan(Cumprod, _integer_to_int64(x, dtype), axis)


def logcumsumexp(x: Tensor, dim: int = None, *, axis: int = None) -> Tensor:
    """Running log(sum(exp(x))) along `dim`, without overflow."""
    axis = _scan_axis("logcumsumexp", x, dim, axis)
    return _scan(LogCumSumExp, _float_tensor("logcumsumexp", x), axis)


def _running_extreme(op: str, x: Tensor, dim, axis):
    """cummax / cummin: values and the index where each running extreme was reached.

    Ties go to the latest index and NaN propagates with its own index, as in PyTorch.
    """
    axis = _scan_axis(op, x, dim, axis)
    if x.ndim == 0:
        values, indices = _running_extreme(op, x.reshape(1), 0, None)
        return values_indices[op](values.reshape(()), indices.reshape(()))
    data = x.data
    xp = x._xp
    running = _accumulate("maximum" if op == "cummax" else "minimum", data, axis)
    reached = data >= running if op == "cummax" else data <= running
    if data.dtype.kind == "f":
        reached = reached | xp.isnan(data)
    positions = xp.broadcast_to(_positions(data, axis), data.shape)
    indices = _accumulate("maximum", xp.where(reached, positions, 0), axis).astype(np.int64)
    from .index import take_along_dim

    return values_indices[op](take_along_dim(x, Tensor._wrap(indices, False), axis),
                              Tensor._wrap(indices, False))


def cummax(x: Tensor, dim: int = None, *, axis: int = None):
    """(values, indices) of the running maximum along `dim`; the gradient goes to each max."""
    return _running_extreme("cummax", x, dim, axis)


def cummin(x: Tensor, dim: int = None, *, axis: int = None):
    """(values, indices) of the running minimum along `dim`; the gradient goes to each min."""
    return _running_extreme("cummin", x, dim, axis)

