"""Keras's images are channels-last ([N, H, W, C]); minigrad's (PyTorch's) ops are channels-first
([N, C, H, W]). The layers that wrap convolution and pooling convert here, in one place:

    Conv2D.call(x) = channels_last(F.conv2d(channels_first(x), weight, bias, ...))

and a Keras convolution kernel [kh, kw, in, out] is minigrad's weight [out, in, kh, kw]
permuted (kernel_to_keras / kernel_from_keras), so get_weights()/set_weights() speak Keras.
The same holds for 1-D data ([N, T, C] <-> [N, C, T]).
"""

from __future__ import annotations

import numpy as np

from ...tensor import Tensor


def channels_first(x: Tensor) -> Tensor:
    """[N, ..., C] -> [N, C, ...]: move the channel axis from last to second."""
    return x.permute(0, x.ndim - 1, *range(1, x.ndim - 1))


def channels_last(x: Tensor) -> Tensor:
    """[N, C, ...] -> [N, ..., C]: move the channel axis from second to last."""
    return x.permute(0, *range(2, x.ndim), 1)


def kernel_to_keras(weight: np.ndarray) -> np.ndarray:
    """A convolution weight [out, in, *k] as Keras's kernel [*k, in, out]."""
    return np.ascontiguousarray(np.transpose(weight, (*range(2, weight.ndim), 1, 0)))


def kernel_from_keras(kernel: np.ndarray) -> np.ndarray:
    """Keras's kernel [*k, in, out] as a convolution weight [out, in, *k]."""
    k = kernel.ndim - 2
    return np.ascontiguousarray(np.transpose(kernel, (k + 1, k, *range(k))))
