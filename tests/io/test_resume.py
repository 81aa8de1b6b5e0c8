"""A run stopped at a checkpoint and resumed in fresh objects ends with exactly the uninterrupted run's numbers."""

import numpy as np
import pytest

import minigrad as mg

pytest.importorskip("safetensors")

STEPS, SAVE_AT = 10, 5


def fresh_model(seed=0):
    rng = np.random.default_rng(seed)
    shapes = {"W1": (8, 16), "b1": (16,), "W2": (16, 3), "b2": (3,)}
    return {k: mg.tensor((0.3 * rng.standard_normal(s)).astype(np.float32), requires_grad=True)
            for k, s in shapes.items()}


def data():
    rng = np.random.default_rng(1)
    return [(rng.standard_normal((12, 8)).astype(np.float32), rng.integers(0, 3, 12)) for _ in range(STEPS)]


def make_optimizer(model):
    opt = mg.optim.AdamW([{"params": [model["W1"], model["W2"]]},
                          {"params": [model["b1"], model["b2"]], "weight_decay": 0.0}], lr=0.05)
    schedule = mg.optim.lr_scheduler.LinearWarmupCosine(opt, warmup_steps=3, total_steps=STEPS)
    return opt, schedule


def train_step(model, opt, schedule, xb, yb):
    hidden = (mg.tensor(xb) @ model["W1"] + model["b1"]).tanh()
    logp = (hidden @ model["W2"] + model["b2"]).log_softmax(axis=-1)
    loss = -logp[mg.arange(len(yb)), mg.tensor(yb)].mean()
    opt.zero_grad()
    loss.backward()
    mg.optim.clip_grad_norm_(model.values(), 1.0)
    opt.step()
    schedule.step()
    return loss.item()


def test_resumed_run_matches_the_uninterrupted_run(tmp_path):
    batches = data()

    uninterrupted = fresh_model()
    opt, schedule = make_optimizer(uninterrupted)
    straight = [train_step(uninterrupted, opt, schedule, *b) for b in batches]

    model = fresh_model()
    opt, schedule = make_optimizer(model)
    first_half = [train_step(model, opt, schedule, *b) for b in batches[:SAVE_AT]]
    mg.save({"model": model, "optim": opt.state_dict(), "schedule": schedule.state_dict(), "step": SAVE_AT},
            tmp_path / "run.safetensors")
    del model, opt, schedule

    checkpoint = mg.load(tmp_path / "run.safetensors")
    model = fresh_model(seed=123)  # different initial values: everything must come from the file
    for name, p in model.items():
        p.data[...] = checkpoint["model"][name].data
    opt, schedule = make_optimizer(model)
    opt.load_state_dict(checkpoint["optim"])
    schedule.load_state_dict(checkpoint["schedule"])
    assert checkpoint["step"] == SAVE_AT
    second_half = [train_step(model, opt, schedule, *b) for b in batches[SAVE_AT:]]

    assert first_half + second_half == straight  # bitwise: the same operations on the same numbers
    for name in model:
        np.testing.assert_array_equal(model[name].numpy(), uninterrupted[name].numpy())
