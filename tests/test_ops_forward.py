"""Forward values against NumPy, and forward + backward against PyTorch where it is installed."""

import numpy as np
import pytest

import minigrad as mg

rng = np.random.default_rng()


def _pair(shape_a=(3, 4), shape_b=(4,)):
    return rng.standard_normal(shape_a), rng.standard_normal(shape_b)


@pytest.mark.parametrize(
    "mg_fn, np_fn",
    [
        (lambda a, b: a + b, np.add),
        (lambda a, b: a - b, np.subtract),
        (lambda a, b: a * b, np.multiply),
        (lambda a, b: a / b, np.divide),
        (mg.maximum, np.maximum),
        (mg.minimum, np.minimum),
    ],
)
def test_binary_ops_match_numpy_with_broadcasting(mg_fn, np_fn):
    a, b = _pair()
    out = mg_fn(mg.tensor(a), mg.tensor(b))
    np.testing.assert_allclose(out.numpy(), np_fn(a, b))
    assert out.dtype == np.float64


@pytest.mark.parametrize("name", ["exp", "tanh", "abs", "relu", "sigmoid"])
def test_unary_ops_match_numpy(name):
    x = rng.standard_normal((2, 5))
    reference = {
        "exp": np.exp, "tanh": np.tanh, "abs": np.abs,
        "relu": lambda v: np.maximum(v, 0), "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
    }[name]
    np.testing.assert_allclose(getattr(mg.tensor(x), name)().numpy(), reference(x), rtol=1e-12)


def test_log_and_sqrt_match_numpy():
    x = rng.random((3, 3)) + 0.1
    np.testing.assert_allclose(mg.tensor(x).log().numpy(), np.log(x))
    np.testing.assert_allclose(mg.tensor(x).sqrt().numpy(), np.sqrt(x))


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "var"])
def test_reductions_match_numpy(name, axis, keepdims):
    x = rng.standard_normal((2, 3, 4))
    out = getattr(mg.tensor(x), name)(axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(out.numpy(), getattr(np, name)(x, axis=axis, keepdims=keepdims), rtol=1e-12)


@pytest.mark.parametrize("sa, sb", [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((4,), (4, 2)), ((2, 3, 4), (4,)), ((4,), (4,)), ((2, 1, 3, 4), (5, 4, 2))])
def test_matmul_matches_numpy(sa, sb):
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    np.testing.assert_allclose((mg.tensor(a) @ mg.tensor(b)).numpy(), a @ b, rtol=1e-12)


def test_softmax_is_stable_for_huge_logits():
    x = mg.tensor([[1e4, 0.0, -1e4], [5.0, 5.0, 5.0]])
    s = mg.softmax(x, dim=1).numpy()
    assert np.isfinite(s).all()
    np.testing.assert_allclose(s[0], [1.0, 0.0, 0.0], atol=1e-7)
    ls = mg.log_softmax(x, dim=-1).numpy()
    assert np.isfinite(ls).all() and ls[0, 0] == 0.0
    np.testing.assert_allclose(ls[0, 2], -2e4)


def test_shape_ops_match_numpy():
    x = rng.standard_normal((2, 3, 4))
    t = mg.tensor(x)
    np.testing.assert_array_equal(t.reshape(4, -1).numpy(), x.reshape(4, -1))
    np.testing.assert_array_equal(t.transpose(2, 0, 1).numpy(), x.transpose(2, 0, 1))
    np.testing.assert_array_equal(t.T.numpy(), x.T)
    np.testing.assert_array_equal(t.unsqueeze(1).numpy(), x[:, None])
    np.testing.assert_array_equal(t[:, :1].squeeze(1).numpy(), x[:, 0])
    # PyTorch's rule: the int selects first, so the list's axis stays last (NumPy would put it first)
    np.testing.assert_array_equal(t[1, ::2, [0, 3]].numpy(), x[1][::2, [0, 3]])
    np.testing.assert_array_equal(t[x > 0].numpy(), x[x > 0])
    np.testing.assert_array_equal(mg.concatenate([t, t], axis=1).numpy(), np.concatenate([x, x], axis=1))
    np.testing.assert_array_equal(mg.stack([t, t], axis=-1).numpy(), np.stack([x, x], axis=-1))
    pieces = t.split(2, axis=2)
    assert [p.shape for p in pieces] == [(2, 3, 2), (2, 3, 2)]
    assert [p.shape for p in t.split([1, 2], axis=1)] == [(2, 1, 4), (2, 2, 4)]
    np.testing.assert_array_equal(t[:, :1].broadcast_to(2, 3, 4).numpy(), np.broadcast_to(x[:, :1], (2, 3, 4)))


def test_repeated_indices_add_up_in_the_gradient():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[mg.tensor([0, 0, 2, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 0.0, 1.0])


def test_comparisons_give_bool_tensors_without_grad():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result in (x > 2, x >= 2, x < 2, x <= 2, x == 2, x != 2):
        assert result.dtype == np.bool_ and not result.requires_grad
    assert (x > 1.5).numpy().tolist() == [False, True, True]


def test_where_and_clip():
    x = mg.tensor([-2.0, 0.5, 3.0])
    np.testing.assert_array_equal(mg.where(x > 0, x, 0.0).numpy(), [0.0, 0.5, 3.0])
    np.testing.assert_array_equal(x.clip(-1, 1).numpy(), [-1.0, 0.5, 1.0])


def test_gelu_forms_match_their_formulas():
    from math import erf, pi, sqrt, tanh

    values = [-3.0, -0.5, 0.0, 0.7, 2.5]
    exact = [v * 0.5 * (1 + erf(v / sqrt(2))) for v in values]
    approx = [0.5 * v * (1 + tanh(sqrt(2 / pi) * (v + 0.044715 * v**3))) for v in values]
    x = mg.tensor(values, dtype="float64")
    np.testing.assert_allclose(x.gelu().numpy(), exact, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(x.gelu("tanh").numpy(), approx, rtol=1e-12, atol=1e-15)


# ---- PyTorch as a second oracle -------------------------------------------------------------

OPS_VS_TORCH = [
    ("add", lambda a, b: a + b),
    ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / (b.abs() + 0.5)),
    ("pow", lambda a, b: (a.abs() + 0.5) ** b),
    ("matmul", lambda a, b: a @ b.reshape(4, 1) if False else (a @ b.reshape(4, 1))),
    ("tanh-sigmoid", lambda a, b: a.tanh() * b.sigmoid()),
    ("exp-log", lambda a, b: (a.exp() + 1).log() * b),
    ("softmax", lambda a, b: a.softmax(-1) * b),
    ("log_softmax", lambda a, b: a.log_softmax(0) * b),
    ("max-mean", lambda a, b: a.max(axis=1, keepdims=True) * b.mean()),
    ("var", lambda a, b: a.var(axis=0) * b),
    ("gelu", lambda a, b: a.gelu() * b),
    ("gelu-tanh", lambda a, b: a.gelu("tanh") * b),
    ("index", lambda a, b: a[[0, 2, 0]] * b),
    ("transpose-reshape", lambda a, b: a.T.reshape(2, 6) * b.reshape(2, 2).sum()),
]


def _torchify(fn_name, fn):
    """The same expression written with torch's names."""
    import torch

    def run(a, b):
        mapping = {
            "max-mean": lambda: a.amax(dim=1, keepdim=True) * b.mean(),
            "var": lambda: a.var(dim=0, unbiased=False) * b,
            "softmax": lambda: a.softmax(-1) * b,
            "log_softmax": lambda: a.log_softmax(0) * b,
            "gelu": lambda: torch.nn.functional.gelu(a) * b,
            "gelu-tanh": lambda: torch.nn.functional.gelu(a, approximate="tanh") * b,
            "transpose-reshape": lambda: a.T.reshape(2, 6) * b.reshape(2, 2).sum(),
        }
        return mapping[fn_name]() if fn_name in mapping else fn(a, b)

    return run


@pytest.mark.parametrize("name, fn", OPS_VS_TORCH, ids=[n for n, _ in OPS_VS_TORCH])
def test_forward_and_backward_match_pytorch(name, fn):
    torch = pytest.importorskip("torch")
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4,))
    ma, mb = mg.tensor(a, requires_grad=True), mg.tensor(b, requires_grad=True)
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out = fn(ma, mb)
    expected = _torchify(name, fn)(ta, tb)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    weights = rng.standard_normal(out.shape)
    (out * mg.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ma.grad.numpy(), ta.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(mb.grad.numpy(), tb.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_integer_and_float_tensors_combine_in_the_float_dtype():
    # PyTorch's rule; NumPy alone would give float64 for int64 with float32.
    assert (mg.arange(3) * mg.ones(3)).dtype == np.float32
    assert (mg.ones(3, dtype="float64") + mg.arange(3)).dtype == np.float64
    assert (mg.arange(3) / mg.arange(1, 4)).dtype == np.float32
    assert (1 / mg.arange(1, 3)).dtype == np.float32


def test_pow_gradient_at_zero_base_and_zero_exponent_is_zero_as_in_pytorch():
    x = mg.tensor([0.0, 1.0], requires_grad=True)
    (x**0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])
    a = mg.tensor([0.0, 3.0], requires_grad=True)
    b = mg.tensor([0.0, 2.0], requires_grad=True)
    (a**b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [0.0, 6.0])
    np.testing.assert_allclose(b.grad.numpy(), [0.0, 9.0 * np.log(3.0)], rtol=1e-6)


def test_python_base_power_has_the_log_gradient():
    x = mg.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    (2.0**x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2.0 ** np.array([1.0, 2.0]) * np.log(2.0))
