"""Layer: a minigrad.nn.Module that Keras users can drive, built lazily on its first input.

A Keras layer does not need to be told its input size: `Dense(64)` learns it from the first
batch it sees. Layer does that with the usual two methods:

    build(input_shape)   make the weights (Parameters, in PyTorch's layout) now that the shape is known
    call(inputs)         the forward computation, with minigrad ops and minigrad.nn.functional

`layer(x)` builds on the first call, casts float inputs to the layer's dtype (float32 unless
keras.config.set_floatx says otherwise, as Keras's autocast does, so float64 NumPy data just works) and records the output shape for
`summary()`. Weights are found by minigrad.nn.Module as usual (so `parameters()`,
`state_dict()` and optimizers see them); `get_weights()` / `set_weights()` speak Keras's
layout (a Dense kernel is [in, units], where minigrad, like PyTorch, stores [units, in]).
"""

from __future__ import annotations

import numpy as np

from ... import backend
from ...autograd import no_grad
from ...creation import tensor
from ...nn import Module, Parameter
from ...ops.elementwise import cast
from ...tensor import Tensor, as_dtype
from .. import config, initializers
from ..utils import snake_case, unique_name


def make_weight(initializer, shape: tuple, dtype, device, transpose: bool = False) -> Parameter:
    """A Parameter drawn by a Keras initialiser for `shape` (Keras's layout), stored transposed if asked."""
    values = np.asarray(initializers.get(initializer)(tuple(shape)), dtype=np.float64)
    if transpose:
        values = np.ascontiguousarray(values.T)
    array = values.astype(dtype)
    if device is not None and device != "cpu":
        array = backend.to_device(array, device)
    return Parameter(Tensor._wrap(array, False))


class Layer(Module):
    """Base class of the Keras layers: subclasses implement build(input_shape) and call(inputs).

    trainable=False freezes the layer's weights (fit leaves them alone). name defaults to the
    class name in snake case, numbered per session ("dense", "dense_1", ...). input_shape /
    input_dim on the first layer of a Sequential give the model its input size up front.
    """

    # The attributes holding this layer's own weights, in the order of Keras's get_weights().
    _weight_names: tuple = ()

    def __init__(self, trainable: bool = True, name: str | None = None, dtype=None, input_shape=None,
                 input_dim: int | None = None, **kwargs):
        super().__init__()
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword arguments {sorted(kwargs)}")
        if input_dim is not None:
            input_shape = (input_dim,)
        self.name = name or unique_name(snake_case(type(self).__name__))
        self.dtype = as_dtype(dtype) or as_dtype(config.floatx())
        self.built = False
        self.training = False  # Keras: inference unless a call, fit or model.train() says otherwise
        self._trainable = bool(trainable)
        self._input_shape_arg = None if input_shape is None else (None, *tuple(input_shape))
        self._output_shape = None
        self._input_device = "cpu"

    # ---- the two methods a layer implements ------------------------------------------------
    def build(self, input_shape: tuple) -> None:
        """Create the weights for inputs of `input_shape` (batch axis first). Layers without weights do nothing."""

    def call(self, inputs):
        """The layer's computation on a Tensor."""
        raise NotImplementedError(f"{type(self).__name__} must implement call(inputs)")

    def forward(self, inputs):
        """minigrad.nn.Module's name for the computation: the same as call."""
        return self.call(inputs)

    def __call__(self, inputs, training: bool | None = None):
        """Build on the first call, then run call(); training=True/False switches Dropout-like layers
        for this call only."""
        if training is not None and bool(training) != self.training:
            self.train(bool(training))
            try:
                return self(inputs)
            finally:
                self.train(not training)
        x = self._as_input(inputs)
        if not self.built:
            self._input_device = x.device  # build() makes the weights where the data is
            with no_grad():
                self.build(tuple(x.shape))
            self.built = True
            self._freeze(not self._trainable)
        out = self.forward(x)
        if self._output_shape is None and isinstance(out, Tensor):
            self._output_shape = (None, *tuple(out.shape[1:]))
        return out

    def _as_input(self, inputs) -> Tensor:
        """A Tensor on the layer's device; floats in the layer's dtype, integers as int64 (indices)."""
        if not isinstance(inputs, Tensor):
            array = np.asarray(inputs)
            if array.dtype.kind == "f" and array.dtype != self.dtype:
                array = array.astype(self.dtype)
            elif array.dtype.kind in "iub":
                array = array.astype(np.int64)
            return tensor(array, device=self._device())
        if inputs.dtype.kind == "f" and inputs.dtype != self.dtype:
            return cast(inputs, self.dtype)
        return inputs

    def _device(self) -> str:
        """The device of this layer's first weight ("cpu" before it is built or without weights)."""
        params = self.parameters()
        return params[0].device if params else "cpu"

    # ---- weights, Keras's way ----------------------------------------------------------------
    def _own_weights(self) -> list:
        return [w for w in (getattr(self, name, None) for name in self._weight_names) if w is not None]

    def _sublayers(self) -> list:
        return [m for _, m in self.named_children() if isinstance(m, Layer)]

    @property
    def weights(self) -> list:
        """Every weight of this layer and the layers inside it (Parameters), in Keras's order."""
        return self._own_weights() + [w for layer in self._sublayers() for w in layer.weights]

    @property
    def trainable_weights(self) -> list:
        """The weights fit updates: those of trainable layers."""
        if not self._trainable:
            return []
        return self._own_weights() + [w for layer in self._sublayers() for w in layer.trainable_weights]

    @property
    def non_trainable_weights(self) -> list:
        """The weights fit leaves alone (of layers with trainable=False)."""
        trainable = {id(w) for w in self.trainable_weights}
        return [w for w in self.weights if id(w) not in trainable]

    @property
    def trainable(self) -> bool:
        """Whether fit updates this layer's weights. Set it before compile, as in Keras."""
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        for layer in self._sublayers():
            layer.trainable = value
        self._freeze(not self._trainable)

    def _freeze(self, frozen: bool) -> None:
        for w in self._own_weights():
            w.requires_grad_(not frozen)

    def _to_keras(self, name: str, array: np.ndarray) -> np.ndarray:
        """One weight in Keras's layout (identity unless a layer stores it differently)."""
        return array

    def _from_keras(self, name: str, array: np.ndarray) -> np.ndarray:
        """The inverse of _to_keras."""
        return array

    def _named_keras_weights(self) -> list:
        """(layer, attribute name, Parameter) for every weight, in Keras's order."""
        own = [(self, name, getattr(self, name)) for name in self._weight_names if getattr(self, name, None) is not None]
        return own + [entry for layer in self._sublayers() for entry in layer._named_keras_weights()]

    def get_weights(self) -> list:
        """The weights as NumPy arrays in Keras's layout and order (a Dense kernel is [in, units])."""
        return [layer._to_keras(name, w.numpy()).copy() for layer, name, w in self._named_keras_weights()]

    def set_weights(self, weights) -> None:
        """Copy NumPy arrays in Keras's layout and order (what get_weights returns) into the weights."""
        entries = self._named_keras_weights()
        weights = list(weights)
        if len(weights) != len(entries):
            raise ValueError(
                f"{self.name}.set_weights: expected {len(entries)} arrays "
                f"({', '.join(f'{layer.name}.{name}' for layer, name, _ in entries)}), got {len(weights)}"
            )
        converted = []
        for (layer, name, w), value in zip(entries, weights):
            value = layer._from_keras(name, np.asarray(value))
            if value.shape != tuple(w.shape):
                raise ValueError(
                    f"{self.name}.set_weights: {layer.name}.{name} has shape "
                    f"{tuple(layer._to_keras(name, w.numpy()).shape)} (Keras's layout), got an array of shape "
                    f"{tuple(layer._to_keras(name, value).shape)}"
                )
            converted.append((w, value))
        for w, value in converted:  # only once every array has been checked
            w.data[...] = backend.to_device(value.astype(w.dtype), w.device)

    def count_params(self) -> int:
        """The number of scalars in the layer's weights."""
        if not self.built:
            raise ValueError(f"{self.name}: the layer is not built yet, so it has no weights to count")
        return int(sum(w.size for w in self.weights))

    @property
    def output_shape(self) -> tuple:
        """The output's shape with None for the batch axis, known once the layer has been called."""
        if self._output_shape is None:
            raise AttributeError(f"{self.name}: the layer has not been called yet, so its output shape is unknown")
        return self._output_shape

    def get_config(self) -> dict:
        """The layer's settings (name, trainable, dtype and each subclass's own)."""
        return {"name": self.name, "trainable": self._trainable, "dtype": np.dtype(self.dtype).name}

    def extra_repr(self) -> str:
        """The layer's name (and trainable=False when frozen), shown by repr."""
        return f"name={self.name!r}" + ("" if self._trainable else ", trainable=False")
