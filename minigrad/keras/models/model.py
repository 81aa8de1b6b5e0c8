"""Model: a Layer you can compile and fit (the training methods are in trainer.py).

Subclass it as in Keras, creating layers in __init__ and using them in call():

    class MLP(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keras.layers.Dense(64, activation="relu")
            self.out = keras.layers.Dense(10)
        def call(self, x):
            return self.out(self.hidden(x))

or use keras.Sequential. Either way the model is a minigrad.nn.Module: model.parameters(),
model.state_dict() and a hand-written training loop work on it as on any other module.

Calling a model, `model(x)`, runs it in inference mode (Dropout off) unless training=True, as
Keras does; fit, evaluate and predict set the mode themselves.
"""

from __future__ import annotations

import contextvars
import inspect
import os
from contextlib import contextmanager

import numpy as np

from ...autograd import no_grad
from ...creation import tensor
from ...io import load, save
from ..layers.base import Layer
from . import summary as summary_table
from .trainer import Trainer

# Whether a model call is running inside another model's call (None: outermost), and in which mode.
_MODE: contextvars.ContextVar = contextvars.ContextVar("minigrad_keras_mode", default=None)


class Model(Trainer, Layer):
    """A Layer with compile / fit / evaluate / predict / summary / save_weights / load_weights.

    The functional API (Model(inputs, outputs)) is not supported: subclass Model or use Sequential.
    """

    def __init__(self, *args, **kwargs):
        if args or "inputs" in kwargs or "outputs" in kwargs:
            raise NotImplementedError(
                "keras.Model(inputs, outputs): minigrad.keras has no functional API; subclass keras.Model "
                "(layers in __init__, the computation in call) or use keras.Sequential"
            )
        Layer.__init__(self, **kwargs)
        Trainer.__init__(self)
        self._input_dtype = np.dtype(self.dtype)
        self._call_takes_training = "training" in inspect.signature(self.call).parameters  # Keras passes it then

    # ---- calling ----------------------------------------------------------------------------------
    @contextmanager
    def _mode(self, training: bool):
        """Run the block with every layer in training (True) or inference (False) mode."""
        if self.training != training or any(m.training != training for m in self.modules()):
            self.train(training)
        token = _MODE.set(training)
        try:
            yield
        finally:
            _MODE.reset(token)

    def __call__(self, inputs, training: bool | None = None):
        """Run the model: inference mode unless training=True (inside another model: that model's mode)."""
        outer = _MODE.get()
        if outer is not None:  # a model used as a layer: keep the mode of the call around it
            return Layer.__call__(self, inputs)
        with self._mode(bool(training)):
            return Layer.__call__(self, inputs)

    def forward(self, inputs):
        """call(inputs), with training= the current mode when call takes that argument (as Keras passes it)."""
        if self._call_takes_training:
            return self.call(inputs, training=self.training)
        return self.call(inputs)

    def build(self, input_shape: tuple) -> None:
        """Build every layer by running the model once on a batch of zeros of `input_shape`."""
        if self.built:
            return
        shape = tuple(1 if d is None else d for d in input_shape)
        dummy = tensor(np.zeros(shape, dtype=self._input_dtype), device=self._input_device)
        self.built = True  # call() below must not come back here
        try:
            with no_grad(), self._mode(False):
                self.forward(dummy)
        except Exception:
            self.built = False
            raise
        self._on_built()

    def _on_built(self) -> None:
        """Once the weights exist: a compiled optimizer can be made over them."""
        if self.optimizer is not None and not self.optimizer.built:
            self.optimizer.build(self.trainable_weights)

    def _require_built(self, what: str) -> None:
        if not self.built:
            raise ValueError(
                f"{self.name}.{what}: the model has not been built yet; give the first layer an input shape "
                "(keras.Input(shape=...) or input_shape=...), call model.build(input_shape), or fit it first"
            )

    # ---- weights on disk ----------------------------------------------------------------------------
    def save_weights(self, filepath, overwrite: bool = True) -> None:
        """Write the weights as a safetensors file (mg.save of state_dict(): no pickle, any file name)."""
        self._require_built("save_weights")
        filepath = os.fspath(filepath)
        if not overwrite and os.path.exists(filepath):
            raise FileExistsError(f"{self.name}.save_weights: {filepath!r} exists and overwrite=False")
        save(self.state_dict(), filepath)

    def load_weights(self, filepath) -> None:
        """Read weights written by save_weights into this (built) model; shapes must match."""
        self._require_built("load_weights")
        self.load_state_dict(load(os.fspath(filepath), device=self._device()))

    # ---- summary --------------------------------------------------------------------------------
    @property
    def layers(self) -> list:
        """The model's direct sub-layers, in order."""
        return self._sublayers()

    def summary(self, line_length: int | None = None, positions=None, print_fn=None, expand_nested: bool = False,
                show_trainable: bool = False, layer_range=None) -> None:
        """Print Keras's table: each layer's name and type, output shape and number of weights; then totals."""
        self._require_built("summary")
        text = summary_table.render(self, show_trainable=show_trainable)
        (print_fn or print)(text)
