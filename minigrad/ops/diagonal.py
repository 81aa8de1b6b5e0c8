"""Diagonals and triangles: diagonal, diag, diag_embed, tril, triu.

Reading a diagonal and writing one are each other's backward, as reading and writing by
index are (see index.py):

    y = diagonal(x)                 dx = zeros(x.shape) with g written on the diagonal
    y = DiagonalEmbed(v, shape)     dv = the diagonal of g

so gradients of any order stay within these two ops. tril and triu keep x under (or over)
a diagonal and put zeros elsewhere: where(mask, x, 0), whose gradient is g masked the same way.
"""

from __future__ import annotations

from ..autograd import Function, xp_of
from ..tensor import Tensor
from ._args import check_axis
from .elementwise import where


class Diagonal(Function):
    """The diagonal x[..., i, i + offset] of axes (axis1, axis2), as a new last axis;
    dx = zeros(x.shape) with g written on that diagonal (DiagonalEmbed)"""

    def forward(self, x, offset, axis1, axis2):
        self.shape, self.offset, self.axis1, self.axis2 = x.shape, offset, axis1, axis2
        return xp_of(x).diagonal(x, offset, axis1, axis2).copy()  # NumPy's diagonal view is read-only

    def backward(self, g):
        params = dict(shape=self.shape, offset=self.offset, axis1=self.axis1, axis2=self.axis2)
        if isinstance(g, Tensor):
            return DiagonalEmbed.apply(g, **params)
        return _embed(g, **params)


class DiagonalEmbed(Function):
    """zeros(shape) with v's last axis written on the diagonal [..., i, i + offset] of axes
    (axis1, axis2): the backward of Diagonal, and diag_embed;  dv = diagonal(g)"""

    def forward(self, v, shape, offset, axis1, axis2):
        self.offset, self.axis1, self.axis2 = offset, axis1, axis2
        return _embed(v, shape, offset, axis1, axis2)

    def backward(self, g):
        if isinstance(g, Tensor):
            return Diagonal.apply(g, offset=self.offset, axis1=self.axis1, axis2=self.axis2)
        return xp_of(g).diagonal(g, self.offset, self.axis1, self.axis2)


def _embed(values, shape: tuple, offset: int, axis1: int, axis2: int):
    """The array behind DiagonalEmbed."""
    xp = xp_of(values)
    out = xp.zeros(shape, dtype=values.dtype)
    square = xp.moveaxis(out, (axis1, axis2), (-2, -1))  # a writable view: the diagonal's axes last
    n = values.shape[-1]
    rows = xp.arange(n) + max(-offset, 0)
    square[..., rows, rows + offset] = values
    return out


# ---- the functions the Tensor methods and `minigrad.*` call ----------------------------------


def diagonal(x: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of dims (dim1, dim2) shifted by offset (> 0 above, < 0 below), as the last
    dim of the result: for a matrix, [x[0, offset], x[1, 1 + offset], ...]."""
    if x.ndim < 2:
        raise ValueError(f"diagonal: expected a tensor of at least 2 dims, got shape {tuple(x.shape)}")
    a, b = check_axis("diagonal", dim1, x.ndim, x.shape), check_axis("diagonal", dim2, x.ndim, x.shape)
    if a == b:
        raise ValueError(f"diagonal: dim1 and dim2 must be different dims, got {dim1} and {dim2}")
    return Diagonal.apply(x, offset=int(offset), axis1=a, axis2=b)


def diag_embed(x: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices with x's last dim on their diagonal (shifted by offset), in the new dims dim1
    and dim2 of the result (which has one dim more than x): diag_embed of [n] is [n, n]."""
    if x.ndim < 1:
        raise ValueError("diag_embed: expected a tensor of at least 1 dim, got a 0-d tensor")
    a = check_axis("diag_embed", dim1, x.ndim, x.shape, extra=1)  # dims of the result, one more than x's
    b = check_axis("diag_embed", dim2, x.ndim, x.shape, extra=1)
    if a == b:
        raise ValueError(f"diag_embed: dim1 and dim2 must be different dims, got {dim1} and {dim2}")
    m = x.shape[-1] + abs(int(offset))
    shape = list(x.shape[:-1])
    for position in sorted((a, b)):
        shape.insert(position, m)
    return DiagonalEmbed.apply(x, shape=tuple(shape), offset=int(offset), axis1=a, axis2=b)


def diag(x: Tensor, diagonal: int = 0) -> Tensor:
    """torch.diag: a 1-D x becomes a square matrix with x on its `diagonal`-th diagonal;
    a 2-D x gives its `diagonal`-th diagonal as a 1-D tensor."""
    if x.ndim == 1:
        return diag_embed(x, diagonal)
    if x.ndim == 2:
        return Diagonal.apply(x, offset=int(diagonal), axis1=0, axis2=1)
    raise ValueError(f"diag: expected a 1-D or 2-D tensor, got shape {tuple(x.shape)}")


def _triangle(op: str, x: Tensor, diagonal: int, lower: bool) -> Tensor:
    if x.ndim < 2:
        raise ValueError(f"{op}: expected a tensor of at least 2 dims (a matrix or a batch of them), "
                         f"got shape {tuple(x.shape)}")
    rows, cols = x.shape[-2:]
    xp = x._xp
    above = xp.arange(cols)[None, :] - xp.arange(rows)[:, None]  # j - i: how far above the main diagonal
    keep = above <= diagonal if lower else above >= diagonal
    return where(Tensor._wrap(keep, False), x, xp.zeros((), dtype=x.dtype).item())


def tril(x: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle: x[..., i, j] where j - i <= diagonal, 0 above it."""
    return _triangle("tril", x, int(diagonal), lower=True)


def triu(x: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle: x[..., i, j] where j - i >= diagonal, 0 below it."""
    return _triangle("triu", x, int(diagonal), lower=False)
