"""PyTorch code runs with only its imports changed: each snippet below is run once with
torch's imports and once with minigrad's, and the two give the same numbers and gradients."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

TORCH_IMPORTS = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
MINIGRAD_IMPORTS = "import minigrad as torch\nimport minigrad.nn as nn\nimport minigrad.nn.functional as F\n"

SNIPPETS = {
    "pointwise": """
x = torch.tensor(data, requires_grad=True)
y = torch.sin(x) * x.cos() + torch.atan2(x, x.exp()) + torch.log1p(x.abs()) + x.erfc() + torch.hypot(x, x + 1)
y = y + torch.clamp(x, min=-0.5, max=0.5) + x.clip(-1, 1) + torch.lerp(x, x * x, 0.25) + torch.copysign(x, -x)
y = y + (x.detach() // 0.3) * x + torch.div(x, 0.3, rounding_mode="floor") + x % 0.7 + torch.fmod(x, 0.4) + torch.round(x, decimals=1) * x + x.frac()
mask = torch.isfinite(y) & ~torch.isnan(y)
out = torch.where(mask, y, torch.zeros_like(y)).sum()
out.backward()
result = [out, x.grad, torch.allclose(y, y + 1e-9), torch.isclose(y, y * (1 + 1e-7)).all()]
""",
    "activations": """
x = torch.tensor(data, requires_grad=True)
model = nn.Sequential(nn.LeakyReLU(0.1), nn.Softplus(beta=2.0), nn.Hardswish(), nn.SiLU(), nn.Mish(), nn.ELU(),
                      nn.SELU(), nn.CELU(0.5), nn.Hardtanh(-2, 2), nn.ReLU6(), nn.Hardsigmoid(), nn.LogSigmoid(),
                      nn.Softsign(), nn.Softmin(dim=1))
y = model(x) + F.glu(torch.cat([x, x * 2], dim=1), dim=1).sigmoid() + F.relu6(x * 4) + F.leaky_relu(x, 0.2)
out = y.sum()
out.backward()
result = [out, x.grad, repr(model)]
""",
    "reductions": """
x = torch.tensor(data, requires_grad=True)
values, indices = torch.topk(x, 2, dim=1)
s = torch.sort(x, dim=0, descending=True)
med = x.median(dim=1)
std, mean = torch.std_mean(x, dim=0)
out = (x.prod(dim=1).sum() + x.std() + torch.logsumexp(x, dim=1).sum() + x.norm() + x.norm(p=1, dim=0).sum()
       + torch.linalg.norm(x, ord=float("inf")) + torch.linalg.vector_norm(x, 3) + x.cumsum(dim=1).sum()
       + x.cumprod(1).sum() + x.logcumsumexp(dim=0).sum() + x.cummax(1).values.sum() + values.sum()
       + s.values[0].sum() + med.values.sum() + std.sum() + mean.sum() + x.kthvalue(2, dim=1).values.sum()
       + torch.var_mean(x, 1, unbiased=False)[0].sum())
out.backward()
result = [out, x.grad, indices, s.indices, med.indices, torch.count_nonzero(x > 0, dim=1), torch.argsort(x, dim=1)]
""",
}


def _run(imports: str, snippet: str, data: np.ndarray) -> list:
    namespace = {"data": data}
    exec(imports + snippet, namespace)
    return namespace["result"]


def _as_numpy(value):
    if isinstance(value, (str, bool)):
        return value
    if hasattr(value, "detach"):
        return value.detach().numpy()
    if hasattr(value, "numpy"):
        return value.numpy()
    return np.asarray(value)


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_pytorch_snippets_run_unchanged_and_agree(name):
    data = np.random.default_rng(7).standard_normal((4, 6))
    theirs = _run(TORCH_IMPORTS, SNIPPETS[name], data)
    ours = _run(MINIGRAD_IMPORTS, SNIPPETS[name], data)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        a, b = _as_numpy(a), _as_numpy(b)
        if isinstance(b, (str, bool, np.bool_)) or getattr(b, "dtype", None) == np.bool_ and b.ndim == 0:
            assert a == b, f"{name}: result {i}: {a!r} != torch's {b!r}"
            continue
        assert a.shape == b.shape and a.dtype == b.dtype, f"{name}: result {i}: {a.shape} {a.dtype} vs {b.shape} {b.dtype}"
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11, err_msg=f"{name}: result {i}")
