"""Trigonometry: sin cos tan and their inverses, the hyperbolic functions and theirs, and the
two functions of a point (a, b) in the plane: its angle atan2(a, b) and its length hypot(a, b).

Each op is a `Function` with the derivative from calculus beside the forward. The inverse
functions' derivatives have poles at the ends of their domains (asin at +-1, acosh at 1,
atanh at +-1): there the gradient is inf or nan, as in PyTorch. Integer inputs give float32.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function, xp_of
from ..tensor import Tensor
from .elementwise import _binary_float, _float_tensor

_QUIET = dict(divide="ignore", invalid="ignore", over="ignore")  # nan or inf off the domain, silently as PyTorch


class Sin(Function):
    """sin(x);  dx = g * cos(x)"""

    def forward(self, x):
        self.x = x
        return xp_of(x).sin(x)

    def backward(self, g):
        return g * xp_of(g).cos(self.x)


class Cos(Function):
    """cos(x);  dx = -g * sin(x)"""

    def forward(self, x):
        self.x = x
        return xp_of(x).cos(x)

    def backward(self, g):
        return -g * xp_of(g).sin(self.x)


class Tan(Function):
    """tan(x);  dx = g * (1 + tan(x)**2)"""

    def forward(self, x):
        self.out = xp_of(x).tan(x)
        return self.out

    def backward(self, g):
        return g * (1 + self.out * self.out)


class Asin(Function):
    """asin(x) for x in [-1, 1];  dx = g / sqrt(1 - x**2)"""

    def forward(self, x):
        self.x = x
        with np.errstate(**_QUIET):
            return xp_of(x).arcsin(x)

    def backward(self, g):
        with np.errstate(**_QUIET):
            return g / xp_of(g).sqrt(1 - self.x * self.x)


class Acos(Function):
    """acos(x) for x in [-1, 1];  dx = -g / sqrt(1 - x**2)"""

    def forward(self, x):
        self.x = x
        with np.errstate(**_QUIET):
            return xp_of(x).arccos(x)

    def backward(self, g):
        with np.errstate(**_QUIET):
            return -g / xp_of(g).sqrt(1 - self.x * self.x)


class Atan(Function):
    """atan(x);  dx = g / (1 + x**2)"""

    def forward(self, x):
        self.x = x
        return xp_of(x).arctan(x)

    def backward(self, g):
        return g / (1 + self.x * self.x)


class Sinh(Function):
    """sinh(x);  dx = g * cosh(x)"""

    def forward(self, x):
        self.x = x
        return xp_of(x).sinh(x)

    def backward(self, g):
        return g * xp_of(g).cosh(self.x)


class Cosh(Function):
    """cosh(x);  dx = g * sinh(x)"""

    def forward(self, x):
        self.x = x
        return xp_of(x).cosh(x)

    def backward(self, g):
        return g * xp_of(g).sinh(self.x)


class Asinh(Function):
    """asinh(x);  dx = g / sqrt(x**2 + 1)"""

    def forward(self, x):
        self.x = x
        return xp_of(x).arcsinh(x)

    def backward(self, g):
        return g / xp_of(g).sqrt(self.x * self.x + 1)


class Acosh(Function):
    """acosh(x) for x >= 1;  dx = g / sqrt(x**2 - 1)"""

    def forward(self, x):
        self.x = x
        with np.errstate(**_QUIET):
            return xp_of(x).arccosh(x)

    def backward(self, g):
        with np.errstate(**_QUIET):
            return g / xp_of(g).sqrt(self.x * self.x - 1)


class Atanh(Function):
    """atanh(x) for x in (-1, 1);  dx = g / (1 - x**2)"""

    def forward(self, x):
        self.x = x
        with np.errstate(**_QUIET):
            return xp_of(x).arctanh(x)

    def backward(self, g):
        with np.errstate(**_QUIET):
            return g / (1 - self.x * self.x)


class Atan2(Function):
    """atan2(a, b): the angle of the point (b, a), in (-pi, pi];
    da = g * b / (a**2 + b**2),  db = -g * a / (a**2 + b**2)

    At the origin (a = b = 0) both are 0, as in PyTorch (not 0/0).
    """

    def forward(self, a, b):
        self.a, self.b = a, b
        return xp_of(a, b).arctan2(a, b)

    def backward(self, g):
        a, b = self.a, self.b
        need_a, need_b = self.needs_input_grad
        xp = xp_of(g)
        squared = a * a + b * b
        scale = xp.where(squared == 0, 0.0, g / xp.where(squared == 0, 1.0, squared))
        return (scale * b if need_a else None), (-scale * a if need_b else None)


class Hypot(Function):
    """hypot(a, b) = sqrt(a**2 + b**2), without overflow;  da = g * a / hypot,  db = g * b / hypot

    At a = b = 0 the gradient is 0/0 = nan, as in PyTorch.
    """

    def forward(self, a, b):
        self.a, self.b = a, b
        self.out = xp_of(a, b).hypot(a, b)
        return self.out

    def backward(self, g):
        need_a, need_b = self.needs_input_grad
        da = g * (self.a / self.out) if need_a else None  # the ratio first: a / hypot <= 1 even where hypot is tiny
        db = g * (self.b / self.out) if need_b else None
        return da, db


# ---- the functions the Tensor methods and `minigrad.*` call ----------------------------------


def sin(x: Tensor) -> Tensor:
    """The sine, elementwise (radians)."""
    return Sin.apply(_float_tensor("sin", x))


def cos(x: Tensor) -> Tensor:
    """The cosine, elementwise (radians)."""
    return Cos.apply(_float_tensor("cos", x))


def tan(x: Tensor) -> Tensor:
    """The tangent, elementwise (radians)."""
    return Tan.apply(_float_tensor("tan", x))


def asin(x: Tensor) -> Tensor:
    """The inverse sine, elementwise: nan outside [-1, 1]."""
    return Asin.apply(_float_tensor("asin", x))


def acos(x: Tensor) -> Tensor:
    """The inverse cosine, elementwise: nan outside [-1, 1]."""
    return Acos.apply(_float_tensor("acos", x))


def atan(x: Tensor) -> Tensor:
    """The inverse tangent, elementwise, in (-pi/2, pi/2)."""
    return Atan.apply(_float_tensor("atan", x))


def sinh(x: Tensor) -> Tensor:
    """The hyperbolic sine, elementwise."""
    return Sinh.apply(_float_tensor("sinh", x))


def cosh(x: Tensor) -> Tensor:
    """The hyperbolic cosine, elementwise."""
    return Cosh.apply(_float_tensor("cosh", x))


def asinh(x: Tensor) -> Tensor:
    """The inverse hyperbolic sine, elementwise."""
    return Asinh.apply(_float_tensor("asinh", x))


def acosh(x: Tensor) -> Tensor:
    """The inverse hyperbolic cosine, elementwise: nan below 1."""
    return Acosh.apply(_float_tensor("acosh", x))


def atanh(x: Tensor) -> Tensor:
    """The inverse hyperbolic tangent, elementwise: +-inf at +-1, nan beyond."""
    return Atanh.apply(_float_tensor("atanh", x))


def atan2(input, other) -> Tensor:
    """The angle of the point (other, input), elementwise, in (-pi, pi] (broadcasts; either may be a number)."""
    return _binary_float(Atan2, input, other)


def hypot(input, other) -> Tensor:
    """sqrt(input**2 + other**2), elementwise, without overflow for large values (broadcasts)."""
    return _binary_float(Hypot, input, other)
