"""Indexing: x[index], x[index] = v, gather/take_along_dim and scatter_add.

Reading and writing by index are each other's backward:

    y = x[i]               dx = zeros with g added at i   (IndexAdd; repeats add up)
    y = IndexAdd(g, i)     dg = y's gradient read at i    (GetItem)
    y = gather(x, d, i)    dx = scatter_add(zeros, d, i, g)
    y = scatter_add(x, d, i, src)   dx = g,  dsrc = gather(g, d, i)

so gradients of any order stay within these four ops.

Indices follow PyTorch where it differs from NumPy: in `x[1, :, idx]` the integer
selects first (basic indexing), so the result keeps idx's axis where it is
(NumPy would move it to the front because the int counts as an advanced index).
"""

from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Function, mark_modified, is_grad_enabled
from ..tensor import Tensor
from ._args import check_axis


class GetItem(Function):
    """x[index];  dx = zeros with g added at the indexed positions (repeats add up)."""

    def forward(self, x, index):
        self.in_shape, self.index = x.shape, index
        return x[index]

    def backward(self, g):
        if isinstance(g, Tensor):
            return IndexAdd.apply(g, shape=self.in_shape, index=self.index)
        return _index_add(g, self.in_shape, self.index)


class IndexAdd(Function):
    """zeros(shape) with g added at index: the backward of x[index];  dg = (its gradient)[index]."""

    def forward(self, g, shape, index):
        self.index = index
        return _index_add(g, shape, index)

    def backward(self, gg):
        return gg[self.index]


def _index_add(g, shape: tuple, index):
    dx = backend.xp_of(g).zeros(shape, dtype=g.dtype)
    if _is_basic(index):
        dx[index] = g  # slices and ints select each element at most once
    else:
        backend.scatter_add(dx, index, g)
    return dx


class SetItem(Function):
    """x with x[index] = v (a new array; Tensor.__setitem__ makes it x's new value);
    dx = g with zeros at index,  dv = g[index] (summed back over broadcasting).

    The index is a tuple of steps applied one after the other (see _torch_steps).
    """

    def forward(self, x, v, steps):
        self.steps = steps
        out = x.copy()
        _select(out, steps[:-1])[steps[-1]] = v
        return out

    def backward(self, g):
        need_x, need_v = self.needs_input_grad
        dx = dv = None
        if need_x:
            if isinstance(g, Tensor):
                dx = SetItem.apply(g, 0.0, steps=self.steps)
            else:
                dx = g.copy()
                _select(dx, self.steps[:-1])[self.steps[-1]] = 0
        if need_v:
            dv = _select(g, self.steps)
        return dx, dv


def _select(x, steps):
    """x indexed by each step in turn (a view for basic steps)."""
    for step in steps:
        x = x[step]
    return x


class Gather(Function):
    """out[..., j, ...] = x[..., index[..., j, ...], ...] along `axis` (torch.gather);
    dx = scatter_add(zeros, axis, index, g)."""

    def forward(self, x, index, axis):
        self.shape, self.index, self.axis = x.shape, index, axis
        return x[_along(index, axis)]

    def backward(self, g):
        if isinstance(g, Tensor):
            zeros = Tensor._wrap(g._xp.zeros(self.shape, dtype=g.dtype), False)
            return ScatterAdd.apply(zeros, self.index, g, axis=self.axis), None
        dx = backend.xp_of(g).zeros(self.shape, dtype=g.dtype)
        backend.scatter_add(dx, _along(self.index, self.axis), g)
        return dx, None


class ScatterAdd(Function):
    """x with src[..., j, ...] added at x[..., index[..., j, ...], ...] along `axis` (torch.scatter_add);
    dx = g,  dsrc = gather(g, axis, index)."""

    def forward(self, x, index, src, axis):
        self.index, self.axis = index, axis
        out = x.copy()
        backend.scatter_add(out, _along(index, axis), src[tuple(slice(0, n) for n in index.shape)])
        return out

    def backward(self, g):
        need_x, _, need_src = self.needs_input_grad
        dsrc = None
        if need_src:
            picked = g[_along(self.index, self.axis)]
            src_shape = self.inputs[2].shape
            if tuple(picked.shape) != tuple(src_shape):  # src may be larger than index: zeros beyond it
                picked = _pad_to(picked, src_shape)
            dsrc = picked
        return (g if need_x else None), None, dsrc


def _pad_to(values, shape: tuple):
    """values placed at the start of zeros of `shape` (array or Tensor)."""
    region = tuple(slice(0, n) for n in values.shape)
    if isinstance(values, Tensor):
        return IndexAdd.apply(values, shape=tuple(shape), index=region)
    out = backend.xp_of(values).zeros(shape, dtype=values.dtype)
    out[region] = values
    return out


def _along(index, axis: int) -> tuple:
    """The advanced index that picks index[...] along `axis` and the position itself on every other axis."""
    xp = backend.xp_of(index)
    grids = list(xp.ogrid[tuple(slice(0, n) for n in index.shape)]) if index.ndim else []
    grids[axis] = index
    return tuple(grids)


# ---- turning user indices into array indices ------------------------------------------------


def _is_basic(index) -> bool:
    """True for basic indexing (ints, slices, None, Ellipsis), which never repeats an element."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, np.integer, slice)) or p is None or p is Ellipsis for p in parts)


def _index_arrays(index, x: Tensor):
    """Tensors and lists in an index become arrays on x's device; float indices are refused."""
    parts = index if isinstance(index, tuple) else (index,)
    converted = []
    for p in parts:
        if isinstance(p, Tensor):
            p = p.data
            if p.ndim == 0 and p.dtype.kind in "iu":
                p = int(p)  # a 0-d integer tensor indexes like an int (a basic index)
        elif isinstance(p, (list, range)):
            p = np.asarray(p)
            if p.dtype.kind == "f" and p.size == 0:
                p = p.astype(np.int64)
        if isinstance(p, np.ndarray) and x.device != "cpu":
            p = backend.to_device(p, x.device)
        if hasattr(p, "dtype") and p.dtype.kind not in "biu":
            raise IndexError(f"getitem: tensors used as indices must be integer or bool, got {p.dtype}")
        if isinstance(p, bool) or isinstance(p, np.bool_):
            raise IndexError("getitem: a Python bool is not an index (use a bool tensor as a mask)")
        converted.append(p)
    return tuple(converted) if isinstance(index, tuple) else converted[0]


def _torch_steps(index) -> list:
    """The index as PyTorch applies it: integers first (basic indexing), then the arrays.

    Returns one index, or two (applied one after the other) when ints and arrays are mixed.
    """
    if not isinstance(index, tuple):
        return [index]
    has_int = any(isinstance(p, (int, np.integer)) for p in index)
    has_array = any(hasattr(p, "ndim") and not isinstance(p, np.generic) for p in index)
    if not (has_int and has_array):
        return [index]
    first, second = [], []
    for p in index:
        if isinstance(p, (int, np.integer)):
            first.append(p)
        elif p is None:
            first.append(None)
            second.append(slice(None))
        elif p is Ellipsis:
            first.append(Ellipsis)
            second.append(Ellipsis)
        elif isinstance(p, slice):
            first.append(p)
            second.append(slice(None))
        else:  # an array: a bool mask covers as many axes as it has
            first.extend([slice(None)] * (p.ndim if p.dtype.kind == "b" else 1))
            second.append(p)
    return [tuple(first), tuple(second)]


def _check_bounds(x: Tensor, steps: list, op: str) -> None:
    """On the GPU, CuPy wraps out-of-range integer indices around silently: refuse them instead."""
    if x.device == "cpu":
        return
    for step in steps:
        parts = step if isinstance(step, tuple) else (step,)
        for axis, p in enumerate(parts):
            if hasattr(p, "dtype") and p.dtype.kind in "iu" and p.size:
                n = x.shape[axis] if axis < x.ndim else 0
                if bool(((p < -n) | (p >= n)).any()):
                    raise IndexError(f"{op}: index out of range for dimension {axis} of size {n} "
                                     f"(tensor of shape {tuple(x.shape)})")


def getitem(x: Tensor, index) -> Tensor:
    """x[index]: basic (ints, slices, None, ...) and advanced (integer / bool arrays) indexing."""
    steps = _torch_steps(_index_arrays(index, x))
    _check_bounds(x, steps[:1], "getitem")
    try:
        out = x
        for step in steps:
            out = GetItem.apply(out, index=step)
        return out
    except IndexError as err:
        raise IndexError(f"getitem: index out of range for a tensor of shape {tuple(x.shape)}: {err}") from err


def setitem(x: Tensor, index, value) -> None:
    """x[index] = value, as PyTorch does it.

    Where no gradient flows (x and value need none, or under no_grad) the array is changed
    in place and x's version goes up. Otherwise the assignment is recorded as an op and
    becomes x's new value (a leaf that requires grad refuses, as in PyTorch).
    """
    steps = tuple(_torch_steps(_index_arrays(index, x)))
    _check_bounds(x, steps[:1], "setitem")
    if isinstance(value, Tensor) and value.device != x.device:
        raise RuntimeError(f"setitem: the value is on {value.device} but the tensor is on {x.device}")
    recording = is_grad_enabled() and (x.requires_grad or (isinstance(value, Tensor) and value.requires_grad))
    if not recording:
        data = value.data if isinstance(value, Tensor) else value
        try:
            _select(x.data, steps[:-1])[steps[-1]] = data
        except (ValueError, IndexError) as err:
            raise type(err)(f"setitem: cannot assign a value of shape {tuple(np.shape(data))} at this index of a "
                            f"tensor of shape {tuple(x.shape)}: {err}") from err
        mark_modified(x)
        return
    if x._node is None and x.requires_grad:
        raise RuntimeError(
            f"setitem: a leaf tensor that requires grad cannot be changed in place while the graph is recorded "
            f"(shape {tuple(x.shape)}): do it under `with mg.no_grad():`, or on a copy (x.clone())"
        )
    if not isinstance(value, Tensor):
        value = Tensor(value, dtype=x.dtype, device=x.device)
    elif value.dtype != x.dtype:
        value = value.astype(x.dtype)
    x._record_inplace(SetItem.apply(x, value, steps=steps))


def take_along_dim(x: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """Values of x at `indices` along `dim` (indices broadcast against x on the other axes);
    with dim=None, along the flattened x."""
    if dim is None:
        return gather(x.reshape(-1), 0, indices.reshape(-1))
    axis = check_axis("take_along_dim", dim, x.ndim, x.shape)
    data = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    if data.ndim != x.ndim:
        raise ValueError(f"take_along_dim: indices must have as many dims as the input ({x.ndim}), "
                         f"got shape {tuple(data.shape)}")
    shape = list(np.broadcast_shapes(tuple(s if i != axis else 1 for i, s in enumerate(x.shape)),
                                     tuple(s if i != axis else 1 for i, s in enumerate(data.shape))))
    shape[axis] = data.shape[axis]
    data = x._xp.broadcast_to(data, tuple(shape))
    target = list(shape)
    target[axis] = x.shape[axis]
    source = x if tuple(target) == tuple(x.shape) else x.broadcast_to(tuple(target))
    return Gather.apply(source, data, axis=axis)


def gather(x: Tensor, dim: int, index) -> Tensor:
    """out[i][j] = x[index[i][j]][j] for dim=0 (and likewise for any dim), as torch.gather.

    index has x's number of dims and is no larger than x on the other dims.
    """
    axis = check_axis("gather", dim, x.ndim, x.shape)
    data = _integer_index("gather", index, x)
    if data.ndim != max(x.ndim, 1) or any(n > m for i, (n, m) in enumerate(zip(data.shape, x.shape)) if i != axis):
        raise ValueError(f"gather: index of shape {tuple(data.shape)} must have the input's dims and be no larger "
                         f"than the input (shape {tuple(x.shape)}) except along dim {dim}")
    _check_index_range("gather", data, x.shape[axis] if x.ndim else 1, dim)
    return Gather.apply(x, data, axis=axis)


def scatter_add(x: Tensor, dim: int, index, src: Tensor) -> Tensor:
    """x with src added at index along dim (repeats add up), as torch.scatter_add."""
    axis = check_axis("scatter_add", dim, x.ndim, x.shape)
    data = _integer_index("scatter_add", index, x)
    if not isinstance(src, Tensor):
        src = Tensor(src, dtype=x.dtype, device=x.device)
    if data.ndim != x.ndim or src.ndim != x.ndim or any(n > m for n, m in zip(data.shape, src.shape)):
        raise ValueError(f"scatter_add: index {tuple(data.shape)} and src {tuple(src.shape)} must have the input's "
                         f"dims ({x.ndim}), with index no larger than src")
    _check_index_range("scatter_add", data, x.shape[axis], dim)
    return ScatterAdd.apply(x, data, src, axis=axis)


def _integer_index(op: str, index, like: Tensor):
    data = index.data if isinstance(index, Tensor) else np.asarray(index)
    if data.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must be an integer tensor (int64), got {data.dtype}")
    if backend.device_of(data) != like.device:
        raise RuntimeError(f"{op}: index is on {backend.device_of(data)} but the input is on {like.device}")
    return data


def _check_index_range(op: str, data, size: int, dim) -> None:
    if data.size and bool(((data < 0) | (data >= size)).any()):
        bad = data[(data < 0) | (data >= size)].reshape(-1)[0]
        raise IndexError(f"{op}: index {int(bad)} is out of range for dimension {dim} of size {size}")


# ---- selecting along one dim, by mask, and the in-place-style writes -----------------------------
#
# These are built from the ops above: index_select and masked_select read with GetItem;
# index_add adds with IndexAdd; index_copy, index_fill and masked_scatter write with SetItem
# (out of place: they return a new tensor, as PyTorch's functions of the same names do).


def _along_dim(op: str, x: Tensor, dim: int, index) -> tuple:
    """(axis, the getitem index selecting `index` along dim): index is a 0-d or 1-D integer tensor."""
    axis = check_axis(op, dim, x.ndim, x.shape)
    data = _integer_index(op, index, x)
    if data.ndim > 1:
        raise ValueError(f"{op}: index must be 0-d or 1-D, got shape {tuple(data.shape)}")
    _check_index_range(op, data.reshape(-1), x.shape[axis] if x.ndim else 1, dim)
    return axis, (slice(None),) * axis + (data.reshape(-1),)


def index_select(x: Tensor, dim: int, index) -> Tensor:
    """The entries of x at positions `index` (a 1-D integer tensor) along dim, in that order."""
    axis, where_ = _along_dim("index_select", x, dim, index)
    if x.ndim == 0:
        return getitem(x.reshape(1), where_).reshape(())
    return getitem(x, where_)


def masked_select(x: Tensor, mask) -> Tensor:
    """The elements of x where mask is True, as a 1-D tensor (x and mask broadcast together)."""
    mask = mask if isinstance(mask, Tensor) else Tensor(mask, device=x.device)
    if mask.dtype != np.bool_:
        raise TypeError(f"masked_select: the mask must be a bool tensor, got {mask.dtype}")
    try:
        shape = np.broadcast_shapes(tuple(x.shape), tuple(mask.shape))
    except ValueError:
        raise ValueError(f"masked_select: the mask of shape {tuple(mask.shape)} does not broadcast with the input "
                         f"of shape {tuple(x.shape)}") from None
    if tuple(x.shape) != shape:
        x = x.broadcast_to(shape)
    return getitem(x, x._xp.broadcast_to(mask.data, shape))


def nonzero(x: Tensor, *, as_tuple: bool = False):
    """The indices of the nonzero elements: an int64 tensor [count, ndim], one row per element
    in row-major order; with as_tuple=True, one 1-D tensor per dim (what x[...] takes)."""
    data = x.data.reshape(1) if x.ndim == 0 else x.data  # a 0-d tensor counts as one element
    found = x._xp.nonzero(data)
    if as_tuple:
        return tuple(Tensor._wrap(i.astype(np.int64, copy=False), False) for i in found)
    if x.ndim == 0:
        return Tensor._wrap(x._xp.zeros((found[0].size, 0), dtype=np.int64), False)
    return Tensor._wrap(x._xp.stack(found, axis=1).astype(np.int64, copy=False), False)


def argwhere(x: Tensor) -> Tensor:
    """torch.argwhere: the same as nonzero(x), an int64 tensor [count, ndim]."""
    return nonzero(x)


def where(condition, input=None, other=None):
    """where(condition, input, other): input where condition is True, else other (elementwise,
    broadcasting; see elementwise.where). where(condition) alone is nonzero(condition, as_tuple=True)."""
    from .elementwise import where as select

    if input is None and other is None:
        condition = condition if isinstance(condition, Tensor) else Tensor(condition)
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where: give both input and other, or neither (where(condition) lists the indices)")
    return select(condition, input, other)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """F.one_hot: int64 [..., num_classes] with a 1 at each index of `tensor` (int64);
    num_classes=-1 takes the largest index + 1."""
    if not isinstance(tensor, Tensor) or tensor.dtype != np.int64:
        raise TypeError(f"one_hot: expected an int64 tensor of class indices, got "
                        f"{tensor.dtype if isinstance(tensor, Tensor) else type(tensor).__name__}")
    data = tensor.data
    if num_classes == -1:
        if data.size == 0:
            raise ValueError("one_hot: cannot infer the number of classes from an empty tensor; give num_classes")
        num_classes = int(data.max()) + 1
    _check_index_range("one_hot", data, int(num_classes), "of the classes")
    xp = tensor._xp
    return Tensor._wrap((data[..., None] == xp.arange(num_classes)).astype(np.int64), False)


def index_add(x: Tensor, dim: int, index, source: Tensor, *, alpha=1) -> Tensor:
    """x with alpha * source[..., i, ...] added at x[..., index[i], ...] along dim (repeats add up)."""
    axis, where_ = _along_dim("index_add", x, dim, index)
    source = _source("index_add", x, axis, where_, source)
    if alpha != 1:
        source = source * alpha
    return x + IndexAdd.apply(source, shape=tuple(x.shape), index=where_)


def index_copy(x: Tensor, dim: int, index, source: Tensor) -> Tensor:
    """x with x[..., index[i], ...] = source[..., i, ...] along dim."""
    axis, where_ = _along_dim("index_copy", x, dim, index)
    source = _source("index_copy", x, axis, where_, source)
    return SetItem.apply(x, source, steps=(where_,))


def index_fill(x: Tensor, dim: int, index, value) -> Tensor:
    """x with every x[..., index[i], ...] along dim set to value (a number or a 0-d tensor)."""
    _, where_ = _along_dim("index_fill", x, dim, index)
    if isinstance(value, Tensor):
        if value.ndim:
            raise ValueError(f"index_fill: value must be a number or a 0-d tensor, got shape {tuple(value.shape)}")
        value = value.astype(x.dtype)
    return SetItem.apply(x, value, steps=(where_,))


def masked_scatter(x: Tensor, mask, source: Tensor) -> Tensor:
    """x with the positions where mask is True filled, in row-major order, by source's first elements."""
    mask = mask if isinstance(mask, Tensor) else Tensor(mask, device=x.device)
    if mask.dtype != np.bool_:
        raise TypeError(f"masked_scatter: the mask must be a bool tensor, got {mask.dtype}")
    try:
        mask_data = x._xp.broadcast_to(mask.data, x.shape)
    except ValueError:
        raise ValueError(f"masked_scatter: the mask of shape {tuple(mask.shape)} does not broadcast to the input "
                         f"of shape {tuple(x.shape)}") from None
    count = int(mask_data.sum())
    if source.data.size < count:
        raise ValueError(f"masked_scatter: the mask selects {count} elements but source has only {source.data.size}")
    values = source.reshape(-1)[:count].astype(x.dtype)
    return SetItem.apply(x, values, steps=(mask_data,))


def _source(op: str, x: Tensor, axis: int, where_: tuple, source) -> Tensor:
    """source checked to have x's shape with dim `axis` replaced by the index's length."""
    if not isinstance(source, Tensor):
        source = Tensor(source, dtype=x.dtype, device=x.device)
    expected = list(x.shape)
    if x.ndim:
        expected[axis] = len(where_[-1])
    if tuple(source.shape) != tuple(expected) and not (x.ndim == 0 and source.data.size == 1):
        raise ValueError(f"{op}: source must have shape {tuple(expected)} (the input's shape {tuple(x.shape)} with "
                         f"dim {axis} the index's length), got {tuple(source.shape)}")
    if source.dtype != x.dtype:
        raise TypeError(f"{op}: source is {source.dtype} but the input is {x.dtype}")
    return source


def in_place(fn):
    """The in-place method (scatter_, index_fill_, ...) of an out-of-place op `fn`, as PyTorch's:
    where no gradient flows the result is written into x's array (x's version goes up);
    otherwise the op is recorded and becomes x's new value (a leaf that requires grad refuses)."""

    def method(x: Tensor, *args, **kwargs) -> Tensor:
        result = fn(x, *args, **kwargs)
        if not result.requires_grad:
            x.data[...] = result.data
            mark_modified(x)
            return x
        if x._node is None and x.requires_grad:
            raise RuntimeError(
                f"{fn.__name__}_: a leaf tensor that requires grad cannot be changed in place while the graph is "
                f"recorded (shape {tuple(x.shape)}): do it under `with mg.no_grad():`, or use {fn.__name__}()"
            )
        return x._record_inplace(result)

    method.__name__ = f"{fn.__name__}_"
    method.__doc__ = f"In-place {fn.__name__}: x changed and returned (see {fn.__name__})."
    return method
