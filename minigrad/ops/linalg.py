"""Matrix products: matmul (NumPy's rules: batched over leading dims, 1-D operands promoted),
PyTorch's stricter mm, bmm, mv, dot, outer and addmm built on it, and einsum.

For C = A @ B (the last two axes):  dA = dC @ B^T  and  dB = A^T @ dC;
batch axes that were broadcast are summed back by the engine.
The product itself runs in `kernels.matmul` (NumPy/BLAS on the CPU, Triton on the GPU).
einsum's gradient for each operand is another einsum (see Einsum).
"""

from __future__ import annotations

import numpy as np

import kernels

from ..autograd import Function, xp_of
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


class Einsum(Function):
    """einsum(subscripts, *operands), contracted in the order numpy.einsum(optimize=True) picks;
    dx_k = einsum of g with the other operands, giving operand k's subscripts

    The subscripts are explicit ("ij,jk->ik", no "..."). In operand k's gradient an index that
    k repeats (a diagonal, "ii") gets a fresh name tied to the first by an identity matrix, and an
    index only k has (summed away in the forward) comes back through a ones vector.
    """

    def forward(self, *operands, inputs, output):
        self.inputs_subscripts, self.output = inputs, output
        self.count = len(operands)
        for i, operand in enumerate(operands):  # one attribute each, so a recorded backward gets Tensors
            setattr(self, f"operand{i}", operand)
        return _contract(f"{','.join(inputs)}->{output}", *operands)

    def backward(self, g):
        operands = [getattr(self, f"operand{i}") for i in range(self.count)]
        return tuple(
            _operand_grad(g, operands, self.inputs_subscripts, self.output, k) if need else None
            for k, need in enumerate(self.needs_input_grad)
        )


def _operand_grad(g, operands: list, inputs: tuple, output: str, k: int):
    """The gradient of operand k: an einsum of g, the other operands and identity/ones constants."""
    others = [i for i in range(len(operands)) if i != k]
    available = set(output).union(*(inputs[i] for i in others))
    fresh = iter(c for c in _LETTERS if c not in set(output).union(*inputs))
    target, seen, extra_subscripts, extra_operands = [], set(), [], []
    for letter, n in zip(inputs[k], operands[k].shape):
        if letter in seen:  # a repeated index: d x_ii / d x_ij = delta_ij, so tie a new index to it
            new = next(fresh)
            target.append(new)
            extra_subscripts.append(letter + new)
            extra_operands.append(_constant(g, "eye", n))
            available.add(letter)
        else:
            seen.add(letter)
            target.append(letter)
    for letter, n in zip(inputs[k], operands[k].shape):
        if letter not in available:  # summed away in the forward: g spreads back along it
            extra_subscripts.append(letter)
            extra_operands.append(_constant(g, "ones", n))
            available.add(letter)
    subscripts = ",".join([output] + [inputs[i] for i in others] + extra_subscripts) + "->" + "".join(target)
    return _contract(subscripts, g, *(operands[i] for i in others), *extra_operands)


def _constant(g, kind: str, n: int):
    """eye(n) or ones(n) in g's dtype on g's device: an array, or a constant Tensor when g is one."""
    xp = g._xp if isinstance(g, Tensor) else xp_of(g)
    array = xp.eye(n, dtype=g.dtype) if kind == "eye" else xp.ones(n, dtype=g.dtype)
    return Tensor._wrap(array, False) if isinstance(g, Tensor) else array


def _contract(subscripts: str, *operands):
    """numpy/cupy einsum with a contraction order (BLAS where it can); Einsum itself for Tensors."""
    if any(isinstance(x, Tensor) for x in operands):
        inputs, output = subscripts.split("->")
        operands = [x if isinstance(x, Tensor) else Tensor._wrap(x, False) for x in operands]
        return Einsum.apply(*operands, inputs=tuple(inputs.split(",")), output=output)
    return xp_of(*operands).einsum(subscripts, *operands, optimize=True)


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def einsum(equation: str, *operands) -> Tensor:
    """Einstein summation, as torch.einsum: einsum("ij,jk->ik", a, b) is a @ b.

    Each operand gets one letter per dim; letters shared by operands are multiplied along,
    letters missing from the output (after "->") are summed over. Without "->" the output is
    the letters used once, in alphabetical order. "..." stands for the remaining dims (broadcast
    between operands). The operands may also come as one list. Contracted in the order NumPy's
    optimize=True picks, so a chain of products runs as matrix multiplications.
    """
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the first argument must be the equation, a string such as 'ij,jk->ik', got "
                        f"{type(equation).__name__} (PyTorch's sublist form is not supported)")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands or not all(isinstance(x, Tensor) for x in operands):
        raise TypeError(f"einsum: expected one or more Tensors after the equation, got "
                        f"{[type(x).__name__ for x in operands]}")
    if len({x.dtype for x in operands}) > 1:
        raise TypeError(f"einsum: all operands need the same dtype, got {[str(x.dtype) for x in operands]}")
    inputs, output = _explicit(equation, operands)
    return Einsum.apply(*operands, inputs=inputs, output=output)


def _explicit(equation: str, operands) -> tuple:
    """The equation as (one subscript string per operand, the output string), '...' spelled out."""
    equation = equation.replace(" ", "")
    left, arrow, right = equation.partition("->")
    inputs = left.split(",")
    if len(inputs) != len(operands):
        raise ValueError(f"einsum: the equation {equation!r} has {len(inputs)} operand(s) but {len(operands)} "
                         "tensor(s) were given")
    used = set(equation) - set(".,->")
    if any(c not in _LETTERS for c in used):
        raise ValueError(f"einsum: subscripts must be letters (and '...'), got {equation!r}")
    spare = [c for c in _LETTERS if c not in used]
    ellipsis_dims = 0
    for subs, x in zip(inputs, operands):
        named = len(subs.replace("...", ""))
        if ("..." in subs and named > x.ndim) or ("..." not in subs and named != x.ndim):
            raise ValueError(f"einsum: subscripts {subs!r} do not fit an operand of shape {tuple(x.shape)}")
        if "..." in subs:
            ellipsis_dims = max(ellipsis_dims, x.ndim - named)
    letters = "".join(spare[:ellipsis_dims])
    explicit = []
    for subs, x in zip(inputs, operands):
        if "..." in subs:  # this operand's broadcast dims take the last of the letters (aligned right)
            dims = x.ndim - len(subs.replace("...", ""))
            subs = subs.replace("...", letters[ellipsis_dims - dims:])
        explicit.append(subs)
    if arrow:
        output = right.replace("...", letters)
    else:  # implicit: the broadcast dims, then every letter used once, alphabetically
        counts = {c: left.count(c) for c in used}
        output = letters + "".join(sorted(c for c, n in counts.items() if n == 1))
    if len(set(output)) != len(output) or any(c not in "".join(explicit) for c in output):
        raise ValueError(f"einsum: the output subscripts of {equation!r} must be distinct letters of the inputs")
    return tuple(explicit), output


def outer(a: Tensor, b: Tensor) -> Tensor:
    """The outer product of two 1-D tensors: out[i, j] = a[i] * b[j]."""
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"outer: expected two 1-D tensors, got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    return a.reshape(-1, 1) * b.reshape(1, -1)


def dot(a: Tensor, b: Tensor) -> Tensor:
    """The dot product of two 1-D tensors of the same length (torch.dot: 1-D only, unlike numpy.dot)."""
    if a.ndim != 1 or b.ndim != 1 or a.shape != b.shape:
        raise ValueError(f"dot: expected two 1-D tensors of the same length, got shapes {tuple(a.shape)} and "
                         f"{tuple(b.shape)} (for matrices use mm or matmul)")
    return matmul(a, b)


def mm(a: Tensor, b: Tensor) -> Tensor:
    """The product of two matrices [n, k] @ [k, m] (2-D only; matmul broadcasts)."""
    if a.ndim != 2 or b.ndim != 2:
        raise ValueError(f"mm: expected two matrices (2-D), got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    return matmul(a, b)


def mv(a: Tensor, v: Tensor) -> Tensor:
    """A matrix [n, m] times a vector [m]."""
    if a.ndim != 2 or v.ndim != 1:
        raise ValueError(f"mv: expected a matrix and a vector, got shapes {tuple(a.shape)} and {tuple(v.shape)}")
    return matmul(a, v)


def bmm(a: Tensor, b: Tensor) -> Tensor:
    """Batched matrix products [B, n, k] @ [B, k, m] (3-D, the same batch size; no broadcasting)."""
    if a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0]:
        raise ValueError(f"bmm: expected two 3-D tensors with the same batch size, got shapes {tuple(a.shape)} "
                         f"and {tuple(b.shape)}")
    return matmul(a, b)


def addmm(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2); input broadcasts to the product's shape.
    With beta = 0, input is ignored (its NaNs do not spread), as in PyTorch."""
    product = mm(mat1, mat2)
    try:
        fits = np.broadcast_shapes(tuple(input.shape), tuple(product.shape)) == tuple(product.shape)
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"addmm: input of shape {tuple(input.shape)} does not broadcast to the product's shape "
                         f"{tuple(product.shape)}")
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        return product
    return product + (input if beta == 1 else input * beta)
