"""The engine on the cuda device: the same op code gives the CPU's values and gradients,
mixing devices is a clear error, and a short training run traces the CPU's losses.
Run with `pytest -m gpu` on a machine with CuPy and a GPU (skipped elsewhere)."""

import numpy as np
import pytest

import minigrad as mg

pytestmark = pytest.mark.gpu

EXPRESSIONS = {
    "arithmetic": lambda a, b: ((a + b) * a - b / (a.abs() + 1.0)) ** 2,
    "scalars": lambda a, b: 2.0 - a * 3.0 + 1.0 / (b * b + 1.0),
    "unary": lambda a, b: a.exp() + (b.abs() + 0.1).log() + (b * b + 0.1).sqrt() + a.tanh() + b.sigmoid(),
    "relu-gelu": lambda a, b: a.relu() + b.gelu() + a.gelu("tanh"),
    "max-min-where-clip": lambda a, b: mg.maximum(a, b) + mg.minimum(a, b) + mg.where(a > b, a, b) + a.clip(-0.5, 0.5),
    "reductions": lambda a, b: a.sum(axis=0) + a.mean(axis=0) + a.max(axis=0) + a.min(axis=0) + a.var(axis=0) + b,
    "matmul": lambda a, b: (a @ a.T) @ a + b,
    "softmax": lambda a, b: a.softmax(axis=-1) * b + a.log_softmax(axis=0),
    "shapes": lambda a, b: mg.concatenate([a, a.T.reshape(a.shape)], axis=0)[1:4] * mg.stack([b, b]).sum(axis=0),
    "indexing": lambda a, b: a[mg.tensor([0, 2, 0], device=a.device)] * b + a[1:, ::2].sum(),
    "broadcast": lambda a, b: a.unsqueeze(0).broadcast_to(3, *a.shape).sum(axis=0) * b,
}


def _run(expression, device, a, b):
    ta = mg.tensor(a, device=device, requires_grad=True)
    tb = mg.tensor(b, device=device, requires_grad=True)
    out = expression(ta, tb)
    weights = mg.tensor(np.linspace(-1, 1, out.size).reshape(out.shape), dtype=out.dtype, device=device)
    (out * weights).sum().backward()
    return out.numpy(), ta.grad.numpy(), tb.grad.numpy()


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
@pytest.mark.parametrize("dtype, tolerance", [("float64", 1e-10), ("float32", 2e-4)])
def test_cuda_matches_cpu_in_value_and_gradient(name, dtype, tolerance):
    rng = np.random.default_rng()
    a = rng.standard_normal((5, 4)).astype(dtype)
    b = rng.standard_normal((4,)).astype(dtype)
    cpu = _run(EXPRESSIONS[name], "cpu", a, b)
    gpu = _run(EXPRESSIONS[name], "cuda", a, b)
    for what, c, g in zip(("value", "grad a", "grad b"), cpu, gpu):
        error = np.linalg.norm(g.astype(np.float64) - c) / max(np.linalg.norm(c), 1e-30)
        assert error < tolerance, f"{name} {what}: relative error {error:.3g} on cuda vs cpu"


def test_gradcheck_on_cuda():
    x = mg.tensor(np.random.default_rng().standard_normal((3, 4)), device="cuda", requires_grad=True)
    w = mg.tensor(np.random.default_rng().standard_normal((4, 2)), device="cuda", requires_grad=True)
    assert mg.gradcheck(lambda x, w: (x @ w).tanh().softmax(axis=0), [x, w])


def test_mixing_devices_is_a_clear_error():
    with pytest.raises(RuntimeError, match="same device, got cpu and cuda"):
        mg.ones(3) + mg.ones(3, device="cuda")


def test_to_moves_data_and_gradients_flow_back():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.to("cuda")
    assert y.device == "cuda"
    (y * y).sum().backward()
    assert x.grad.device == "cpu"
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


def test_a_short_training_run_matches_the_cpu():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 10)).astype(np.float32)
    y = rng.integers(0, 3, 64)
    W1, W2 = rng.standard_normal((10, 16)).astype(np.float32) * 0.3, rng.standard_normal((16, 3)).astype(np.float32) * 0.3

    def train(device):
        w1 = mg.tensor(W1, device=device, requires_grad=True)
        w2 = mg.tensor(W2, device=device, requires_grad=True)
        xs, targets = mg.tensor(X, device=device), mg.tensor(y, device=device)
        losses = []
        for _ in range(20):
            logp = ((xs @ w1).relu() @ w2).log_softmax(axis=-1)
            loss = -logp[mg.arange(64, device=device), targets].mean()
            w1.grad = w2.grad = None
            loss.backward()
            with mg.no_grad():
                w1 -= 0.5 * w1.grad
                w2 -= 0.5 * w2.grad
            losses.append(loss.item())
        return np.array(losses)

    np.testing.assert_allclose(train("cuda"), train("cpu"), rtol=1e-4, atol=1e-5)
