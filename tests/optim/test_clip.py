"""Gradient clipping against torch.nn.utils and against the definition."""

import numpy as np
import pytest

import minigrad as mg


def params_with_grads(scale, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    params = []
    for shape in [(4, 5), (5,), (3, 2, 2)]:
        p = mg.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)
        p.grad = mg.tensor((scale * rng.standard_normal(shape)).astype(dtype))
        params.append(p)
    return params


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("scale", [10.0, 0.01], ids=["clipped", "unclipped"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matches_torch(norm_type, scale, dtype):
    torch = pytest.importorskip("torch")
    params = params_with_grads(scale, dtype)
    tparams = [torch.tensor(p.numpy(), requires_grad=True) for p in params]
    for tp, p in zip(tparams, params):
        tp.grad = torch.tensor(p.grad.numpy().copy())
    total = mg.optim.clip_grad_norm_(params, max_norm=1.5, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(tparams, max_norm=1.5, norm_type=norm_type)
    tol = dict(rtol=1e-6, atol=1e-7) if dtype == np.float32 else dict(rtol=1e-13, atol=1e-15)
    assert isinstance(total, mg.Tensor) and total.shape == ()
    assert total.dtype == dtype
    np.testing.assert_allclose(total.item(), ttotal.item(), **tol)
    for p, tp in zip(params, tparams):
        assert p.grad.dtype == dtype
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), **tol)


def test_clipping_scales_the_joint_norm_to_max_norm():
    params = params_with_grads(scale=10.0)
    before = np.sqrt(sum((p.grad.numpy() ** 2).sum() for p in params))
    directions = [p.grad.numpy() / before for p in params]
    total = mg.optim.clip_grad_norm_(params, max_norm=2.0)
    after = np.sqrt(sum((p.grad.numpy() ** 2).sum() for p in params))
    assert total.item() == pytest.approx(before, rel=1e-12)
    assert after == pytest.approx(2.0, rel=1e-6)  # 2 / (norm + 1e-6) * norm
    for p, d in zip(params, directions):  # the direction is kept
        np.testing.assert_allclose(p.grad.numpy() / after, d, rtol=1e-9)


def test_small_gradients_are_left_alone():
    params = params_with_grads(scale=0.001)
    before = [p.grad.numpy().copy() for p in params]
    mg.optim.clip_grad_norm_(params, max_norm=1.0)
    for p, b in zip(params, before):
        np.testing.assert_array_equal(p.grad.numpy(), b)


def test_parameters_without_gradients_are_skipped():
    params = params_with_grads(scale=10.0)
    params[1].grad = None
    want = np.sqrt((params[0].grad.numpy() ** 2).sum() + (params[2].grad.numpy() ** 2).sum())
    total = mg.optim.clip_grad_norm_(params, max_norm=1.0)
    assert total.item() == pytest.approx(want, rel=1e-12)
    assert params[1].grad is None
    assert mg.optim.clip_grad_norm_([mg.zeros(2, requires_grad=True)], 1.0).item() == 0.0


def test_accepts_a_single_tensor():
    p = mg.tensor(np.array([3.0, 4.0]), requires_grad=True)
    p.grad = mg.tensor(np.array([3.0, 4.0]))
    assert mg.optim.clip_grad_norm_(p, max_norm=1.0).item() == 5.0
    np.testing.assert_allclose(p.grad.numpy(), [0.6, 0.8], rtol=1e-6)


def test_non_finite_norm_can_be_an_error():
    p = mg.tensor(np.array([1.0, 1.0]), requires_grad=True)
    p.grad = mg.tensor(np.array([np.inf, 1.0]))
    with pytest.raises(RuntimeError, match="NaN or Inf"):
        mg.optim.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


def test_invalid_norm_type_is_an_error():
    with pytest.raises(ValueError, match="norm_type"):
        mg.optim.clip_grad_norm_(params_with_grads(1.0), 1.0, norm_type=0)


def test_clip_grad_value_matches_torch():
    torch = pytest.importorskip("torch")
    params = params_with_grads(scale=2.0)
    tgrads = [torch.tensor(p.grad.numpy().copy()) for p in params]
    mg.optim.clip_grad_value_(params, 0.5)
    tparams = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in tgrads]
    for tp, g in zip(tparams, tgrads):
        tp.grad = g
    torch.nn.utils.clip_grad_value_(tparams, 0.5)
    for p, tp in zip(params, tparams):
        np.testing.assert_array_equal(p.grad.numpy(), tp.grad.numpy())
