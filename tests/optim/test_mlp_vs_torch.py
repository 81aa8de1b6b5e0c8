"""End to end: a 64-32-10 MLP trained with Adam for 30 steps traces the same losses as in PyTorch.

Both models are built from raw tensors (W1, b1, W2, b2) with identical initial weights and see
identical mini-batches of the digits dataset, so any difference in the engine's forward,
backward or the optimizer's update shows up in the loss curve.
"""

import numpy as np
import pytest

import minigrad as mg

STEPS = 30


def initial_weights(seed=0):
    rng = np.random.default_rng(seed)
    shapes = {"W1": (64, 32), "b1": (32,), "W2": (32, 10), "b2": (10,)}
    fan_in = {"W1": 64, "b1": 64, "W2": 32, "b2": 32}
    return {k: (rng.uniform(-1, 1, s) / np.sqrt(fan_in[k])).astype(np.float32) for k, s in shapes.items()}


def batches():
    X, y = mg.data.load_digits()
    X_train, _, y_train, _ = mg.data.train_test_split(X, y, test_size=0.2, seed=0)
    X_train, _ = mg.data.standardize(X_train, X_train)
    loader = mg.data.DataLoader((X_train, y_train), batch_size=64, shuffle=True, seed=0)
    out = []
    while len(out) < STEPS:
        out.extend((xb.numpy(), yb.numpy()) for xb, yb in loader)
    return out[:STEPS]


def minigrad_losses(weights, data):
    p = {k: mg.tensor(v, requires_grad=True) for k, v in weights.items()}
    opt = mg.optim.Adam(p.values(), lr=1e-2, weight_decay=1e-4)
    losses = []
    for xb, yb in data:
        x, y = mg.tensor(xb), mg.tensor(yb)
        hidden = (x @ p["W1"] + p["b1"]).relu()
        logp = (hidden @ p["W2"] + p["b2"]).log_softmax(axis=-1)
        loss = -logp[mg.arange(len(yb)), y].mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return np.array(losses), {k: v.numpy() for k, v in p.items()}


def torch_losses(weights, data):
    import torch

    p = {k: torch.tensor(v, requires_grad=True) for k, v in weights.items()}
    opt = torch.optim.Adam(p.values(), lr=1e-2, weight_decay=1e-4)
    losses = []
    for xb, yb in data:
        x, y = torch.tensor(xb), torch.tensor(yb)
        hidden = torch.relu(x @ p["W1"] + p["b1"])
        logp = torch.log_softmax(hidden @ p["W2"] + p["b2"], dim=-1)
        loss = -logp.gather(1, y[:, None]).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return np.array(losses), {k: v.detach().numpy() for k, v in p.items()}


def test_mlp_trained_with_adam_traces_pytorchs_losses():
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    weights, data = initial_weights(), batches()
    ours, our_weights = minigrad_losses(weights, data)
    theirs, their_weights = torch_losses(weights, data)
    assert ours[-1] < 0.5 * ours[0]  # it does learn
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-4)
    for k in weights:
        assert our_weights[k].dtype == np.float32
        np.testing.assert_allclose(our_weights[k], their_weights[k], rtol=0, atol=1e-4)
