"""Sequential: layers applied one after the other, Keras's most common model.

    model = keras.Sequential([
        keras.Input(shape=(64,)),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])

With the input's shape known (keras.Input first, or input_shape= on the first layer) the
model is built at once: every layer makes its weights, in order, from minigrad's generator.
Otherwise it is built by the first batch it sees. Its parameters are named by position, as
in nn.Sequential ("0.weight", "0.bias", "1.weight", ...), so a Sequential of Dense layers
and the nn.Sequential of the same nn.Linear layers have the same state_dict keys.
"""

from __future__ import annotations

import numpy as np

from ..layers.base import Layer
from ..layers.core import InputLayer
from .model import Model


class Sequential(Model):
    """Sequential(layers=None, name=None): call(x) = layers[-1](... layers[0](x))."""

    def __init__(self, layers=None, trainable: bool = True, name: str | None = None):
        super().__init__(trainable=trainable, name=name)
        self._layers: list[Layer] = []
        self._input_shape = None
        for layer in layers or []:
            self.add(layer)

    def _members(self) -> list:
        return [(str(i), layer) for i, layer in enumerate(self._layers)]

    def add(self, layer: Layer) -> None:
        """Append a layer (keras.Input / InputLayer sets the input shape instead)."""
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError(f"{self.name}.add: an Input can only come first")
            self._input_shape = layer._input_shape_arg
            self._input_dtype = np.dtype(layer.input_dtype)
            return
        if not isinstance(layer, Layer):
            raise TypeError(
                f"{self.name}.add: expected a keras layer, got {type(layer).__name__} (minigrad.nn modules go in a "
                "subclassed keras.Model, or in nn.Sequential)"
            )
        if any(existing is layer for existing in self._layers):
            raise ValueError(f"{self.name}.add: layer {layer.name!r} is already in the model")
        if self._input_shape is None and not self._layers and layer._input_shape_arg is not None:
            self._input_shape = layer._input_shape_arg
            if "Embedding" == type(layer).__name__:
                self._input_dtype = np.dtype(np.int64)
        self._layers.append(layer)
        if self._input_shape is not None:
            self.built = False
            self.build(self._input_shape)

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self._layers:
            raise IndexError(f"{self.name}.pop: the model has no layers")
        return self._layers.pop()

    @property
    def layers(self) -> list:
        """The layers, in order (without the Input)."""
        return list(self._layers)

    def build(self, input_shape=None) -> None:
        """Build every layer for inputs of `input_shape` (batch axis first; the shape given to Input by default)."""
        input_shape = input_shape if input_shape is not None else self._input_shape
        if input_shape is None:
            raise ValueError(f"{self.name}.build: give the input shape, e.g. model.build((None, 784))")
        self._input_shape = tuple(input_shape)
        super().build(self._input_shape)

    def call(self, inputs):
        """Each layer on the previous one's output."""
        x = inputs
        for layer in self._layers:
            x = layer(x)
        return x
