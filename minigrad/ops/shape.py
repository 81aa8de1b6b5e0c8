"""Ops that move elements around without arithmetic: reshape, transpose, broadcast,
indexing, concatenate, stack, split, and the copy between devices.

Their backward moves the gradient back to where each element came from:
reshape back, transpose with the inverse permutation, sum over broadcast axes,
scatter-add into the indexed positions, slice the concatenated gradient.
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..autograd import Function, sum_to_shape
from ..backend import xp_of
from ..tensor import Tensor


class Reshape(Function):
    """x.reshape(shape);  dx = g.reshape(x.shape)"""

    def forward(self, x, shape):
        self.in_shape = x.shape
        return x.reshape(shape)

    def backward(self, g):
        return g.reshape(self.in_shape)


class Transpose(Function):
    """x.transpose(axes);  dx = g.transpose(inverse of axes)"""

    def forward(self, x, axes):
        self.axes = axes
        return x.transpose(axes)

    def backward(self, g):
        return g.transpose(tuple(np.argsort(self.axes).tolist()))


class BroadcastTo(Function):
    """broadcast_to(x, shape);  dx = g summed over the broadcast axes."""

    def forward(self, x, shape):
        self.in_shape = x.shape
        return xp_of(x).broadcast_to(x, shape)

    def backward(self, g):
        return sum_to_shape(g, self.in_shape)


class GetItem(Function):
    """x[index];  dx = zeros with g added at the indexed positions (repeats add up)."""

    def forward(self, x, index):
        self.in_shape, self.dtype, self.index = x.shape, x.dtype, index
        return x[index]

    def backward(self, g):
        dx = xp_of(g).zeros(self.in_shape, dtype=self.dtype)
        if _is_basic(self.index):
            dx[self.index] = g  # slices and ints select each element at most once
        else:
            backend.scatter_add(dx, self.index, g)
        return dx


class Concatenate(Function):
    """concatenate(xs, axis);  each dx_i = the slice of g that x_i filled."""

    def forward(self, *xs, axis):
        self.axis = axis
        self.bounds = np.cumsum([x.shape[axis] for x in xs])[:-1].tolist()
        return xp_of(*xs).concatenate(xs, axis=axis)

    def backward(self, g):
        return tuple(xp_of(g).split(g, self.bounds, axis=self.axis))


class Stack(Function):
    """stack(xs, axis);  each dx_i = g taken at position i along the new axis."""

    def forward(self, *xs, axis):
        self.axis = axis
        return xp_of(*xs).stack(xs, axis=axis)

    def backward(self, g):
        return tuple(xp_of(g).moveaxis(g, self.axis, 0))


class ToDevice(Function):
    """Copy to another device;  dx = g copied back to x's device."""

    def forward(self, x, device):
        self.source = backend.device_of(x)
        return backend.to_device(x, device)

    def backward(self, g):
        return backend.to_device(g, self.source)


def _is_basic(index) -> bool:
    """True for basic indexing (ints, slices, None, Ellipsis), which never repeats an element."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, np.integer, slice)) or p is None or p is Ellipsis for p in parts)


# ---- the functions the Tensor methods and `minigrad.*` call ----------------------------------


def reshape(x: Tensor, *shape) -> Tensor:
    """Same elements, new shape (one dimension may be -1)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    shape = tuple(int(n) for n in shape)
    if shape.count(-1) == 1:
        known = math.prod(n for n in shape if n != -1)
        if known and x.size % known == 0:
            shape = tuple(x.size // known if n == -1 else n for n in shape)
    if math.prod(shape) != x.size or any(n < 0 for n in shape):
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) into {shape}")
    if shape == x.shape:
        return x
    return Reshape.apply(x, shape=shape)


def flatten(x: Tensor, start_axis: int = 0, end_axis: int = -1) -> Tensor:
    """Merge axes start_axis..end_axis into one."""
    if x.ndim == 0:
        return reshape(x, 1)
    start, end = start_axis % x.ndim, end_axis % x.ndim
    return reshape(x, *x.shape[:start], -1, *x.shape[end + 1 :])


def transpose(x: Tensor, *axes) -> Tensor:
    """Permute the axes (reverse them when none are given), as NumPy's transpose."""
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    if not axes:
        axes = tuple(range(x.ndim - 1, -1, -1))
    if any(not -x.ndim <= a < x.ndim for a in axes) or sorted(a % x.ndim for a in axes) != list(range(x.ndim)):
        raise ValueError(f"transpose: axes {axes} are not a permutation of the {x.ndim} axes of shape {x.shape}")
    return Transpose.apply(x, axes=tuple(a % x.ndim for a in axes))


def swapaxes(x: Tensor, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes (PyTorch's two-argument transpose)."""
    axes = list(range(x.ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(x, *axes)


def broadcast_to(x: Tensor, *shape) -> Tensor:
    """View x at a larger shape by repeating size-1 axes (-1 keeps an axis)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    lead = len(shape) - x.ndim
    shape = tuple(x.shape[i - lead] if n == -1 else n for i, n in enumerate(shape))
    if shape == x.shape:
        return x
    if lead < 0 or any(n != m and n != 1 for n, m in zip(x.shape, shape[lead:])):
        raise ValueError(f"broadcast_to: cannot broadcast a tensor of shape {x.shape} to {shape}")
    return BroadcastTo.apply(x, shape=shape)


def squeeze(x: Tensor, axis=None) -> Tensor:
    """Remove size-1 axes (all of them, or the given ones)."""
    if axis is None:
        return reshape(x, *[n for n in x.shape if n != 1])
    axes = {a % x.ndim for a in ((axis,) if isinstance(axis, int) else axis)}
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(f"squeeze: axis {a} has size {x.shape[a]}, not 1 (shape {x.shape})")
    return reshape(x, *[n for i, n in enumerate(x.shape) if i not in axes])


def unsqueeze(x: Tensor, axis: int) -> Tensor:
    """Insert a size-1 axis at `axis`."""
    if not -x.ndim - 1 <= axis <= x.ndim:
        raise ValueError(f"unsqueeze: axis {axis} is out of range for a tensor with {x.ndim} dimensions")
    axis = axis % (x.ndim + 1)
    return reshape(x, *x.shape[:axis], 1, *x.shape[axis:])


def _index_arrays(index, x: Tensor):
    """Indexing with tensors: use their arrays; check integer ranges ourselves for a clear error."""
    parts = index if isinstance(index, tuple) else (index,)
    converted = []
    for p in parts:
        if isinstance(p, Tensor):
            p = p.data
        elif isinstance(p, list):
            p = np.asarray(p)
            if x.device != "cpu":
                p = backend.to_device(p, x.device)
        if hasattr(p, "dtype") and p.dtype.kind == "f":
            raise IndexError(f"getitem: index arrays must be integer or bool, got {p.dtype}")
        converted.append(p)
    return tuple(converted) if isinstance(index, tuple) else converted[0]


def getitem(x: Tensor, index) -> Tensor:
    """x[index]: basic (ints, slices, None, ...) and advanced (integer / bool arrays) indexing."""
    index = _index_arrays(index, x)
    try:
        return GetItem.apply(x, index=index)
    except IndexError as err:
        raise IndexError(f"getitem: index out of range for a tensor of shape {x.shape}: {err}") from err


def concatenate(tensors, axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("concatenate: need at least one tensor")
    first = tensors[0]
    for t in tensors[1:]:
        if t.ndim != first.ndim or any(a != b for i, (a, b) in enumerate(zip(t.shape, first.shape)) if i != axis % first.ndim):
            raise ValueError(
                f"concatenate: shapes {[tuple(t.shape) for t in tensors]} must match except along axis {axis}"
            )
    return Concatenate.apply(*tensors, axis=axis % first.ndim)


def stack(tensors, axis: int = 0) -> Tensor:
    """Join same-shaped tensors along a new axis."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: need at least one tensor")
    if len({tuple(t.shape) for t in tensors}) != 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {[tuple(t.shape) for t in tensors]}")
    return Stack.apply(*tensors, axis=axis % (tensors[0].ndim + 1))


def split(x: Tensor, sections, axis: int = 0) -> list:
    """Split along `axis` into pieces of size `sections` (an int; the last may be smaller)
    or of the sizes listed in `sections` (PyTorch's split)."""
    axis = axis % x.ndim
    length = x.shape[axis]
    sizes = [sections] * (length // sections) + ([length % sections] if length % sections else []) if isinstance(sections, int) else list(sections)
    if sum(sizes) != length:
        raise ValueError(f"split: sizes {sizes} do not add up to {length}, the length of axis {axis} of shape {x.shape}")
    pieces, start = [], 0
    for size in sizes:
        index = (slice(None),) * axis + (slice(start, start + size),)
        pieces.append(getitem(x, index))
        start += size
    return pieces


def to_device(x: Tensor, device: str) -> Tensor:
    """A copy of x on `device` ('cpu' or 'cuda'); the gradient is copied back."""
    return ToDevice.apply(x, device=device)
