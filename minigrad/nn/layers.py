"""The basic layers: Linear, LayerNorm, Embedding, Dropout. (The activations are in activation.py.)

Each is a Module holding its Parameters and calling minigrad.nn.functional in
forward. Initialisation follows PyTorch's defaults and draws from minigrad's
generator, so mg.manual_seed(0) makes a model reproducible.
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..random import generator
from ..tensor import Tensor, as_dtype, float32
from . import functional as F
from .activation import GELU, ReLU, Sigmoid, Tanh  # noqa: F401  (moved to activation.py; still importable from here)
from .module import Module, Parameter


def _parameter(array: np.ndarray, device, dtype) -> Parameter:
    """A Parameter from a freshly drawn float64/float32 array, cast and moved."""
    array = array.astype(as_dtype(dtype) or float32, copy=False)
    if device is not None:
        array = backend.to_device(array, backend.check_device(device))
    return Parameter(Tensor._wrap(array, False))


def _uniform(shape, bound: float, device, dtype) -> Parameter:
    return _parameter(generator().uniform(-bound, bound, size=shape), device, dtype)


class Linear(Module):
    """y = x W^T + b, for x [..., in_features] -> [..., out_features].

    weight [out, in] and bias [out] start uniform in +-1/sqrt(in_features): PyTorch's
    default (kaiming_uniform with a = sqrt(5), which works out to that bound).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        bound = 1.0 / math.sqrt(in_features) if in_features > 0 else 0.0
        self.weight = _uniform((out_features, in_features), bound, device, dtype)
        self.bias = _uniform((out_features,), bound, device, dtype) if bias else None

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class LayerNorm(Module):
    """Normalise each vector over its last axis (or axes), then scale by weight and add bias.

        y = (x - mean) / sqrt(var + eps) * weight + bias      (biased variance; weight=1, bias=0 at start)
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 device=None, dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        self.weight = _parameter(np.ones(shape), device, dtype) if elementwise_affine else None
        self.bias = _parameter(np.zeros(shape), device, dtype) if elementwise_affine and bias else None

    def forward(self, x: Tensor) -> Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class Embedding(Module):
    """A table of num_embeddings vectors of size embedding_dim, looked up by integer index.

    weight starts standard normal (PyTorch's default). Input: int tensor of any shape;
    output: that shape + (embedding_dim,).
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, device=None, dtype=None):
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.weight = _parameter(generator().standard_normal((num_embeddings, embedding_dim)), device, dtype)

    def forward(self, indices) -> Tensor:
        return F.embedding(indices, self.weight)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"


class Dropout(Module):
    """Zero each element with probability p in training mode (scaling the rest by 1/(1-p)); identity in eval mode."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"

