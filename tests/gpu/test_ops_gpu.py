"""The pointwise math, activation, reduction, scan and sort ops on the cuda device give the CPU's
values, indices and gradients. On CuPy the running max/min/logaddexp are doubling scans and erfc
is cupyx's, so this is where those paths meet real arrays. Run with `pytest -m gpu`."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F

pytestmark = pytest.mark.gpu

EXPRESSIONS = {
    "trig": lambda a: a.sin() + a.cos() * a.tan().tanh() + (a * 0.3).asin() + (a * 0.3).acos() + a.atan()
    + a.sinh() + a.cosh() + a.asinh() + (a.abs() + 1.5).acosh() + (a * 0.3).atanh() + mg.atan2(a, a.T.mean(1))
    + mg.hypot(a, 1.5),
    "special": lambda a: a.exp2() + a.expm1() + (a.abs() + 0.5).log2() + (a.abs() + 0.5).log10() + (a.abs()).log1p()
    + (a.abs() + 0.5).rsqrt() + a.erfc() + mg.logaddexp(a, 0.5) + mg.logaddexp2(a, a * 2),
    "rounding": lambda a: a.floor() * a + a.ceil() + a.round(1) * a + a.trunc() + a.frac() + mg.fmod(a, 0.7)
    + a % 0.7 + (a // 0.3) * a + mg.copysign(a, -a) + mg.lerp(a, a * a, 0.3) + a.clamp(a * 0 - 0.5, 0.5),
    "activations": lambda a: F.silu(a) + F.leaky_relu(a, 0.1) + F.elu(a) + F.selu(a) + F.celu(a, 2.0)
    + F.softplus(a, 2.0, 1.0) + F.mish(a) + F.hardtanh(a) + F.relu6(a * 8) + F.hardsigmoid(a * 4)
    + F.hardswish(a * 4) + F.logsigmoid(a) + F.softsign(a) + F.softmin(a, 1) + F.glu(a, 0)[:1].sum()
    + F.prelu(a, mg.tensor([0.2], dtype=a.dtype, device=a.device)),
    "reductions": lambda a: a.prod(0) + a.std(0) + mg.logsumexp(a, 0) + a.norm(dim=0) + mg.linalg.norm(a, 1)
    + mg.linalg.vector_norm(a, float("inf"), 0) + mg.linalg.matrix_norm(a, float("-inf")) + a.median(),
    "scans": lambda a: a.cumsum(0) + a.cumprod(1) + a.logcumsumexp(0) + a.cummax(1).values + a.cummin(0).values,
    "orderings": lambda a: a.sort(1, descending=True).values + a.topk(2, 0).values.sum(0)
    + a.kthvalue(2, 0).values + a.median(0).values + a.mode(0).values,
}


def _run(expression, device, a):
    ta = mg.tensor(a, device=device, requires_grad=True)
    out = expression(ta)
    weights = mg.tensor(np.linspace(-1, 1, out.size).reshape(out.shape), dtype=out.dtype, device=device)
    (out * weights).sum().backward()
    return out.numpy(), ta.grad.numpy()


@pytest.mark.parametrize("name", sorted(EXPRESSIONS))
@pytest.mark.parametrize("dtype, tolerance", [("float64", 1e-10), ("float32", 2e-4)])
def test_cuda_matches_cpu_in_value_and_gradient(name, dtype, tolerance):
    rng = np.random.default_rng()
    a = rng.standard_normal((6, 6)).astype(dtype)
    cpu = _run(EXPRESSIONS[name], "cpu", a)
    gpu = _run(EXPRESSIONS[name], "cuda", a)
    for what, c, g in zip(("value", "grad"), cpu, gpu):
        error = np.linalg.norm(g.astype(np.float64) - c) / max(np.linalg.norm(c), 1e-30)
        assert error < tolerance, f"{name} {what}: relative error {error:.3g} on cuda vs cpu"


def test_indices_and_ties_on_cuda_match_cpu():
    data = np.array([[1.0, 1.0, 0.0, 2.0, 2.0, np.nan, 1.0], [3.0, -1.0, 3.0, 3.0, 0.0, 0.0, -1.0]])
    cpu, gpu = mg.tensor(data), mg.tensor(data, device="cuda")
    for name, call in {"cummax": lambda x: x.cummax(1), "cummin": lambda x: x.cummin(1),
                       "sort": lambda x: x.sort(1, descending=True), "median": lambda x: x.median(1),
                       "mode": lambda x: x[:, :5].mode(1),
                       "topk": lambda x: x[:, :5].topk(3, 1)}.items():
        c, g = call(cpu), call(gpu)
        np.testing.assert_array_equal(c.indices.numpy(), g.indices.numpy(), err_msg=name)
        np.testing.assert_array_equal(c.values.numpy(), g.values.numpy(), err_msg=name)


def test_integer_division_on_cuda():
    a, b = np.array([7, -7, 7, -7]), np.array([2, 2, -2, -2])
    for fn in (lambda x, y: x // y, lambda x, y: x % y, lambda x, y: mg.fmod(x, y),
               lambda x, y: mg.div(x, y, rounding_mode="trunc")):
        c = fn(mg.tensor(a), mg.tensor(b)).numpy()
        g = fn(mg.tensor(a, device="cuda"), mg.tensor(b, device="cuda")).numpy()
        np.testing.assert_array_equal(c, g)
