"""Gradient cases for the reductions and scans added beside sum/mean/var: prod (with zeros in
the input), std, logsumexp, the vector norms, median, cumsum, cumprod (with zeros), logcumsumexp."""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
from minigrad.ops import reduce, scan

from .strategies import axis_for, small_shapes, tensor

_SIDES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


def _with_zeros(draw, x):
    """x with some elements set to exactly 0 (drawn), where the products' gradients need care."""
    if not draw(st.booleans()):
        return x
    zeros = draw(hnp.arrays(np.bool_, x.shape))
    return mg.tensor(np.where(zeros, 0.0, x.numpy()), dtype="float64", requires_grad=True)


def _distinct(draw, shape, spacing=0.37):
    """Values whose magnitudes are distinct and nonzero (signs drawn), so orderings, |x| and
    the maximum of |x| are differentiable."""
    n = int(np.prod(shape)) if shape else 1
    magnitudes = (np.asarray(draw(st.permutations(list(range(n)))), dtype=np.float64) + 1) * spacing
    signs = np.where(draw(hnp.arrays(np.bool_, (n,))), -1.0, 1.0)
    return mg.tensor((magnitudes * signs).reshape(shape), dtype="float64", requires_grad=True)


def _prod(draw):
    x = _with_zeros(draw, tensor(draw, draw(small_shapes), 0.5, 1.5))
    axis = axis_for(draw, x.ndim)
    keepdim = draw(st.booleans())
    return (lambda x: x.prod(axis=axis, keepdims=keepdim)), [x]


def _std(draw):
    x = _distinct(draw, draw(_SIDES.filter(lambda s: np.prod(s) > 1)), spacing=0.2)
    correction = draw(st.sampled_from([0, 1]))
    keepdim = draw(st.booleans())
    return (lambda x: x.std(dim=None, correction=correction, keepdim=keepdim)), [x]


def _logsumexp(draw):
    x = tensor(draw, draw(_SIDES), -3.0, 3.0)
    dim = axis_for(draw, x.ndim)
    dim = tuple(range(x.ndim)) if dim is None else dim
    keepdim = draw(st.booleans())
    return (lambda x: mg.logsumexp(x, dim, keepdim=keepdim)), [x]


def _vector_norm(draw):
    p = draw(st.sampled_from([2, 1, 3, 0.5, float("inf"), float("-inf")]))
    x = _distinct(draw, draw(_SIDES))
    dim = axis_for(draw, x.ndim)
    keepdim = draw(st.booleans())
    return (lambda x: mg.linalg.vector_norm(x, p, dim, keepdim)), [x]


def _median(draw):
    x = _distinct(draw, draw(small_shapes))
    return (lambda x: x.median() * x), [x]


def _scan(method, low=-2.0, high=2.0, zeros=False):
    def case(draw):
        x = tensor(draw, draw(_SIDES), low, high)
        if zeros:
            x = _with_zeros(draw, x)
        dim = draw(st.integers(-x.ndim, x.ndim - 1))
        return (lambda x: getattr(x, method)(dim)), [x]

    return case


CASES = {
    reduce.Prod.__name__: _prod,
    reduce.Std.__name__: _std,
    reduce.LogSumExp.__name__: _logsumexp,
    reduce.VectorNorm.__name__: _vector_norm,
    reduce.Median.__name__: _median,
    scan.Cumsum.__name__: _scan("cumsum"),
    scan.Cumprod.__name__: _scan("cumprod", 0.5, 1.5, zeros=True),
    scan.LogCumSumExp.__name__: _scan("logcumsumexp", -3.0, 3.0),
}
