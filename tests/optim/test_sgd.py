"""SGD against its formula written out by hand, and against torch.optim.SGD."""

import numpy as np
import pytest

import minigrad as mg

from .helpers import gradient_sequence, make_params, run_minigrad, run_torch

SHAPES = [(3, 4), (4,), ()]


def sgd_by_hand(initial, grads, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    params = [a.copy() for a in initial]
    buffers = [None] * len(params)
    for step_grads in grads:
        for i, g in enumerate(step_grads):
            d = (-g if maximize else g) + weight_decay * params[i]
            if momentum:
                if buffers[i] is None:
                    buffers[i] = d.copy()
                else:
                    buffers[i] = momentum * buffers[i] + (1 - dampening) * d
                d = d + momentum * buffers[i] if nesterov else buffers[i]
            params[i] = params[i] - lr * d
    return params


SETTINGS = [
    dict(lr=0.1),
    dict(lr=0.05, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.3),
    dict(lr=0.05, momentum=0.8, nesterov=True),
    dict(lr=0.1, weight_decay=0.01),
    dict(lr=0.02, momentum=0.9, weight_decay=0.05, nesterov=True),
    dict(lr=0.05, momentum=0.7, dampening=0.2, weight_decay=0.1, maximize=True),
]


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()))
def test_sgd_matches_the_formula(settings):
    initial, grads = make_params(SHAPES), gradient_sequence(SHAPES, steps=5)
    got, _ = run_minigrad(lambda ps: mg.optim.SGD(ps, **settings), initial, grads)
    for a, b in zip(got, sgd_by_hand(initial, grads, **settings)):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()))
def test_sgd_matches_torch(settings):
    torch = pytest.importorskip("torch")
    initial, grads = make_params(SHAPES), gradient_sequence(SHAPES, steps=5)
    got, _ = run_minigrad(lambda ps: mg.optim.SGD(ps, **settings), initial, grads)
    want = run_torch(lambda ps: torch.optim.SGD(ps, **settings), initial, grads)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-13)


def test_sgd_param_groups_with_different_lrs_match_torch():
    torch = pytest.importorskip("torch")
    initial, grads = make_params(SHAPES), gradient_sequence(SHAPES, steps=4)

    def groups(ps):
        return [{"params": ps[:1], "lr": 0.3, "momentum": 0.5}, {"params": ps[1:]}]

    got, opt = run_minigrad(lambda ps: mg.optim.SGD(groups(ps), lr=0.01, momentum=0.9), initial, grads)
    want = run_torch(lambda ps: torch.optim.SGD(groups(ps), lr=0.01, momentum=0.9), initial, grads)
    assert [g["lr"] for g in opt.param_groups] == [0.3, 0.01]
    assert [g["momentum"] for g in opt.param_groups] == [0.5, 0.9]
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-13)


def test_sgd_float32_matches_torch():
    torch = pytest.importorskip("torch")
    initial = make_params(SHAPES, dtype=np.float32)
    grads = gradient_sequence(SHAPES, steps=5, dtype=np.float32)
    settings = dict(lr=0.05, momentum=0.9, weight_decay=0.01, nesterov=True)
    got, _ = run_minigrad(lambda ps: mg.optim.SGD(ps, **settings), initial, grads)
    want = run_torch(lambda ps: torch.optim.SGD(ps, **settings), initial, grads)
    for a, b in zip(got, want):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_first_momentum_step_uses_the_gradient_as_buffer():
    p = mg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    opt = mg.optim.SGD([p], lr=0.5, momentum=0.9, dampening=0.5)
    p.grad = mg.tensor(np.array([1.0, -1.0]))
    opt.step()
    # no dampening on the first step: buffer = grad, so p moves by lr * grad
    np.testing.assert_array_equal(p.numpy(), [0.5, 2.5])
    np.testing.assert_array_equal(opt.state[p]["momentum_buffer"].numpy(), [1.0, -1.0])


def test_step_leaves_the_gradient_untouched_and_skips_params_without_one():
    p = mg.tensor(np.array([1.0]), requires_grad=True)
    q = mg.tensor(np.array([1.0]), requires_grad=True)
    opt = mg.optim.SGD([p, q], lr=0.1, weight_decay=1.0, momentum=0.9)
    p.grad = mg.tensor(np.array([2.0]))
    opt.step()
    np.testing.assert_array_equal(p.grad.numpy(), [2.0])
    np.testing.assert_array_equal(q.numpy(), [1.0])
    assert q not in opt.state or not opt.state[q]


def test_sgd_default_learning_rate_is_torchs():
    torch = pytest.importorskip("torch")
    ours = mg.optim.SGD([mg.zeros(2, requires_grad=True)])
    theirs = torch.optim.SGD([torch.zeros(2, requires_grad=True)])
    assert ours.defaults["lr"] == theirs.defaults["lr"] == 1e-3


@pytest.mark.parametrize("kwargs, message", [
    (dict(lr=-0.1), "learning rate"),
    (dict(lr=0.1, momentum=-0.5), "momentum"),
    (dict(lr=0.1, weight_decay=-1.0), "weight_decay"),
    (dict(lr=0.1, nesterov=True), "Nesterov"),
    (dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov"),
])
def test_sgd_rejects_invalid_hyperparameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mg.optim.SGD([mg.zeros(2, requires_grad=True)], **kwargs)
