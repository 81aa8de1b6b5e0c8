"""Regenerate the polynomial coefficients in erf.py (needs mpmath; not imported by kernels).

Run: python -m kernels.reference.fit_erf
Each float64 piece is a least-squares fit in the Chebyshev basis on 200 Chebyshev nodes,
computed in 40-digit arithmetic, then converted to powers of u in [-1, 1] and printed. The
float32 fast path's single polynomial (`fit_tanh_form`) is a near-minimax fit of the erf
error, in float64 against 30-digit targets (float32 evaluation is the limit there, not the fit).
"""
from __future__ import annotations

import numpy as np


def chebyshev_fit(mp, f, a, b, degree, nodes=200):
    u_nodes = np.cos(np.pi * (np.arange(nodes) + 0.5) / nodes)
    rows, values = [], []
    for u in u_nodes:
        u = mp.mpf(float(u))
        values.append(f(mp.mpf(a) + (mp.mpf(b) - a) * (u + 1) / 2))
        row, t_prev, t = [mp.mpf(1), u], mp.mpf(1), u
        for _ in range(2, degree + 1):
            t_prev, t = t, 2 * u * t - t_prev
            row.append(t)
        rows.append(row[: degree + 1])
    v = mp.matrix(rows)
    c = mp.lu_solve(v.T * v, v.T * mp.matrix(values))
    return [c[j] for j in range(degree + 1)]


def chebyshev_to_powers(mp, c):
    polys = [[mp.mpf(1)], [mp.mpf(0), mp.mpf(1)]]  # T0, T1 as power coefficients
    for j in range(2, len(c)):
        p = [mp.mpf(0)] * (j + 1)
        for i, value in enumerate(polys[-1]):
            p[i + 1] += 2 * value
        for i, value in enumerate(polys[-2]):
            p[i] -= value
        polys.append(p)
    out = [mp.mpf(0)] * len(c)
    for j, cj in enumerate(c):
        for i, value in enumerate(polys[j]):
            out[i] += cj * value
    return out


def main():
    import mpmath as mp

    mp.mp.dps = 40

    def erf_over_x(t):  # erf(sqrt(t)) / sqrt(t), as a function of t = x^2
        return mp.erf(mp.sqrt(t)) / mp.sqrt(t) if t > 0 else 2 / mp.sqrt(mp.pi)

    def erfcx(x):
        return mp.erfc(x) * mp.exp(x * x)

    pieces = [("_SMALL", erf_over_x, 0.0, 1.0, 12), ("_ERFCX_1_2", erfcx, 1.0, 2.0, 15),
              ("_ERFCX_2_35", erfcx, 2.0, 3.5, 16), ("_ERFCX_35_6", erfcx, 3.5, 6.0, 17)]
    for name, f, a, b, degree in pieces:
        powers = chebyshev_to_powers(mp, chebyshev_fit(mp, f, a, b, degree))
        print(f"{name} = (  # u in [-1, 1] maps to [{a}, {b}], lowest power first")
        for i in range(0, len(powers), 3):
            print("    " + " ".join(f"{float(v)!r}," for v in powers[i:i + 3]))
        print(")")



def fit_tanh_form(mp, degree=6, z_max=4.0, points=4000, iterations=300):
    """Coefficients p_k (lowest first) of erf(z) ~= tanh(z * P(z^2)), P(w) = sum_k p_k w^k,
    for the float32 fast path. P approximates artanh(erf(z)) / z on [0, z_max]; the weights
    make it minimise the error of erf itself: d erf = (1 - erf^2) * z * d P. Lawson's
    iteratively reweighted least squares turns the weighted fit into a near-minimax one."""
    z = np.linspace(z_max / points, z_max, points)
    target = np.array([float(mp.atanh(mp.erf(mp.mpf(float(v)))) / mp.mpf(float(v))) for v in z])
    erf_z = np.array([float(mp.erf(mp.mpf(float(v)))) for v in z])
    sensitivity = (1.0 - erf_z ** 2) * z
    basis = np.vander(z * z / (z_max * z_max), degree + 1, increasing=True)  # well scaled
    weights = np.ones_like(z)
    best_error, best = np.inf, None
    for _ in range(iterations):
        row_weight = sensitivity * np.sqrt(weights)
        coefficients = np.linalg.lstsq(basis * row_weight[:, None], target * row_weight,
                                       rcond=None)[0]
        error = np.abs(sensitivity * (basis @ coefficients - target))
        if error.max() < best_error:
            best_error, best = error.max(), coefficients
        weights *= np.sqrt(error / error.max()) + 1e-3
        weights /= weights.mean()
    powers = [c / (z_max * z_max) ** k for k, c in enumerate(best)]  # back to powers of w
    return powers, best_error


def main_tanh_form():
    import mpmath as mp

    mp.mp.dps = 30
    powers, error = fit_tanh_form(mp)
    print(f"# max |erf error| of the fit, before float32 rounding: {error:.3g}")
    print("_TANH_FORM = (  # erf(z) ~= tanh(z * P(z^2)) on |z| <= 4, lowest power first")
    for i in range(0, len(powers), 3):
        print("    " + " ".join(f"{float(v)!r}," for v in powers[i:i + 3]))
    print(")")


if __name__ == "__main__":
    main()
    main_tanh_form()
