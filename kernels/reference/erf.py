"""erf for NumPy (which has none), accurate to about 1e-16 relative in float64.

`erf(x)` uses scipy.special.erf when scipy is importable (it is not a dependency) and
otherwise the piecewise polynomials below, fitted by `fit_erf.py` (Chebyshev least squares
against mpmath at 40 digits, converted to powers of a local variable u in [-1, 1]):

    |x| < 1:      erf(x) = x * P(u),              u = 2 x^2 - 1
    1 <= |x| < 6: erf(x) = sign(x) * (1 - exp(-x^2) * R(u)),   R fits erfcx = exp(x^2) erfc(x)
    |x| >= 6:     erf(x) = sign(x)                (erfc(6) = 2e-17 is below float64 resolution)

Fitting erfcx instead of erfc keeps the fitted function smooth and of size ~0.1, so the
polynomials are short and their coefficients small (no cancellation when evaluated).

float32 has a fast path, `erf_float32`, accurate to the format (max abs error ~1.4e-7,
tested against float64 erf on a dense grid) in 15 in-place passes and no branches:

    erf(z) ~= tanh(z * P(z^2)),   P of degree 6 (`_TANH_FORM`)

P fits artanh(erf(z)) / z, a smooth even function, on |z| <= 4. Beyond 4, erf(z) rounds to
+-1 in float32, and so does the formula without any clipping: P has no positive real root
and grows, so |z P(z^2)| >= 9.7 for |z| >= 4 and tanh of it is 1 - 7e-9, which rounds to 1
(overflow to inf on huge |z| still gives tanh = +-1). The sign comes out of tanh for free,
and NaN and +-inf pass through.
"""
from __future__ import annotations

import numpy as np

_SMALL = (  # u in [-1, 1] maps to [0.0, 1.0], lowest power first
    0.9654687386698673, -0.1405360890227171, 0.019852496688983708,
    -0.0022854855611441132, 0.00021751715604160108, -1.7537169441124826e-05,
    1.223382738352401e-06, -7.51156928660089e-08, 4.11580059766496e-09,
    -2.035228404899467e-10, 9.167606746069445e-12, -3.8078827395263415e-13,
    1.454817075960679e-14,
)
_ERFCX_1_2 = (  # u in [-1, 1] maps to [1.0, 2.0], lowest power first
    0.3215854164543175, -0.08181145886628002, 0.019037759963870138,
    -0.00411636316244566, 0.0008360838095501363, -0.00016081117336992078,
    2.947085758560617e-05, -5.1713286727694885e-06, 8.723039528779054e-07,
    -1.4191186124333523e-07, 2.2329528948385056e-08, -3.4059387395134227e-09,
    5.033413078063669e-10, -7.257022501340536e-11, 1.1009856212826759e-11,
    -1.5120450435636143e-12,
)
_ERFCX_2_35 = (  # u in [-1, 1] maps to [2.0, 3.5], lowest power first
    0.1936620962790687, -0.047428228170476094, 0.011114208555369083,
    -0.0025035488002977985, 0.0005440864558930381, -0.00011442715393064076,
    2.3347542127763978e-05, -4.631705425761603e-06, 8.950251221221574e-07,
    -1.6874281267557468e-07, 3.1083585594207396e-08, -5.602424061153252e-09,
    9.887875780306962e-10, -1.7001723677883186e-10, 2.8855247429326862e-11,
    -5.421452571308593e-12, 8.909147410932813e-13,
)
_ERFCX_35_6 = (  # u in [-1, 1] maps to [3.5, 6.0], lowest power first
    0.11630270721024731, -0.029379310747703943, 0.007283322451518982,
    -0.0017736306582609048, 0.00042462964854472003, -0.00010002374614207982,
    2.3197610965832473e-05, -5.300367898656362e-06, 1.1938335892526658e-06,
    -2.652091101597172e-07, 5.8136001649829544e-08, -1.25813939122541e-08,
    2.6912513057673905e-09, -5.684180280443536e-10, 1.16594942301426e-10,
    -2.4030471430023e-11, 6.002329582524596e-12, -1.2198165723247793e-12,
)

_TANH_FORM = (  # erf(z) ~= tanh(z * P(z^2)) on |z| <= 4, lowest power first (fit_erf.py)
    1.1283797054307052, 0.10276548189190803, -0.0001843849185343882,
    -0.0006257182554950559, 8.97119666693745e-05, -5.9855627331419e-06,
    1.589508712898747e-07,
)

_ERFC_PIECES = ((1.0, 2.0, _ERFCX_1_2), (2.0, 3.5, _ERFCX_2_35), (3.5, 6.0, _ERFCX_35_6))

_scipy_erf = None  # resolved on first use: scipy.special.erf, or False when unavailable


def _horner(coefficients, u):
    acc = np.full_like(u, coefficients[-1])
    for c in reversed(coefficients[:-1]):
        acc *= u
        acc += c
    return acc


def erf_polynomial(x: np.ndarray) -> np.ndarray:
    """erf from the fitted polynomials (float32 inputs are evaluated in float32)."""
    x = np.asarray(x)
    if x.ndim == 0:
        return erf_polynomial(x.reshape(1)).reshape(())
    out = np.sign(x)  # also right for |x| >= 6, +-inf and NaN
    a = np.abs(x)
    small = a < 1.0
    if small.any():
        xs = x[small]
        u = xs * xs
        u *= 2.0
        u -= 1.0
        out[small] = xs * _horner(_SMALL, u)
    for lo, hi, coefficients in _ERFC_PIECES:
        inside = (a >= lo) & (a < hi)
        if not inside.any():
            continue
        xa = a[inside]
        u = (2.0 * xa - (lo + hi)) / (hi - lo)
        erfc = _horner(coefficients, u)
        erfc *= np.exp(-(xa * xa))
        out[inside] = np.copysign(1.0 - erfc, x[inside])
    return out


def erf(x: np.ndarray) -> np.ndarray:
    """Elementwise error function of a NumPy array, same dtype as x.

    >>> float(erf(np.array(0.5)))  # doctest: +ELLIPSIS
    0.5204998778130...
    """
    global _scipy_erf
    if _scipy_erf is None:
        try:
            from scipy.special import erf as scipy_erf
            _scipy_erf = scipy_erf
        except ImportError:
            _scipy_erf = False
    if _scipy_erf:
        return _scipy_erf(x)
    return erf_polynomial(x)


def erfc_polynomial(x: np.ndarray) -> np.ndarray:
    """erfc = 1 - erf without its cancellation, from the same fitted pieces (same dtype as x):

        |x| < 1:      1 - erf(x)                    (erfc is in [0.15, 1.85]: no cancellation)
        1 <= |x| < 6: exp(-x^2) * R(u)              R fits erfcx, as for erf above
        |x| >= 6:     exp(-x^2) * erfcx(|x|)        erfcx from its continued fraction (below)
        x < 0:        2 - erfc(|x|)
    """
    x = np.asarray(x)
    if x.ndim == 0:
        return erfc_polynomial(x.reshape(1)).reshape(())
    out = np.full_like(x, np.nan)  # NaN stays NaN: it falls in none of the pieces
    a = np.abs(x)
    small = a < 1.0
    if small.any():
        out[small] = 1.0 - erf_polynomial(x[small])
    pieces = [(lo, hi, lambda xa, c=c, lo=lo, hi=hi: _horner(c, (2.0 * xa - (lo + hi)) / (hi - lo)))
              for lo, hi, c in _ERFC_PIECES] + [(6.0, np.inf, _erfcx_continued_fraction)]
    for lo, hi, erfcx in pieces:
        inside = (a >= lo) & ((a < hi) | (hi == np.inf))
        if not inside.any():
            continue
        xa = a[inside]
        with np.errstate(under="ignore", invalid="ignore"):
            tail = erfcx(xa) * np.exp(-(xa * xa))  # 0 (not nan) for |x| = inf: the fraction gives 0 too
        tail = np.where(np.isinf(xa), 0.0, tail).astype(x.dtype)
        out[inside] = np.where(x[inside] >= 0, tail, 2.0 - tail)
    return out


def _erfcx_continued_fraction(a: np.ndarray, terms: int = 40) -> np.ndarray:
    """erfcx(a) = exp(a^2) erfc(a) for a >= 6, from Laplace's continued fraction

        erfcx(a) = 1 / sqrt(pi) * 1 / (a + (1/2) / (a + (2/2) / (a + (3/2) / (a + ...))))

    evaluated from the bottom up; 40 terms reach float64 precision from a = 6 on."""
    t = a.copy()
    for k in range(terms, 0, -1):
        t = a + (k / 2.0) / t
    return 1.0 / (np.sqrt(np.pi) * t)


def erfc(x: np.ndarray) -> np.ndarray:
    """Elementwise complementary error function 1 - erf(x) of a NumPy array, accurate for large
    x where 1 - erf(x) would cancel to 0 (scipy's when installed, else erfc_polynomial)."""
    try:
        from scipy.special import erfc as scipy_erfc
    except ImportError:
        return erfc_polynomial(x)
    return scipy_erfc(x)


def tanh_form_argument(z, w, out, coefficients=_TANH_FORM):
    """out <- z * P(w), the tanh argument of the float32 erf, for w = z^2. GELU passes P
    rescaled to its own variable x = sqrt(2) z (with w = x^2)."""
    np.multiply(w, coefficients[-1], out=out)
    out += coefficients[-2]
    for c in coefficients[-3::-1]:  # Horner, in place
        out *= w
        out += c
    out *= z
    return out


def erf_float32(x: np.ndarray) -> np.ndarray:
    """erf of a float32 array in float32, max abs error ~1.4e-7 (see the module docstring).

    >>> float(erf_float32(np.array([0.5], np.float32))[0])  # doctest: +ELLIPSIS
    0.52049...
    """
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 0:
        return erf_float32(x.reshape(1)).reshape(())
    with np.errstate(over="ignore"):  # P(z^2) overflows to inf for |z| > ~1e4: tanh(inf) = 1
        out = tanh_form_argument(x, np.multiply(x, x), np.empty_like(x))
    return np.tanh(out, out=out)
