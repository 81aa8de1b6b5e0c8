"""Rounding and integer division: floor ceil round trunc frac, fmod remainder, and the two
rounding modes of division (`a // b` is floor division, as in Python and PyTorch).

The rounding functions are piecewise constant, so their gradient is 0 (PyTorch's convention
at the jumps too); frac(x) = x - trunc(x) has gradient 1. The two remainders differ in sign:

    fmod(a, b)       = a - b * trunc(a / b)   has the sign of a (C's fmod)
    remainder(a, b)  = a - b * floor(a / b)   has the sign of b (Python's %, PyTorch's %)

Floats follow PyTorch's formulas step by step (so even the sign of a zero result agrees);
integers divide exactly, and an integer division by zero raises ZeroDivisionError.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function, xp_of
from ..tensor import Tensor
from .elementwise import _binary, _float_tensor


class Floor(Function):
    """floor(x), the largest integer <= x;  dx = 0"""

    def forward(self, x):
        return xp_of(x).floor(x)

    def backward(self, g):
        return xp_of(g).zeros_like(g)


class Ceil(Function):
    """ceil(x), the smallest integer >= x;  dx = 0"""

    def forward(self, x):
        return xp_of(x).ceil(x)

    def backward(self, g):
        return xp_of(g).zeros_like(g)


class Trunc(Function):
    """trunc(x), x rounded toward 0;  dx = 0"""

    def forward(self, x):
        return xp_of(x).trunc(x)

    def backward(self, g):
        return xp_of(g).zeros_like(g)


class Round(Function):
    """x rounded to `decimals` places, halves to even (round(2.5) = 2);  dx = 0

    With decimals d > 0 it is rint(x * 10^d) / 10^d, with d < 0 rint(x / 10^-d) * 10^-d, in
    x's dtype, as PyTorch computes it (so 0.125 rounds to 0.1 at d = 1, the float nearest).
    """

    def forward(self, x, decimals):
        xp = xp_of(x)
        if decimals == 0:
            return xp.rint(x)
        scale = x.dtype.type(10.0 ** abs(decimals))
        with np.errstate(over="ignore", invalid="ignore"):
            return xp.rint(x * scale) / scale if decimals > 0 else xp.rint(x / scale) * scale

    def backward(self, g):
        return xp_of(g).zeros_like(g)


class Frac(Function):
    """x - trunc(x), the fractional part with x's sign;  dx = g"""

    def forward(self, x):
        return x - xp_of(x).trunc(x)

    def backward(self, g):
        return g


class Fmod(Function):
    """fmod(a, b) = a - b * trunc(a / b), with the sign of a;  da = g,  db = -g * trunc(a / b)"""

    def forward(self, a, b):
        self.a, self.b = a, b
        with np.errstate(divide="ignore", invalid="ignore"):  # fmod(x, 0) = nan, as in PyTorch
            return xp_of(a, b).fmod(a, b)

    def backward(self, g):
        need_a, need_b = self.needs_input_grad
        db = None
        if need_b:
            with np.errstate(divide="ignore", invalid="ignore"):
                db = -g * xp_of(g).trunc(self.a / self.b)
        return (g if need_a else None), db


class Remainder(Function):
    """remainder(a, b) = a - b * floor(a / b), with the sign of b (Python's %);  da = g,  db = -g * floor(a / b)"""

    def forward(self, a, b):
        self.a, self.b = a, b
        xp = xp_of(a, b)
        if _is_integer(a) and _is_integer(b):
            return xp.remainder(a, b)
        # PyTorch's steps: fmod, then move a nonzero result whose sign differs from b's by b.
        with np.errstate(divide="ignore", invalid="ignore"):
            mod = xp.fmod(a, b)
            return xp.where((mod != 0) & ((xp.asarray(b) < 0) != (mod < 0)), mod + b, mod)

    def backward(self, g):
        need_a, need_b = self.needs_input_grad
        db = None
        if need_b:
            with np.errstate(divide="ignore", invalid="ignore"):
                db = -g * xp_of(g).floor(self.a / self.b)
        return (g if need_a else None), db


class FloorDivide(Function):
    """a / b rounded toward -inf (a // b);  da = 0,  db = 0

    Floats by PyTorch's (and Python's) steps: the quotient of a - fmod(a, b), corrected by one
    where fmod's sign differs from b's, so it is exact where a / b would round up to the next
    integer; x // 0 is +-inf or nan. Integers exactly.
    """

    mode = "floor"

    def forward(self, a, b):
        xp = xp_of(a, b)
        if _is_integer(a) and _is_integer(b):
            quotient = xp.floor_divide(a, b)
            if self.mode == "trunc":  # floor division rounded a negative inexact quotient down: undo that
                quotient = quotient + ((quotient * b != a) & ((xp.asarray(a) < 0) != (xp.asarray(b) < 0)))
            return quotient
        with np.errstate(divide="ignore", invalid="ignore"):
            return xp.floor_divide(a, b) if self.mode == "floor" else xp.trunc(xp.true_divide(a, b))

    def backward(self, g):
        need_a, need_b = self.needs_input_grad
        zeros = xp_of(g).zeros_like(g)
        return (zeros if need_a else None), (zeros if need_b else None)


class TruncDivide(FloorDivide):
    """a / b rounded toward 0: trunc(a / b) (div with rounding_mode="trunc");  da = 0,  db = 0"""

    mode = "trunc"


def _is_integer(value) -> bool:
    """An integer array or Python int (bools count: they take part as 0 and 1)."""
    return getattr(value, "dtype", np.dtype(type(value))).kind in "biu"


# ---- the functions the Tensor methods and `minigrad.*` call ----------------------------------


def _rounding(op_class, name: str, x: Tensor, **params) -> Tensor:
    """Integers are already whole: a copy, as PyTorch returns (no gradient either way)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(x).__name__}")
    if x.dtype.kind in "biu":
        return Tensor._wrap(x.data.copy(), False)
    return op_class.apply(x, **params)


def floor(x: Tensor) -> Tensor:
    """The largest integer <= x, elementwise (zero gradient)."""
    return _rounding(Floor, "floor", x)


def ceil(x: Tensor) -> Tensor:
    """The smallest integer >= x, elementwise (zero gradient)."""
    return _rounding(Ceil, "ceil", x)


def trunc(x: Tensor) -> Tensor:
    """x rounded toward zero, elementwise (zero gradient)."""
    return _rounding(Trunc, "trunc", x)


fix = trunc


def round(x: Tensor, decimals: int = 0) -> Tensor:  # noqa: A001  (PyTorch's name)
    """x rounded to `decimals` decimal places (negative: to tens, hundreds...), halves to even;
    zero gradient."""
    if not isinstance(decimals, (int, np.integer)) or isinstance(decimals, bool):
        raise TypeError(f"round: decimals must be an int, got {type(decimals).__name__} {decimals!r}")
    if decimals != 0 and isinstance(x, Tensor) and x.dtype.kind in "biu":
        raise TypeError(f"round: decimals={decimals} needs a floating-point tensor, got {x.dtype}")
    return _rounding(Round, "round", x, decimals=int(decimals))


def frac(x: Tensor) -> Tensor:
    """The fractional part x - trunc(x), elementwise, with x's sign (gradient 1)."""
    if isinstance(x, Tensor) and x.dtype.kind not in "fc":
        raise TypeError(f"frac: expected a floating-point tensor, got {x.dtype}")
    return Frac.apply(_float_tensor("frac", x))


def _integer_division(op: str, op_class, a, b) -> Tensor:
    """Check the operands of fmod, remainder and rounded division, then apply the op."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op}: expected a Tensor among the inputs, got {type(a).__name__} and {type(b).__name__}")
    data = [v.data if isinstance(v, Tensor) else v for v in (a, b)]
    if any(getattr(d, "dtype", None) == np.bool_ or isinstance(d, bool) for d in data):
        raise TypeError(f"{op}: not defined for bool tensors; convert them first (x.long() or x.float())")
    if all(_is_integer(d) for d in data) and _has_zero(data[1]):
        raise ZeroDivisionError(f"{op}: integer division by zero (divisor {_describe(b)})")
    return _binary(op_class, a, b)


def _has_zero(value) -> bool:
    return bool((value == 0).any()) if hasattr(value, "any") else value == 0


def _describe(value) -> str:
    return f"Tensor{tuple(value.shape)} {value.dtype}" if isinstance(value, Tensor) else repr(value)


def fmod(input, other) -> Tensor:
    """The remainder of input / other with input's sign (C's fmod), elementwise (broadcasts)."""
    return _integer_division("fmod", Fmod, input, other)


def remainder(input, other) -> Tensor:
    """The remainder of input / other with other's sign (Python's and PyTorch's %), elementwise."""
    return _integer_division("remainder", Remainder, input, other)


def floor_divide(input, other) -> Tensor:
    """input / other rounded toward -inf (Python's and PyTorch's //), elementwise; integers stay integers."""
    return _integer_division("floor_divide", FloorDivide, input, other)


def div_rounded(input, other, rounding_mode: str) -> Tensor:
    """div(..., rounding_mode="floor" | "trunc"): the quotient rounded toward -inf or toward 0."""
    if rounding_mode not in ("floor", "trunc"):
        raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}")
    return _integer_division("div", FloorDivide if rounding_mode == "floor" else TruncDivide, input, other)
