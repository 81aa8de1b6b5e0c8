"""The core Keras layers, each a thin wrapper over one minigrad.nn.functional call:

    Dense(units, activation)     activation(x @ kernel + bias)   -> F.linear (+ an activation)
    Activation(name)             activation(x)
    Dropout(rate)                F.dropout while training, the identity otherwise
    Flatten()                    [N, d1, d2, ...] -> [N, d1 * d2 * ...]
    Embedding(input_dim, output_dim)  rows of a table, looked up by integer index -> F.embedding
    InputLayer / Input(shape)    declares the input size of a Sequential model (no computation)

Dense stores its kernel as PyTorch's nn.Linear does ([units, in], named "weight") so that the
forward is one fused F.linear; `get_weights()` hands it out in Keras's [in, units] layout.
"""

from __future__ import annotations

import math

import numpy as np

from ...creation import tensor
from ...nn import functional as F
from ...tensor import Tensor, as_dtype
from .. import activations
from .base import Layer, make_weight


class InputLayer(Layer):
    """The input of a model: its shape (without the batch axis) and dtype. Computes nothing.

    minigrad.keras has no symbolic tensors: `keras.Input(shape=(784,))` returns this layer, which
    a Sequential model reads to build itself at once (the functional API is not supported).
    """

    def __init__(self, shape=None, batch_size: int | None = None, dtype=None, name: str | None = None, **kwargs):
        if shape is None and "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if shape is None:
            raise ValueError("InputLayer: give the input's shape without the batch axis, e.g. shape=(784,)")
        super().__init__(name=name, **kwargs)
        self.shape = tuple(shape)
        self.batch_size = batch_size
        self.input_dtype = as_dtype(dtype) or self.dtype
        self._input_shape_arg = (batch_size, *self.shape)

    def call(self, inputs):
        """The identity."""
        return inputs


def Input(shape=None, batch_size: int | None = None, dtype=None, name: str | None = None) -> InputLayer:
    """keras.Input(shape=(784,)): an InputLayer to put first in a Sequential model."""
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, name=name)


class Dense(Layer):
    """Dense(units, activation=None, use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros"):
    y = activation(x @ kernel + bias) on the last axis of x, built on the first input.

    >>> layer = Dense(64, activation="relu")
    >>> layer(np.zeros((2, 10))).shape          # kernel [10, 64] made now
    (2, 64)
    """

    _weight_names = ("weight", "bias")

    def __init__(self, units: int, activation=None, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        if isinstance(units, bool) or int(units) != units or units < 1:
            raise ValueError(f"Dense: units must be a positive integer, got {units!r}")
        self.units, self.use_bias = int(units), use_bias
        self.activation = activations.get(activation)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.weight = self.bias = None

    def build(self, input_shape: tuple) -> None:
        """kernel [in, units] drawn by kernel_initializer (stored as weight [units, in]); bias [units]."""
        if len(input_shape) < 2 or input_shape[-1] is None:
            raise ValueError(f"{self.name}: Dense needs inputs [batch, ..., features], got shape {input_shape}")
        device = self._input_device
        self.weight = make_weight(self.kernel_initializer, (input_shape[-1], self.units), self.dtype, device,
                                  transpose=True)
        if self.use_bias:
            self.bias = make_weight(self.bias_initializer, (self.units,), self.dtype, device)

    def call(self, inputs):
        """activation(F.linear(x, weight, bias))."""
        return self.activation(F.linear(inputs, self.weight, self.bias))

    @property
    def kernel(self):
        """The kernel in Keras's [in, units] layout (a transposed view of `weight`)."""
        return None if self.weight is None else self.weight.T

    def _to_keras(self, name, array):
        return array.T if name == "weight" else array

    def _from_keras(self, name, array):
        return array.T if name == "weight" else array

    def get_config(self) -> dict:
        """name, units, activation, use_bias and the initialisers."""
        return {**super().get_config(), "units": self.units, "activation": activations.name_of(self.activation),
                "use_bias": self.use_bias, "kernel_initializer": self.kernel_initializer,
                "bias_initializer": self.bias_initializer}

    def extra_repr(self) -> str:
        """The name, units and activation."""
        return f"{super().extra_repr()}, units={self.units}, activation={activations.name_of(self.activation)!r}"


class Activation(Layer):
    """Activation("relu"): apply an activation function by name (or a callable)."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        """activation(x)."""
        return self.activation(inputs)


class Dropout(Layer):
    """Dropout(rate): zero each element with probability rate while training (scaling the rest by
    1 / (1 - rate)); the identity in evaluate and predict."""

    def __init__(self, rate: float, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"Dropout: rate must be in [0, 1], got {rate}")
        if noise_shape is not None or seed is not None:
            raise ValueError("Dropout: noise_shape and seed are not supported by minigrad.keras "
                             "(the mask is drawn per element from minigrad's generator; seed it with "
                             "keras.utils.set_random_seed)")
        self.rate = rate

    def call(self, inputs):
        """F.dropout(x, rate, training)."""
        return F.dropout(inputs, self.rate, self.training)


class Flatten(Layer):
    """Flatten(): [N, d1, d2, ...] -> [N, d1 * d2 * ...] (channels-last data stays in its order)."""

    def call(self, inputs):
        """x.reshape(N, -1)."""
        return inputs.reshape(inputs.shape[0], math.prod(inputs.shape[1:]))


class Embedding(Layer):
    """Embedding(input_dim, output_dim, embeddings_initializer="uniform"): integer indices [N, ...] ->
    vectors [N, ..., output_dim], rows of a table drawn uniform in +-0.05 as Keras does."""

    _weight_names = ("weight",)

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer="uniform", mask_zero: bool = False,
                 **kwargs):
        kwargs.pop("input_length", None)  # accepted and ignored by Keras 3 too
        super().__init__(**kwargs)
        if mask_zero:
            raise ValueError("Embedding: mask_zero=True is not supported by minigrad.keras (no masking)")
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = embeddings_initializer
        self.weight = None

    def build(self, input_shape: tuple) -> None:
        """The table [input_dim, output_dim] (Keras's layout and PyTorch's agree here)."""
        self.weight = make_weight(self.embeddings_initializer, (self.input_dim, self.output_dim), self.dtype,
                                  self._input_device)

    def _as_input(self, inputs):
        """Integer indices as int64 (Keras casts float indices, e.g. from a float array, to integers)."""
        if not isinstance(inputs, Tensor):
            return tensor(np.asarray(inputs).astype(np.int64), device=self._device())
        return inputs.long() if inputs.dtype.kind == "f" else inputs

    def call(self, inputs):
        """F.embedding(indices, table)."""
        return F.embedding(inputs, self.weight)

    @property
    def embeddings(self):
        """The table [input_dim, output_dim] (Keras's name for `weight`)."""
        return self.weight
