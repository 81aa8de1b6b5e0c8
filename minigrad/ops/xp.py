"""NumPy's names over Tensors: the `xp` a backward formula gets when it runs on Tensors.

An op's backward gets its functions from `xp = xp_of(grad)`. On arrays (an ordinary
backward) that is numpy or cupy. When the backward is itself recorded (create_graph=True,
for higher-order gradients) the engine hands it Tensors, and `xp_of` returns this module:
the same names with NumPy's signatures, computed by minigrad's differentiable ops. So one
formula, say `g * xp.where(x > 0, 1.0, 0.0)`, serves both.

Results that no gradient flows through (signs, masks, zeros) are plain constant Tensors.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from . import elementwise, reduce, shape
from . import rounding, scan, trig
from .elementwise import abs, exp, log, maximum, minimum, sqrt  # noqa: F401  (same signatures as NumPy's)
from .linalg import matmul  # noqa: F401

float16, float32, float64 = np.float16, np.float32, np.float64
newaxis = None


def asarray(value, dtype=None) -> Tensor:
    """value as a Tensor (a Tensor stays itself; anything else becomes a constant), cast to dtype."""
    t = value if isinstance(value, Tensor) else Tensor(value)
    return t if dtype is None else t.astype(dtype)


def where(cond: Tensor, a, b) -> Tensor:
    """a where cond else b; with two numbers, a constant Tensor."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        return Tensor._wrap(cond._xp.where(cond.data, a, b), False)
    return elementwise.where(cond, a, b)


def sign(x: Tensor) -> Tensor:
    """-1, 0 or 1 (a constant: its derivative is 0 wherever it exists)."""
    return Tensor._wrap(x._xp.sign(x.data), False)


def zeros_like(x: Tensor, dtype=None) -> Tensor:
    """Constant zeros of x's shape."""
    return Tensor._wrap(x._xp.zeros_like(x.data, dtype=dtype), False)


def ones_like(x: Tensor, dtype=None) -> Tensor:
    """Constant ones of x's shape."""
    return Tensor._wrap(x._xp.ones_like(x.data, dtype=dtype), False)


def tanh(x: Tensor) -> Tensor:
    """tanh, recorded."""
    return x.tanh()


def log1p(x: Tensor) -> Tensor:
    """log(1 + x), recorded."""
    return (x + 1.0).log()


def broadcast_to(x: Tensor, shape_: tuple) -> Tensor:
    """x broadcast to shape_, recorded."""
    return shape.broadcast_to(x, shape_)


def reshape(x: Tensor, shape_: tuple) -> Tensor:
    """x reshaped, recorded."""
    return shape.reshape(x, shape_)


def moveaxis(x: Tensor, source, destination) -> Tensor:
    """Axes moved as numpy.moveaxis, recorded."""
    return shape.movedim(x, source, destination)


def swapaxes(x: Tensor, a: int, b: int) -> Tensor:
    """Two axes exchanged, recorded."""
    return shape.swapaxes(x, a, b)


def concatenate(tensors, axis: int = 0) -> Tensor:
    """Tensors joined along an axis, recorded."""
    return shape.concatenate(tensors, axis=axis)


def stack(tensors, axis: int = 0) -> Tensor:
    """Tensors stacked on a new axis, recorded."""
    return shape.stack(tensors, axis=axis)


def split(x: Tensor, indices_or_sections, axis: int = 0) -> list:
    """numpy.split: at the given indices, or into equal sections; recorded."""
    length = x.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        if length % indices_or_sections:
            raise ValueError(f"split: {length} elements do not divide into {indices_or_sections} equal sections")
        step = length // indices_or_sections
        bounds = list(range(step, length, step))
    else:
        bounds = list(indices_or_sections)
    edges = [0] + bounds + [length]
    return list(shape.split(x, [b - a for a, b in zip(edges[:-1], edges[1:])], axis=axis))


def sum(x: Tensor, axis=None, keepdims: bool = False, dtype=None) -> Tensor:  # noqa: A001
    """Sum over axis, recorded."""
    return reduce.sum(x, axis=axis, keepdims=keepdims, dtype=dtype)


def sin(x: Tensor) -> Tensor:
    """sin, recorded."""
    return trig.sin(x)


def cos(x: Tensor) -> Tensor:
    """cos, recorded."""
    return trig.cos(x)


def sinh(x: Tensor) -> Tensor:
    """sinh, recorded."""
    return trig.sinh(x)


def cosh(x: Tensor) -> Tensor:
    """cosh, recorded."""
    return trig.cosh(x)


def trunc(x: Tensor) -> Tensor:
    """Rounded toward 0, recorded (its gradient is 0)."""
    return rounding.trunc(x)


def floor(x: Tensor) -> Tensor:
    """Rounded toward -inf, recorded (its gradient is 0)."""
    return rounding.floor(x)


def isnan(x: Tensor) -> Tensor:
    """True where x is NaN (a constant)."""
    return Tensor._wrap(x._xp.isnan(x.data), False)


def cumsum(x: Tensor, axis: int = None, dtype=None) -> Tensor:
    """Running sum along axis (numpy.cumsum: the flattened x when axis is None), recorded."""
    return scan.cumsum(x.reshape(-1) if axis is None else x, 0 if axis is None else axis, dtype=dtype)


def cumprod(x: Tensor, axis: int = None, dtype=None) -> Tensor:
    """Running product along axis (numpy.cumprod: the flattened x when axis is None), recorded."""
    return scan.cumprod(x.reshape(-1) if axis is None else x, 0 if axis is None else axis, dtype=dtype)


def flip(x: Tensor, axis) -> Tensor:
    """Reversed along axis (an int or a tuple), recorded."""
    from .movement import flip as flip_

    return flip_(x, axis)


def roll(x: Tensor, shift, axis) -> Tensor:
    """Shifted cyclically along axis, recorded."""
    from .movement import roll as roll_

    return roll_(x, shift, axis)
