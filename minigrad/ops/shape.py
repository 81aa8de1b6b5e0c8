"""Ops that move elements around without arithmetic: reshape, permute/transpose, broadcast,
concatenate, stack, split, clone, and the copy between devices. (Indexing is in index.py.)

Their backward moves the gradient back to where each element came from:
reshape back, permute with the inverse permutation, sum over broadcast axes,
slice the concatenated gradient.

`transpose` follows PyTorch: `x.transpose(0, 1)` swaps two axes (NumPy's rule would read
two axes as a whole permutation of a 2-D tensor, an identity for (0, 1)); a single
sequence or any other number of axes is NumPy's full permutation. `permute(*dims)` is
always the full permutation.
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..autograd import Function, sum_to_shape, xp_of
from ..tensor import Tensor
from ._args import check_axis, shape_arg
from .index import getitem


class Reshape(Function):
    """x.reshape(shape);  dx = g.reshape(x.shape)"""

    def forward(self, x, shape):
        self.in_shape = x.shape
        return x.reshape(shape)

    def backward(self, g):
        return g.reshape(self.in_shape)


class Permute(Function):
    """x.transpose(axes), a full permutation;  dx = g permuted by the inverse permutation"""

    def forward(self, x, axes):
        self.axes = axes
        return x.transpose(axes)

    def backward(self, g):
        return g.permute(*np.argsort(self.axes).tolist()) if isinstance(g, Tensor) else \
            g.transpose(tuple(np.argsort(self.axes).tolist()))


class BroadcastTo(Function):
    """broadcast_to(x, shape);  dx = g summed over the broadcast axes."""

    def forward(self, x, shape):
        self.in_shape = x.shape
        return xp_of(x).broadcast_to(x, shape)

    def backward(self, g):
        return sum_to_shape(g, self.in_shape)


class Clone(Function):
    """A copy of x with its own memory;  dx = g"""

    def forward(self, x):
        return x.copy()

    def backward(self, g):
        return g


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
        if isinstance(g, Tensor):
            return to_device(g, self.source)
        return backend.to_device(g, self.source)


# ---- the functions the Tensor methods and `minigrad.*` call ----------------------------------


def reshape(x: Tensor, *shape) -> Tensor:
    """Same elements, new shape (one dimension may be -1)."""
    shape = shape_arg(shape)
    if shape.count(-1) == 1:
        known = math.prod(n for n in shape if n != -1)
        if known and x.data.size % known == 0:
            shape = tuple(x.data.size // known if n == -1 else n for n in shape)
    if math.prod(shape) != x.data.size or any(n < 0 for n in shape):
        raise ValueError(f"reshape: cannot reshape a tensor of shape {tuple(x.shape)} ({x.data.size} elements) "
                         f"into {shape}")
    if shape == x.shape:
        return x
    return Reshape.apply(x, shape=shape)


def view_as(x: Tensor, other: Tensor) -> Tensor:
    """x reshaped to other's shape."""
    return reshape(x, other.shape)


def reshape_as(x: Tensor, other: Tensor) -> Tensor:
    """x reshaped to other's shape."""
    return reshape(x, other.shape)


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1, *, start_axis=None, end_axis=None) -> Tensor:
    """Merge the axes start_dim..end_dim into one (a 0-d tensor becomes 1-D)."""
    start_dim = start_dim if start_axis is None else start_axis
    end_dim = end_dim if end_axis is None else end_axis
    if x.ndim == 0:
        return reshape(x, 1)
    start, end = check_axis("flatten", start_dim, x.ndim, x.shape), check_axis("flatten", end_dim, x.ndim, x.shape)
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} (shape {tuple(x.shape)})")
    return reshape(x, *x.shape[:start], -1, *x.shape[end + 1:])


def unflatten(x: Tensor, dim: int, sizes) -> Tensor:
    """Split axis `dim` into the axes `sizes` (one may be -1)."""
    axis = check_axis("unflatten", dim, x.ndim, x.shape)
    return reshape(x, *x.shape[:axis], *sizes, *x.shape[axis + 1:])


def permute(x: Tensor, *dims) -> Tensor:
    """Reorder the axes: dims is the full permutation (x.permute(2, 0, 1))."""
    dims = shape_arg(dims) if dims else ()
    if len(dims) != x.ndim:
        raise ValueError(f"permute: got {len(dims)} dims {dims} for a tensor with {x.ndim} dims "
                         f"(shape {tuple(x.shape)}); give a full permutation")
    axes = tuple(check_axis("permute", d, x.ndim, x.shape) for d in dims)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"permute: dims {dims} are not a permutation of the {x.ndim} axes of shape {tuple(x.shape)}")
    if axes == tuple(range(x.ndim)):
        return x
    return Permute.apply(x, axes=axes)


def transpose(x: Tensor, *axes) -> Tensor:
    """PyTorch's transpose(dim0, dim1) swaps two axes; NumPy's transpose(axes) with one
    sequence (or no axes: reversed) is a full permutation."""
    if len(axes) == 2 and all(isinstance(a, (int, np.integer)) for a in axes):
        return swapaxes(x, *axes)
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    if not axes:
        axes = tuple(range(x.ndim - 1, -1, -1))
    return permute(x, *axes)


def swapaxes(x: Tensor, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes."""
    a = check_axis("transpose", axis1, x.ndim, x.shape)
    b = check_axis("transpose", axis2, x.ndim, x.shape)
    if x.ndim == 0:
        return x
    axes = list(range(x.ndim))
    axes[a], axes[b] = axes[b], axes[a]
    return permute(x, *axes)


def movedim(x: Tensor, source, destination) -> Tensor:
    """Move axes `source` to positions `destination` (ints or sequences), keeping the others in order."""
    src = [source] if isinstance(source, (int, np.integer)) else list(source)
    dst = [destination] if isinstance(destination, (int, np.integer)) else list(destination)
    if len(src) != len(dst):
        raise ValueError(f"movedim: source {source} and destination {destination} must have the same length")
    src = [check_axis("movedim", a, x.ndim, x.shape) for a in src]
    dst = [check_axis("movedim", a, x.ndim, x.shape) for a in dst]
    order = [a for a in range(x.ndim) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(x, *order)


def broadcast_to(x: Tensor, *shape) -> Tensor:
    """View x at a larger shape by repeating size-1 axes (-1 keeps an axis), as PyTorch's expand."""
    shape = shape_arg(shape)
    lead = len(shape) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: the target shape {shape} has fewer dims than the tensor's {tuple(x.shape)}")
    shape = tuple(x.shape[i - lead] if n == -1 and i >= lead else n for i, n in enumerate(shape))
    if shape == x.shape:
        return x
    if any(n < 0 for n in shape) or any(n != m and n != 1 for n, m in zip(x.shape, shape[lead:])):
        raise ValueError(f"expand: cannot broadcast a tensor of shape {tuple(x.shape)} to {shape}")
    return BroadcastTo.apply(x, shape=shape)


def expand_as(x: Tensor, other: Tensor) -> Tensor:
    """x broadcast to other's shape."""
    return broadcast_to(x, other.shape)


def squeeze(x: Tensor, dim=None, *, axis=None) -> Tensor:
    """Remove size-1 axes: all of them, or the given ones (a given axis of another size stays, as PyTorch)."""
    dim = dim if axis is None else axis
    if dim is None:
        return reshape(x, *[n for n in x.shape if n != 1])
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    axes = {check_axis("squeeze", d, x.ndim, x.shape) for d in dims}
    return reshape(x, *[n for i, n in enumerate(x.shape) if not (i in axes and n == 1)])


def unsqueeze(x: Tensor, dim: int = None, *, axis=None) -> Tensor:
    """Insert a size-1 axis at `dim`."""
    dim = dim if axis is None else axis
    axis_ = check_axis("unsqueeze", dim, x.ndim, x.shape, extra=1)
    return reshape(x, *x.shape[:axis_], 1, *x.shape[axis_:])


def _as_tensors(op: str, tensors) -> list:
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}: expected a sequence of tensors, got a single Tensor (wrap it in a list)")
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: element {i} is a {type(t).__name__}, not a Tensor")
    devices = {t.device for t in tensors}
    if len(devices) > 1:
        raise RuntimeError(f"{op}: expected all tensors on the same device, got {' and '.join(sorted(devices))}")
    return _promote_all(tensors)


def _promote_all(tensors: list) -> list:
    """Mixed dtypes take the common type, as PyTorch's cat does (float wins over int)."""
    dtypes = {t.dtype for t in tensors}
    if len(dtypes) == 1:
        return tensors
    floats = [d for d in dtypes if d.kind == "f"]
    target = np.result_type(*floats) if floats else np.result_type(*dtypes)
    return [t if t.dtype == target else t.astype(target) for t in tensors]


def concatenate(tensors, dim: int = None, *, axis=None) -> Tensor:
    """Join tensors along an existing axis (PyTorch's cat); empty 1-D tensors are skipped, as there."""
    dim = 0 if dim is None and axis is None else (dim if axis is None else axis)
    tensors = _as_tensors("cat", tensors)
    if any(t.ndim == 0 for t in tensors):
        raise ValueError("cat: zero-dimensional tensors cannot be concatenated (use stack, or unsqueeze them)")
    kept = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or tensors[:1]
    first = kept[0]
    a = check_axis("cat", dim, first.ndim, first.shape)
    for t in kept[1:]:
        if t.ndim != first.ndim or any(m != n for i, (m, n) in enumerate(zip(t.shape, first.shape)) if i != a):
            raise ValueError(f"cat: shapes {[tuple(t.shape) for t in tensors]} must match except along dim {dim}")
    if len(kept) == 1:
        return kept[0]
    return Concatenate.apply(*kept, axis=a)


def stack(tensors, dim: int = None, *, axis=None) -> Tensor:
    """Join same-shaped tensors along a new axis."""
    dim = 0 if dim is None and axis is None else (dim if axis is None else axis)
    tensors = _as_tensors("stack", tensors)
    if len({tuple(t.shape) for t in tensors}) != 1:
        raise ValueError(f"stack: all tensors must have the same shape, got {[tuple(t.shape) for t in tensors]}")
    a = check_axis("stack", dim, tensors[0].ndim, tensors[0].shape, extra=1)
    return Stack.apply(*tensors, axis=a)


def split(x: Tensor, split_size_or_sections, dim: int = None, *, axis=None) -> tuple:
    """Split along `dim` into pieces of `split_size_or_sections` elements (an int; the last may be
    smaller) or of the listed sizes (PyTorch's split)."""
    dim = 0 if dim is None and axis is None else (dim if axis is None else axis)
    a = check_axis("split", dim, x.ndim, x.shape)
    length = x.shape[a]
    sections = split_size_or_sections
    if isinstance(sections, (int, np.integer)):
        if sections <= 0:
            raise ValueError(f"split: split size must be positive, got {sections}")
        sizes = [sections] * (length // sections) + ([length % sections] if length % sections else [])
    else:
        sizes = [int(s) for s in sections]
    if sum(sizes) != length:
        raise ValueError(f"split: sizes {sizes} do not add up to {length}, the length of dim {dim} of shape "
                         f"{tuple(x.shape)}")
    pieces, start = [], 0
    for size in sizes:
        pieces.append(getitem(x, (slice(None),) * a + (slice(start, start + size),)))
        start += size
    return tuple(pieces)


def clone(x: Tensor) -> Tensor:
    """A copy with its own memory; differentiable (the gradient passes through)."""
    return Clone.apply(x)


def to_device(x: Tensor, device: str) -> Tensor:
    """A copy of x on `device` ('cpu' or 'cuda'); the gradient is copied back."""
    return ToDevice.apply(x, device=device)


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Split into `chunks` pieces along dim, each ceil(n / chunks) long (the last may be shorter,
    and there may be fewer pieces than asked, as PyTorch's chunk)."""
    if not isinstance(chunks, (int, np.integer)) or chunks <= 0:
        raise ValueError(f"chunk: the number of chunks must be a positive int, got {chunks!r}")
    axis = check_axis("chunk", dim, x.ndim, x.shape)
    if x.ndim == 0:
        raise ValueError("chunk: a 0-d tensor cannot be split")
    length = x.shape[axis]
    if length == 0:
        return tuple(x for _ in range(chunks))
    return split(x, -(-length // chunks), axis)


def narrow(x: Tensor, dim: int, start, length: int) -> Tensor:
    """The `length` entries of x along dim starting at `start` (negative counts from the end)."""
    axis = check_axis("narrow", dim, x.ndim, x.shape)
    if x.ndim == 0:
        raise ValueError("narrow: a 0-d tensor has no dim to narrow")
    n = x.shape[axis]
    start = int(start)
    if not -n <= start <= n:
        raise IndexError(f"narrow: start {start} is out of range for dim {dim} of size {n} (shape {tuple(x.shape)})")
    if start < 0:
        start += n
    if length < 0 or start + length > n:
        raise ValueError(f"narrow: start {start} + length {length} exceeds dim {dim} of size {n} "
                         f"(shape {tuple(x.shape)})")
    return getitem(x, (slice(None),) * axis + (slice(start, start + length),))
