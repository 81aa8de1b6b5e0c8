"""minigrad.linalg: PyTorch's torch.linalg names for norms.

    mg.linalg.vector_norm(x, ord=2, dim=None)        (sum |x|^p)^(1/p); inf, -inf, 0 too
    mg.linalg.matrix_norm(A, ord="fro", dim=(-2, -1)) 'fro', 1, -1, inf, -inf
    mg.linalg.norm(A, ord=None, dim=None)            a vector norm for one dim, a matrix norm for two

The vector norms are one op (minigrad/ops/reduce.py: VectorNorm, with PyTorch's gradient at
zero); the matrix norms are composed from it and from sum/amax/amin:

    ord = 1:  max over columns of sum_i |a_ij|      ord = -1:  the min of the same
    ord = inf: max over rows of sum_j |a_ij|        ord = -inf: the min of the same
    'fro':    sqrt(sum |a_ij|^2)

The spectral and nuclear norms (ord = 2, -2, 'nuc') need a singular value decomposition with
its gradient, which minigrad does not have: they raise NotImplementedError.
"""

from __future__ import annotations

import math

import numpy as np

from .ops._args import check_axis
from .ops.reduce import amax, amin, vector_norm
from .tensor import Tensor

__all__ = ["norm", "vector_norm", "matrix_norm"]


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:
    """A matrix norm of each matrix in A (over the two dims `dim`): 'fro', 1, -1, inf or -inf."""
    if not isinstance(A, Tensor):
        raise TypeError(f"matrix_norm: expected a Tensor, got {type(A).__name__}")
    if dtype is not None:
        A = A.astype(dtype)
    if A.dtype.kind != "f":
        raise TypeError(f"matrix_norm: expected a floating-point tensor, got {A.dtype}")
    if A.ndim < 2:
        raise ValueError(f"matrix_norm: expected a tensor of at least 2 dims (matrices), got shape {tuple(A.shape)}")
    dims = tuple(dim) if isinstance(dim, (tuple, list)) else None
    if dims is None or len(dims) != 2:
        raise ValueError(f"matrix_norm: dim must be a pair of dims, got {dim!r}")
    rows, cols = (check_axis("matrix_norm", d, A.ndim, A.shape) for d in dims)
    if rows == cols:
        raise ValueError(f"matrix_norm: the two dims must differ, got {dim!r}")
    if ord == "fro":
        return vector_norm(A, 2, (rows, cols), keepdim)
    if ord in ("nuc", 2, -2):
        raise NotImplementedError(f"matrix_norm: ord={ord!r} needs a singular value decomposition, which minigrad "
                                  "does not have (use 'fro', 1, -1, inf or -inf)")
    if ord not in (1, -1, math.inf, -math.inf):
        raise ValueError(f"matrix_norm: ord must be 'fro', 'nuc', 1, -1, 2, -2, inf or -inf, got {ord!r}")
    if A.shape[rows] == 0 or A.shape[cols] == 0:
        raise IndexError(f"matrix_norm: ord={ord} of an empty matrix (shape {tuple(A.shape)}) has no value")
    # ord +-1: sum down each column (over the rows), then the max/min over the columns; +-inf: the reverse
    summed, across = (rows, cols) if ord in (1, -1) else (cols, rows)
    sums = A.abs().sum(dim=summed, keepdim=True)
    out = (amax if ord > 0 else amin)(sums, dim=across, keepdim=True)
    return out if keepdim else out.reshape(tuple(n for i, n in enumerate(A.shape) if i not in (rows, cols)))


def norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """torch.linalg.norm: with dim an int, the vector norm of order ord (2 when None); with dim a
    pair, the matrix norm (Frobenius when None); with dim None, ord None gives the 2-norm of all
    elements, and ord given needs a 1-D input (vector norm) or a 2-D one (matrix norm)."""
    if not isinstance(A, Tensor):
        raise TypeError(f"linalg.norm: expected a Tensor, got {type(A).__name__}")
    if isinstance(dim, (int, np.integer)):
        dim = (dim,)
    if dim is not None:
        dim = tuple(dim)
        if len(dim) == 1:
            return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
        if len(dim) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
        raise ValueError(f"linalg.norm: dim must be an int or a pair of ints, got {dim!r}")
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise ValueError(f"linalg.norm: with ord={ord!r} and no dim the input must be 1-D or 2-D, got shape "
                     f"{tuple(A.shape)} (pass dim=)")
