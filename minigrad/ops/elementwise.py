"""Elementwise arithmetic: + - * / ** neg exp log sqrt abs sign erf maximum minimum where clip cast,
copysign lerp; comparisons, isnan/isinf/isfinite/isclose, logical and bitwise ops.

Each op is a `Function`: forward on arrays, backward on gradients, side by
side. Binary ops broadcast like NumPy; their backward returns gradients of
the broadcast shape and the engine sums them back to each input's shape.
Python numbers are passed through as constants (no gradient), so `x * 2`
records one op, not two.
"""

from __future__ import annotations

import math

import numpy as np

import kernels

from ..autograd import Function, xp_of
from ..tensor import Tensor, float32, as_dtype


def _operand(other, like: Tensor):
    """Python numbers stay numbers (constants); arrays and lists become tensors on `like`'s device."""
    if isinstance(other, Tensor) or type(other) in (int, float, bool):
        return other
    if isinstance(other, np.generic):
        return other.item()
    return Tensor(other, device=like.device)


def _binary(op, a, b) -> Tensor:
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if a.data.dtype is b.data.dtype:  # the common case, decided without further checks
                return op.apply(a, b)
            return op.apply(*_promote(a, b))
        b = _operand(b, a)
    else:
        a = _operand(a, b)
    # PyTorch's rule: an integer tensor combined with a Python float gives float32, not float64.
    if type(b) is float and a.data.dtype.kind in "biu":
        a = cast(a, float32)
    elif type(a) is float and b.data.dtype.kind in "biu":
        b = cast(b, float32)
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        a, b = _promote(a, b)
    return op.apply(a, b)


def _promote(a: Tensor, b: Tensor) -> tuple:
    """PyTorch's rule for an integer (or bool) tensor with a floating-point one: the float's
    dtype wins (NumPy would give float64 for int64 with float32)."""
    kind_a, kind_b = a.data.dtype.kind, b.data.dtype.kind
    if kind_a in "biu" and kind_b == "f":
        return cast(a, b.dtype), b
    if kind_b in "biu" and kind_a == "f":
        return a, cast(b, a.dtype)
    return a, b


class Add(Function):
    """a + b;  da = g,  db = g"""

    def forward(self, a, b):
        return a + b

    def backward(self, g):
        return g, g


class Sub(Function):
    """a - b;  da = g,  db = -g"""

    def forward(self, a, b):
        return a - b

    def backward(self, g):
        return g, (-g if self.needs_input_grad[1] else None)


class Mul(Function):
    """a * b;  da = g * b,  db = g * a"""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, g):
        need_a, need_b = self.needs_input_grad
        da = g * self.b if need_a else None
        db = g * self.a if need_b else None
        return da, db


class Div(Function):
    """a / b;  da = g / b,  db = -g * a / b**2"""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, g):
        need_a, need_b = self.needs_input_grad
        da = g / self.b if need_a else None
        db = -g * self.a / (self.b * self.b) if need_b else None
        return da, db


class Pow(Function):
    """a ** b;  da = g * b * a**(b-1),  db = g * a**b * log(a)

    As PyTorch: da = 0 where b == 0 (a**0 = 1 for every a; only a == 0 needs the mask, where
    b * a**(b-1) is 0 * inf), and db = 0 where a == 0 and b >= 0 (the limit of a**b log a);
    for a == 0, b < 0 it is -inf (inf * -inf).
    """

    def forward(self, a, b):
        self.a, self.b = a, b
        with np.errstate(divide="ignore"):  # 0 ** negative is inf, as in PyTorch (no warning)
            self.out = a**b
        return self.out

    def backward(self, g):
        a, b = self.a, self.b
        need_a, need_b = self.needs_input_grad
        xp = xp_of(g)
        da = db = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if need_a:
                if isinstance(b, (int, float)):
                    da = g * b * a ** (b - 1) if b != 0 else xp.zeros_like(g)
                else:
                    da = g * xp.where((b == 0) & (a == 0), 0.0, b * a ** (b - 1))
            if need_b:
                if isinstance(a, (int, float)):  # a Python base: take its log in Python (CuPy's where needs arrays)
                    if a == 0:
                        db = g * xp.where(b >= 0, 0.0, -math.inf)
                    else:
                        db = g * self.out * (math.log(a) if a > 0 else math.nan)
                else:
                    db = g * xp.where((a == 0) & (b >= 0), 0.0, self.out * xp.log(a))
        return da, db


class Maximum(Function):
    """maximum(a, b);  da = g where a > b,  db = g where b > a  (g / 2 to each on ties, as PyTorch)"""

    def forward(self, a, b):
        self.a, self.b = a, b
        return xp_of(a, b).maximum(a, b)

    def backward(self, g):
        xp = xp_of(g)
        share_a = xp.where(self.a > self.b, 1.0, xp.where(self.a == self.b, 0.5, 0.0)).astype(g.dtype)
        return g * share_a, g * (1 - share_a)


class Minimum(Function):
    """minimum(a, b);  da = g where a < b,  db = g where b < a  (g / 2 to each on ties, as PyTorch)"""

    def forward(self, a, b):
        self.a, self.b = a, b
        return xp_of(a, b).minimum(a, b)

    def backward(self, g):
        xp = xp_of(g)
        share_a = xp.where(self.a < self.b, 1.0, xp.where(self.a == self.b, 0.5, 0.0)).astype(g.dtype)
        return g * share_a, g * (1 - share_a)


class Neg(Function):
    """-x;  dx = -g"""

    def forward(self, x):
        return -x

    def backward(self, g):
        return -g


class Exp(Function):
    """exp(x);  dx = g * exp(x)"""

    def forward(self, x):
        self.out = xp_of(x).exp(x)
        return self.out

    def backward(self, g):
        return g * self.out


class Log(Function):
    """log(x);  dx = g / x"""

    def forward(self, x):
        self.x = x
        return xp_of(x).log(x)

    def backward(self, g):
        return g / self.x


class Sqrt(Function):
    """sqrt(x);  dx = g / (2 sqrt(x))"""

    def forward(self, x):
        self.out = xp_of(x).sqrt(x)
        return self.out

    def backward(self, g):
        return g / (2 * self.out)


class Abs(Function):
    """|x|;  dx = g * sign(x)  (0 at x = 0, as PyTorch)"""

    def forward(self, x):
        self.x = x
        return xp_of(x).abs(x)

    def backward(self, g):
        return g * xp_of(g).sign(self.x)


class Sign(Function):
    """sign(x) in {-1, 0, 1};  dx = 0 (piecewise constant)"""

    def forward(self, x):
        return xp_of(x).sign(x)

    def backward(self, g):
        return xp_of(g).zeros_like(g)


class Erf(Function):
    """erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt;  dx = g * 2/sqrt(pi) * exp(-x^2)"""

    def forward(self, x):
        self.x = x
        return kernels.erf(x)

    def backward(self, g):
        return g * (2.0 / math.sqrt(math.pi)) * xp_of(g).exp(-(self.x * self.x))


class Clip(Function):
    """clamp(x, lo, hi) = min(max(x, lo), hi);  dx = g where lo <= x <= hi, else 0

    Bounds may be numbers or tensors (broadcast). Tensor bounds get PyTorch's gradients:
    dlo = g where x < lo (and lo < hi when both are given), dhi = g where x > hi (or hi < lo:
    then the output is hi everywhere). At x == lo or x == hi the gradient goes to x.
    """

    def forward(self, x, lo, hi):
        self.x, self.lo, self.hi = x, lo, hi
        xp = xp_of(x)
        out = x if lo is None else xp.maximum(x, lo)
        return out if hi is None else xp.minimum(out, hi)

    def backward(self, g):
        x, lo, hi = self.x, self.lo, self.hi
        _, need_lo, need_hi = self.needs_input_grad
        inside = True
        if lo is not None:
            inside = x >= lo
        if hi is not None:
            inside = inside & (x <= hi)
        dlo = dhi = None
        if need_lo:
            dlo = g * ((x < lo) & (lo < hi) if hi is not None else x < lo)
        if need_hi:
            dhi = g * ((x > hi) | (hi < lo) if lo is not None else x > hi)
        return g * inside, dlo, dhi


class Where(Function):
    """where(cond, a, b);  da = g where cond,  db = g where not cond. cond gets no gradient."""

    def forward(self, cond, a, b):
        self.cond = cond
        return xp_of(cond).where(cond, a, b)

    def backward(self, g):
        zero = g.dtype.type(0)
        xp = xp_of(g)
        _, need_a, need_b = self.needs_input_grad
        da = xp.where(self.cond, g, zero) if need_a else None
        db = xp.where(self.cond, zero, g) if need_b else None
        return None, da, db


class Cast(Function):
    """x.astype(dtype);  dx = g cast back to x's dtype."""

    def forward(self, x, dtype):
        self.dtype = x.dtype
        return x.astype(dtype)

    def backward(self, g):
        return g.astype(self.dtype)


class Copysign(Function):
    """|a| with the sign of b (signed zeros count: copysign(1, -0.0) = -1);
    da = g * copysign(a, b) / a (0 at a = 0),  db = 0"""

    def forward(self, a, b):
        self.a, self.b = a, b
        self.out = xp_of(a, b).copysign(a, b)
        return self.out

    def backward(self, g):
        xp = xp_of(g)
        need_a, need_b = self.needs_input_grad
        da = None
        if need_a:
            # out / a is +-1; at a == 0 it is 0/0, and PyTorch gives 0 there
            flips = xp.where(self.out == self.a, 1.0, -1.0)
            da = g * xp.where(self.a == 0, 0.0, flips)
        return da, (xp.zeros_like(g) if need_b else None)


class Lerp(Function):
    """start + weight * (end - start);  dstart = g * (1 - weight),  dend = g * weight,  dweight = g * (end - start)

    Computed as PyTorch does, from the nearer end: end - (end - start) * (1 - weight) when
    |weight| >= 0.5, so lerp(a, b, 1) is exactly b.
    """

    def forward(self, start, end, weight):
        self.start, self.end, self.weight = start, end, weight
        xp = xp_of(start, end, weight)
        diff = end - start
        return xp.where(xp.abs(weight) < 0.5, start + weight * diff, end - diff * (1 - weight))

    def backward(self, g):
        need_start, need_end, need_weight = self.needs_input_grad
        w = self.weight
        return ((g * (1 - w) if need_start else None), (g * w if need_end else None),
                (g * (self.end - self.start) if need_weight else None))


# ---- the functions the Tensor methods and `minigrad.*` call ----------------------------------


def add(a, b) -> Tensor:
    """a + b with broadcasting."""
    return _binary(Add, a, b)


def sub(a, b) -> Tensor:
    """a - b with broadcasting."""
    return _binary(Sub, a, b)


def mul(a, b) -> Tensor:
    """a * b with broadcasting."""
    return _binary(Mul, a, b)


def div(a, b, *, rounding_mode=None) -> Tensor:
    """a / b with broadcasting (true division: integer tensors divide as float32, as PyTorch);
    rounding_mode="floor" rounds the quotient toward -inf (a // b), "trunc" toward 0 (integer
    tensors then stay integers), both with zero gradient."""
    if rounding_mode is not None:
        from .rounding import div_rounded

        return div_rounded(a, b, rounding_mode)
    if not _is_float_tensor(a) and not _is_float_tensor(b):
        # No float tensor to set the dtype: integer tensors divide as float32. (An integer
        # tensor next to a float tensor takes the float's dtype in _binary.)
        a = cast(a, float32) if isinstance(a, Tensor) else a
        b = cast(b, float32) if isinstance(b, Tensor) else b
    return _binary(Div, a, b)


def _is_float_tensor(x) -> bool:
    return isinstance(x, Tensor) and x.dtype.kind == "f"


def pow(a, b) -> Tensor:
    """a ** b; either may be a Python number."""
    return _binary(Pow, a, b)


def square(x: Tensor) -> Tensor:
    """x * x, elementwise (integers stay integers)."""
    return mul(x, x)


def reciprocal(x: Tensor) -> Tensor:
    """1 / x, elementwise (integer tensors give float32)."""
    return div(1.0, _float_tensor("reciprocal", x))


def float_power(input, exponent) -> Tensor:
    """input ** exponent computed in float64, whatever the inputs' dtypes (PyTorch's float_power)."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("float_power: expected a Tensor among the inputs")
    input, exponent = (cast(v, np.float64) if isinstance(v, Tensor) else float(v) for v in (input, exponent))
    return _binary(Pow, input, exponent)


def copysign(input, other) -> Tensor:
    """|input| with the sign of other, elementwise (broadcasts; integer tensors give float32)."""
    return _binary_float(Copysign, input, other)


def lerp(input: Tensor, end: Tensor, weight) -> Tensor:
    """input + weight * (end - input): linear interpolation; weight is a number or a tensor (broadcast)."""
    tensors = [t for t in (input, end, weight) if isinstance(t, Tensor)]
    if not isinstance(input, Tensor) or not isinstance(end, Tensor):
        raise TypeError(f"lerp: input and end must be Tensors, got {type(input).__name__} and {type(end).__name__}")
    if any(t.dtype.kind != "f" for t in tensors) or len({t.dtype for t in tensors}) > 1:
        raise TypeError("lerp: expected floating-point tensors of one dtype, got "
                        + ", ".join(str(t.dtype) for t in tensors))
    if not isinstance(weight, Tensor):
        weight = float(weight)
    return Lerp.apply(input, end, weight)


def maximum(a, b) -> Tensor:
    """Elementwise maximum of two tensors (or a tensor and a number)."""
    return _binary(Maximum, a, b)


def minimum(a, b) -> Tensor:
    """Elementwise minimum of two tensors (or a tensor and a number)."""
    return _binary(Minimum, a, b)


def neg(x: Tensor) -> Tensor:
    """-x."""
    return Neg.apply(x)


def exp(x: Tensor) -> Tensor:
    """e ** x."""
    return Exp.apply(_float(x))


def log(x: Tensor) -> Tensor:
    """Natural logarithm."""
    return Log.apply(_float(x))


def sqrt(x: Tensor) -> Tensor:
    """The square root, elementwise."""
    return Sqrt.apply(_float(x))


def abs(x: Tensor) -> Tensor:
    """|x|, elementwise."""
    return Abs.apply(x)


def sign(x: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of each element (zero gradient)."""
    return Sign.apply(x)


def erf(x: Tensor) -> Tensor:
    """The error function, elementwise."""
    return Erf.apply(_float(x))


def _float(x: Tensor) -> Tensor:
    """Integer inputs of float functions become float32, as in PyTorch."""
    return x if x.dtype.kind in "fc" else cast(x, float32)


def _float_tensor(op: str, x) -> Tensor:
    """The input of a float function: a Tensor (integers become float32), or a clear TypeError."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    return _float(x)


def _binary_float(op, a, b) -> Tensor:
    """A binary float function of two tensors, or a tensor and a Python number: integer tensors
    take the other tensor's float dtype, or float32 (PyTorch: atan2 of two int tensors is float32)."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"{op.__name__.lower()}: expected a Tensor among the inputs, got "
                        f"{type(a).__name__} and {type(b).__name__}")
    dtype = a.dtype if _is_float_tensor(a) else b.dtype if _is_float_tensor(b) else float32
    a = cast(a, dtype) if isinstance(a, Tensor) and a.dtype.kind not in "fc" else a
    b = cast(b, dtype) if isinstance(b, Tensor) and b.dtype.kind not in "fc" else b
    return _binary(op, a, b)


_PLAIN_BOUNDS = (int, float, type(None))


def clip(x: Tensor, min=None, max=None) -> Tensor:
    """Limit x to [min, max], as PyTorch's clamp: either bound may be None, a number or a tensor
    (broadcast against x; tensor bounds get gradients too). Where min > max the result is max."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if x.dtype.kind == "f" and type(min) in _PLAIN_BOUNDS and type(max) in _PLAIN_BOUNDS:
        return Clip.apply(x, min, max)  # the common case: numbers (or None) around a float tensor
    bounds = [b if b is None or isinstance(b, Tensor) or type(b) in (int, float, bool) else _operand(b, x)
              for b in (min, max)]
    tensors = [t for t in [x] + bounds if isinstance(t, Tensor)]
    floats = [t.dtype for t in tensors if t.dtype.kind == "f"]
    if floats:  # PyTorch's promotion: the widest float tensor sets the dtype
        dtype = np.result_type(*floats)
    elif any(type(b) is float for b in bounds):
        dtype = float32  # an integer tensor clamped to a Python float gives float32
    else:
        dtype = np.result_type(*[t.dtype for t in tensors])
    x, lo, hi = (cast(t, dtype) if isinstance(t, Tensor) and t.dtype != dtype else t for t in [x] + bounds)
    return Clip.apply(x, lo, hi)


def where(cond, a, b) -> Tensor:
    """Elementwise `a if cond else b`; a and b may be tensors or Python numbers (two numbers
    give float32, or int64 for two ints, as in PyTorch)."""
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else cond if isinstance(cond, Tensor) else None
    if like is None:
        raise TypeError("where: expected a Tensor among cond, a and b")
    cond = cond if isinstance(cond, Tensor) else Tensor(cond, device=like.device)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: the condition must be a bool tensor, got {cond.dtype}")
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = Tensor(a, device=like.device)  # PyTorch's default dtypes for Python numbers
        if isinstance(b, float) and a.dtype.kind != "f":
            a = cast(a, float32)
    ref = a if isinstance(a, Tensor) else b
    a, b = _operand(a, ref), _operand(b, ref)
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        a, b = _promote(a, b)
    elif isinstance(a, Tensor) and type(b) is float and a.dtype.kind in "biu":
        a = cast(a, float32)
    elif isinstance(b, Tensor) and type(a) is float and b.dtype.kind in "biu":
        b = cast(b, float32)
    return Where.apply(cond, a, b)


def cast(x: Tensor, dtype) -> Tensor:
    """x converted to `dtype`; differentiable between floating-point dtypes."""
    dtype = as_dtype(dtype)
    if x.dtype == dtype:
        return x
    if dtype.kind not in "fc" and x.requires_grad:
        return Tensor._wrap(x.data.astype(dtype), False)  # integer results carry no gradient
    return Cast.apply(x, dtype=dtype)


_COMPARE = {"eq": "equal", "ne": "not_equal", "lt": "less", "le": "less_equal", "gt": "greater", "ge": "greater_equal"}


def compare(how: str, a: Tensor, b) -> Tensor:
    """Elementwise comparison: a bool tensor that never requires grad."""
    b = _operand(b, a)
    b_data = b.data if isinstance(b, Tensor) else b
    xp = xp_of(a.data)
    try:
        result = getattr(xp, _COMPARE[how])(a.data, b_data)
    except ValueError as err:
        shape_b = getattr(b_data, "shape", ())
        raise ValueError(f"{how}: shapes {a.shape} and {tuple(shape_b)} cannot be broadcast together") from err
    return Tensor._wrap(xp.asarray(result), False)


def isnan(x: Tensor) -> Tensor:
    """True where x is NaN (a bool tensor; all False for integers)."""
    return Tensor._wrap(x._xp.isnan(x.data), False)


def isinf(x: Tensor) -> Tensor:
    """True where x is +inf or -inf (a bool tensor)."""
    return Tensor._wrap(x._xp.isinf(x.data), False)


def isposinf(x: Tensor) -> Tensor:
    """True where x is +inf (a bool tensor)."""
    return Tensor._wrap(x._xp.isposinf(x.data), False)


def isneginf(x: Tensor) -> Tensor:
    """True where x is -inf (a bool tensor)."""
    return Tensor._wrap(x._xp.isneginf(x.data), False)


def isfinite(x: Tensor) -> Tensor:
    """True where x is neither NaN nor infinite (a bool tensor)."""
    return Tensor._wrap(x._xp.isfinite(x.data), False)


def isclose(input: Tensor, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """|input - other| <= atol + rtol * |other| elementwise (equal infinities are close; NaN only
    with equal_nan=True); a bool tensor. Both must have one dtype, as in PyTorch."""
    other = _operand(other, input)
    if isinstance(other, Tensor):
        if other.dtype != input.dtype:
            raise TypeError(f"isclose: expected both inputs to have the same dtype, got {input.dtype} and "
                            f"{other.dtype} (convert one with .to(dtype))")
        other = other.data
    if rtol < 0 or atol < 0:
        raise ValueError(f"isclose: rtol and atol must be non-negative, got rtol={rtol}, atol={atol}")
    try:
        result = input._xp.isclose(input.data, other, rtol=rtol, atol=atol, equal_nan=equal_nan)
    except ValueError as err:
        raise ValueError(f"isclose: shapes {tuple(input.shape)} and {tuple(getattr(other, 'shape', ()))} "
                         "cannot be broadcast together") from err
    return Tensor._wrap(input._xp.asarray(result), False)


def allclose(input: Tensor, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True when every element of input is close to other's (see isclose): a Python bool."""
    return bool(isclose(input, other, rtol, atol, equal_nan).data.all())


_BITWISE = {"and": "bitwise_and", "or": "bitwise_or", "xor": "bitwise_xor"}


def bitwise(how: str, a, b) -> Tensor:
    """a & b, a | b, a ^ b on bool or integer tensors (no gradient)."""
    like = a if isinstance(a, Tensor) else b
    a_data, b_data = (v.data if isinstance(v, Tensor) else v for v in (a, b))
    for v in (a_data, b_data):
        if getattr(v, "dtype", np.dtype(bool)).kind not in "biu" or isinstance(v, float):
            raise TypeError(f"bitwise_{how}: expected bool or integer tensors, got {getattr(v, 'dtype', type(v).__name__)}"
                            " (compare floats first, e.g. (x > 0) & (x < 1))")
    xp = xp_of(like.data)
    return Tensor._wrap(xp.asarray(getattr(xp, _BITWISE[how])(a_data, b_data)), False)


def invert(x: Tensor) -> Tensor:
    """~x: logical not of a bool tensor, bitwise not of an integer one (no gradient)."""
    if x.dtype.kind not in "biu":
        raise TypeError(f"bitwise_not: expected a bool or integer tensor, got {x.dtype}")
    return Tensor._wrap(x._xp.invert(x.data), False)


def _logical(how: str, a, b) -> Tensor:
    like = a if isinstance(a, Tensor) else b
    as_bool = [(v.data if isinstance(v, Tensor) else like._xp.asarray(v)) != 0 for v in (a, b)]
    return Tensor._wrap(getattr(like._xp, f"logical_{how}")(*as_bool), False)


def logical_and(a, b) -> Tensor:
    """Elementwise `a and b` (nonzero is True), a bool tensor."""
    return _logical("and", a, b)


def logical_or(a, b) -> Tensor:
    """Elementwise `a or b` (nonzero is True), a bool tensor."""
    return _logical("or", a, b)


def logical_xor(a, b) -> Tensor:
    """Elementwise `a xor b` (nonzero is True), a bool tensor."""
    return _logical("xor", a, b)


def logical_not(x: Tensor) -> Tensor:
    """Elementwise `not x` (nonzero is True), a bool tensor."""
    return Tensor._wrap(x.data == 0, False)
