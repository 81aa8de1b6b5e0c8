"""Keras's layers, as minigrad.nn Modules built lazily on their first input.

    base.py           Layer: build/call, Keras's weights API (get_weights in Keras's layout)
    core.py           Input, InputLayer, Dense, Activation, Dropout, Flatten, Embedding
    normalization.py  LayerNormalization
    layout.py         channels-last <-> channels-first, in one place, for the image layers

Conv2D, MaxPooling2D, AveragePooling2D, GlobalAveragePooling1D/2D, BatchNormalization and the
recurrent layers (LSTM, GRU, SimpleRNN) come as thin wrappers once minigrad.nn has the
convolution, pooling, batch-norm and recurrent modules they wrap.
"""

from .base import Layer
from .core import Activation, Dense, Dropout, Embedding, Flatten, Input, InputLayer
from .normalization import LayerNormalization

__all__ = ["Layer", "Input", "InputLayer", "Dense", "Activation", "Dropout", "Flatten", "Embedding",
           "LayerNormalization"]
