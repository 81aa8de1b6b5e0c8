"""minigrad: a small reverse-mode autograd engine over NumPy (CPU) and CuPy (GPU) arrays.

    import minigrad as mg
    x = mg.tensor([[1.0, 2.0]], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    x.grad            # tensor([[2., 4.]])

Where things live: tensor.py (the Tensor), autograd.py (ops' base class and the
backward pass), ops/ (every op, forward and backward side by side),
creation.py (factories), gradcheck.py (finite differences), backend.py
(NumPy/CuPy switch). The hot ops' kernels are in the separate `kernels` package.
"""

from . import cuda, ops
from . import viz
from .autograd import OPS, AnomalyError, Function, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .backend import cuda_is_available
from .creation import arange, eye, full, ones, ones_like, rand, randint, randn, tensor, zeros, zeros_like
from .gradcheck import GradcheckError, gradcheck
from .ops.activation import gelu, log_softmax, relu, sigmoid, softmax, tanh
from .ops.elementwise import abs, add, cast, clip, div, exp, log, maximum, minimum, mul, pow, sqrt, sub, where
from .ops.linalg import matmul
from .ops.reduce import argmax, argmin, max, mean, min, sum, var
from .ops.shape import broadcast_to, concatenate, reshape, split, squeeze, stack, transpose, unsqueeze
from .random import manual_seed
from .tensor import Tensor, bool_, float16, float32, float64, int32, int64
from . import optim, data
from .io import load, save
from . import nn

__version__ = "0.1.0"


def __getattr__(name: str):
    """`mg.keras`, the Keras-compatible facade, is imported on first use (the engine does not need it)."""
    if name == "keras":
        import importlib

        return importlib.import_module(".keras", __name__)
    raise AttributeError(f"module 'minigrad' has no attribute {name!r}")
