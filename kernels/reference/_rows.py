"""Reductions over the last axis, picked by what NumPy does fast (measured on a 2-core Xeon,
float32, single-threaded; see the reasons next to each helper).

NumPy reduces a short last axis one row at a time, paying a fixed cost per row: a row sum of
a [4096, 64] array takes ~100 us with `.sum(-1)` but ~17 us as the matrix-vector product
`x @ ones` (one BLAS gemv over the whole block). A row max has no BLAS twin; for very short
rows, reducing a transposed copy over axis 0 (an elementwise maximum of whole rows) is
faster. On CuPy arrays every helper is the plain reduction.
"""
from __future__ import annotations

import numpy as np

# Above this row length a gemv over long rows is slower than NumPy's pairwise sum (measured:
# [64, 50257] takes 7 ms through gemv, 0.6 ms through .sum(-1)); below it, gemv wins.
GEMV_MAX_COLUMNS = 2048
# Rows at most this long reduce faster as a transposed copy (measured: [64, 10] 1.6 us vs
# 4.5 us; [1024, 32] 29 us vs 92 us; from 64 on the copy costs more than it saves).
TRANSPOSED_MAX_COLUMNS = 32

_ones_cache: dict = {}


def ones(n: int, dtype) -> np.ndarray:
    """A read-only NumPy vector of n ones (cached: it is the right operand of row sums)."""
    key = (n, dtype)
    vector = _ones_cache.get(key)
    if vector is None:
        vector = np.ones(n, dtype=dtype)
        vector.flags.writeable = False
        if len(_ones_cache) < 64:  # a model has a handful of row lengths; never grow without end
            _ones_cache[key] = vector
    return vector


def _gemv_ok(x) -> bool:
    # float32/float64 only: NumPy's float16 matmul is slow and accumulates in float16
    return (type(x) is np.ndarray and 0 < x.shape[-1] <= GEMV_MAX_COLUMNS and x.size > 0
            and x.dtype.char in "fd")


def row_sum(x):
    """sum(x, axis=-1), as a new array of shape x.shape[:-1]."""
    if not _gemv_ok(x):
        return x.sum(axis=-1, keepdims=True)[..., 0]  # an array even for 1-D x
    d = x.shape[-1]
    # reshape is free for a C-contiguous x (every caller's working buffer) and one copy else
    return (x.reshape(-1, d) @ ones(d, x.dtype)).reshape(x.shape[:-1])


def column_sum(rows):
    """sum(rows, axis=0) of a 2-D array: on NumPy the gemv ones @ rows, 2.5-4x faster than
    .sum(axis=0) (measured: [1024, 384] float32 21 us vs 53 us; [128, 512] 3 us vs 8 us)."""
    if type(rows) is np.ndarray and rows.dtype.char in "fd" and rows.shape[0] > 0:
        return ones(rows.shape[0], rows.dtype) @ rows
    return rows.sum(axis=0)


def row_dot(a, b):
    """sum(a * b, axis=-1) for a and b of one shape, without a full-size temporary on NumPy."""
    if type(a) is np.ndarray:
        total = np.einsum("...i,...i->...", a, b)
        return total if a.ndim > 1 else np.asarray(total)  # 1-D: einsum returns a scalar
    return (a * b).sum(axis=-1)


def row_max(x):
    """max(x, axis=-1), as a new array of shape x.shape[:-1] (NaN propagates, like .max)."""
    d = x.shape[-1]
    if type(x) is np.ndarray and 0 < d <= TRANSPOSED_MAX_COLUMNS and x.ndim == 2:
        return x.T.copy().max(axis=0)
    return x.max(axis=-1, keepdims=True)[..., 0]


_arange_cache: dict = {}


def arange(n: int) -> np.ndarray:
    """A read-only np.arange(n) (cached: the row index of gathers like x[rows, targets])."""
    rows = _arange_cache.get(n)
    if rows is None:
        rows = np.arange(n)
        rows.flags.writeable = False
        if len(_arange_cache) < 64:
            _arange_cache[n] = rows
    return rows
