"""The pointwise math ops against PyTorch: values, dtypes and gradients over drawn shapes (0-d and
empty dims, broadcasting, Python numbers), PyTorch's sign rules for the remainders and floor
division, clamp with tensor bounds, the isnan/isclose family, and the errors."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad as mg

from .helpers import nonempty_shapes, pair, same, same_grads, shapes, values

torch = pytest.importorskip("torch")
SETTINGS = dict(max_examples=8, deadline=None)

# name, low, high: drawn values cover the domain and a little outside it (nan there, as torch)
UNARY = [
    ("sin", -4, 4), ("cos", -4, 4), ("tan", -1.5, 1.5), ("asin", -1.2, 1.2), ("acos", -1.2, 1.2),
    ("atan", -4, 4), ("sinh", -4, 4), ("cosh", -4, 4), ("asinh", -4, 4), ("acosh", 0.5, 4),
    ("atanh", -1.2, 1.2), ("arcsin", -1, 1), ("arccos", -1, 1), ("arctan", -4, 4), ("arcsinh", -4, 4),
    ("arccosh", 1, 4), ("arctanh", -0.99, 0.99), ("exp2", -4, 4), ("expm1", -4, 4), ("log2", -1, 4),
    ("log10", -1, 4), ("log1p", -1.5, 4), ("rsqrt", -1, 4), ("erfc", -6, 6), ("square", -4, 4),
    ("reciprocal", -4, 4), ("floor", -4, 4), ("ceil", -4, 4), ("trunc", -4, 4), ("fix", -4, 4),
    ("round", -4, 4), ("frac", -4, 4),
]


@pytest.mark.parametrize("name, low, high", UNARY, ids=[u[0] for u in UNARY])
@settings(**SETTINGS)
@given(data=st.data())
def test_unary_ops_match_torch_in_value_and_gradient(name, low, high, data):
    dtype = data.draw(st.sampled_from([np.float64, np.float32]))
    raw = values(data.draw, data.draw(shapes), low, high, dtype)
    if name == "reciprocal":  # torch's gradient squares 1/x, which overflows float32 for |x| < 1e-19; ours is finite
        raw = np.where(np.abs(raw) < 1e-3, dtype(1.0), raw)
    x, tx = pair(torch, raw)
    ours, theirs = getattr(mg, name)(x), getattr(torch, name)(tx)
    same(ours, theirs, what=name)
    method = getattr(x, name)()  # the Tensor method is the same function
    same(method, theirs, what=f"x.{name}()")
    same_grads(torch, [x], [tx], ours, theirs, what=name)


@pytest.mark.parametrize("name", ["sin", "exp2", "log1p", "rsqrt", "erfc", "atan", "reciprocal"])
def test_integer_inputs_of_float_functions_give_float32(name):
    ours, theirs = getattr(mg, name)(mg.tensor([1, 2, 3])), getattr(torch, name)(torch.tensor([1, 2, 3]))
    same(ours, theirs, what=name)


@pytest.mark.parametrize("name", ["floor", "ceil", "trunc", "round"])
def test_rounding_integers_returns_a_copy_of_the_integers(name):
    x = mg.tensor([3, -2, 0])
    out = getattr(mg, name)(x)
    same(out, getattr(torch, name)(torch.tensor([3, -2, 0])), what=name)
    assert out is not x and not np.shares_memory(out.numpy(), x.numpy())


@settings(**SETTINGS)
@given(data=st.data(), decimals=st.integers(-3, 4))
def test_round_with_decimals_matches_torch(data, decimals):
    dtype = data.draw(st.sampled_from([np.float64, np.float32]))
    x, tx = pair(torch, values(data.draw, data.draw(shapes), -2000, 2000, dtype))
    same(mg.round(x, decimals=decimals), torch.round(tx, decimals=decimals), tol=dict(rtol=0, atol=0))


def test_round_halves_to_even_as_torch():
    data = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 1.25, 0.125, 15.0, 25.0], dtype=np.float32)
    for decimals in (0, 1, 2, -1):
        same(mg.tensor(data).round(decimals), torch.tensor(data).round(decimals=decimals), tol=dict(rtol=0, atol=0))


# ---- binary ops ------------------------------------------------------------------------------

BINARY = ["atan2", "hypot", "logaddexp", "logaddexp2", "copysign", "fmod", "remainder", "floor_divide",
          "arctan2", "float_power"]


@pytest.mark.parametrize("name", BINARY)
@settings(**SETTINGS)
@given(data=st.data())
def test_binary_ops_broadcast_and_match_torch(name, data):
    shape_a, shape_b = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3)).input_shapes
    dtype = data.draw(st.sampled_from([np.float64, np.float32]))
    a_data = values(data.draw, shape_a, -4, 4, dtype)
    b_data = values(data.draw, shape_b, -4, 4, dtype)
    if name in ("fmod", "remainder", "floor_divide"):  # keep a / b away from the jumps of the result
        b_data = np.where(np.abs(b_data) < 0.25, 0.5, b_data).astype(dtype)
    a, ta = pair(torch, a_data)
    b, tb = pair(torch, b_data)
    ours, theirs = getattr(mg, name)(a, b), getattr(torch, name)(ta, tb)
    same(ours, theirs, what=name)
    if name == "floor_divide":  # torch has no derivative for floor_divide; div(rounding_mode="floor") is 0
        theirs = torch.div(ta, tb, rounding_mode="floor")
    same_grads(torch, [a, b], [ta, tb], ours, theirs, what=name)


@pytest.mark.parametrize("name", ["atan2", "hypot", "logaddexp", "copysign", "fmod", "remainder", "floor_divide"])
@pytest.mark.parametrize("number", [2.5, -3, 0.75])
def test_binary_ops_take_a_python_number_on_either_side(name, number):
    data = np.array([[-2.5, -1.0, 0.3], [1.7, 2.0, 4.5]], dtype=np.float32)
    x, tx = pair(torch, data)
    tnumber = torch.tensor(number)  # torch's atan2, hypot and logaddexp take no numbers: its 0-d tensor instead
    same(getattr(mg, name)(x, number), getattr(torch, name)(tx, tnumber), what=f"{name}(x, {number})")
    same(getattr(mg, name)(number, x), getattr(torch, name)(tnumber, tx), what=f"{name}({number}, x)")


def test_floor_division_and_remainder_follow_python_signs_as_torch():
    for dtype in (np.int64, np.int32, np.float32, np.float64):
        a = np.array([7, -7, 7, -7, 0, 6, -6], dtype=dtype)
        b = np.array([2, 2, -2, -2, 3, 3, -3], dtype=dtype)
        x, y, tx, ty = mg.tensor(a), mg.tensor(b), torch.tensor(a), torch.tensor(b)
        same(x // y, tx // ty, what=f"// {dtype}")
        same(x % y, tx % ty, what=f"% {dtype}")
        same(mg.fmod(x, y), torch.fmod(tx, ty), what=f"fmod {dtype}")
        same(mg.remainder(x, y), torch.remainder(tx, ty), what=f"remainder {dtype}")
        for mode in ("trunc", "floor"):
            same(mg.div(x, y, rounding_mode=mode), torch.div(tx, ty, rounding_mode=mode), what=f"div {mode} {dtype}")
            same(x.div(y, rounding_mode=mode), torch.div(tx, ty, rounding_mode=mode), what=f"x.div {mode}")
        same(mg.div(x, y), torch.div(tx, ty), what=f"true div {dtype}")
    same(7 // mg.tensor([2, -2]), 7 // torch.tensor([2, -2]), what="int // tensor")
    same(7.5 % mg.tensor([2, -2]), 7.5 % torch.tensor([2, -2]), what="float % int tensor")
    same(mg.tensor([5, -5]) // 2.5, torch.tensor([5, -5]) // 2.5, what="int tensor // float")


def test_float_division_by_zero_gives_ieee_values_as_torch():
    a = np.array([5.0, -5.0, 0.0, -0.0], dtype=np.float32)
    x, tx = mg.tensor(a), torch.tensor(a)
    for fn in (lambda v: v // 0.0, lambda v: v % 0.0, lambda v: v.fmod(0.0),
               lambda v: v.div(0.0, rounding_mode="trunc"), lambda v: v.remainder(-0.0)):
        same(fn(x), fn(tx))


def test_the_sign_of_a_zero_remainder_and_quotient_is_torchs():
    a = np.array([-4.0, 4.0, -0.0, -1e-30], dtype=np.float64)
    for b in (2.0, -2.0):
        for fn in (lambda v: v % b, lambda v: v // b, lambda v: v.fmod(b)):
            ours, theirs = fn(mg.tensor(a)).numpy(), fn(torch.tensor(a)).numpy()
            np.testing.assert_array_equal(np.signbit(ours), np.signbit(theirs))
            np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("call", [lambda v: v // mg.tensor([1, 0]), lambda v: v % 0, lambda v: mg.fmod(v, 0),
                                  lambda v: mg.div(v, mg.tensor([0, 2]), rounding_mode="trunc")])
def test_integer_division_by_zero_raises_as_torch(call):
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        call(mg.tensor([4, 5]))


def test_the_rounded_divisions_have_zero_gradient_and_the_remainders_torchs():
    a, ta = pair(torch, np.array([5.5, -3.25, 7.0]))
    b, tb = pair(torch, np.array([2.0, 1.5, -2.5]))
    for fn in (lambda x, y: x % y, lambda x, y: x.fmod(y), lambda x, y: x.div(y, rounding_mode="trunc"),
               lambda x, y: x.div(y, rounding_mode="floor")):
        for t in (a, b, ta, tb):
            t.grad = None
        same_grads(torch, [a, b], [ta, tb], fn(a, b), fn(ta, tb))
    for t in (a, b, ta, tb):  # torch's // has no derivative at all; its div(rounding_mode="floor") has 0
        t.grad = None
    same_grads(torch, [a, b], [ta, tb], a // b, ta.div(tb, rounding_mode="floor"))


def test_div_rejects_an_unknown_rounding_mode():
    with pytest.raises(ValueError, match="rounding_mode"):
        mg.div(mg.tensor([1.0]), 2.0, rounding_mode="nearest")


def test_bool_tensors_have_no_floor_division():
    with pytest.raises(TypeError, match="bool"):
        mg.tensor([True]) // mg.tensor([True])


def test_copysign_follows_signed_zeros_and_its_gradient_is_zero_at_zero():
    a, ta = pair(torch, np.array([0.0, 2.0, -3.0, 1.0]))
    b = np.array([-1.0, -0.0, 0.0, 5.0])
    ours, theirs = mg.copysign(a, mg.tensor(b)), torch.copysign(ta, torch.tensor(b))
    same(ours, theirs)
    same_grads(torch, [a], [ta], ours, theirs)
    ints, tints = (mg.tensor([1, 2]), mg.tensor([-1, 1])), (torch.tensor([1, 2]), torch.tensor([-1, 1]))
    same(mg.copysign(*ints), torch.copysign(*tints))


@settings(**SETTINGS)
@given(data=st.data(), tensor_weight=st.booleans())
def test_lerp_matches_torch_with_a_number_or_a_tensor_weight(data, tensor_weight):
    shape = data.draw(nonempty_shapes)
    start, tstart = pair(torch, values(data.draw, shape))
    end, tend = pair(torch, values(data.draw, shape))
    if tensor_weight:
        weight, tweight = pair(torch, values(data.draw, shape[1:], -0.5, 1.5))
        inputs, tinputs = [start, end, weight], [tstart, tend, tweight]
    else:
        weight = tweight = data.draw(st.sampled_from([0.0, 0.3, 0.5, 1.0, 1.7]))
        inputs, tinputs = [start, end], [tstart, tend]
    ours, theirs = start.lerp(end, weight), torch.lerp(tstart, tend, tweight)
    same(ours, theirs)
    same_grads(torch, inputs, tinputs, ours, theirs)


def test_lerp_needs_float_tensors_of_one_dtype():
    with pytest.raises(TypeError, match="lerp"):
        mg.lerp(mg.tensor([1.0]), mg.tensor([2.0], dtype="float64"), 0.5)


def test_float_power_computes_in_float64():
    same(mg.float_power(mg.tensor([2, 3]), 2), torch.float_power(torch.tensor([2, 3]), 2))
    same(mg.tensor([2.0, 3.0]).float_power(mg.tensor([0.5])), torch.tensor([2.0, 3.0]).float_power(torch.tensor([0.5])))


# ---- clamp with tensor bounds --------------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_clamp_with_tensor_bounds_matches_torch_in_value_and_gradient(data):
    shape_x = data.draw(nonempty_shapes)
    # bounds that broadcast to x's shape (torch's backward needs x at the full shape)
    suffixes = [shape_x[data.draw(st.integers(0, len(shape_x))):] for _ in range(2)]
    shape_lo, shape_hi = (tuple(n if data.draw(st.booleans()) else 1 for n in suffix) for suffix in suffixes)
    # a coarse grid makes ties between x and the bounds (and min > max) common
    grid = st.sampled_from([-1.0, -0.5, 0.0, 0.5, 1.0])
    x, tx = pair(torch, data.draw(hnp.arrays(np.float64, shape_x, elements=grid)))
    kind = data.draw(st.sampled_from(["both", "min", "max", "min-number"]))
    lo, tlo = pair(torch, data.draw(hnp.arrays(np.float64, shape_lo, elements=grid)))
    hi, thi = pair(torch, data.draw(hnp.arrays(np.float64, shape_hi, elements=grid)))
    if kind == "both":
        ours, theirs, inputs, tinputs = x.clamp(lo, hi), tx.clamp(tlo, thi), [x, lo, hi], [tx, tlo, thi]
    elif kind == "min":
        ours, theirs, inputs, tinputs = mg.clamp(x, min=lo), torch.clamp(tx, min=tlo), [x, lo], [tx, tlo]
    elif kind == "max":
        ours, theirs, inputs, tinputs = x.clip(max=hi), tx.clip(max=thi), [x, hi], [tx, thi]
    else:
        number = torch.tensor(-0.5, dtype=torch.float64)  # torch takes no number beside a tensor bound
        ours, theirs, inputs, tinputs = x.clamp(-0.5, hi), tx.clamp(number, thi), [x, hi], [tx, thi]
    same(ours, theirs)
    same_grads(torch, inputs, tinputs, ours, theirs)


def test_clamp_promotes_dtypes_as_torch():
    same(mg.clamp(mg.tensor([1, 5, 9]), min=2.5), torch.clamp(torch.tensor([1, 5, 9]), min=2.5))
    same(mg.clamp(mg.tensor([1, 5, 9]), mg.tensor([2]), mg.tensor([6])),
         torch.clamp(torch.tensor([1, 5, 9]), torch.tensor([2]), torch.tensor([6])))
    same(mg.clamp(mg.tensor([1.0, 5.0]), max=mg.tensor([2.0], dtype="float64")),
         torch.clamp(torch.tensor([1.0, 5.0]), max=torch.tensor([2.0], dtype=torch.float64)))
    with pytest.raises(ValueError, match="at least one"):
        mg.clamp(mg.tensor([1.0]))


# ---- tests of values, logical ops --------------------------------------------------------------


def test_isnan_isinf_isfinite_and_friends_match_torch():
    data = np.array([1.0, np.nan, np.inf, -np.inf, 0.0, -2.0], dtype=np.float32)
    x, tx = mg.tensor(data), torch.tensor(data)
    for name in ("isnan", "isinf", "isfinite", "isposinf", "isneginf"):
        same(getattr(mg, name)(x), getattr(torch, name)(tx), what=name)
        same(getattr(x, name)(), getattr(torch, name)(tx), what=f"x.{name}()")
    same(mg.isnan(mg.tensor([1, 2])), torch.isnan(torch.tensor([1, 2])), what="isnan of integers")


@settings(**SETTINGS)
@given(data=st.data(), equal_nan=st.booleans())
def test_isclose_and_allclose_match_torch(data, equal_nan):
    shape = data.draw(shapes)
    special = st.sampled_from([0.0, 1.0, 1.0 + 1e-6, 1.0 + 1e-4, np.nan, np.inf, -np.inf])
    a = data.draw(hnp.arrays(np.float64, shape, elements=special))
    b = data.draw(hnp.arrays(np.float64, shape, elements=special))
    rtol, atol = data.draw(st.sampled_from([(1e-5, 1e-8), (0.0, 0.0), (1e-3, 0.0)]))
    ours = mg.isclose(mg.tensor(a), mg.tensor(b), rtol=rtol, atol=atol, equal_nan=equal_nan)
    theirs = torch.isclose(torch.tensor(a), torch.tensor(b), rtol=rtol, atol=atol, equal_nan=equal_nan)
    same(ours, theirs)
    assert mg.tensor(a).allclose(mg.tensor(b), rtol, atol, equal_nan) == torch.allclose(
        torch.tensor(a), torch.tensor(b), rtol, atol, equal_nan)


def test_isclose_wants_one_dtype_as_torch():
    with pytest.raises(TypeError, match="same dtype"):
        mg.isclose(mg.tensor([1.0]), mg.tensor([1.0], dtype="float64"))


def test_logical_ops_are_functions_and_methods():
    a, b = np.array([0, 1, 2, 0]), np.array([0.0, 0.0, 3.0, -1.0])
    x, y, tx, ty = mg.tensor(a), mg.tensor(b), torch.tensor(a), torch.tensor(b)
    for name in ("logical_and", "logical_or", "logical_xor"):
        same(getattr(mg, name)(x, y), getattr(torch, name)(tx, ty), what=name)
        same(getattr(x, name)(y), getattr(torch, name)(tx, ty), what=f"x.{name}")
    same(mg.logical_not(y), torch.logical_not(ty))
    same(x.logical_not(), tx.logical_not())


# ---- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize("call, error, message", [
    (lambda: mg.sin([1.0, 2.0]), TypeError, "sin: expected a Tensor"),
    (lambda: mg.atan2(1.0, 2.0), TypeError, "atan2: expected a Tensor"),
    (lambda: mg.hypot(mg.tensor([1.0, 2.0]), mg.tensor([1.0, 2.0, 3.0])), ValueError, "Hypot"),
    (lambda: mg.frac(mg.tensor([1, 2])), TypeError, "frac: expected a floating-point"),
    (lambda: mg.round(mg.tensor([1, 2]), decimals=1), TypeError, "round: decimals=1"),
    (lambda: mg.round(mg.tensor([1.0]), decimals=0.5), TypeError, "decimals must be an int"),
])
def test_bad_inputs_are_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_erfc_keeps_precision_where_one_minus_erf_cancels():
    x = mg.tensor([5.0, 10.0, 26.0], dtype="float64")
    expected = [math.erfc(v) for v in (5.0, 10.0, 26.0)]
    np.testing.assert_allclose(mg.erfc(x).numpy(), expected, rtol=1e-13)
    assert (1 - mg.erf(x)).numpy()[1] == 0.0  # what the cancellation would have given


def test_the_small_argument_forms_keep_precision():
    tiny = mg.tensor([1e-12], dtype="float64")
    np.testing.assert_allclose(mg.expm1(tiny).numpy(), [1e-12], rtol=1e-12)
    np.testing.assert_allclose(mg.log1p(tiny).numpy(), [1e-12], rtol=1e-12)
    large = mg.tensor([800.0, -800.0], dtype="float64")
    theirs = torch.tensor([800.0, -800.0], dtype=torch.float64)
    same(mg.logaddexp(large, large), torch.logaddexp(theirs, theirs))
