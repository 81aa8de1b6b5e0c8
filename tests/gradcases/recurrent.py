"""Gradient cases for the recurrent layers' fused op (minigrad/ops/recurrent.py), through
minigrad.nn.functional.recurrence: every cell, both directions, with and without bias and
variable lengths."""

import numpy as np
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.ops import recurrent

from .strategies import tensor


def _away_from_relu_kink(gates_x, state, weight_hh, bias_hh, reverse, lengths, margin=0.05):
    """Nudge gates_x so that no RNN_RELU pre-activation lies within `margin` of 0, where the
    finite differences would straddle relu's kink. Runs the layer in NumPy, step by step."""
    steps = gates_x.shape[0]
    h = state.copy()
    for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
        pre = gates_x[t] + h @ weight_hh.T + (0 if bias_hh is None else bias_hh)
        close = np.abs(pre) < margin
        gates_x[t][close] += 2 * margin
        pre[close] += 2 * margin
        active = (t < lengths)[:, None] if lengths is not None else True
        h = np.where(active, np.maximum(pre, 0), h)
    return gates_x


def _recurrence(draw):
    mode = draw(st.sampled_from(recurrent.MODES))
    steps, batch, hidden = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    gates = recurrent.GATE_BLOCKS[mode] * hidden
    reverse, with_bias = draw(st.booleans()), draw(st.booleans())
    lengths = None
    if draw(st.booleans()):
        lengths = np.asarray(draw(st.lists(st.integers(0, steps), min_size=batch, max_size=batch)))
    gates_x = tensor(draw, (steps, batch, gates))
    state = tensor(draw, (batch, recurrent.state_size(mode, hidden)))
    weight_hh = tensor(draw, (gates, hidden), -1.0, 1.0)
    bias_hh = tensor(draw, (gates,)) if with_bias else None
    if mode == "RNN_RELU":
        nudged = _away_from_relu_kink(gates_x.numpy().copy(), state.numpy(), weight_hh.numpy(),
                                      None if bias_hh is None else bias_hh.numpy(), reverse, lengths)
        gates_x = mg.tensor(nudged, dtype="float64", requires_grad=True)
    if with_bias:
        return (lambda gx, s, w, b: F.recurrence(gx, s, w, b, mode=mode, reverse=reverse, lengths=lengths)), \
            [gates_x, state, weight_hh, bias_hh]
    return (lambda gx, s, w: F.recurrence(gx, s, w, mode=mode, reverse=reverse, lengths=lengths)), \
        [gates_x, state, weight_hh]


CASES = {
    recurrent.Recurrence.__name__: _recurrence,
}
