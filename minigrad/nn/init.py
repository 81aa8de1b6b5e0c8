"""nn.init: PyTorch's weight initialisation schemes, filling a tensor in place.

    import minigrad.nn as nn
    nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5))
    nn.init.zeros_(layer.bias)

Each function writes into the tensor without recording anything (as under no_grad), keeps
its dtype and device, and returns it. Random values come from minigrad's generator
(mg.manual_seed), drawn in float64 and rounded once.

The scales, for a weight [fan_out, fan_in, *kernel] (fan = channels x kernel size):

    xavier (Glorot)   std = gain * sqrt(2 / (fan_in + fan_out))
    kaiming (He)      std = gain / sqrt(fan),  fan = fan_in (mode="fan_in") or fan_out
    uniform variants  draw from [-sqrt(3) std, sqrt(3) std], which has that std

and `calculate_gain` gives each nonlinearity's gain (relu: sqrt(2), tanh: 5/3, ...).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..autograd import no_grad
from ..random import generator as _default_generator
from ..tensor import Tensor

__all__ = [
    "calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_",
    "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_",
]

_LINEAR = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "sigmoid")


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The factor by which a nonlinearity changes the scale of its input, for the init formulas:
    1 for linear layers, convolutions and sigmoid; 5/3 for tanh; sqrt(2) for relu;
    sqrt(2 / (1 + slope^2)) for leaky_relu (slope = param, 0.01 by default); 3/4 for selu."""
    if nonlinearity in _LINEAR:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple:
    """(fan_in, fan_out) of a weight [out, in, *kernel]: in and out times the kernel's size."""
    if tensor.ndim < 2:
        raise ValueError(f"init: fan in and fan out cannot be computed for a tensor with fewer than 2 dims "
                         f"(shape {tuple(tensor.shape)})")
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"init: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _rng(generator):
    if generator is None:
        return _default_generator()
    if not isinstance(generator, np.random.Generator):
        raise TypeError(f"init: generator must be a numpy.random.Generator, got {type(generator).__name__}")
    return generator


def _fill(tensor: Tensor, values) -> Tensor:
    """Write values into tensor in place (not recorded), in its dtype and on its device."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"init: expected a Tensor (or Parameter) to fill, got {type(tensor).__name__}")
    with no_grad():
        tensor.copy_(values)
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill with values drawn uniformly from [a, b)."""
    return _fill(tensor, _rng(generator).uniform(a, b, size=tensor.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with values drawn from N(mean, std^2)."""
    return _fill(tensor, _rng(generator).normal(mean, std, size=tensor.shape))


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator=None) -> Tensor:
    """Fill with values from N(mean, std^2) conditioned on lying in [a, b] (a and b are values,
    not numbers of std). Drawn by rejection: normal draws outside [a, b] are drawn again."""
    if not a < b:
        raise ValueError(f"trunc_normal_: expected a < b, got a={a}, b={b}")
    rng = _rng(generator)
    cdf = lambda v: 0.5 * (1 + math.erf((v - mean) / (std * math.sqrt(2.0))))  # noqa: E731
    inside = cdf(b) - cdf(a)  # the share of draws that land in [a, b]
    if inside < 1e-6:
        raise ValueError(f"trunc_normal_: [{a}, {b}] holds only {inside:.2g} of N({mean}, {std}^2); "
                         "choose bounds nearer the mean")
    n = math.prod(tensor.shape)
    out, filled = np.empty(n), 0
    while filled < n:
        draws = rng.normal(mean, std, size=int((n - filled) / inside * 1.1) + 16)
        kept = draws[(draws >= a) & (draws <= b)][:n - filled]
        out[filled:filled + kept.size] = kept
        filled += kept.size
    return _fill(tensor, out.reshape(tensor.shape))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with the value val."""
    return _fill(tensor, np.full(tensor.shape, val))


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1."""
    return constant_(tensor, 1.0)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0."""
    return constant_(tensor, 0.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a matrix with the identity (ones on the diagonal), keeping linear layers' inputs as they are."""
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only 2-D tensors are supported, got shape {tuple(tensor.shape)}")
    return _fill(tensor, np.eye(*tensor.shape))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a convolution weight [out, in, *kernel] (3 to 5 dims) with the Dirac delta: each of the
    first min(out / groups, in) output channels of a group copies its input channel unchanged."""
    if tensor.ndim not in (3, 4, 5):
        raise ValueError(f"dirac_: only 3, 4 and 5-D tensors are supported, got shape {tuple(tensor.shape)}")
    if tensor.shape[0] % groups:
        raise ValueError(f"dirac_: dim 0 ({tensor.shape[0]}) must be divisible by groups ({groups})")
    per_group = tensor.shape[0] // groups
    values = np.zeros(tensor.shape)
    center = tuple(n // 2 for n in tensor.shape[2:])
    for g in range(groups):
        for d in range(min(per_group, tensor.shape[1])):
            values[(g * per_group + d, d) + center] = 1.0
    return _fill(tensor, values)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot uniform: U(-bound, bound) with bound = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -math.sqrt(3.0) * std, math.sqrt(3.0) * std, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def _kaiming_std(op: str, tensor: Tensor, a, mode: str, nonlinearity: str):
    """He's std = gain / sqrt(fan), or None for a tensor with no elements (PyTorch warns and skips it)."""
    if 0 in tensor.shape:
        warnings.warn(f"{op}: initializing a zero-element tensor is a no-op", stacklevel=3)
        return None
    return calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator=None) -> Tensor:
    """He uniform: U(-bound, bound) with bound = sqrt(3) * gain / sqrt(fan); a is leaky_relu's slope.
    nn.Linear's default is kaiming_uniform_(w, a=sqrt(5)): bound 1 / sqrt(fan_in)."""
    std = _kaiming_std("kaiming_uniform_", tensor, a, mode, nonlinearity)
    return tensor if std is None else uniform_(tensor, -math.sqrt(3.0) * std, math.sqrt(3.0) * std, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator=None) -> Tensor:
    """He normal: N(0, std^2) with std = gain / sqrt(fan)."""
    std = _kaiming_std("kaiming_normal_", tensor, a, mode, nonlinearity)
    return tensor if std is None else normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """A (semi-)orthogonal matrix times gain: the tensor seen as [rows, rest] has orthonormal rows
    (or columns, whichever are fewer). From the QR decomposition of a normal matrix, with the
    signs of R's diagonal moved into Q so that Q is uniformly distributed."""
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: only tensors with 2 or more dims are supported, got shape {tuple(tensor.shape)}")
    if 0 in tensor.shape:
        return tensor
    rows = tensor.shape[0]
    cols = math.prod(tensor.shape) // rows
    flat = _rng(generator).normal(0.0, 1.0, size=(rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, (q * gain).reshape(tensor.shape))
