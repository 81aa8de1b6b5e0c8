"""Matrix multiplication with NumPy's rules: batched over leading dims, 1-D operands promoted.

For C = A @ B (the last two axes):  dA = dC @ B^T  and  dB = A^T @ dC;
batch axes that were broadcast are summed back by the engine.
The product itself runs in `kernels.matmul` (NumPy/BLAS on the CPU, Triton on the GPU).
"""

from __future__ import annotations

import kernels

from ..autograd import Function
from ..tensor import Tensor


class MatMul(Function):
    """a @ b for ndim >= 2;  da = g @ b^T,  db = a^T @ g"""

    def forward(self, a, b):
        self.a, self.b = a, b
        return kernels.matmul(a, b)

    def backward(self, g):
        need_a, need_b = self.needs_input_grad
        da = _product(g, self.b.swapaxes(-1, -2)) if need_a else None
        db = _product(self.a.swapaxes(-1, -2), g) if need_b else None
        return da, db


def _product(a, b):
    """a @ b: kernels.matmul on arrays, the recorded op on Tensors (a recorded backward)."""
    return MatMul.apply(a, b) if isinstance(a, Tensor) else kernels.matmul(a, b)


def matmul(a, b) -> Tensor:
    """Matrix product with NumPy's semantics: batched over leading dims; a 1-D left operand
    is a row vector and a 1-D right operand a column vector, their added axis removed after."""
    if not isinstance(a, Tensor):
        a = Tensor(a, device=b.device)
    if not isinstance(b, Tensor):
        b = Tensor(b, device=a.device)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes {a.shape} and {b.shape}")
    if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
        raise ValueError(
            f"matmul: inner dimensions differ: {a.shape} @ {b.shape} "
            f"(a's last axis {a.shape[-1]} must equal b's {'second-to-last' if b.ndim > 1 else 'only'} axis)"
        )
    if a.dtype != b.dtype:
        raise TypeError(f"matmul: both operands need the same dtype, got {a.dtype} and {b.dtype}")
    if a.ndim == 1 and b.ndim == 1:
        return (a * b).sum()
    if a.ndim == 1:
        return MatMul.apply(a.unsqueeze(0), b).squeeze(-2)
    if b.ndim == 1:
        return MatMul.apply(a, b.unsqueeze(1)).squeeze(-1)
    return MatMul.apply(a, b)
