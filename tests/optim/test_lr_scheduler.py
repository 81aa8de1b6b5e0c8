"""Learning-rate schedules: values against torch.optim.lr_scheduler and their formulas, state round trips."""

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import lr_scheduler

STEPS = 25


def two_group_sgd(lrs=(0.1, 0.03)):
    params = [mg.zeros(2, requires_grad=True), mg.zeros(3, requires_grad=True)]
    return mg.optim.SGD([{"params": params[:1], "lr": lrs[0]}, {"params": params[1:], "lr": lrs[1]}], lr=1.0)


def lr_trace(scheduler, steps=STEPS):
    """The lr of every group at t = 0 (right after construction) up to t = steps."""
    trace = [scheduler.get_last_lr()]
    for _ in range(steps):
        scheduler.optimizer.step()
        scheduler.step()
        trace.append(scheduler.get_last_lr())
    return np.array(trace)


def torch_lr_trace(make, lrs=(0.1, 0.03), steps=STEPS):
    import torch

    params = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
    opt = torch.optim.SGD([{"params": params[:1], "lr": lrs[0]}, {"params": params[1:], "lr": lrs[1]}], lr=1.0)
    scheduler = make(opt)
    trace = [scheduler.get_last_lr()]
    for _ in range(steps):
        opt.step()
        scheduler.step()
        trace.append(scheduler.get_last_lr())
    return np.array(trace)


CASES = {
    "StepLR": (lambda o: lr_scheduler.StepLR(o, step_size=4, gamma=0.5),
               lambda o, t: t.optim.lr_scheduler.StepLR(o, step_size=4, gamma=0.5)),
    "CosineAnnealingLR": (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
                          lambda o, t: t.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.001)),
    "CosineAnnealingLR-past-T_max": (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=7),
                                     lambda o, t: t.optim.lr_scheduler.CosineAnnealingLR(o, T_max=7)),
    "LambdaLR": (lambda o: lr_scheduler.LambdaLR(o, lambda t: 0.9**t / (1 + t % 3)),
                 lambda o, t: t.optim.lr_scheduler.LambdaLR(o, lambda t: 0.9**t / (1 + t % 3))),
    "LambdaLR-per-group": (lambda o: lr_scheduler.LambdaLR(o, [lambda t: 1 / (t + 1), lambda t: 2.0**-t]),
                           lambda o, t: t.optim.lr_scheduler.LambdaLR(o, [lambda t: 1 / (t + 1), lambda t: 2.0**-t])),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = CASES[name]
    got = lr_trace(ours(two_group_sgd()))
    want = torch_lr_trace(lambda o: theirs(o, torch))
    # PyTorch updates StepLR and cosine recursively (lr_t from lr_{t-1}); ours is closed-form
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_scheduler_sets_the_optimizer_lr():
    opt = two_group_sgd()
    scheduler = lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
    for _ in range(2):
        scheduler.step()
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([0.01, 0.003])
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.03]


def test_linear_warmup_cosine_follows_its_formula():
    opt = two_group_sgd()
    scheduler = lr_scheduler.LinearWarmupCosine(opt, warmup_steps=5, total_steps=15, min_lr=0.002)
    trace = lr_trace(scheduler, steps=20)
    for t, lrs in enumerate(trace):
        for base, lr in zip((0.1, 0.03), lrs):
            if t < 5:
                want = base * t / 5
            elif t <= 15:
                want = 0.002 + (base - 0.002) * 0.5 * (1 + math.cos(math.pi * (t - 5) / 10))
            else:
                want = 0.002
            assert lr == pytest.approx(want, rel=1e-12, abs=1e-15), (t, base)
    assert trace[0].tolist() == [0.0, 0.0]  # the warm-up starts from zero
    assert trace[5].tolist() == pytest.approx([0.1, 0.03])  # peak at the end of warm-up
    assert trace[15].tolist() == pytest.approx([0.002, 0.002])


def test_linear_warmup_cosine_without_warmup_is_cosine_annealing():
    a = lr_trace(lr_scheduler.LinearWarmupCosine(two_group_sgd(), warmup_steps=0, total_steps=12))
    b = lr_trace(lr_scheduler.CosineAnnealingLR(two_group_sgd(), T_max=12))
    np.testing.assert_allclose(a[:13], b[:13], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("make", [
    lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.5),
    lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=8),
    lambda o: lr_scheduler.LinearWarmupCosine(o, warmup_steps=3, total_steps=10),
    lambda o: lr_scheduler.LambdaLR(o, lambda t: 0.8**t),
], ids=["StepLR", "CosineAnnealingLR", "LinearWarmupCosine", "LambdaLR"])
def test_state_dict_round_trip_resumes_the_schedule(make, tmp_path):
    first = make(two_group_sgd())
    lr_trace(first, steps=5)
    mg.save(first.state_dict(), tmp_path / "sched.safetensors")
    # a new optimizer and scheduler (which would start at t = 0) picks up at t = 5
    resumed = make(two_group_sgd())
    resumed.load_state_dict(mg.load(tmp_path / "sched.safetensors"))
    assert resumed.last_epoch == 5
    assert resumed.get_last_lr() == first.get_last_lr()
    assert [g["lr"] for g in resumed.optimizer.param_groups] == first.get_last_lr()
    np.testing.assert_array_equal(lr_trace(resumed, steps=6), lr_trace(first, steps=6))


def test_lambda_lr_state_dict_leaves_out_the_functions():
    scheduler = lr_scheduler.LambdaLR(two_group_sgd(), lambda t: 1.0)
    assert "lr_lambdas" not in scheduler.state_dict()


def test_load_state_dict_for_a_different_number_of_groups():
    sd = lr_scheduler.StepLR(two_group_sgd(), step_size=2).state_dict()
    single = mg.optim.SGD([mg.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="2 param groups, the optimizer has 1"):
        lr_scheduler.StepLR(single, step_size=2).load_state_dict(sd)


@pytest.mark.parametrize("make, message", [
    (lambda o: lr_scheduler.StepLR(o, step_size=0), "step_size"),
    (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=0), "T_max"),
    (lambda o: lr_scheduler.LinearWarmupCosine(o, warmup_steps=10, total_steps=10), "warmup_steps < total_steps"),
    (lambda o: lr_scheduler.LinearWarmupCosine(o, warmup_steps=1, total_steps=10, min_lr=-1), "min_lr"),
    (lambda o: lr_scheduler.LambdaLR(o, [lambda t: 1.0]), "1 functions for 2 param groups"),
])
def test_invalid_settings_are_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make(two_group_sgd())


def test_needs_a_minigrad_optimizer():
    with pytest.raises(TypeError, match="expected a minigrad optimizer"):
        lr_scheduler.StepLR(object(), step_size=2)
