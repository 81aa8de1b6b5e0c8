"""Activation functions by Keras's names: `Dense(64, activation="relu")` looks them up here.

Each is one minigrad op (or a short composition of them) on a Tensor:

    linear   x                      relu      max(x, 0)            sigmoid  1 / (1 + exp(-x))
    tanh     tanh(x)                softmax   exp(x) / sum exp(x)  (over the last axis)
    gelu     x * Phi(x)             silu      x * sigmoid(x)       (also called swish)
    log_softmax  x - log sum exp(x)

A callable is used as it is, so `activation=mg.nn.functional.relu` works too.
"""

from __future__ import annotations

from typing import Callable

from .. import ops
from ..tensor import Tensor


def linear(x: Tensor) -> Tensor:
    """The identity: Keras's activation=None."""
    return x


def relu(x: Tensor) -> Tensor:
    """max(x, 0)."""
    return ops.activation.relu(x)


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + exp(-x)): a probability for binary cross-entropy."""
    return ops.activation.sigmoid(x)


def tanh(x: Tensor) -> Tensor:
    """tanh(x)."""
    return ops.activation.tanh(x)


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) over `axis`: a probability distribution over classes."""
    return ops.activation.softmax(x, axis)


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """log(softmax(x)), computed stably."""
    return ops.activation.log_softmax(x, axis)


def gelu(x: Tensor, approximate: bool = False) -> Tensor:
    """x * Phi(x) with Phi the standard normal CDF (its tanh form when approximate=True), as Keras's gelu."""
    return ops.activation.gelu(x, "tanh" if approximate else "none")


def silu(x: Tensor) -> Tensor:
    """x * sigmoid(x) (Keras also calls it swish)."""
    return x * ops.activation.sigmoid(x)


_BY_NAME = {
    "linear": linear, "relu": relu, "sigmoid": sigmoid, "tanh": tanh, "softmax": softmax,
    "log_softmax": log_softmax, "gelu": gelu, "silu": silu, "swish": silu,
}


def get(identifier) -> Callable[[Tensor], Tensor]:
    """The activation named `identifier` (None means linear), or `identifier` itself if it is callable."""
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]
    raise ValueError(f"keras.activations.get: unknown activation {identifier!r}; minigrad.keras has {sorted(_BY_NAME)}")


def name_of(activation: Callable) -> str:
    """The Keras name of an activation function (for repr and summaries), or its __name__."""
    for name, fn in _BY_NAME.items():
        if fn is activation:
            return name
    return getattr(activation, "__name__", type(activation).__name__)
