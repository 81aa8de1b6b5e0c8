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

from .tensor import Tensor  # first: the tensor module loads autograd and the ops in the right order
from . import autograd, cuda, ops
from . import viz
from .autograd import (OPS, AnomalyError, Function, detect_anomaly, enable_grad, inference_mode, is_grad_enabled,
                       no_grad, set_grad_enabled)
from .backend import cuda_is_available
from .creation import (arange, eye, from_dlpack, from_numpy, full, ones, ones_like, rand, randint, randn, tensor, zeros,
                       zeros_like)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .ops.activation import gelu, log_softmax, relu, sigmoid, softmax, tanh
from .ops.elementwise import (abs, add, cast, clip, div, erf, exp, log, maximum, minimum, mul, pow, sign, sqrt, sub,
                              where)
from .ops.index import gather, scatter_add, take_along_dim
from .ops.index import (argwhere, index_add, index_copy, index_fill, index_select, masked_scatter, masked_select,
                        nonzero, where)  # where(condition) alone: nonzero(condition, as_tuple=True)
from .ops.diagonal import diag, diag_embed, diagonal, tril, triu
from .ops.movement import flip, fliplr, flipud, meshgrid, repeat_interleave, roll, tile
from .ops.scatter import scatter, scatter_reduce
from .ops.linalg import addmm, bmm, dot, einsum, mm, mv, outer
from .creation import (bernoulli, empty, empty_like, full_like, linspace, logspace, multinomial, normal, rand_like,
                       randint_like, randn_like, randperm)
from .ops.linalg import matmul
from .ops.reduce import all, amax, amin, any, argmax, argmin, max, mean, min, sum, var
from .ops.shape import (broadcast_to, clone, concatenate, flatten, movedim, permute, reshape, split, squeeze, stack,
                        swapaxes, transpose, unflatten, unsqueeze)
from .ops.elementwise import (allclose, copysign, float_power, isclose, isfinite, isinf, isnan, isneginf, isposinf,
                              lerp, logical_and, logical_not, logical_or, logical_xor, reciprocal, square)
from .ops.reduce import count_nonzero, logsumexp, norm, prod, std, std_mean, var_mean
from .ops.rounding import ceil, fix, floor, floor_divide, fmod, frac, remainder, round, trunc
from .ops.scan import cummax, cummin, cumprod, cumsum, logcumsumexp
from .ops.sort import argsort, kthvalue, median, mode, msort, sort, topk
from .ops.special import erfc, exp2, expm1, log1p, log2, log10, logaddexp, logaddexp2, rsqrt
from .ops.trig import acos, acosh, asin, asinh, atan, atan2, atanh, cos, cosh, hypot, sin, sinh, tan
from .ops.shape import chunk, narrow
from .random import manual_seed
from .tensor import Tensor, bool_, float16, float32, float64, int8, int16, int32, int64, uint8

# PyTorch's other names for the same things
cat = concat = concatenate
clamp = clip
moveaxis = movedim
swapdims = swapaxes
arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
arcsinh, arccosh, arctanh = asinh, acosh, atanh
divide = div
ger = outer
float = float32  # noqa: A001  (mg.float, as torch.float)
double = float64
half = float16
long = int64
int = int32  # noqa: A001
short = int16
bool = bool_  # noqa: A001
from . import optim, data
from .io import load, save
from . import nn
from . import linalg

__version__ = "0.1.0"


def __getattr__(name: str):
    """`mg.keras`, the Keras-compatible facade, is imported on first use (the engine does not need it)."""
    if name == "keras":
        import importlib

        return importlib.import_module(".keras", __name__)
    raise AttributeError(f"module 'minigrad' has no attribute {name!r}")
