"""Gradient cases for the movement, diagonal, scatter and einsum ops (minigrad/ops/movement.py,
diagonal.py, scatter.py, linalg.py's Einsum). Each case goes through the public function, so the
composites around the op (reflect padding, repeat_interleave, unfold...) are exercised too."""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.ops import diagonal, linalg, movement, scatter

from .strategies import tensor

_shapes = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


def _flip(draw):
    x = tensor(draw, draw(_shapes))
    dims = draw(st.lists(st.integers(-x.ndim, x.ndim - 1), min_size=1, max_size=x.ndim, unique_by=lambda d: d % x.ndim))
    return (lambda x: x.flip(dims) * x), [x]


def _roll(draw):
    x = tensor(draw, draw(_shapes))
    if draw(st.booleans()):
        shift = draw(st.integers(-5, 5))
        return (lambda x: mg.roll(x, shift) * x), [x]
    dim = draw(st.integers(-x.ndim, x.ndim - 1))
    shift = draw(st.integers(-5, 5))
    return (lambda x: x.roll(shift, dim) * x), [x]


def _tile(draw):
    x = tensor(draw, draw(_shapes))
    kind = draw(st.sampled_from(["repeat", "tile", "interleave", "interleave-counts"]))
    if kind == "repeat":
        sizes = tuple(draw(st.integers(1, 3)) for _ in range(x.ndim + draw(st.integers(0, 1))))
        return (lambda x: x.repeat(*sizes) ** 2), [x]
    if kind == "tile":
        return (lambda x: mg.tile(x, (2,)) ** 2), [x]
    if kind == "interleave":
        return (lambda x: x.repeat_interleave(2) ** 2), [x]
    counts = draw(st.lists(st.integers(0, 3), min_size=x.shape[0], max_size=x.shape[0]))
    counts[0] = max(counts[0], 1)  # at least one element out
    counts = mg.tensor(counts)
    return (lambda x: x.repeat_interleave(counts, dim=0) ** 2), [x]


def _pad(draw):
    x = tensor(draw, (2,) + draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=2, max_side=4)))
    mode = draw(st.sampled_from(["constant", "reflect", "replicate", "circular"]))
    k = draw(st.integers(1, x.ndim - 1))
    limit = 1 if mode == "reflect" else 2
    amounts = tuple(draw(st.integers(-1, limit)) for _ in range(2 * k))
    value = 0.5 if mode == "constant" else None
    return (lambda x: F.pad(x, amounts, mode=mode, value=value) ** 2), [x]


def _unfold(draw):
    x = tensor(draw, draw(_shapes))
    dim = draw(st.integers(0, x.ndim - 1))
    size = draw(st.integers(1, x.shape[dim]))
    step = draw(st.integers(1, 2))
    return (lambda x: x.unfold(dim, size, step) ** 2), [x]


def _diagonal(draw):
    x = tensor(draw, draw(hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=4)))
    kind = draw(st.sampled_from(["diagonal", "diag", "tril", "triu"]))
    offset = draw(st.integers(-2, 2))
    if kind == "diagonal":
        a, b = draw(st.permutations(list(range(x.ndim))))[:2]
        return (lambda x: x.diagonal(offset, a, b) ** 2), [x]
    if kind == "diag":
        return (lambda x: mg.diag(x[0] if x.ndim == 3 else x, offset) ** 2), [x]
    return (lambda x: getattr(x, kind)(offset) ** 2), [x]


def _diag_embed(draw):
    v = tensor(draw, draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=3)))
    offset = draw(st.integers(-1, 1))
    dims = draw(st.sampled_from([(-2, -1), (0, 1), (-1, 0)]))
    if draw(st.booleans()):
        return (lambda v: mg.diag(v.reshape(-1), offset) ** 2), [v]
    return (lambda v: mg.diag_embed(v, offset, *dims) ** 2), [v]


def _index_for(draw, shape, dim, unique=False):
    """An int64 index for scatter along dim, no larger than shape; unique positions per column if asked."""
    index_shape = tuple(draw(st.integers(1, n)) for n in shape)
    n = shape[dim]
    if unique:
        index_shape = tuple(min(m, n) if i == dim else m for i, m in enumerate(index_shape))
        columns = np.moveaxis(np.zeros(index_shape, dtype=np.int64), dim, -1)
        flat = columns.reshape(-1, columns.shape[-1])
        for row in flat:
            row[:] = draw(st.permutations(list(range(n))))[:len(row)]
        return mg.tensor(np.moveaxis(flat.reshape(columns.shape), -1, dim).copy())
    return mg.tensor(draw(hnp.arrays(np.int64, index_shape, elements=st.integers(0, n - 1))))


def _scatter(draw):
    x = tensor(draw, draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=4)))
    dim = draw(st.integers(0, x.ndim - 1))
    index = _index_for(draw, x.shape, dim, unique=True)  # repeated positions: which write wins is undefined
    src = tensor(draw, tuple(n + draw(st.integers(0, 1)) for n in index.shape))
    if draw(st.booleans()):
        return (lambda x: (x * x).scatter(dim, index, value=0.5)), [x]
    return (lambda x, src: (x * x).scatter(dim, index, src * src)), [x, src]


def _distinct_pair(draw, shape_x, shape_src):
    """x and src with no ties anywhere (amax/amin stay smooth) and no zeros, from one permutation."""
    nx, ns = int(np.prod(shape_x)), int(np.prod(shape_src))
    values = np.asarray(draw(st.permutations(list(range(nx + ns)))), dtype=np.float64) * 0.15 + 0.4
    return (mg.tensor(values[:nx].reshape(shape_x), requires_grad=True),
            mg.tensor(values[nx:].reshape(shape_src), requires_grad=True))


def _scatter_reduce(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=3))
    dim = draw(st.integers(0, len(shape) - 1))
    index = _index_for(draw, shape, dim)
    x, src = _distinct_pair(draw, shape, index.shape)
    reduce = draw(st.sampled_from(scatter.REDUCTIONS))
    include_self = draw(st.booleans())
    if reduce == "prod" and draw(st.booleans()):  # a zero in src or x: the product's special case
        which = draw(st.sampled_from(["x", "src"]))
        values = (x if which == "x" else src).numpy().copy()
        values.flat[0] = 0.0
        if which == "x":
            x = mg.tensor(values, requires_grad=True)
        else:
            src = mg.tensor(values, requires_grad=True)
    return (lambda x, src: x.scatter_reduce(dim, index, src, reduce, include_self=include_self)), [x, src]


def _einsum(draw):
    n, k, m, b = (draw(st.integers(1, 3)) for _ in range(4))
    equation, shapes = draw(st.sampled_from([
        ("ij,jk->ik", [(n, k), (k, m)]),
        ("bij,bjk->bik", [(b, n, k), (b, k, m)]),
        ("ij,jk,kl", [(n, k), (k, m), (m, 2)]),
        ("ii->i", [(n, n)]),
        ("ii", [(n, n)]),
        ("iij->j", [(n, n, k)]),
        ("ij->", [(n, k)]),
        ("i,j->ij", [(n,), (k,)]),
        ("ij,j->i", [(n, k), (k,)]),
        ("...ij,...jk->...ik", [(b, n, k), (k, m)]),
        ("ik,kj->jk", [(n, k), (k, m)]),
        ("i,i", [(n,), (n,)]),
    ]))
    inputs = [tensor(draw, s) for s in shapes]
    return (lambda *xs: mg.einsum(equation, *xs)), inputs


CASES = {
    movement.Flip.__name__: _flip,
    movement.Roll.__name__: _roll,
    movement.Tile.__name__: _tile,
    movement.ConstantPad.__name__: _pad,
    "unfold": _unfold,
    diagonal.Diagonal.__name__: _diagonal,
    diagonal.DiagonalEmbed.__name__: _diag_embed,
    scatter.Scatter.__name__: _scatter,
    scatter.ScatterReduce.__name__: _scatter_reduce,
    linalg.Einsum.__name__: _einsum,
}
