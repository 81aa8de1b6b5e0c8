"""The activations against torch.nn.functional and torch.nn: values and gradients over drawn
shapes and at the kinks (PyTorch's choice of gradient there), stability for large inputs,
the modules' arguments, reprs and PReLU's state_dict, inplace=True, and the errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

from ..ops.helpers import pair, same, same_grads, shapes, values

torch = pytest.importorskip("torch")
TF = torch.nn.functional

# name, keyword arguments (the same for both libraries)
FUNCTIONS = [
    ("silu", {}), ("leaky_relu", {}), ("leaky_relu", {"negative_slope": 0.2}), ("elu", {}), ("elu", {"alpha": 0.5}),
    ("selu", {}), ("celu", {}), ("celu", {"alpha": 2.0}), ("softplus", {}), ("softplus", {"beta": 2.0, "threshold": 3.0}),
    ("mish", {}), ("hardtanh", {}), ("hardtanh", {"min_val": -2.0, "max_val": 0.5}), ("relu6", {}),
    ("hardsigmoid", {}), ("hardswish", {}), ("logsigmoid", {}), ("softsign", {}), ("relu", {}),
    ("gelu", {}), ("tanh", {}), ("sigmoid", {}),
]
# the kinks of the piecewise functions: where PyTorch picks one side's gradient
KINKS = [-6.0, -3.0, -2.0, -1.0, 0.0, 0.5, 1.0, 1.5, 3.0, 6.0]


@pytest.mark.parametrize("name, kwargs", FUNCTIONS, ids=[f"{n}{k or ''}" for n, k in FUNCTIONS])
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_activations_match_torch_in_value_and_gradient(name, kwargs, data):
    dtype = data.draw(st.sampled_from([np.float64, np.float32]))
    raw = values(data.draw, data.draw(shapes), -8, 8, dtype)
    if data.draw(st.booleans()):  # land on the kinks
        raw = np.asarray(data.draw(st.sampled_from(KINKS)), dtype=dtype) + np.zeros_like(raw)
    x, tx = pair(torch, raw)
    ours, theirs = getattr(F, name)(x, **kwargs), getattr(TF, name)(tx, **kwargs)
    same(ours, theirs, what=name)
    # torch's hardsigmoid gradient multiplies by 1/6 rounded to float32 even in float64
    tol = dict(rtol=1e-7, atol=1e-12) if name == "hardsigmoid" and dtype == np.float64 else None
    same_grads(torch, [x], [tx], ours, theirs, tol=tol, what=name)


@pytest.mark.parametrize("name", ["softplus", "logsigmoid", "silu", "mish", "elu", "selu", "celu"])
def test_large_inputs_stay_finite_as_in_torch(name):
    data = np.array([-1000.0, -100.0, -30.0, 30.0, 100.0, 1000.0], dtype=np.float32)
    x, tx = pair(torch, data)
    ours, theirs = getattr(F, name)(x), getattr(TF, name)(tx)
    same(ours, theirs, what=name)
    same_grads(torch, [x], [tx], ours, theirs, what=name)
    assert np.isfinite(x.grad.numpy()).all()


@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_softmin_and_glu_match_torch(data):
    shape = data.draw(shapes.filter(lambda s: len(s) >= 1 and all(n > 0 for n in s)))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x, tx = pair(torch, values(data.draw, shape))
    ours, theirs = F.softmin(x, dim=dim), TF.softmin(tx, dim=dim)
    same(ours, theirs)
    same_grads(torch, [x], [tx], ours, theirs)
    if shape[dim] % 2 == 0:
        x, tx = pair(torch, values(data.draw, shape))
        ours, theirs = F.glu(x, dim), TF.glu(tx, dim)
        same(ours, theirs)
        same_grads(torch, [x], [tx], ours, theirs)


@pytest.mark.parametrize("shape, slopes", [((4,), 1), ((2, 3), 1), ((2, 3), 3), ((2, 3, 5), 3), ((2, 4, 2, 2), 4),
                                           ((), 1)])
def test_prelu_matches_torch_for_the_input_and_the_slopes(shape, slopes):
    rng = np.random.default_rng(0)
    data = rng.standard_normal(shape)
    data.reshape(-1)[: data.size // 3] = 0.0  # the kink: the slope is the gradient there, as torch
    x, tx = pair(torch, data)
    w, tw = pair(torch, rng.uniform(0.0, 0.5, slopes))
    ours, theirs = F.prelu(x, w), TF.prelu(tx, tw)
    same(ours, theirs)
    same_grads(torch, [x, w], [tx, tw], ours, theirs)


# ---- modules -----------------------------------------------------------------------------------

MODULES = [
    ("ReLU", (), {}), ("ReLU", (), {"inplace": True}), ("SiLU", (), {}), ("Mish", (), {}),
    ("LeakyReLU", (0.2,), {}), ("LeakyReLU", (), {"inplace": True}), ("ELU", (), {"alpha": 0.5}), ("CELU", (2.0,), {}),
    ("SELU", (), {}), ("Softplus", (), {"beta": 2.0, "threshold": 5.0}), ("Hardtanh", (-2.0, 2.0), {}),
    ("ReLU6", (), {}), ("Hardsigmoid", (), {}), ("Hardswish", (), {}), ("LogSigmoid", (), {}), ("Softsign", (), {}),
    ("Tanh", (), {}), ("Sigmoid", (), {}), ("GELU", (), {"approximate": "tanh"}), ("Softmax", (), {"dim": 1}),
    ("LogSoftmax", (1,), {}), ("Softmin", (), {"dim": -1}), ("GLU", (), {}), ("GLU", (0,), {}), ("PReLU", (), {}),
]


@pytest.mark.parametrize("name, args, kwargs", MODULES, ids=[f"{m[0]}{m[1] or ''}{m[2] or ''}" for m in MODULES])
def test_modules_match_torch_modules_and_their_reprs(name, args, kwargs):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    data = np.random.default_rng(1).standard_normal((4, 6)).astype(np.float32)  # the modules' parameter dtype
    x, tx = pair(torch, data)
    # an in-place module changes its input, which must then not be a leaf: feed both a copy
    y, ty = ours(x * 1.0), theirs(tx * 1.0)
    same(y, ty, what=name)
    same_grads(torch, [x], [tx], y, ty, what=name)


def test_prelu_module_has_torchs_parameter_init_and_state_dict():
    ours, theirs = nn.PReLU(3, init=0.1), torch.nn.PReLU(3, init=0.1)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    same(ours.weight, theirs.weight)
    theirs.weight.data.uniform_(-0.5, 0.5)  # trained slopes, copied through the state dict
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    data = np.random.default_rng(2).standard_normal((2, 3, 4)).astype(np.float32)
    x, tx = pair(torch, data)
    y, ty = ours(x), theirs(tx)
    same(y, ty)
    same_grads(torch, [x, ours.weight], [tx, theirs.weight], y, ty)
    assert [p is ours.weight for p in ours.parameters()] == [True]


def test_inplace_writes_into_the_input_as_torch():
    for fn, tfn in ((lambda v: F.relu(v, inplace=True), lambda v: TF.relu(v, inplace=True)),
                    (lambda v: F.leaky_relu(v, 0.1, True), lambda v: TF.leaky_relu(v, 0.1, True)),
                    (lambda v: F.hardtanh(v, inplace=True), lambda v: TF.hardtanh(v, inplace=True))):
        data = np.array([-2.0, -0.5, 0.5, 2.0])
        x, tx = mg.tensor(data), torch.tensor(data)
        out = fn(x)
        tfn(tx)
        assert out is x
        same(x, tx)
        # in the graph: a recorded change, differentiated through as torch does
        leaf, tleaf = pair(torch, data)
        hidden, thidden = leaf * 2.0, tleaf * 2.0
        fn(hidden), tfn(thidden)
        same_grads(torch, [leaf], [tleaf], hidden, thidden)


def test_inplace_on_a_leaf_that_requires_grad_is_refused():
    with pytest.raises(RuntimeError, match="leaf"):
        F.relu(mg.tensor([1.0, -1.0], requires_grad=True), inplace=True)


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.glu(mg.tensor(np.ones((3, 2))), 0), ValueError, "glu: the halved dimension must be even"),
    (lambda: F.glu(mg.tensor(1.0)), ValueError, "glu: does not support 0-d"),
    (lambda: F.prelu(mg.tensor(np.ones((2, 3))), mg.tensor([0.1, 0.2])), ValueError, "prelu: weight has 2 slopes"),
    (lambda: F.silu(mg.tensor([1, 2])), TypeError, "silu: expected a floating-point tensor"),
    (lambda: F.hardtanh(mg.tensor([1.0]), 1.0, -1.0), ValueError, "min_val"),
    (lambda: F.celu(mg.tensor([1.0]), alpha=0.0), ValueError, "alpha"),
    (lambda: nn.PReLU(0), ValueError, "num_parameters"),
    (lambda: F.softmin(mg.tensor([[1.0]]), dim=3), IndexError, "softmin: dimension 3 is out of range"),
])
def test_bad_arguments_are_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_softmin_without_dim_warns_and_picks_torchs_dim():
    data = np.random.default_rng(3).standard_normal((2, 3))
    with pytest.warns(UserWarning, match="implicit dimension"):
        ours = F.softmin(mg.tensor(data))
    with pytest.warns(UserWarning):
        theirs = TF.softmin(torch.tensor(data))
    same(ours, theirs)


def test_the_activations_live_in_activation_py_and_are_still_importable_from_layers():
    from minigrad.nn import activation, layers

    assert nn.ReLU is activation.ReLU is layers.ReLU
    assert nn.GELU is activation.GELU is layers.GELU
