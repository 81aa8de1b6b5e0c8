"""The schedules PyTorch users reach for, against torch.optim.lr_scheduler: the rate of each of two
param groups over 100 steps, the momentum OneCycleLR cycles, ReduceLROnPlateau on a metric
sequence, and a schedule saved and restored mid-run (through mg.save / mg.load) that ends where
an uninterrupted one ends.
"""

import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import lr_scheduler

torch = pytest.importorskip("torch")

STEPS = 100
LRS = (0.1, 0.03)


def groups(params, lrs=LRS):
    return [{"params": params[:1], "lr": lrs[0]}, {"params": params[1:], "lr": lrs[1]}]


def ours_sgd(momentum=0.0):
    return mg.optim.SGD(groups([mg.zeros(2, requires_grad=True), mg.zeros(3, requires_grad=True)]), lr=1.0,
                        momentum=momentum)


def theirs_sgd(momentum=0.0):
    return torch.optim.SGD(groups([torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]), lr=1.0,
                           momentum=momentum)


def trace(optimizer, scheduler, steps=STEPS, momentum_key=None):
    """The lr (and momentum) of every group at t = 0 .. steps."""
    def now():
        row = [g["lr"] for g in optimizer.param_groups]
        if momentum_key == "momentum":
            row += [g["momentum"] for g in optimizer.param_groups]
        elif momentum_key == "betas":
            row += [g["betas"][0] for g in optimizer.param_groups]
        return row

    rows = [now()]
    assert scheduler.get_last_lr() == rows[0][:2]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(steps):
            optimizer.step()
            scheduler.step()
            rows.append(now())
            assert list(scheduler.get_last_lr()) == rows[-1][:2]
    return np.array(rows)


# name -> (make scheduler, optimizer momentum or None); `lib` is minigrad's or torch's lr_scheduler module
CASES = {
    "ExponentialLR": lambda lib, o: lib.ExponentialLR(o, gamma=0.95),
    "MultiStepLR": lambda lib, o: lib.MultiStepLR(o, milestones=[10, 30, 30, 70], gamma=0.5),
    "LinearLR-warmup": lambda lib, o: lib.LinearLR(o, start_factor=0.1, total_iters=20),
    "LinearLR-decay": lambda lib, o: lib.LinearLR(o, start_factor=1.0, end_factor=0.05, total_iters=50),
    "ConstantLR": lambda lib, o: lib.ConstantLR(o, factor=0.5, total_iters=10),
    "PolynomialLR": lambda lib, o: lib.PolynomialLR(o, total_iters=60, power=2.0),
    "PolynomialLR-linear": lambda lib, o: lib.PolynomialLR(o, total_iters=100),
    "CosineAnnealingWarmRestarts": lambda lib, o: lib.CosineAnnealingWarmRestarts(o, T_0=10),
    "CosineAnnealingWarmRestarts-T_mult": lambda lib, o: lib.CosineAnnealingWarmRestarts(
        o, T_0=5, T_mult=2, eta_min=0.001),
    "OneCycleLR": lambda lib, o: lib.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=STEPS, cycle_momentum=False),
    "OneCycleLR-linear-three-phase": lambda lib, o: lib.OneCycleLR(
        o, max_lr=0.4, epochs=10, steps_per_epoch=10, anneal_strategy="linear", three_phase=True,
        cycle_momentum=False, div_factor=10.0, final_div_factor=100.0, pct_start=0.25),
    "SequentialLR": lambda lib, o: lib.SequentialLR(
        o, [lib.LinearLR(o, start_factor=0.1, total_iters=10), lib.ExponentialLR(o, gamma=0.97)], milestones=[10]),
    "SequentialLR-three": lambda lib, o: lib.SequentialLR(
        o, [lib.ConstantLR(o, factor=0.2, total_iters=5), lib.CosineAnnealingLR(o, T_max=30),
            lib.CosineAnnealingWarmRestarts(o, T_0=15)], milestones=[20, 50]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rates_over_100_steps_match_torch(name):
    make = CASES[name]
    opt = ours_sgd()
    got = trace(opt, make(lr_scheduler, opt))
    topt = theirs_sgd()
    want = trace(topt, make(torch.optim.lr_scheduler, topt))
    # PyTorch computes several of these recursively (lr_t from lr_{t-1}); ours are closed-form
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    assert len(np.unique(got[:, 0])) >= 2  # the schedule does change the rate


@pytest.mark.parametrize("optimizer, key", [("SGD", "momentum"), ("Adam", "betas")])
@pytest.mark.parametrize("three_phase", [False, True])
def test_one_cycle_cycles_the_momentum_as_torch(optimizer, key, three_phase):
    def make(lib, o):
        return lib.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=STEPS, base_momentum=0.8, max_momentum=0.9,
                              three_phase=three_phase)

    kwargs = {"momentum": 0.5} if optimizer == "SGD" else {}
    opt = getattr(mg.optim, optimizer)(groups([mg.zeros(2, requires_grad=True), mg.zeros(3, requires_grad=True)]),
                                       lr=1.0, **kwargs)
    topt = getattr(torch.optim, optimizer)(
        groups([torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]), lr=1.0, **kwargs)
    got = trace(opt, make(lr_scheduler, opt), momentum_key=key)
    want = trace(topt, make(torch.optim.lr_scheduler, topt), momentum_key=key)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    assert got[0, 2] == 0.9 and got[:, 2].min() == pytest.approx(0.8)


def test_one_cycle_refuses_to_step_past_total_steps():
    opt = ours_sgd()
    scheduler = lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=3, cycle_momentum=False)
    for _ in range(3):
        scheduler.step()
    with pytest.raises(ValueError, match="stepped 4 times, but total_steps is 3"):
        scheduler.step()


def test_one_cycle_needs_a_momentum_to_cycle():
    opt = mg.optim.Adagrad([mg.zeros(2, requires_grad=True)])
    with pytest.raises(ValueError, match="cycle_momentum=True needs an optimizer with 'momentum' or 'betas'"):
        lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10)


def test_warm_restarts_with_fractional_epochs_match_torch():
    def run(lib, opt):
        scheduler = lib.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=0.01)
        rows = []
        for epoch in range(12):
            for i in range(4):
                opt.step()
                scheduler.step(epoch + i / 4)
                rows.append(scheduler.get_last_lr())
            scheduler.step()  # interleaved: continues from the last position, one epoch on
            rows.append(scheduler.get_last_lr())
        return np.array(rows)

    np.testing.assert_allclose(run(lr_scheduler, ours_sgd()), run(torch.optim.lr_scheduler, theirs_sgd()),
                               rtol=1e-12, atol=1e-15)


PLATEAU = [
    dict(),
    dict(patience=2, factor=0.5),
    dict(patience=1, cooldown=2, factor=0.5, min_lr=[0.01, 0.02]),
    dict(mode="max", patience=0, threshold=0.05),
    dict(patience=1, threshold=0.1, threshold_mode="abs", factor=0.3, min_lr=0.005),
]


@pytest.mark.parametrize("settings", PLATEAU, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()) or "defaults")
def test_reduce_on_plateau_matches_torch(settings):
    rng = np.random.default_rng(0)
    # a loss that falls, then wanders on a plateau
    metrics = np.concatenate([np.linspace(2.0, 1.0, 10), 1.0 + 0.05 * rng.standard_normal(50)])

    def run(lib, opt):
        scheduler = lib.ReduceLROnPlateau(opt, **settings)
        rows = []
        for value in metrics:
            opt.step()
            scheduler.step(value)
            rows.append(scheduler.get_last_lr() + [g["lr"] for g in opt.param_groups])
        return np.array(rows)

    got = run(lr_scheduler, ours_sgd())
    want = run(torch.optim.lr_scheduler, theirs_sgd())
    np.testing.assert_array_equal(got, want)
    assert got[-1, 0] < LRS[0]  # it did reduce


def test_reduce_on_plateau_accepts_a_tensor_metric():
    opt = ours_sgd()
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    scheduler.step(mg.tensor(1.0))
    scheduler.step(mg.tensor(2.0))
    assert scheduler.get_last_lr() == pytest.approx([0.01, 0.003])


RESUMABLE = {
    **{name: CASES[name] for name in ["ExponentialLR", "MultiStepLR", "LinearLR-warmup", "ConstantLR", "PolynomialLR",
                                      "CosineAnnealingWarmRestarts-T_mult", "OneCycleLR", "SequentialLR-three"]},
    "OneCycleLR-momentum": lambda lib, o: lib.OneCycleLR(o, max_lr=0.3, total_steps=STEPS),
}


@pytest.mark.parametrize("name", sorted(RESUMABLE))
def test_resuming_mid_run_equals_an_uninterrupted_run(name, tmp_path):
    make = RESUMABLE[name]
    opt = ours_sgd(momentum=0.9)
    straight = trace(opt, make(lr_scheduler, opt), momentum_key="momentum")

    opt = ours_sgd(momentum=0.9)
    scheduler = make(lr_scheduler, opt)
    first = trace(opt, scheduler, steps=40, momentum_key="momentum")
    mg.save({"optim": opt.state_dict(), "sched": scheduler.state_dict()}, tmp_path / "ckpt.safetensors")

    ckpt = mg.load(tmp_path / "ckpt.safetensors")
    opt = ours_sgd(momentum=0.9)
    scheduler = make(lr_scheduler, opt)  # a fresh schedule (at t = 0) ...
    opt.load_state_dict(ckpt["optim"])
    scheduler.load_state_dict(ckpt["sched"])  # ... picks up at t = 40
    assert scheduler.get_last_lr() == first[-1, :2].tolist()
    rest = trace(opt, scheduler, steps=STEPS - 40, momentum_key="momentum")
    np.testing.assert_array_equal(np.concatenate([first, rest[1:]]), straight)


def test_reduce_on_plateau_resumes(tmp_path):
    metrics = [3.0, 2.0, 2.5, 2.4, 2.6, 2.2, 2.3, 2.1, 2.4, 2.5, 2.6, 2.0]
    opt = ours_sgd()
    straight = lr_scheduler.ReduceLROnPlateau(opt, patience=1, cooldown=1, factor=0.5)
    for value in metrics:
        straight.step(value)

    opt = ours_sgd()
    scheduler = lr_scheduler.ReduceLROnPlateau(opt, patience=1, cooldown=1, factor=0.5)
    for value in metrics[:5]:
        scheduler.step(value)
    mg.save(scheduler.state_dict(), tmp_path / "sched.safetensors")
    resumed = lr_scheduler.ReduceLROnPlateau(ours_sgd(), patience=1, cooldown=1, factor=0.5)
    resumed.load_state_dict(mg.load(tmp_path / "sched.safetensors"))
    for value in metrics[5:]:
        resumed.step(value)
    assert resumed.get_last_lr() == straight.get_last_lr()
    assert resumed.best == straight.best and resumed.num_bad_epochs == straight.num_bad_epochs


def test_resuming_with_last_epoch_needs_initial_lr():
    with pytest.raises(KeyError, match="needs 'initial_lr' in param group 0"):
        lr_scheduler.ExponentialLR(ours_sgd(), gamma=0.9, last_epoch=5)


def test_last_epoch_resumes_like_torch():
    # as after loading an optimizer checkpoint taken at t = 4: initial_lr is the base, lr the rate at t = 4
    opt, topt = ours_sgd(), theirs_sgd()
    for o in (opt, topt):
        for g in o.param_groups:
            g["initial_lr"], g["lr"] = g["lr"], g["lr"] * 0.5
    ours = lr_scheduler.MultiStepLR(opt, milestones=[3, 6], gamma=0.5, last_epoch=4)
    theirs = torch.optim.lr_scheduler.MultiStepLR(topt, milestones=[3, 6], gamma=0.5, last_epoch=4)
    assert ours.last_epoch == theirs.last_epoch == 5
    for _ in range(3):
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-15)
        ours.step()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs.step()
    assert ours.get_last_lr() == pytest.approx([0.025, 0.0075])


@pytest.mark.parametrize("make, error, message", [
    (lambda o: lr_scheduler.LinearLR(o, start_factor=0.0), ValueError, "start_factor"),
    (lambda o: lr_scheduler.LinearLR(o, end_factor=1.5), ValueError, "end_factor"),
    (lambda o: lr_scheduler.ConstantLR(o, factor=2.0), ValueError, "factor"),
    (lambda o: lr_scheduler.PolynomialLR(o, total_iters=0), ValueError, "total_iters"),
    (lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=0), ValueError, "T_0"),
    (lambda o: lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=0), ValueError, "T_mult"),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1), ValueError, "total_steps, or epochs and steps_per_epoch"),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=10, pct_start=1.5), ValueError, "pct_start"),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=[0.1], total_steps=10), ValueError, "1 values for 2 param groups"),
    (lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=10, anneal_strategy="exp"), ValueError, "anneal"),
    (lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.ExponentialLR(o, 0.9)], milestones=[3]), ValueError,
     "1 schedulers need 0 milestones"),
    (lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.ExponentialLR(ours_sgd(), 0.9)], milestones=[]),
     ValueError, "drives another optimizer"),
    (lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.ReduceLROnPlateau(o)], milestones=[]), ValueError,
     "needs a metric"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=1.0), ValueError, "factor"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, mode="up"), ValueError, "mode"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, threshold_mode="pct"), ValueError, "threshold_mode"),
    (lambda o: lr_scheduler.ReduceLROnPlateau(o, min_lr=[0.1]), ValueError, "1 min_lrs for 2 param groups"),
])
def test_invalid_settings_are_clear_errors(make, error, message):
    with pytest.raises(error, match=message):
        make(ours_sgd())
