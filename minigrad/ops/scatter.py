"""Writing src into x at positions given by an index along one dim: scatter and scatter_reduce.
(scatter_add, and gather which reads the same way, are in index.py.)

Along dim d, src[..., j, ...] goes to x[..., index[..., j, ...], ...]: for a 2-D x and d = 0,
out[index[i][j]][j] = src[i][j]. scatter writes (the last write wins where an index repeats);
scatter_reduce combines everything that lands on one position (with x's own value unless
include_self=False) by sum, prod, mean, amax or amin. Let R_j be the positions of src that
land on x_j, and out_j the result there. The gradients, as PyTorch defines them:

    scatter        dx_j = 0 if R_j is not empty, else g_j;     dsrc_i = g at i's target
    sum            dx_j = g_j (0 if R_j and not include_self); dsrc_i = g_j
    mean           out_j = (x_j + sum_R src) / N_j:   dx_j = g_j / N_j,   dsrc_i = g_j / N_j
    prod           out_j = x_j * prod_R src:   d/dv of a product = the product of the other factors
    amax, amin     g_j is shared evenly by every element (x_j included) equal to out_j

Positions no index reaches keep x_j and get dx_j = g_j.
"""

from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Function, xp_of
from ..tensor import Tensor
from ._args import check_axis
from .index import Gather, _along, _check_index_range, _integer_index, _pad_to

REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


class Scatter(Function):
    """x with src (an array, or one number) written at index along axis (torch.scatter);
    dx = g with zeros where something was written,  dsrc = gather(g, axis, index)"""

    def forward(self, x, index, src, axis):
        self.index, self.axis = index, axis
        return _write(x, index, src, axis)

    def backward(self, g):
        need_x, _, need_src = self.needs_input_grad
        dx = dsrc = None
        if need_x:
            dx = Scatter.apply(g, self.index, 0, axis=self.axis) if isinstance(g, Tensor) else \
                _write(g, self.index, 0, self.axis)
        if need_src:
            dsrc = _grown(_gather(g, self.index, self.axis), self.inputs[2].shape)
        return dx, None, dsrc


class ScatterReduce(Function):
    """out_j = reduce(x_j if include_self, src_i for every i whose index points at j) along axis
    (torch.scatter_reduce with reduce in sum, prod, mean, amax, amin);
    dx_j = g_j d out_j / d x_j,  dsrc_i = g_j d out_j / d src_i at i's target j (sum: 1; mean: 1 / N_j;
    prod: the product of the other factors; amax/amin: 1 / the number of tied winners, 0 for the others)"""

    def forward(self, x, index, src, axis, reduce, include_self):
        self.x, self.index, self.src = x, index, src
        self.axis, self.reduce, self.include_self = axis, reduce, include_self
        self.out = _scatter_reduce(x, index, src, axis, reduce, include_self)
        return self.out

    def backward(self, g):
        xp = xp_of(g)
        x, index, axis, src = self.x, self.index, self.axis, _crop(self.src, self.index)
        dx, dsrc = _REDUCE_GRADS[self.reduce](self, g, xp, x, index, src, axis)
        if not self.include_self:  # x's value was replaced wherever something landed
            dx = xp.where(_hit(x, index, axis), 0.0, dx)
        need_x, _, need_src = self.needs_input_grad
        return (dx if need_x else None), None, (_grown(dsrc, self.inputs[2].shape) if need_src else None)


def _sum_grads(node, g, xp, x, index, src, axis):
    return g, _gather(g, index, axis)


def _mean_grads(node, g, xp, x, index, src, axis):
    share = g / _count(x, index, axis, node.include_self)
    return share, _gather(share, index, axis)


def _prod_grads(node, g, xp, x, index, src, axis):
    # d out_j / d x_j = prod_R src: the product taken with x_j replaced by 1 (exact when x_j = 0).
    x_ones = xp.where(x == 0, 1.0, x)
    dx = g * _reduce(x_ones, index, src, axis, "prod", node.include_self) / x_ones
    # d out_j / d src_i = out_j / src_i when src_i != 0; for the only zero of its group, the product
    # with that zero replaced by 1; 0 when the group has other zeros.
    zero = src == 0
    zeros_in_group = _gather(_reduce(xp.zeros_like(x), index, zero.astype(x.dtype), axis, "sum", True), index, axis)
    lone_zero = zero & (zeros_in_group == 1)
    others = _reduce(x, index, xp.where(lone_zero, 1.0, src), axis, "prod", node.include_self)
    dsrc = xp.where(lone_zero, _gather(g * others, index, axis),
                    _gather(g * node.out, index, axis) / xp.where(zero, 1.0, src))
    return dx, dsrc


def _extreme_grads(node, g, xp, x, index, src, axis):
    out = node.out
    x_wins = (x == out).astype(x.dtype)
    if not node.include_self:
        x_wins = xp.where(_hit(x, index, axis), 0.0, x_wins)
    src_wins = (src == _gather(out, index, axis)).astype(x.dtype)
    winners = _reduce(x_wins, index, src_wins, axis, "sum", True)  # how many share g_j
    share = g / winners
    return x_wins * share, src_wins * _gather(share, index, axis)


_REDUCE_GRADS = {"sum": _sum_grads, "mean": _mean_grads, "prod": _prod_grads,
                 "amax": _extreme_grads, "amin": _extreme_grads}


# ---- arrays and Tensors alike: the helpers the gradients are written with -----------------------


def _write(x, index, src, axis: int):
    """The array behind Scatter: a copy of x with src written at index along axis."""
    out = x.copy()
    out[_along(index, axis)] = _crop(src, index)
    return out


def _crop(src, index):
    """The part of src that index covers (src may be larger on any dim); a number stays itself."""
    if not hasattr(src, "shape") or tuple(src.shape) == tuple(index.shape):
        return src
    return src[tuple(slice(0, n) for n in index.shape)]


def _grown(values, shape: tuple):
    """values placed at the start of zeros of `shape` (the gradient of _crop)."""
    return values if tuple(values.shape) == tuple(shape) else _pad_to(values, shape)


def _gather(values, index, axis: int):
    """values picked at index along axis (torch.gather), recorded for Tensors."""
    if isinstance(values, Tensor):
        return Gather.apply(values, index, axis=axis)
    return values[_along(index, axis)]


def _reduce(x, index, src, axis: int, reduce: str, include_self: bool):
    """scatter_reduce, recorded for Tensors."""
    if isinstance(x, Tensor) or isinstance(src, Tensor):
        return ScatterReduce.apply(x, index, src, axis=axis, reduce=reduce, include_self=include_self)
    return _scatter_reduce(x, index, src, axis, reduce, include_self)


def _hit(x, index, axis: int):
    """A constant bool mask of x's shape: True where index sends something."""
    data = x.data if isinstance(x, Tensor) else x
    hit = xp_of(data).zeros(data.shape, dtype=bool)
    hit[_along(index, axis)] = True
    return Tensor._wrap(hit, False) if isinstance(x, Tensor) else hit


def _count(x, index, axis: int, include_self: bool):
    """N_j, the number of values averaged at each position (1 where nothing lands), a constant."""
    data = x.data if isinstance(x, Tensor) else x
    xp = xp_of(data)
    count = xp.full(data.shape, 1 if include_self else 0, dtype=data.dtype)
    backend.scatter_add(count, _along(index, axis), xp.ones(index.shape, dtype=data.dtype))
    count[count == 0] = 1
    return Tensor._wrap(count, False) if isinstance(x, Tensor) else count


_UFUNCS = {"sum": "add", "mean": "add", "prod": "multiply", "amax": "maximum", "amin": "minimum"}


def _scatter_reduce(x, index, src, axis: int, reduce: str, include_self: bool):
    """The array behind ScatterReduce."""
    xp = xp_of(x)
    where_, src = _along(index, axis), _crop(src, index)
    out = x.copy()
    if not include_self:  # start each reached position from the reduction's identity
        out[where_] = _identity(reduce, x.dtype)
    _ufunc_at(_UFUNCS[reduce], out, where_, src)
    if reduce == "mean":
        count = _count(x, index, axis, include_self)
        out = out // count if x.dtype.kind in "iu" else out / count
    return out


def _identity(reduce: str, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind in "iu":
        return np.iinfo(dtype).min if reduce == "amax" else np.iinfo(dtype).max
    return -np.inf if reduce == "amax" else np.inf


def _ufunc_at(name: str, target, where_, values) -> None:
    """target[where_] = name(target[where_], values), combining repeated positions (ufunc.at)."""
    if isinstance(target, np.ndarray):
        getattr(np, name).at(target, where_, values)
        return
    import cupyx

    if name == "add":
        cupyx.scatter_add(target, where_, values)
    elif name in ("maximum", "minimum"):
        getattr(cupyx, "scatter_max" if name == "maximum" else "scatter_min")(target, where_, values)
    else:  # CuPy has no multiply.at: combine on the host, then copy back
        host = backend.to_device(target, "cpu")
        np.multiply.at(host, tuple(backend.to_device(w, "cpu") if hasattr(w, "shape") else w for w in where_),
                       backend.to_device(values, "cpu"))
        target[...] = backend.to_device(host, backend.device_of(target))


# ---- the functions the Tensor methods and `minigrad.*` call ----------------------------------


def _check(op: str, x: Tensor, dim: int, index, src) -> tuple:
    axis = check_axis(op, dim, x.ndim, x.shape)
    data = _integer_index(op, index, x)
    if data.ndim != x.ndim:
        raise ValueError(f"{op}: index must have as many dims as the input ({x.ndim}), got shape {tuple(data.shape)}")
    if any(n > m for i, (n, m) in enumerate(zip(data.shape, x.shape)) if i != axis):
        raise ValueError(f"{op}: index of shape {tuple(data.shape)} must be no larger than the input "
                         f"{tuple(x.shape)} except along dim {dim}")
    if isinstance(src, Tensor):
        if src.ndim != x.ndim or any(n > m for n, m in zip(data.shape, src.shape)):
            raise ValueError(f"{op}: src of shape {tuple(src.shape)} must have the input's dims ({x.ndim}) and be "
                             f"at least as large as the index {tuple(data.shape)}")
        if src.dtype != x.dtype:
            raise TypeError(f"{op}: src is {src.dtype} but the input is {x.dtype}")
        if src.device != x.device:
            raise RuntimeError(f"{op}: src is on {src.device} but the input is on {x.device}")
    _check_index_range(op, data, x.shape[axis] if x.ndim else 1, dim)
    return axis, data


def scatter(x: Tensor, dim: int, index, src=None, *, value=None, reduce: str | None = None) -> Tensor:
    """x with src[..., j, ...] (or one value) written at x[..., index[..., j, ...], ...] along dim.

    Where index repeats a position, the last write wins (PyTorch leaves the choice undefined).
    reduce="add" or "multiply" (PyTorch's older spelling) combines instead: see scatter_reduce.
    """
    if src is None and value is None:
        raise TypeError("scatter: give src (a tensor) or value (a number)")
    if src is not None and value is not None:
        raise TypeError("scatter: give src or value, not both")
    src = value if src is None else src
    if isinstance(src, Tensor) and src.ndim == 0:
        src = src.item()
    if reduce is not None:
        modes = {"add": "sum", "multiply": "prod"}
        if reduce not in modes:
            raise ValueError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}")
        if not isinstance(src, Tensor):
            src = Tensor(x._xp.full(_integer_index("scatter", index, x).shape, src, dtype=x.dtype))
        return scatter_reduce(x, dim, index, src, modes[reduce])
    if not isinstance(src, (Tensor, int, float, bool, np.generic)):
        src = Tensor(src, dtype=x.dtype, device=x.device)
    axis, data = _check("scatter", x, dim, index, src)
    return Scatter.apply(x, data, src, axis=axis)


def scatter_reduce(x: Tensor, dim: int, index, src: Tensor, reduce: str, *, include_self: bool = True) -> Tensor:
    """x with every src[..., j, ...] combined into x[..., index[..., j, ...], ...] along dim by
    reduce: "sum", "prod", "mean", "amax" or "amin". include_self=False leaves x's own value out
    wherever something lands (positions nothing reaches keep x's value either way)."""
    if reduce not in REDUCTIONS:
        raise ValueError(f"scatter_reduce: reduce must be one of {REDUCTIONS}, got {reduce!r}")
    if not isinstance(src, Tensor):
        src = Tensor(src, dtype=x.dtype, device=x.device)
    axis, data = _check("scatter_reduce", x, dim, index, src)
    return ScatterReduce.apply(x, data, src, axis=axis, reduce=reduce, include_self=bool(include_self))
