"""Argument conventions shared by the ops: PyTorch's names with NumPy's as aliases.

Every op that takes axes accepts `dim=`/`keepdim=` (PyTorch) and `axis=`/`keepdims=`
(NumPy); giving both spellings of one argument is an error. Axes are checked here, so
an out-of-range axis is an IndexError that names the op, the axis and the shape,
instead of being wrapped around silently.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

# PyTorch's named tuples for ops that return values and indices (torch.return_types).
values_indices = {
    name: namedtuple(name, ["values", "indices"])
    for name in ("max", "min", "sort", "topk", "kthvalue", "median", "mode", "cummax", "cummin")
}


def pick(op: str, torch_value, torch_name: str, numpy_value, numpy_name: str):
    """The one of two spellings of an argument that was given (PyTorch's when neither was)."""
    if numpy_value is not None:
        if torch_value is not None:
            raise TypeError(f"{op}: got both {torch_name}= and {numpy_name}=; they are the same argument, give one")
        return numpy_value
    return torch_value


def keep(op: str, keepdim, keepdims) -> bool:
    """keepdim (PyTorch) or keepdims (NumPy), False when neither is given."""
    value = pick(op, keepdim, "keepdim", keepdims, "keepdims")
    return bool(value) if value is not None else False


def check_axis(op: str, axis, ndim: int, shape: tuple, extra: int = 0) -> int:
    """One axis, negatives counted from the end, as a non-negative int (IndexError when out of range).

    extra=1 for ops that insert an axis (stack, unsqueeze): the range is one longer.
    A 0-d tensor accepts the axes 0 and -1, as in PyTorch.
    """
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"{op}: an axis must be an int, got {type(axis).__name__} {axis!r}")
    size = max(ndim + extra, 1)
    if not -size <= axis < size:
        raise IndexError(
            f"{op}: dimension {axis} is out of range for a tensor of shape {tuple(shape)} "
            f"(expected a dimension in [{-size}, {size - 1}])"
        )
    return int(axis) % size


def normalize_axes(op: str, axis, ndim: int, shape: tuple) -> tuple:
    """axis (None, an int or a sequence) as a sorted tuple of non-negative ints (all axes for None)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = [check_axis(op, a, ndim, shape) for a in axes]
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated dimension in {axis}")
    return tuple(sorted(a for a in out if a < ndim))  # a 0-d tensor's axis 0 reduces nothing


def shape_arg(shape) -> tuple:
    """A shape given as separate ints or as one sequence: f(2, 3) and f((2, 3)) alike."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    elif len(shape) == 1 and hasattr(shape[0], "__len__") and not isinstance(shape[0], (int, np.integer)):
        shape = tuple(shape[0])  # a torch.Size-like sequence
    return tuple(int(n) for n in shape)
