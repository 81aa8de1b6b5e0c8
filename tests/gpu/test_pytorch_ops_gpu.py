"""PyTorch's movement, indexing, matrix ops and losses on the cuda device give the CPU's values
and gradients (they run the same op code on CuPy, with CuPy's own scatter and einsum).
Run with `pytest -m gpu` on a machine with CuPy and a GPU (skipped elsewhere)."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

pytestmark = pytest.mark.gpu

INDEX = np.array([[0, 2, 1, 0], [1, 1, 0, 2], [2, 0, 0, 1]])

EXPRESSIONS = {
    "flip-roll-repeat": lambda a, d: a.flip(0) * a.roll(1, 1) + a.repeat(1, 2)[:, :4] + mg.tile(a, (1, 1)),
    "repeat_interleave-unfold": lambda a, d: a.repeat_interleave(2, dim=0)[::2] + a.unfold(1, 2, 2).sum(-1).repeat(1, 2),
    "pad": lambda a, d: sum(F.pad(a[None], (1, 1), mode=m)[0, :, 1:-1] for m in ("constant", "reflect", "replicate",
                                                                                 "circular")),
    "diagonal-tril": lambda a, d: mg.diag_embed(a.diagonal())[:, :1] + a.tril(1) + a.triu(-1) + mg.diag(a[:, 0])[:, :1],
    "scatter": lambda a, d: a.scatter(0, mg.tensor(INDEX[:2], device=d), a[:2] * 2) + a.scatter(1, mg.tensor(INDEX[:, :1],
                                                                                                         device=d), 0.5),
    "scatter_reduce": lambda a, d: sum(a.scatter_reduce(0, mg.tensor(INDEX, device=d), a * 3, r)
                                       for r in ("sum", "prod", "mean", "amax", "amin")),
    "index": lambda a, d: a.index_select(1, mg.tensor([3, 0, 0], device=d)).sum(1, keepdim=True)
    + mg.index_add(a, 0, mg.tensor([0, 0], device=d), a[:2]) + a.masked_scatter(a > 0, a * 2),
    "einsum": lambda a, d: mg.einsum("ij,kj->ik", a, a)[:, :1] + mg.einsum("ij,jk,kl->il", a, a.T, a),
}


def _run(expression, device, a):
    ta = mg.tensor(a, device=device, requires_grad=True)
    out = expression(ta, device)
    weights = mg.tensor(np.linspace(-1, 1, out.size).reshape(out.shape), dtype=out.dtype, device=device)
    (out * weights).sum().backward()
    return out.numpy(), ta.grad.numpy()


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
def test_cuda_matches_cpu(name):
    a = np.random.default_rng(0).standard_normal((3, 4))
    for cpu, gpu in zip(_run(EXPRESSIONS[name], "cpu", a), _run(EXPRESSIONS[name], "cuda", a)):
        np.testing.assert_allclose(gpu, cpu, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cross_entropy_layouts_and_losses_on_cuda(dtype):
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((4, 5, 3)).astype(dtype)  # [N, C, d]: the class dim is moved last
    targets = rng.integers(0, 5, size=(4, 3))
    targets[0, 0] = -100
    results = {}
    for device in ("cpu", "cuda"):
        x = mg.tensor(logits, device=device, requires_grad=True)
        t = mg.tensor(targets, device=device)
        w = mg.tensor(np.linspace(0.5, 2, 5), dtype=dtype, device=device)
        p = mg.tensor(rng.random((4, 3)), dtype=dtype, device=device)
        loss = (F.cross_entropy(x, t, label_smoothing=0.1) + F.cross_entropy(x, t, weight=w)
                + nn.BCELoss()(x[:, 0].sigmoid(), p) + F.kl_div(x[:, 1].log_softmax(-1), p.softmax(-1), reduction="batchmean")
                + F.huber_loss(x[:, 2], p) + F.cross_entropy(x[:, :, 0], x[:, :, 1].softmax(1).detach()))
        loss.backward()
        results[device] = (loss.item(), x.grad.numpy())
    rtol = 1e-5 if dtype == "float32" else 1e-10
    np.testing.assert_allclose(results["cuda"][0], results["cpu"][0], rtol=rtol)
    np.testing.assert_allclose(results["cuda"][1], results["cpu"][1], rtol=rtol * 10, atol=rtol)


def test_factories_and_init_on_cuda():
    mg.manual_seed(0)
    assert mg.linspace(0, 1, 5, device="cuda").device == "cuda"
    assert mg.randint(0, 3, (4,), device="cuda").device == "cuda"
    assert mg.multinomial(mg.ones(4, device="cuda"), 2).device == "cuda"
    layer = nn.Linear(3, 4).cuda()
    nn.init.orthogonal_(layer.weight)
    nn.init.zeros_(layer.bias)
    assert layer.weight.device == "cuda" and not layer.bias.numpy().any()
    np.testing.assert_allclose(layer.weight.numpy().T @ layer.weight.numpy(), np.eye(3), atol=1e-6)
