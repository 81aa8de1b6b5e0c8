"""Activations and normalised exponentials: tanh, sigmoid, relu, gelu, softmax, log_softmax, and
PyTorch's other activations (silu leaky_relu elu selu celu softplus mish hardtanh relu6
hardsigmoid hardswish logsigmoid softsign softmin glu prelu).

GELU, softmax and log-softmax are hot ops: their forward and backward run in
`kernels` (NumPy on the CPU, Triton/CuPy on the GPU). The kernels work on the
last axis; these ops move another axis there and back.

At a kink the gradient is PyTorch's choice: relu, hardtanh, relu6 and hardsigmoid give 0
there; leaky_relu and prelu give the negative slope at 0; elu, selu and celu use the left
branch at 0; hardswish gives 0 at -3 and 1 at 3. The exponential forms never overflow:
softplus and logsigmoid are computed as max(z, 0) + log1p(exp(-|z|)).
"""

from __future__ import annotations

import math
import warnings

import kernels

from ..autograd import Function, xp_of
from ..tensor import Tensor
from ._args import check_axis, pick
from .elementwise import _float, erf, where


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


class Silu(Function):
    """x * sigmoid(x) (SiLU, swish);  dx = g * s * (1 + x * (1 - s)),  s = sigmoid(x)"""

    def forward(self, x):
        self.x = x
        return x * _sigmoid(x)

    def backward(self, g):
        s = _sigmoid(self.x)
        return g * s * (1 + self.x * (1 - s))


class LeakyRelu(Function):
    """x where x > 0, else negative_slope * x;  dx = g where x > 0, else g * negative_slope (also at 0)"""

    def forward(self, x, negative_slope):
        self.slope = xp_of(x).where(x > 0, 1.0, negative_slope).astype(x.dtype)  # the derivative: constant pieces
        return x * self.slope

    def backward(self, g):
        return g * self.slope


class Elu(Function):
    """scale * (x where x > 0, else alpha * (exp(input_scale * x) - 1));
    dx = g * scale where x > 0, else g * scale * alpha * input_scale * exp(input_scale * x) (also at 0)

    ELU is (alpha, 1, 1), SELU (1.6733, 1.0507, 1) and CELU (alpha, 1, 1/alpha), as PyTorch
    computes all three.
    """

    def forward(self, x, alpha, scale, input_scale):
        self.x, self.alpha, self.scale, self.input_scale = x, alpha, scale, input_scale
        xp = xp_of(x)
        negative = alpha * xp.expm1(xp.minimum(x, 0) * input_scale)  # minimum: no overflow for large x
        return scale * xp.where(x > 0, x, negative)

    def backward(self, g):
        xp = xp_of(g)
        x = self.x
        left = (self.scale * self.alpha * self.input_scale) * xp.exp(xp.minimum(x, 0) * self.input_scale)
        return g * xp.where(x > 0, self.scale, left)


class Softplus(Function):
    """log(1 + exp(beta x)) / beta, and x where beta x > threshold;
    dx = g * sigmoid(beta x), and g where beta x > threshold"""

    def forward(self, x, beta, threshold):
        self.x, self.beta, self.threshold = x, beta, threshold
        z = x * beta
        return xp_of(x).where(z > threshold, x, _softplus(z) / beta)

    def backward(self, g):
        z = self.x * self.beta
        return g * xp_of(g).where(z > self.threshold, 1.0, _sigmoid(z))


class Mish(Function):
    """x * tanh(softplus(x));  dx = g * (t + x * sigmoid(x) * (1 - t**2)),  t = tanh(softplus(x))"""

    def forward(self, x):
        self.x = x
        return x * xp_of(x).tanh(_softplus(x))

    def backward(self, g):
        x = self.x
        t = xp_of(g).tanh(_softplus(x))
        return g * (t + x * _sigmoid(x) * (1 - t * t))


class Hardtanh(Function):
    """clamp(x, min_val, max_val);  dx = g where min_val < x < max_val, else 0 (0 at both kinks, as PyTorch)"""

    def forward(self, x, min_val, max_val):
        xp = xp_of(x)
        self.inside = ((x > min_val) & (x < max_val)).astype(x.dtype)
        return xp.minimum(xp.maximum(x, min_val), max_val)

    def backward(self, g):
        return g * self.inside


class Hardsigmoid(Function):
    """clamp(x / 6 + 1/2, 0, 1);  dx = g / 6 where -3 < x < 3, else 0"""

    def forward(self, x):
        xp = xp_of(x)
        self.slope = xp.where((x > -3) & (x < 3), 1.0 / 6.0, 0.0).astype(x.dtype)
        return xp.minimum(xp.maximum(x / 6 + 0.5, 0), 1)

    def backward(self, g):
        return g * self.slope


class Hardswish(Function):
    """x * clamp(x + 3, 0, 6) / 6;  dx = g * (x / 3 + 1/2) where -3 < x < 3, 0 at and below -3, g at and above 3"""

    def forward(self, x):
        self.x = x
        xp = xp_of(x)
        return x * xp.minimum(xp.maximum(x + 3, 0), 6) / 6

    def backward(self, g):
        xp = xp_of(g)
        x = self.x
        return g * xp.where(x <= -3, 0.0, xp.where(x < 3, x / 3 + 0.5, 1.0))


class LogSigmoid(Function):
    """log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|));  dx = g * sigmoid(-x)"""

    def forward(self, x):
        self.x = x
        xp = xp_of(x)
        return xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))

    def backward(self, g):
        return g * _sigmoid(-self.x)


def _sigmoid(x):
    """sigmoid of an array (without overflow), or of a Tensor as a recorded op."""
    if isinstance(x, Tensor):
        return sigmoid(x)
    xp = xp_of(x)
    e = xp.exp(-xp.abs(x))
    r = 1 / (1 + e)
    return xp.where(x >= 0, r, e * r)


def _softplus(z):
    """log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|)), which never overflows; arrays or Tensors."""
    if isinstance(z, Tensor):  # the op itself: its gradient is sigmoid(z), smooth at 0 (unlike the form below)
        return Softplus.apply(z, beta=1.0, threshold=math.inf)
    xp = xp_of(z)
    return xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))


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


def relu(x: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0), elementwise (inplace=True writes the result into x, as PyTorch's)."""
    out = Relu.apply(x)
    return x.copy_(out) if inplace else out


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


# ---- PyTorch's other activations ------------------------------------------------------------
# inplace=True is PyTorch's in-place form: the result is written into x (a recorded in-place
# change when x is in the graph, refused for a leaf that requires grad, as in PyTorch).


def _result(x: Tensor, out: Tensor, inplace: bool) -> Tensor:
    return x.copy_(out) if inplace else out


def _activation_input(op: str, x) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point tensor, got {x.dtype}")
    return x


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def silu(x: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (SiLU, also called swish), elementwise."""
    return _result(x, Silu.apply(_activation_input("silu", x)), inplace)


def leaky_relu(x: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope * x otherwise, elementwise."""
    return _result(x, LeakyRelu.apply(_activation_input("leaky_relu", x), negative_slope=float(negative_slope)),
                   inplace)


def elu(x: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha * (exp(x) - 1) otherwise, elementwise."""
    out = Elu.apply(_activation_input("elu", x), alpha=float(alpha), scale=1.0, input_scale=1.0)
    return _result(x, out, inplace)


def selu(x: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants alpha = 1.6733, scale = 1.0507."""
    out = Elu.apply(_activation_input("selu", x), alpha=_SELU_ALPHA, scale=_SELU_SCALE, input_scale=1.0)
    return _result(x, out, inplace)


def celu(x: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)), elementwise (alpha must not be 0)."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (the formula divides by it)")
    out = Elu.apply(_activation_input("celu", x), alpha=float(alpha), scale=1.0, input_scale=1.0 / alpha)
    return _result(x, out, inplace)


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta * x)) / beta, a smooth relu; linear (x itself) where beta * x > threshold."""
    return Softplus.apply(_activation_input("softplus", x), beta=float(beta), threshold=float(threshold))


def mish(x: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x)), elementwise."""
    return _result(x, Mish.apply(_activation_input("mish", x)), inplace)


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clamped to [min_val, max_val] (gradient 0 at the two kinks)."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not be greater than max_val ({max_val})")
    out = Hardtanh.apply(_activation_input("hardtanh", x), min_val=float(min_val), max_val=float(max_val))
    return _result(x, out, inplace)


def relu6(x: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6), elementwise: hardtanh(x, 0, 6)."""
    return _result(x, Hardtanh.apply(_activation_input("relu6", x), min_val=0.0, max_val=6.0), inplace)


def hardsigmoid(x: Tensor, inplace: bool = False) -> Tensor:
    """A piecewise-linear sigmoid: 0 below -3, 1 above 3, x / 6 + 1/2 between."""
    return _result(x, Hardsigmoid.apply(_activation_input("hardsigmoid", x)), inplace)


def hardswish(x: Tensor, inplace: bool = False) -> Tensor:
    """x * hardsigmoid(x): 0 below -3, x above 3, x (x + 3) / 6 between."""
    return _result(x, Hardswish.apply(_activation_input("hardswish", x)), inplace)


def logsigmoid(x: Tensor) -> Tensor:
    """log(sigmoid(x)), elementwise, without overflow or log(0) for large |x|."""
    return LogSigmoid.apply(_activation_input("logsigmoid", x))


def softsign(x: Tensor) -> Tensor:
    """x / (1 + |x|), elementwise."""
    return x / (_activation_input("softsign", x).abs() + 1)


def softmin(x: Tensor, dim: int = None, _stacklevel: int = 3, dtype=None, *, axis: int = None) -> Tensor:
    """softmax(-x) along `dim`: weights that favour the smallest entries."""
    if dtype is not None:
        x = x.astype(dtype)
    axis = _softmax_axis("softmin", x, dim, axis)
    if x.ndim == 0:
        return x * 0.0 + 1.0
    return Softmax.apply(-x, axis=axis)


def glu(x: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: a * sigmoid(b), where a and b are the two halves of x along `dim`."""
    _activation_input("glu", x)
    if x.ndim == 0:
        raise ValueError("glu: does not support 0-d tensors (there is no dimension to halve)")
    axis = check_axis("glu", dim, x.ndim, x.shape)
    if x.shape[axis] % 2:
        raise ValueError(f"glu: the halved dimension must be even, but dimension {dim} of shape "
                         f"{tuple(x.shape)} has size {x.shape[axis]}")
    a, b = x.split(x.shape[axis] // 2, dim=axis)
    return a * sigmoid(b)


def prelu(x: Tensor, weight: Tensor) -> Tensor:
    """x where x > 0, else weight * x, with one learned slope per channel (axis 1) or one for all.

    weight holds 1 or C = x.shape[1] slopes; the gradient at 0 is the slope, as in PyTorch.
    """
    _activation_input("prelu", x)
    if not isinstance(weight, Tensor) or weight.ndim > 1:
        raise TypeError(f"prelu: weight must be a 1-D Tensor of slopes, got {getattr(weight, 'shape', weight)!r}")
    channels = x.shape[1] if x.ndim >= 2 else 1
    if weight.size not in (1, channels):
        raise ValueError(f"prelu: weight has {weight.size} slopes but the input of shape {tuple(x.shape)} has "
                         f"{channels} channels (axis 1); expected 1 or {channels}")
    if weight.size > 1:
        weight = weight.reshape((channels,) + (1,) * (x.ndim - 2))
    elif weight.ndim:
        weight = weight.reshape(())
    return where(x > 0, x, weight * x)
