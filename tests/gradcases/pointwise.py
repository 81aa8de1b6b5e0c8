"""Gradient cases for the pointwise math ops: trigonometry (ops/trig.py), exponentials and
logarithms (ops/special.py), rounding and remainders (ops/rounding.py), copysign and lerp.

Inputs stay away from the poles (log at 0, atanh at +-1) and from the jumps of the
piecewise functions (floor at integers, fmod where a / b is an integer), where finite
differences have nothing to measure."""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad.ops import elementwise, rounding, special, trig

from .strategies import broadcast_pair, small_shapes, tensor


def _unary(fn, low=-2.0, high=2.0, away_from=None):
    def case(draw):
        return fn, [tensor(draw, draw(small_shapes), low, high, away_from=away_from)]

    return case


def _binary(fn, low_a=-2.0, high_a=2.0, low_b=-2.0, high_b=2.0, away_a=None, away_b=None):
    def case(draw):
        sa, sb = broadcast_pair(draw)
        a = tensor(draw, sa, low_a, high_a, away_from=away_a)
        b = tensor(draw, sb, low_b, high_b, away_from=away_b)
        if draw(st.booleans()):  # a Python number on either side
            if draw(st.booleans()):
                return (lambda a: fn(a, 1.3)), [a]
            return (lambda b: fn(-0.7, b)), [b]
        return fn, [a, b]

    return case


_INTEGERS = [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]


def _round(draw):
    decimals = draw(st.sampled_from([0, 1, -1]))
    # Values sit 0.2 of a rounding step away from the jumps (the half steps).
    step = 10.0 ** -decimals
    k = draw(hnp.arrays(np.int64, draw(small_shapes), elements=st.integers(-20, 20)))
    x = mg.tensor((k + 0.3) * step, dtype="float64", requires_grad=True)
    return (lambda x: x.round(decimals=decimals) * x), [x]


def _quotient_away_from_integers(draw):
    """a and b of one shape with a / b at least 0.1 away from an integer (where fmod jumps)."""
    shape = draw(small_shapes)
    b = tensor(draw, shape, 0.5, 2.0)
    b = mg.tensor(b.numpy() * np.where(draw(hnp.arrays(np.bool_, shape)), -1.0, 1.0), dtype="float64",
                  requires_grad=True)
    whole = draw(hnp.arrays(np.int64, shape, elements=st.integers(-3, 3)))
    part = draw(hnp.arrays(np.float64, shape, elements=st.floats(0.1, 0.9)))
    a = mg.tensor((whole + part) * b.numpy(), dtype="float64", requires_grad=True)
    return a, b


def _division(fn):
    def case(draw):
        a, b = _quotient_away_from_integers(draw)
        return (lambda a, b: fn(a, b) * (a + b)), [a, b]

    return case


def _lerp(draw):
    sa, sb = broadcast_pair(draw)
    start, end = tensor(draw, sa), tensor(draw, sb)
    if draw(st.booleans()):
        w = draw(st.sampled_from([0.25, 0.5, 0.8, 1.5]))
        return (lambda s, e: mg.lerp(s, e, w)), [start, end]
    weight = tensor(draw, draw(st.sampled_from([(), sa, sb])), -0.5, 1.5)
    return mg.lerp, [start, end, weight]


CASES = {
    trig.Sin.__name__: _unary(mg.sin),
    trig.Cos.__name__: _unary(mg.cos),
    trig.Tan.__name__: _unary(mg.tan, -1.2, 1.2),
    trig.Asin.__name__: _unary(mg.asin, -0.9, 0.9),
    trig.Acos.__name__: _unary(mg.acos, -0.9, 0.9),
    trig.Atan.__name__: _unary(mg.atan),
    trig.Sinh.__name__: _unary(mg.sinh),
    trig.Cosh.__name__: _unary(mg.cosh),
    trig.Asinh.__name__: _unary(mg.asinh),
    trig.Acosh.__name__: _unary(mg.acosh, 1.2, 3.0),
    trig.Atanh.__name__: _unary(mg.atanh, -0.9, 0.9),
    trig.Atan2.__name__: _binary(mg.atan2, away_a=0.0, away_b=0.0),  # the branch cut: a = 0, b < 0
    trig.Hypot.__name__: _binary(mg.hypot, away_a=0.0),
    special.Exp2.__name__: _unary(mg.exp2),
    special.Expm1.__name__: _unary(mg.expm1),
    special.Log2.__name__: _unary(mg.log2, 0.2, 3.0),
    special.Log10.__name__: _unary(mg.log10, 0.2, 3.0),
    special.Log1p.__name__: _unary(mg.log1p, -0.7, 3.0),
    special.Rsqrt.__name__: _unary(mg.rsqrt, 0.2, 3.0),
    special.Erfc.__name__: _unary(mg.erfc),
    special.LogAddExp.__name__: _binary(mg.logaddexp),
    special.LogAddExp2.__name__: _binary(mg.logaddexp2),
    rounding.Floor.__name__: _unary(lambda x: x.floor() * x, away_from=_INTEGERS),
    rounding.Ceil.__name__: _unary(lambda x: x.ceil() * x, away_from=_INTEGERS),
    rounding.Trunc.__name__: _unary(lambda x: x.trunc() * x, away_from=_INTEGERS),
    rounding.Round.__name__: _round,
    rounding.Frac.__name__: _unary(lambda x: x.frac() * x, away_from=_INTEGERS),
    rounding.Fmod.__name__: _division(mg.fmod),
    rounding.Remainder.__name__: _division(mg.remainder),
    rounding.FloorDivide.__name__: _division(lambda a, b: a // b),
    rounding.TruncDivide.__name__: _division(lambda a, b: mg.div(a, b, rounding_mode="trunc")),
    elementwise.Copysign.__name__: _binary(lambda a, b: mg.copysign(a, b) * a * b, away_a=0.0, away_b=0.0),
    elementwise.Lerp.__name__: _lerp,
}
