"""Activations and normalised exponentials: tanh, sigmoid, relu, gelu, softmax, log_softmax.

GELU, softmax and log-softmax are hot ops: their forward and backward run in
`kernels` (NumPy on the CPU, Triton/CuPy on the GPU). The kernels work on the
last axis; these ops move another axis there and back.
"""

from __future__ import annotations

import math
import warnings

import kernels

from ..autograd import Function, xp_of
from ..tensor import Tensor
from ._args import check_axis, pick
from .elementwise import _float, erf


class Tanh(Function):
    """tanh(x);  dx = g * (1 - tanh(x)**2)"""

    def forward(self, x):
        self.out = xp_of(x).tanh(x)
        return self.out

    def backward(self, g):
        return g * (1 - self.out * self.out)


class Sigmoid(Function):
    """sigmoid(x) = 1 / (1 + exp(-x));  dx = g * s * (1 - s)"""

    def forward(self, x):
        xp = xp_of(x)
        # Never exponentiate a large positive number: with e = exp(-|x|) <= 1,
        # sigmoid is 1/(1+e) for x >= 0 and e/(1+e) for x < 0.
        e = xp.exp(-xp.abs(x))
        r = 1 / (1 + e)
        self.out = xp.where(x >= 0, r, e * r)
        return self.out

    def backward(self, g):
        return g * self.out * (1 - self.out)


class Relu(Function):
    """max(x, 0);  dx = g where x > 0 (0 at x = 0, as PyTorch)"""

    def forward(self, x):
        self.positive = x > 0
        return xp_of(x).maximum(x, 0)

    def backward(self, g):
        return g * self.positive


class Gelu(Function):
    """x * Phi(x) (erf form) or PyTorch's tanh approximation;  dx = g * (Phi(x) + x * phi(x)) (erf form)

    Phi is the standard normal CDF and phi its density. The "tanh" form is
    y = 0.5 x (1 + tanh(u)),  u = sqrt(2/pi) (x + 0.044715 x^3), with
    dx = g * (0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) sqrt(2/pi) (1 + 3 * 0.044715 x^2)).
    Both run in kernels.gelu_fwd / kernels.gelu_bwd. The backward is handed the output too:
    on the CPU Phi(x) = y / x is cheaper to read off it than erf is to evaluate again (y is
    kept alive anyway when, as in a transformer's MLP, the next Linear saves its input).
    """

    def forward(self, x, approximate):
        self.x, self.approximate = x, approximate
        self.out = kernels.gelu_fwd(x, approximate=approximate)
        return self.out

    def backward(self, g):
        if isinstance(g, Tensor):  # recorded (higher-order gradients): the formula in ops
            return g * _gelu_derivative(self.x, self.approximate)
        return kernels.gelu_bwd(self.x, g, approximate=self.approximate, y=self.out)


_KAPPA = 0.044715
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _gelu_derivative(x: Tensor, approximate: str) -> Tensor:
    """d gelu / dx as recorded ops: Phi(x) + x phi(x), or the derivative of the tanh form."""
    if approximate == "tanh":
        t = (_SQRT_2_OVER_PI * (x + _KAPPA * x * x * x)).tanh()
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _SQRT_2_OVER_PI * (1 + 3 * _KAPPA * x * x)
    cdf = 0.5 * (1 + erf(x * (1 / math.sqrt(2.0))))
    pdf = (-0.5 * x * x).exp() * (1 / math.sqrt(2 * math.pi))
    return cdf + x * pdf


class Softmax(Function):
    """y = exp(x - max) / sum(exp(x - max));  dx = y * (g - sum(g * y))"""

    def forward(self, x, axis):
        self.axis = axis
        self.out = _last_axis(kernels.softmax_fwd, axis, x)
        return self.out

    def backward(self, g):
        if isinstance(g, Tensor):  # recorded (higher-order gradients)
            return self.out * (g - (g * self.out).sum(axis=self.axis, keepdims=True))
        return _last_axis(kernels.softmax_bwd, self.axis, self.out, g)


class LogSoftmax(Function):
    """y = x - max - log(sum(exp(x - max)));  dx = g - exp(y) * sum(g)"""

    def forward(self, x, axis):
        self.axis = axis
        self.out = _last_axis(kernels.log_softmax_fwd, axis, x)
        return self.out

    def backward(self, g):
        if isinstance(g, Tensor):  # recorded (higher-order gradients)
            return g - self.out.exp() * g.sum(axis=self.axis, keepdims=True)
        return _last_axis(kernels.log_softmax_bwd, self.axis, self.out, g)


def _last_axis(kernel, axis: int, *arrays):
    """Run a last-axis kernel along `axis` by moving that axis last and back."""
    ndim = arrays[0].ndim
    if axis in (-1, ndim - 1):
        return kernel(*arrays)
    xp = xp_of(arrays[0])
    moved = [xp.ascontiguousarray(xp.moveaxis(a, axis, -1)) for a in arrays]
    return xp.moveaxis(kernel(*moved), -1, axis)


def _softmax_axis(op: str, x: Tensor, dim, axis) -> int:
    """The axis of a softmax: dim (PyTorch) or axis (NumPy); PyTorch's implicit choice, with its
    warning, when neither is given."""
    dim = pick(op, dim, "dim", axis, "axis")
    if dim is None:
        dim = 0 if x.ndim in (0, 1, 3) else 1
        warnings.warn(f"{op}: implicit dimension choice ({dim}) as in PyTorch; pass dim= explicitly",
                      UserWarning, stacklevel=3)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point tensor, got {x.dtype}")
    return check_axis(op, dim, x.ndim, x.shape) if x.ndim else 0


def tanh(x: Tensor) -> Tensor:
    """The hyperbolic tangent, elementwise."""
    return Tanh.apply(_float(x))


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + exp(-x)), elementwise, computed without overflow."""
    return Sigmoid.apply(_float(x))


def relu(x: Tensor) -> Tensor:
    """max(x, 0), elementwise."""
    return Relu.apply(x)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit: x * Phi(x) ("none", exact erf form) or PyTorch's "tanh" form."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return Gelu.apply(x, approximate=approximate)


def softmax(x: Tensor, dim: int = None, dtype=None, *, axis: int = None) -> Tensor:
    """exp(x) / sum(exp(x)) along `dim`, computed stably (logits of 1e4 are fine); dtype= casts first."""
    if dtype is not None:
        x = x.astype(dtype)
    axis = _softmax_axis("softmax", x, dim, axis)
    if x.ndim == 0:
        return x * 0.0 + 1.0
    return Softmax.apply(x, axis=axis)


def log_softmax(x: Tensor, dim: int = None, dtype=None, *, axis: int = None) -> Tensor:
    """log(softmax(x)) along `dim`, computed stably without forming softmax first."""
    if dtype is not None:
        x = x.astype(dtype)
    axis = _softmax_axis("log_softmax", x, dim, axis)
    if x.ndim == 0:
        return x * 0.0
    return LogSoftmax.apply(x, axis=axis)
