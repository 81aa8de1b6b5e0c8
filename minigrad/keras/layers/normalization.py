"""LayerNormalization: normalise each sample over its last axis, then scale and shift.

    y = (x - mean) / sqrt(var + epsilon) * gamma + beta        (biased variance, over the last axis)

One call to F.layer_norm. Keras's default epsilon is 1e-3 (PyTorch's nn.LayerNorm uses 1e-5).
The weights are named as in nn.LayerNorm ("weight" = Keras's gamma, "bias" = beta).
BatchNormalization comes with nn.BatchNorm1d/2d.
"""

from __future__ import annotations

from ...nn import functional as F
from .base import Layer, make_weight


class LayerNormalization(Layer):
    """LayerNormalization(axis=-1, epsilon=1e-3, center=True, scale=True)."""

    _weight_names = ("weight", "bias")

    def __init__(self, axis: int = -1, epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                 beta_initializer="zeros", gamma_initializer="ones", **kwargs):
        super().__init__(**kwargs)
        if axis != -1:
            raise ValueError(f"LayerNormalization: only axis=-1 (the last axis) is supported, got axis={axis}")
        self.axis, self.epsilon, self.center, self.scale = axis, epsilon, center, scale
        self.beta_initializer, self.gamma_initializer = beta_initializer, gamma_initializer
        self.weight = self.bias = None

    def build(self, input_shape: tuple) -> None:
        """gamma (weight) and beta (bias), one per feature of the last axis."""
        features = (input_shape[-1],)
        if self.scale:
            self.weight = make_weight(self.gamma_initializer, features, self.dtype, self._input_device)
        if self.center:
            self.bias = make_weight(self.beta_initializer, features, self.dtype, self._input_device)

    def call(self, inputs):
        """F.layer_norm over the last axis."""
        return F.layer_norm(inputs, (inputs.shape[-1],), self.weight, self.bias, self.epsilon)

    @property
    def gamma(self):
        """Keras's name for the scale (`weight`)."""
        return self.weight

    @property
    def beta(self):
        """Keras's name for the shift (`bias`)."""
        return self.bias
