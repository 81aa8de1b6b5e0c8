"""kernels.erfc: the fitted-polynomial path (used where scipy is missing) against Python's
math.erfc on a dense grid, both tails, the special values, and the dtype it keeps."""

import math

import numpy as np
import pytest

import kernels
from kernels.reference import erf as erf_module


def exact(x):
    return np.array([math.erfc(v) for v in np.asarray(x, dtype=np.float64).ravel()]).reshape(np.shape(x))


@pytest.mark.parametrize("low, high, rtol", [(-6.0, 1.0, 2e-15), (1.0, 6.0, 1e-14), (6.0, 12.0, 2e-14),
                                             (12.0, 26.0, 1e-13)])
def test_polynomial_erfc_is_accurate_relative_to_its_value(low, high, rtol):
    # Relative error, also far out where erfc is 1e-290: that is what 1 - erf(x) cannot give.
    # (Beyond 6 the error grows with x: exp(-x^2) inherits the rounding of x^2, about x^2 * 1e-16.)
    x = np.random.default_rng(0).uniform(low, high, 20001)
    np.testing.assert_allclose(erf_module.erfc_polynomial(x), exact(x), rtol=rtol, atol=0)


def test_polynomial_erfc_meets_each_piece_continuously_and_keeps_special_values():
    edges = np.array([1.0, 2.0, 3.5, 6.0])
    x = np.concatenate([edges, np.nextafter(edges, 0), -edges, np.nextafter(-edges, 0)])
    np.testing.assert_allclose(erf_module.erfc_polynomial(x), exact(x), rtol=1e-14)
    special = erf_module.erfc_polynomial(np.array([np.inf, -np.inf, np.nan, 0.0, 30.0, -30.0]))
    np.testing.assert_array_equal(special[[0, 1, 3, 4, 5]], [0.0, 2.0, 1.0, 0.0, 2.0])
    assert np.isnan(special[2])


def test_erfc_keeps_the_dtype_and_zero_dimensional_arrays():
    x32 = np.linspace(-5, 5, 101, dtype=np.float32)
    out = erf_module.erfc_polynomial(x32)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, exact(x32), rtol=2e-6, atol=1e-30)
    assert erf_module.erfc_polynomial(np.float64(0.5)).shape == ()
    assert kernels.erfc(np.array(0.5, dtype=np.float32)).dtype == np.float32


def test_the_helper_agrees_with_the_polynomials():
    x = np.linspace(-8, 8, 1001)
    np.testing.assert_allclose(kernels.erfc(x), erf_module.erfc_polynomial(x), rtol=5e-14, atol=0)
