"""The recurrent layers' fused op (Recurrence) equals its composite twin in value and gradient,
in float64, for every cell, direction, bias and variable lengths (the pattern of
test_fused_vs_composite.py); and the twin is the one the op declares."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.ops import recurrent

from .test_fused_vs_composite import assert_same

SEEDS = range(4)


def _inputs(rng, mode, steps, batch, hidden, bias):
    gates = recurrent.GATE_BLOCKS[mode] * hidden
    shapes = [(steps, batch, gates), (batch, recurrent.state_size(mode, hidden)), (gates, hidden)]
    if bias:
        shapes.append((gates,))
    return [mg.tensor(rng.standard_normal(s), dtype="float64", requires_grad=True) for s in shapes]


@pytest.mark.parametrize("mode", recurrent.MODES)
@pytest.mark.parametrize("seed", SEEDS)
def test_recurrence_equals_its_composite(mode, seed):
    rng = np.random.default_rng(seed)
    steps, batch, hidden = (int(n) for n in rng.integers(1, 8, size=3))
    reverse, bias = bool(seed % 2), seed < 2
    lengths = rng.integers(0, steps + 1, size=batch) if seed >= 2 else None
    inputs = _inputs(rng, mode, steps, batch, hidden, bias)
    options = dict(mode=mode, reverse=reverse, lengths=lengths)

    def fused(gx, s, w, b=None):
        return F.recurrence(gx, s, w, b, **options)

    def composite(gx, s, w, b=None):
        return recurrent.recurrence_composite(gx, s, w, b, **options)

    assert_same(fused, composite, inputs, seed)


def test_the_op_declares_its_composite():
    assert recurrent.Recurrence.composite is recurrent.recurrence_composite


def test_finished_sequences_keep_their_state_and_pass_gradients_straight_through():
    rng = np.random.default_rng(0)
    gx, state, weight = _inputs(rng, "GRU", 5, 3, 2, bias=False)
    out = F.recurrence(gx, state, weight, mode="GRU", lengths=[5, 2, 0])
    np.testing.assert_array_equal(out.numpy()[2:, 1], np.broadcast_to(out.numpy()[1, 1], (3, 2)))
    np.testing.assert_array_equal(out.numpy()[:, 2], np.broadcast_to(state.numpy()[2], (5, 2)))
    out.sum().backward()
    np.testing.assert_array_equal(gx.grad.numpy()[2:, 1], 0.0)  # steps after the end: no gradient
    np.testing.assert_array_equal(gx.grad.numpy()[:, 2], 0.0)
    np.testing.assert_array_equal(state.grad.numpy()[2], 5.0)  # an empty sequence: its state, 5 times
