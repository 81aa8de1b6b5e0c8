"""Tensor hooks and retain_grad behave as PyTorch's.

Each scenario is written once against a module `lib` (minigrad or torch: the calls are
the same) and returns the numbers it observed. minigrad's numbers are checked against
values worked out by hand and, where PyTorch is installed, against PyTorch's.
"""

import importlib.util

import numpy as np
import pytest

import minigrad as mg

HAS_TORCH = importlib.util.find_spec("torch") is not None


def as_numpy(t):
    return None if t is None else np.array(t.detach().numpy(), dtype=np.float64)


def hook_doubles_the_gradient_of_a_leaf(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g * 2)
    (x * 3).sum().backward()
    return {"x.grad": as_numpy(x.grad)}


def hook_on_a_non_leaf_changes_what_flows_on(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.register_hook(lambda g: g * 10)
    (y * y).sum().backward()  # dy = 2y = (6, 12), times 10, then dx = 3 dy
    return {"x.grad": as_numpy(x.grad), "y.grad is None": y.grad is None}


def hook_sees_the_summed_gradient_once(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(as_numpy(g)))  # returns None: gradient unchanged
    (x * 2 + x * 3).sum().backward()
    return {"calls": len(seen), "seen": seen[0], "x.grad": as_numpy(x.grad)}


def removed_hook_is_not_called(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    calls = []
    handle = x.register_hook(lambda g: calls.append(1))
    keep = x.register_hook(lambda g: g + 1)
    handle.remove()
    handle.remove()  # removing twice is harmless
    (x * 3).sum().backward()
    keep.remove()
    (x * 3).sum().backward()  # no hook at all now: + (3, 3)
    return {"calls": len(calls), "x.grad": as_numpy(x.grad)}


def hooks_run_in_registration_order(lib):
    x = lib.tensor([1.0], requires_grad=True)
    x.register_hook(lambda g: g + 1)
    x.register_hook(lambda g: g * 10)
    (x * 1).sum().backward()  # (1 + 1) * 10, not 1 * 10 + 1
    return {"x.grad": as_numpy(x.grad)}


def retain_grad_keeps_a_non_leaf_gradient(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    z = y * y
    z.sum().backward()
    return {"y.grad": as_numpy(y.grad), "x.grad": as_numpy(x.grad), "z.grad is None": z.grad is None}


def retained_gradient_includes_the_hooks_change(lib):
    # PyTorch runs retain_grad's storing last, after the tensor's hooks, whatever the order.
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    y.register_hook(lambda g: g * 10)
    y.sum().backward()
    return {"y.grad": as_numpy(y.grad), "x.grad": as_numpy(x.grad)}


def gradients_accumulate_over_two_backward_calls(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    z = (y * y).sum()
    z.backward(retain_graph=True)
    first = {"x.grad 1": as_numpy(x.grad), "y.grad 1": as_numpy(y.grad)}
    z.backward()
    return {**first, "x.grad 2": as_numpy(x.grad), "y.grad 2": as_numpy(y.grad)}


SCENARIOS = {
    hook_doubles_the_gradient_of_a_leaf: {"x.grad": [6.0, 6.0]},
    hook_on_a_non_leaf_changes_what_flows_on: {"x.grad": [180.0, 360.0], "y.grad is None": True},
    hook_sees_the_summed_gradient_once: {"calls": 1, "seen": [5.0, 5.0], "x.grad": [5.0, 5.0]},
    removed_hook_is_not_called: {"calls": 0, "x.grad": [7.0, 7.0]},
    hooks_run_in_registration_order: {"x.grad": [20.0]},
    retain_grad_keeps_a_non_leaf_gradient: {"y.grad": [6.0, 12.0], "x.grad": [18.0, 36.0], "z.grad is None": True},
    retained_gradient_includes_the_hooks_change: {"y.grad": [10.0, 10.0], "x.grad": [30.0, 30.0]},
    gradients_accumulate_over_two_backward_calls: {
        "x.grad 1": [18.0, 36.0], "y.grad 1": [6.0, 12.0], "x.grad 2": [36.0, 72.0], "y.grad 2": [12.0, 24.0],
    },
}


def assert_same(got: dict, expected: dict, who: str):
    assert got.keys() == expected.keys(), who
    for key, value in expected.items():
        if isinstance(value, list):
            np.testing.assert_allclose(got[key], value, rtol=1e-6, err_msg=f"{who}: {key}")
        else:
            assert got[key] == value, f"{who}: {key} is {got[key]}, expected {value}"


@pytest.mark.parametrize("scenario", list(SCENARIOS), ids=lambda f: f.__name__)
def test_minigrad_matches_the_worked_values(scenario):
    assert_same(scenario(mg), SCENARIOS[scenario], "minigrad")


@pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed")
@pytest.mark.filterwarnings("ignore:The .grad attribute of a Tensor that is not a leaf")
@pytest.mark.parametrize("scenario", list(SCENARIOS), ids=lambda f: f.__name__)
def test_pytorch_agrees_with_the_worked_values(scenario):
    import torch

    assert_same(scenario(torch), SCENARIOS[scenario], "torch")


def test_hook_on_a_tensor_without_grad_is_an_error():
    with pytest.raises(RuntimeError, match="register_hook"):
        mg.tensor([1.0]).register_hook(lambda g: g)


def test_retain_grad_on_a_tensor_without_grad_is_an_error():
    with pytest.raises(RuntimeError, match="retain_grad"):
        mg.tensor([1.0]).retain_grad()


@pytest.mark.parametrize("where", ["leaf", "non-leaf"])
def test_hook_returning_a_gradient_of_another_shape_is_an_error(where):
    # PyTorch: RuntimeError "hook '<lambda>' has changed the size of value".
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    (x if where == "leaf" else y).register_hook(lambda g: mg.ones(3))
    with pytest.raises(RuntimeError, match=r"hook.*changed the gradient's shape from \(2,\) to \(3,\)"):
        y.sum().backward()
    assert x.grad is None


def test_a_scalar_leaf_broadcast_into_a_vector_gets_an_array_gradient():
    # The gradient is summed back to shape (); it must stay a 0-d array on the CPU.
    v = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    s = mg.tensor(0.5, requires_grad=True)
    ((v + s) ** 2).sum().backward()
    assert isinstance(s.grad.data, np.ndarray) and s.grad.shape == ()
    assert s.grad.device == "cpu" and s.grad.item() == 15.0
    s.grad.zero_()  # in-place, as an optimiser's zero_grad does
    assert s.grad.item() == 0.0
