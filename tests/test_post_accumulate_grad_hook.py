"""Tensor.register_post_accumulate_grad_hook: PyTorch's hook that fires once a leaf's .grad is complete,
early enough in the backward for DistributedDataParallel to start sending it."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F


def test_the_hook_sees_the_finished_gradient_once_per_backward():
    w = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    seen = []
    w.register_post_accumulate_grad_hook(lambda t: seen.append((t is w, t.grad.numpy().copy())))
    ((w * w).sum() + (w * 3).sum()).backward()  # two uses: the hook waits for both contributions
    assert len(seen) == 1 and seen[0][0]
    np.testing.assert_array_equal(seen[0][1], [5.0, 7.0, 9.0])
    (w * 2).sum().backward()  # .grad accumulates across backward calls; the hook sees the sum
    np.testing.assert_array_equal(seen[1][1], [7.0, 9.0, 11.0])


def test_hooks_fire_while_the_backward_still_runs_last_layer_first():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2))
    names = {id(p): n for n, p in model.named_parameters()}
    first_layer = model[0].weight
    order = []
    for p in model.parameters():
        p.register_post_accumulate_grad_hook(lambda t: order.append((names[id(t)], first_layer.grad is None)))
    F.cross_entropy(model(mg.randn(3, 4)), mg.tensor([0, 1, 0])).backward()
    layers = [int(name.split(".")[0]) for name, _ in order]
    assert sorted(name for name, _ in order) == sorted(names.values())  # each parameter once
    assert layers == sorted(layers, reverse=True)  # the head's gradients are ready first
    # when the head's hooks ran, the first layer's gradient was not computed yet: there is time to overlap
    assert [early for name, early in order if name.startswith("4.")] == [True, True]


def test_the_hook_matches_pytorchs_gradients_at_hook_time():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    w0, x0 = rng.standard_normal((3, 4)), rng.standard_normal((5, 3))
    ours, theirs = [], []
    w = mg.tensor(w0, requires_grad=True)
    w.register_post_accumulate_grad_hook(lambda t: ours.append(t.grad.numpy().copy()))
    (mg.tensor(x0) @ w).tanh().sum().backward()
    tw = torch.tensor(w0, requires_grad=True)
    tw.register_post_accumulate_grad_hook(lambda t: theirs.append(t.grad.numpy().copy()))
    (torch.tensor(x0) @ tw).tanh().sum().backward()
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)


def test_only_leaves_that_require_grad_take_the_hook_and_remove_unregisters_it():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.ones(2).register_post_accumulate_grad_hook(print)
    x = mg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="only leaf tensors accumulate .grad; this one was made by Mul"):
        (x * 2).register_post_accumulate_grad_hook(print)
    calls = []
    handle = x.register_post_accumulate_grad_hook(calls.append)
    handle.remove()
    (x * 2).sum().backward()
    assert calls == [] and x.grad is not None
