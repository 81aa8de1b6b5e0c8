"""Gradient cases for the activations of ops/activation.py beyond relu/gelu/softmax (those are
in core.py). Inputs stay away from the kinks (0 for leaky_relu and elu, the clamp bounds of
hardtanh, +-3 for the hard sigmoid and swish, the softplus threshold)."""

from hypothesis import strategies as st

import minigrad.nn.functional as F
from minigrad.ops import activation

from .strategies import small_shapes, tensor


def _unary(fn, low=-4.0, high=4.0, away_from=None):
    def case(draw):
        return fn, [tensor(draw, draw(small_shapes), low, high, away_from=away_from)]

    return case


def _elu(draw):
    kind = draw(st.sampled_from(["elu", "selu", "celu"]))
    alpha = draw(st.sampled_from([0.5, 1.0, 2.0]))
    fn = {"elu": lambda x: F.elu(x, alpha), "selu": F.selu, "celu": lambda x: F.celu(x, alpha)}[kind]
    return fn, [tensor(draw, draw(small_shapes), -3.0, 3.0, away_from=0.0)]


def _softplus(draw):
    beta = draw(st.sampled_from([1.0, 2.0, 0.5]))
    threshold = draw(st.sampled_from([20.0, 2.0]))
    x = tensor(draw, draw(small_shapes), -4.0, 4.0, away_from=threshold / beta)
    return (lambda x: F.softplus(x, beta, threshold)), [x]


def _hardtanh(draw):
    if draw(st.booleans()):
        return F.relu6, [tensor(draw, draw(small_shapes), -2.0, 8.0, away_from=[0.0, 6.0])]
    return (lambda x: F.hardtanh(x, -0.5, 1.5)), [tensor(draw, draw(small_shapes), -3.0, 3.0, away_from=[-0.5, 1.5])]


def _leaky_relu(draw):
    slope = draw(st.sampled_from([0.01, 0.2, -0.5]))
    return (lambda x: F.leaky_relu(x, slope)), [tensor(draw, draw(small_shapes), away_from=0.0)]


CASES = {
    activation.Silu.__name__: _unary(F.silu),
    activation.LeakyRelu.__name__: _leaky_relu,
    activation.Elu.__name__: _elu,
    activation.Softplus.__name__: _softplus,
    activation.Mish.__name__: _unary(F.mish),
    activation.Hardtanh.__name__: _hardtanh,
    activation.Hardsigmoid.__name__: _unary(F.hardsigmoid, away_from=[-3.0, 3.0]),
    activation.Hardswish.__name__: _unary(F.hardswish, away_from=[-3.0, 3.0]),
    activation.LogSigmoid.__name__: _unary(F.logsigmoid, -8.0, 8.0),
}
