"""Every op's first and second derivatives against central finite differences, in float64,
over hypothesis-drawn shapes (broadcasting included) and values. An op without a case fails
the registry test, so every op is checked to both orders."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minigrad as mg

from .gradcases import CASES

_SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def test_every_op_has_a_gradient_case():
    missing = sorted(name for name, op in mg.OPS.items() if op.differentiable and name not in CASES)
    assert not missing, f"ops without a gradient test in tests/gradcases/: {missing}"


def _case(op, draw):
    fn, inputs, *options = CASES[op](draw)
    tolerances = {"eps": 1e-6, "atol": 1e-6, "rtol": 1e-4, **(options[0] if options else {})}
    return fn, inputs, tolerances


@pytest.mark.parametrize("op", sorted(CASES))
@settings(max_examples=25, **_SETTINGS)
@given(data=st.data())
def test_gradient_matches_finite_differences(op, data):
    fn, inputs, tolerances = _case(op, data.draw)
    assert mg.gradcheck(fn, inputs, **tolerances)


@pytest.mark.parametrize("op", sorted(CASES))
@settings(max_examples=8, **_SETTINGS)
@given(data=st.data())
def test_second_derivative_matches_finite_differences(op, data):
    fn, inputs, tolerances = _case(op, data.draw)
    assert mg.gradgradcheck(fn, inputs, **tolerances)
