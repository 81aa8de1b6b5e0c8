"""Weight initialisers by Keras's names: `Dense(64, kernel_initializer="glorot_uniform")`.

Each is called with the weight's shape in Keras's layout and returns a float64 NumPy array
drawn from minigrad's generator (so mg.manual_seed, or keras.utils.set_random_seed, makes a
model reproducible). For a Dense kernel [fan_in, fan_out]; for a convolution kernel
[kh, kw, in, out] the fans are multiplied by the receptive field kh * kw.

    glorot_uniform  U(-a, a),  a = sqrt(6 / (fan_in + fan_out))          (Keras's default kernel init)
    glorot_normal   truncated N(0, s), s = sqrt(2 / (fan_in + fan_out)) / 0.8796
    he_uniform      U(-a, a),  a = sqrt(6 / fan_in)
    he_normal       truncated N(0, s), s = sqrt(2 / fan_in) / 0.8796
    lecun_uniform   U(-a, a),  a = sqrt(3 / fan_in)
    random_uniform  U(-0.05, 0.05)        random_normal  N(0, 0.05)
    zeros, ones

A truncated normal redraws values beyond two standard deviations; 0.8796 is the standard
deviation of a unit normal truncated to [-2, 2], so the result has standard deviation s.
"""

from __future__ import annotations

import math

import numpy as np

from ..random import generator

_TRUNCATED_STD = 0.87962566103423978  # std of N(0, 1) truncated to [-2, 2]


def _fans(shape: tuple) -> tuple[int, int]:
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = math.prod(shape[:-2]) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


def _uniform(shape, limit: float) -> np.ndarray:
    return generator().uniform(-limit, limit, size=shape)


def _truncated_normal(shape, std: float) -> np.ndarray:
    values = generator().standard_normal(shape)
    outside = np.abs(values) > 2
    while outside.any():
        values[outside] = generator().standard_normal(int(outside.sum()))
        outside = np.abs(values) > 2
    return values * std


def glorot_uniform(shape) -> np.ndarray:
    """Uniform in +-sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010)."""
    fan_in, fan_out = _fans(tuple(shape))
    return _uniform(shape, math.sqrt(6.0 / (fan_in + fan_out)))


def glorot_normal(shape) -> np.ndarray:
    """Truncated normal with standard deviation sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tuple(shape))
    return _truncated_normal(shape, math.sqrt(2.0 / (fan_in + fan_out)) / _TRUNCATED_STD)


def he_uniform(shape) -> np.ndarray:
    """Uniform in +-sqrt(6 / fan_in) (He et al., 2015): keeps ReLU activations' variance."""
    fan_in, _ = _fans(tuple(shape))
    return _uniform(shape, math.sqrt(6.0 / fan_in))


def he_normal(shape) -> np.ndarray:
    """Truncated normal with standard deviation sqrt(2 / fan_in)."""
    fan_in, _ = _fans(tuple(shape))
    return _truncated_normal(shape, math.sqrt(2.0 / fan_in) / _TRUNCATED_STD)


def lecun_uniform(shape) -> np.ndarray:
    """Uniform in +-sqrt(3 / fan_in)."""
    fan_in, _ = _fans(tuple(shape))
    return _uniform(shape, math.sqrt(3.0 / fan_in))


def random_uniform(shape) -> np.ndarray:
    """Uniform in +-0.05 (Keras's default for Embedding)."""
    return _uniform(shape, 0.05)


def random_normal(shape) -> np.ndarray:
    """Normal with standard deviation 0.05."""
    return generator().standard_normal(shape) * 0.05


def zeros(shape) -> np.ndarray:
    """All zeros (Keras's default for biases)."""
    return np.zeros(shape)


def ones(shape) -> np.ndarray:
    """All ones (LayerNormalization's scale)."""
    return np.ones(shape)


_BY_NAME = {
    "glorot_uniform": glorot_uniform, "glorot_normal": glorot_normal, "he_uniform": he_uniform,
    "he_normal": he_normal, "lecun_uniform": lecun_uniform, "random_uniform": random_uniform,
    "uniform": random_uniform, "random_normal": random_normal, "normal": random_normal, "zeros": zeros, "ones": ones,
}


def get(identifier):
    """The initialiser named `identifier`, or `identifier` itself if callable (shape -> array)."""
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]
    raise ValueError(
        f"keras.initializers.get: unknown initializer {identifier!r}; minigrad.keras has {sorted(_BY_NAME)}"
    )
