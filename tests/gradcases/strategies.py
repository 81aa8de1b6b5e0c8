"""Hypothesis building blocks for gradient cases: shapes, broadcastable shape pairs, float64 tensors."""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg

CASES: dict = {}  # this module holds helpers only

small_shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)


def tensor(draw, shape, low=-2.0, high=2.0, away_from=None, margin=0.1):
    """A float64 leaf tensor with values in [low, high], optionally kept `margin` away from points."""
    values = draw(hnp.arrays(np.float64, shape, elements=st.floats(low, high, allow_nan=False, width=64)))
    if away_from is not None:
        for point in np.atleast_1d(away_from):
            close = np.abs(values - point) < margin
            values = np.where(close, point + margin * np.where(values >= point, 1.0, -1.0) * 2, values)
    return mg.tensor(values, dtype="float64", requires_grad=True)


def broadcast_pair(draw):
    """Two shapes that broadcast together (either may have size-1 or missing axes)."""
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4))
    return shapes.input_shapes


def axis_for(draw, ndim):
    """None, one axis (maybe negative) or a tuple of distinct axes."""
    if ndim == 0:
        return None
    choice = draw(st.sampled_from(["none", "int", "tuple"]))
    if choice == "none":
        return None
    if choice == "int":
        return draw(st.integers(-ndim, ndim - 1))
    return tuple(draw(st.sets(st.integers(0, ndim - 1), min_size=1, max_size=ndim)))
