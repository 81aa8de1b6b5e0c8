"""The layers on a GPU (CuPy arrays, Triton kernels where chosen) give the CPU's values and gradients.

Marked gpu: skipped on machines without CUDA.
"""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

pytestmark = pytest.mark.gpu


def _model():
    class TinyGPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte, self.wpe = nn.Embedding(11, 16), nn.Embedding(8, 16)
            self.block = nn.TransformerBlock(16, 4)
            self.ln, self.head = nn.LayerNorm(16), nn.Linear(16, 11)

        def forward(self, idx):
            x = self.wte(idx) + self.wpe(mg.arange(idx.shape[1], device=idx.device))
            return self.head(self.ln(self.block(x)))

    return TinyGPT()


def test_tiny_gpt_step_matches_cpu():
    mg.manual_seed(0)
    cpu = _model()
    gpu = _model().to("cuda")
    gpu.load_state_dict(cpu.state_dict())
    idx = np.random.default_rng(0).integers(0, 11, size=(3, 8))
    targets = np.roll(idx, -1, axis=1)
    targets[:, -1] = -100
    losses = []
    for model, device in ((cpu, "cpu"), (gpu, "cuda")):
        logits = model(mg.tensor(idx, device=device))
        loss = F.cross_entropy(logits.view(-1, 11), mg.tensor(targets, device=device).view(-1), label_smoothing=0.1)
        loss.backward()
        losses.append(loss.item())
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-4)
    for (name, p), q in zip(cpu.named_parameters(), gpu.parameters()):
        assert q.device == "cuda"
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=2e-3, atol=2e-5, err_msg=name)


def test_sdpa_with_mask_and_dropout_runs_on_gpu():
    q = mg.randn(2, 2, 5, 4, device="cuda", requires_grad=True)
    keep = mg.tensor(np.tril(np.ones((5, 5), bool)), device="cuda")
    out = F.scaled_dot_product_attention(q, q, q, attn_mask=keep, dropout_p=0.2)
    out.sum().backward()
    assert out.device == "cuda" and q.grad.device == "cuda"


def test_dropout_draws_its_mask_on_the_gpu_reproducibly():
    import cupy

    x = mg.ones(300, 300, device="cuda")
    mg.manual_seed(5)
    a = F.dropout(x, 0.3)
    mg.manual_seed(5)
    b = F.dropout(x, 0.3)
    assert isinstance(a.data, cupy.ndarray)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    dropped = (a.numpy() == 0).mean()
    assert abs(dropped - 0.3) < 0.01
    np.testing.assert_allclose(np.unique(a.numpy()), [0.0, 1 / 0.7], rtol=1e-6)
