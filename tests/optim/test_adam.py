"""Adam and AdamW against their formulas written out by hand, and against torch.optim."""

import math

import numpy as np
import pytest

import minigrad as mg

from .helpers import gradient_sequence, make_params, run_minigrad, run_torch

SHAPES = [(5, 3), (3,), ()]


def adam_by_hand(initial, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=False,
                 amsgrad=False, maximize=False):
    beta1, beta2 = betas
    params = [a.copy() for a in initial]
    m = [np.zeros_like(a) for a in params]
    v = [np.zeros_like(a) for a in params]
    v_max = [np.zeros_like(a) for a in params]
    for t, step_grads in enumerate(grads, start=1):
        for i, g in enumerate(step_grads):
            g = -g if maximize else g
            if decoupled:
                params[i] = params[i] * (1 - lr * weight_decay)
            else:
                g = g + weight_decay * params[i]
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            m_hat = m[i] / (1 - beta1**t)
            v_max[i] = np.maximum(v_max[i], v[i])
            v_hat = (v_max[i] if amsgrad else v[i]) / (1 - beta2**t)
            params[i] = params[i] - lr * m_hat / (np.sqrt(v_hat) + eps)
    return params


SETTINGS = [
    dict(),
    dict(lr=0.01, betas=(0.8, 0.99)),
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.05, betas=(0.0, 0.5), eps=1e-3, weight_decay=0.3),
    dict(lr=0.02, weight_decay=0.1, amsgrad=True),
    dict(lr=0.02, maximize=True, weight_decay=0.1),
    dict(lr=0.03, betas=(0.6, 0.9), amsgrad=True, maximize=True),
]
IDS = ["defaults", "betas", "weight_decay", "everything", "amsgrad", "maximize", "amsgrad-maximize"]


@pytest.mark.parametrize("settings", SETTINGS, ids=IDS)
@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_matches_the_formula(name, settings):
    initial, grads = make_params(SHAPES), gradient_sequence(SHAPES, steps=6)
    got, opt = run_minigrad(lambda ps: getattr(mg.optim, name)(ps, **settings), initial, grads)
    hyper = {**opt.defaults, **settings}
    hyper["decoupled"] = hyper.pop("decoupled_weight_decay")
    want = adam_by_hand(initial, grads, **hyper)
    for a, b in zip(got, want):
        # the kernel folds the bias corrections into the step size: equal up to float64 rounding
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("settings", SETTINGS, ids=IDS)
@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_matches_torch(name, settings):
    torch = pytest.importorskip("torch")
    initial, grads = make_params(SHAPES), gradient_sequence(SHAPES, steps=6)
    got, _ = run_minigrad(lambda ps: getattr(mg.optim, name)(ps, **settings), initial, grads)
    want = run_torch(lambda ps: getattr(torch.optim, name)(ps, **settings), initial, grads)
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_float32_matches_torch(name):
    torch = pytest.importorskip("torch")
    initial = make_params(SHAPES, dtype=np.float32)
    grads = gradient_sequence(SHAPES, steps=6, dtype=np.float32)
    settings = dict(lr=0.01, weight_decay=0.1)
    got, opt = run_minigrad(lambda ps: getattr(mg.optim, name)(ps, **settings), initial, grads)
    want = run_torch(lambda ps: getattr(torch.optim, name)(ps, **settings), initial, grads)
    for a, b in zip(got, want):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    for state in opt.state.values():
        assert state["exp_avg"].dtype == np.float32 and state["exp_avg_sq"].dtype == np.float32


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_param_groups_with_different_lrs_match_torch(name):
    torch = pytest.importorskip("torch")
    initial, grads = make_params(SHAPES), gradient_sequence(SHAPES, steps=5)

    def groups(ps):
        return [{"params": ps[:2], "lr": 0.1, "weight_decay": 0.2}, {"params": ps[2:], "betas": (0.5, 0.9)}]

    got, opt = run_minigrad(lambda ps: getattr(mg.optim, name)(groups(ps), lr=0.003), initial, grads)
    want = run_torch(lambda ps: getattr(torch.optim, name)(groups(ps), lr=0.003), initial, grads)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.003]
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-14, atol=1e-15)


def test_adamw_default_weight_decay_is_decoupled():
    opt = mg.optim.AdamW([mg.zeros(1, requires_grad=True)])
    assert opt.defaults["weight_decay"] == 1e-2
    # with a zero gradient Adam's step is 0; only the decay moves the weight: p * (1 - lr * wd)
    p = mg.tensor(np.array([2.0]), requires_grad=True)
    opt = mg.optim.AdamW([p], lr=0.1, weight_decay=0.5)
    p.grad = mg.tensor(np.array([0.0]))
    opt.step()
    np.testing.assert_allclose(p.numpy(), [2.0 * (1 - 0.1 * 0.5)], rtol=1e-15)


def test_adam_weight_decay_goes_through_the_gradient():
    # Adam's first step has size lr * sign(g + wd * p) (m_hat / sqrt(v_hat) = +-1), so the decay alone moves it by lr
    p = mg.tensor(np.array([2.0]), requires_grad=True)
    opt = mg.optim.Adam([p], lr=0.1, weight_decay=0.5, eps=0.0)
    p.grad = mg.tensor(np.array([0.0]))
    opt.step()
    np.testing.assert_allclose(p.numpy(), [1.9], rtol=1e-15)


def test_step_count_is_per_parameter():
    p, q = mg.zeros(2, requires_grad=True), mg.zeros(2, requires_grad=True)
    opt = mg.optim.Adam([p, q], lr=0.1)
    for step in range(3):
        p.grad = mg.ones(2)
        if step == 2:
            q.grad = mg.ones(2)
        opt.step()
        opt.zero_grad()
    assert opt.state[p]["step"] == 3
    assert opt.state[q]["step"] == 1
    # q's first step is a full bias-corrected step of size lr
    np.testing.assert_allclose(q.numpy(), [-0.1, -0.1], rtol=1e-6)


def test_state_lives_with_the_parameter_and_is_not_the_gradient():
    p = mg.tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    opt = mg.optim.Adam([p])
    p.grad = mg.ones(2, 3)
    opt.step()
    state = opt.state[p]
    assert set(state) == {"step", "exp_avg", "exp_avg_sq"}
    assert isinstance(state["exp_avg"], mg.Tensor) and state["exp_avg"].device == p.device
    assert state["exp_avg"].shape == (2, 3)
    np.testing.assert_array_equal(p.grad.numpy(), np.ones((2, 3)))  # Adam never writes into the gradient
    np.testing.assert_allclose(state["exp_avg"].numpy(), 0.1, rtol=1e-6)
    assert math.isclose(float(state["exp_avg_sq"].numpy()[0, 0]), 0.001, rel_tol=1e-5)


@pytest.mark.parametrize("kwargs, message", [
    (dict(lr=-1e-3), "learning rate"),
    (dict(betas=(1.0, 0.999)), "betas"),
    (dict(betas=(0.9, -0.1)), "betas"),
    (dict(betas=(0.9,)), "betas"),
    (dict(betas=0.9), "betas"),
    (dict(eps=-1.0), "eps"),
    (dict(weight_decay=-0.1), "weight_decay"),
])
@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_rejects_invalid_hyperparameters(name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        getattr(mg.optim, name)([mg.zeros(2, requires_grad=True)], **kwargs)
