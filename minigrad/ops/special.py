"""Exponentials and logarithms in other bases and in the forms that keep precision:
exp2 expm1 log2 log10 log1p rsqrt erfc logaddexp logaddexp2.

expm1(x) = exp(x) - 1 and log1p(x) = log(1 + x) exist because the direct formulas lose every
digit for small x (1 + 1e-10 rounds, and exp(1e-10) - 1 cancels); erfc(x) = 1 - erf(x) because
the subtraction cancels for large x; logaddexp(a, b) = log(exp(a) + exp(b)) is computed as
max(a, b) + log1p(exp(-|a - b|)), which never overflows. Integer inputs give float32.
"""

from __future__ import annotations

import math

import numpy as np

import kernels

from ..autograd import Function, xp_of
from ..tensor import Tensor
from .elementwise import _binary_float, _float_tensor

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_QUIET = dict(divide="ignore", invalid="ignore", over="ignore")  # nan or inf off the domain, silently as PyTorch


class Exp2(Function):
    """2 ** x;  dx = g * 2**x * ln 2"""

    def forward(self, x):
        self.out = xp_of(x).exp2(x)
        return self.out

    def backward(self, g):
        return g * self.out * _LN2


class Expm1(Function):
    """exp(x) - 1, exact for small x;  dx = g * (expm1(x) + 1)"""

    def forward(self, x):
        self.out = xp_of(x).expm1(x)
        return self.out

    def backward(self, g):
        return g * (self.out + 1)


class Log2(Function):
    """log2(x);  dx = g / (x ln 2)"""

    def forward(self, x):
        self.x = x
        with np.errstate(**_QUIET):
            return xp_of(x).log2(x)

    def backward(self, g):
        with np.errstate(**_QUIET):
            return g / (self.x * _LN2)


class Log10(Function):
    """log10(x);  dx = g / (x ln 10)"""

    def forward(self, x):
        self.x = x
        with np.errstate(**_QUIET):
            return xp_of(x).log10(x)

    def backward(self, g):
        with np.errstate(**_QUIET):
            return g / (self.x * _LN10)


class Log1p(Function):
    """log(1 + x), exact for small x;  dx = g / (1 + x)"""

    def forward(self, x):
        self.x = x
        with np.errstate(**_QUIET):
            return xp_of(x).log1p(x)

    def backward(self, g):
        with np.errstate(**_QUIET):
            return g / (1 + self.x)


class Rsqrt(Function):
    """1 / sqrt(x);  dx = -g / 2 * rsqrt(x)**3"""

    def forward(self, x):
        xp = xp_of(x)
        with np.errstate(**_QUIET):  # rsqrt(0) = inf, nan below, as in PyTorch
            self.out = 1 / xp.sqrt(x)
        return self.out

    def backward(self, g):
        return g * -0.5 * self.out * self.out * self.out


class Erfc(Function):
    """erfc(x) = 1 - erf(x), without cancellation for large x;  dx = -g * 2/sqrt(pi) * exp(-x^2)"""

    def forward(self, x):
        self.x = x
        return kernels.erfc(x)

    def backward(self, g):
        return g * (-2.0 / math.sqrt(math.pi)) * xp_of(g).exp(-(self.x * self.x))


class LogAddExp(Function):
    """log(exp(a) + exp(b)), without overflow;  da = g * exp(a - out),  db = g * exp(b - out)"""

    def forward(self, a, b):
        self.a, self.b = a, b
        self.out = xp_of(a, b).logaddexp(a, b)
        return self.out

    def backward(self, g):
        xp = xp_of(g)
        need_a, need_b = self.needs_input_grad
        da = g * xp.exp(self.a - self.out) if need_a else None
        db = g * xp.exp(self.b - self.out) if need_b else None
        return da, db


class LogAddExp2(Function):
    """log2(2**a + 2**b), without overflow;  da = g * 2**(a - out),  db = g * 2**(b - out)"""

    def forward(self, a, b):
        self.a, self.b = a, b
        self.out = xp_of(a, b).logaddexp2(a, b)
        return self.out

    def backward(self, g):
        xp = xp_of(g)
        need_a, need_b = self.needs_input_grad
        da = g * xp.exp((self.a - self.out) * _LN2) if need_a else None
        db = g * xp.exp((self.b - self.out) * _LN2) if need_b else None
        return da, db


# ---- the functions the Tensor methods and `minigrad.*` call ----------------------------------


def exp2(x: Tensor) -> Tensor:
    """2 ** x, elementwise."""
    return Exp2.apply(_float_tensor("exp2", x))


def expm1(x: Tensor) -> Tensor:
    """exp(x) - 1, elementwise, accurate for x near 0."""
    return Expm1.apply(_float_tensor("expm1", x))


def log2(x: Tensor) -> Tensor:
    """The base-2 logarithm, elementwise."""
    return Log2.apply(_float_tensor("log2", x))


def log10(x: Tensor) -> Tensor:
    """The base-10 logarithm, elementwise."""
    return Log10.apply(_float_tensor("log10", x))


def log1p(x: Tensor) -> Tensor:
    """log(1 + x), elementwise, accurate for x near 0."""
    return Log1p.apply(_float_tensor("log1p", x))


def rsqrt(x: Tensor) -> Tensor:
    """1 / sqrt(x), elementwise (inf at 0, nan below)."""
    return Rsqrt.apply(_float_tensor("rsqrt", x))


def erfc(x: Tensor) -> Tensor:
    """The complementary error function 1 - erf(x), elementwise, accurate where erf(x) is near 1."""
    return Erfc.apply(_float_tensor("erfc", x))


def logaddexp(input, other) -> Tensor:
    """log(exp(input) + exp(other)), elementwise and without overflow (broadcasts)."""
    return _binary_float(LogAddExp, input, other)


def logaddexp2(input, other) -> Tensor:
    """log2(2**input + 2**other), elementwise and without overflow (broadcasts)."""
    return _binary_float(LogAddExp2, input, other)
