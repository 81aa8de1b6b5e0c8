"""Losses against PyTorch, as functions and as modules: PyTorch's layouts (classes on dim 1),
targets (class indices or probabilities), weight, ignore_index, label_smoothing, reductions and
the older size_average/reduce flags; values and gradients (of the input, the target where
PyTorch has one, and the class weights) agree."""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
rng = np.random.default_rng(0)
_SETTINGS = dict(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _both(array, grad=True):
    return (mg.tensor(array, requires_grad=grad and array.dtype.kind == "f"),
            torch.tensor(array, requires_grad=grad and array.dtype.kind == "f"))


def _agree(loss, tloss, pairs, rtol=1e-6):
    """Same value, then the same gradients of sum(loss * w) for every (ours, theirs) leaf pair."""
    assert tuple(loss.shape) == tuple(tloss.shape)
    np.testing.assert_allclose(loss.numpy(), tloss.detach().numpy(), rtol=rtol, atol=1e-10)
    w = rng.standard_normal(loss.shape)
    (loss * mg.tensor(w)).sum().backward()
    (tloss * torch.tensor(w)).sum().backward()
    for ours, theirs in pairs:
        expected = theirs.grad.numpy() if theirs.grad is not None else np.zeros(ours.shape)
        np.testing.assert_allclose(ours.grad.numpy(), expected, rtol=rtol, atol=1e-10)


def _layout(draw, c):
    kind = draw(st.sampled_from(["2d", "3d", "4d", "unbatched"]))
    n, d, e = (draw(st.integers(1, 3)) for _ in range(3))
    return {"2d": ((n, c), (n,)), "3d": ((n, c, d), (n, d)), "4d": ((n, c, d, e), (n, d, e)),
            "unbatched": ((c,), ())}[kind]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@settings(**_SETTINGS)
@given(data=st.data())
def test_cross_entropy_with_class_indices(reduction, data):
    c = data.draw(st.integers(1, 5))
    shape, target_shape = _layout(data.draw, c)
    target = rng.integers(0, c, size=target_shape)
    ignore_index = data.draw(st.sampled_from([-100, 0, 2]))
    if target.size > 1:
        target.flat[0] = ignore_index  # one ignored element (there are others)
    smoothing = data.draw(st.sampled_from([0.0, 0.15]))
    weighted = data.draw(st.booleans())
    (x, tx), (t, tt) = _both(rng.standard_normal(shape) * 2), _both(target)
    # PyTorch refuses a weight that requires grad here (ours is differentiable: the gradcheck covers it)
    (w, tw) = _both(rng.random(c) + 0.5, grad=False) if weighted else (None, None)
    kwargs = dict(reduction=reduction, ignore_index=ignore_index, label_smoothing=smoothing)
    loss, tloss = F.cross_entropy(x, t, weight=w, **kwargs), TF.cross_entropy(tx, tt, weight=tw, **kwargs)
    if np.isnan(tloss.detach().numpy()).any():  # everything ignored: nan on both sides
        assert np.isnan(loss.numpy()).all()
        return
    _agree(loss, tloss, [(x, tx)])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@settings(**_SETTINGS)
@given(data=st.data())
def test_cross_entropy_with_probabilities(reduction, data):
    c = data.draw(st.integers(1, 5))
    shape, _ = _layout(data.draw, c)
    probs = rng.random(shape)
    (x, tx), (q, tq) = _both(rng.standard_normal(shape)), _both(probs / probs.sum(axis=1 if len(shape) > 1 else 0,
                                                                                  keepdims=True))
    smoothing = data.draw(st.sampled_from([0.0, 0.3]))
    (w, tw) = _both(rng.random(c) + 0.5) if data.draw(st.booleans()) else (None, None)
    kwargs = dict(reduction=reduction, label_smoothing=smoothing)
    _agree(F.cross_entropy(x, q, weight=w, **kwargs), TF.cross_entropy(tx, tq, weight=tw, **kwargs),
           [(x, tx), (q, tq)] + ([(w, tw)] if w is not None else []))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@settings(**_SETTINGS)
@given(data=st.data())
def test_nll_loss(reduction, data):
    c = data.draw(st.integers(1, 5))
    shape, target_shape = _layout(data.draw, c)
    target = rng.integers(0, c, size=target_shape)
    if target.size > 1:
        target.flat[-1] = 1
    (x, tx), (t, tt) = _both(rng.standard_normal(shape)), _both(target)
    (w, tw) = _both(rng.random(c) + 0.5, grad=False) if data.draw(st.booleans()) else (None, None)
    loss = F.nll_loss(x, t, weight=w, ignore_index=1, reduction=reduction)
    tloss = TF.nll_loss(tx, tt, weight=tw, ignore_index=1, reduction=reduction)
    if np.isnan(tloss.detach().numpy()).any():
        assert np.isnan(loss.numpy()).all()
        return
    _agree(loss, tloss, [(x, tx)])


def test_cross_entropy_of_a_language_model_as_nanogpt_writes_it():
    logits = rng.standard_normal((2, 5, 7)).astype(np.float32)
    targets = rng.integers(0, 7, size=(2, 5))
    (x, tx), (t, tt) = _both(logits), _both(targets)
    _agree(F.cross_entropy(x.view(-1, x.size(-1)), t.view(-1), ignore_index=-1),
           TF.cross_entropy(tx.view(-1, tx.size(-1)), tt.view(-1), ignore_index=-1), [(x, tx)], rtol=1e-5)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_clamps_its_logs_at_minus_100(reduction):
    p = rng.random((3, 4))
    p[0, :3] = [0.0, 1.0, 1e-50]  # log 0 = -inf and log 1e-50 = -115: both clamped to -100
    y = rng.random((3, 4))
    y[0, :2] = [1.0, 0.0]  # the worst case: loss 100 where PyTorch's clamp bites
    (x, tx), (t, tt), (w, tw) = _both(p), _both(y), _both(rng.random(4) + 0.5)
    _agree(F.binary_cross_entropy(x, t, reduction=reduction), TF.binary_cross_entropy(tx, tt, reduction=reduction),
           [(x, tx), (t, tt)])
    (x, tx), (t, tt) = _both(p), _both(y)
    _agree(F.binary_cross_entropy(x, t, weight=w.detach(), reduction=reduction),
           TF.binary_cross_entropy(tx, tt, weight=tw.detach(), reduction=reduction), [(x, tx), (t, tt)])


def test_binary_cross_entropy_refuses_values_outside_0_1():
    with pytest.raises(ValueError, match=r"binary_cross_entropy: the input must hold probabilities in \[0, 1\]"):
        F.binary_cross_entropy(mg.tensor([0.5, 1.5]), mg.tensor([0.0, 1.0]))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_with_logits_weight_and_pos_weight(reduction):
    (x, tx), (t, tt) = _both(rng.standard_normal((4, 3)) * 3), _both(rng.random((4, 3)))
    w, pw = rng.random(3) + 0.5, rng.random(3) * 3
    _agree(F.binary_cross_entropy_with_logits(x, t, weight=mg.tensor(w), reduction=reduction,
                                              pos_weight=mg.tensor(pw)),
           TF.binary_cross_entropy_with_logits(tx, tt, weight=torch.tensor(w), reduction=reduction,
                                               pos_weight=torch.tensor(pw)), [(x, tx), (t, tt)])


@pytest.mark.parametrize("name", ["l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses(name, reduction):
    a = rng.standard_normal((5, 4)) * 2
    b = a + rng.choice([-2.5, -0.7, -0.2, 0.3, 0.9, 3.0], size=a.shape)  # on both sides of beta / delta
    b[0, 0] = a[0, 0]  # a zero difference: l1's gradient there is 0, as PyTorch's sign(0)
    extra = {"smooth_l1_loss": {"beta": 0.5}, "huber_loss": {"delta": 0.8}}.get(name, {})
    (x, tx), (y, ty) = _both(a), _both(b)
    _agree(getattr(F, name)(x, y, reduction=reduction, **extra),
           getattr(TF, name)(tx, ty, reduction=reduction, **extra), [(x, tx), (y, ty)])
    if name != "smooth_l1_loss":  # elementwise weights: mse and l1 divide by their sum, huber does not
        weight = rng.random(a.shape) + 0.1
        (x, tx), (y, ty) = _both(a), _both(b)
        _agree(getattr(F, name)(x, y, reduction=reduction, weight=mg.tensor(weight), **extra),
               getattr(TF, name)(tx, ty, reduction=reduction, weight=torch.tensor(weight), **extra),
               [(x, tx), (y, ty)])


def test_smooth_l1_with_beta_0_is_l1():
    (x, tx), (y, ty) = _both(rng.standard_normal(6)), _both(rng.standard_normal(6))
    _agree(F.smooth_l1_loss(x, y, beta=0.0), TF.smooth_l1_loss(tx, ty, beta=0.0), [(x, tx), (y, ty)])


@pytest.mark.parametrize("reduction", ["batchmean", "mean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    logq = np.log(rng.dirichlet(np.ones(5), size=3))
    p = rng.dirichlet(np.ones(5), size=3)
    p[0, 1] = 0.0  # a zero target term counts 0 (0 log 0)
    target = np.log(p + 1e-3) if log_target else p
    (x, tx), (t, tt) = _both(logq), _both(target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both warn that "mean" is not the KL divergence
        loss = F.kl_div(x, t, reduction=reduction, log_target=log_target)
        tloss = TF.kl_div(tx, tt, reduction=reduction, log_target=log_target)
    # With probabilities, the target's gradient log t + 1 - x is -inf at the zero target (PyTorch: nan):
    # there only the input's gradient is compared.
    _agree(loss, tloss, [(x, tx), (t, tt)] if log_target else [(x, tx)])


def test_legacy_size_average_and_reduce():
    (x, tx), (y, ty) = _both(rng.standard_normal(4)), _both(rng.standard_normal(4))
    for size_average, reduce in ((False, None), (None, False), (True, True), (False, True)):
        with pytest.warns(UserWarning):
            loss = F.mse_loss(x, y, size_average, reduce)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tloss = TF.mse_loss(tx, ty, size_average, reduce)
        np.testing.assert_allclose(loss.detach().numpy(), tloss.detach().numpy())


@pytest.mark.parametrize("make, args", [
    (lambda lib, w: lib.nn.CrossEntropyLoss(weight=w, ignore_index=1, label_smoothing=0.1), "logits"),
    (lambda lib, w: lib.nn.CrossEntropyLoss(reduction="sum"), "logits"),
    (lambda lib, w: lib.nn.NLLLoss(weight=w, reduction="none"), "logits"),
    (lambda lib, w: lib.nn.BCELoss(weight=w), "probs"),
    (lambda lib, w: lib.nn.BCEWithLogitsLoss(pos_weight=w), "pairs"),
    (lambda lib, w: lib.nn.MSELoss(), "pairs"),
    (lambda lib, w: lib.nn.L1Loss(reduction="sum"), "pairs"),
    (lambda lib, w: lib.nn.SmoothL1Loss(beta=0.3), "pairs"),
    (lambda lib, w: lib.nn.HuberLoss(delta=0.4), "pairs"),
    (lambda lib, w: lib.nn.KLDivLoss(reduction="batchmean", log_target=True), "pairs"),
])
def test_loss_modules_match_pytorch_and_keep_weights_as_buffers(make, args):
    weights = rng.random(4) + 0.5
    ours, theirs = make(mg, mg.tensor(weights)), make(torch, torch.tensor(weights))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    if args == "logits":
        inputs = [rng.standard_normal((3, 4)), rng.integers(0, 4, size=3)]
    elif args == "probs":
        inputs = [rng.random((3, 4)), rng.random((3, 4))]
    else:
        inputs = [rng.standard_normal((3, 4)), rng.standard_normal((3, 4))]
    (x, tx), (t, tt) = _both(inputs[0]), _both(inputs[1], grad=False)
    _agree(ours(x, t), theirs(tx, tt), [(x, tx)])


def test_loss_modules_move_their_weights_with_the_model():
    criterion = nn.CrossEntropyLoss(weight=mg.ones(3))
    criterion.double()
    assert criterion.weight.dtype == mg.float64
    assert nn.BCEWithLogitsLoss().state_dict() == {}


def test_loss_errors_name_the_function():
    with pytest.raises(IndexError, match="cross_entropy: target 3 is out of range for 3 classes"):
        F.cross_entropy(mg.zeros(2, 3), mg.tensor([0, 3]), weight=mg.ones(3))
    with pytest.raises(ValueError, match=r"cross_entropy: weight must hold one float32 value per class \(3\)"):
        F.cross_entropy(mg.zeros(2, 3), mg.tensor([0, 1]), weight=mg.ones(4))
    with pytest.raises(ValueError, match="nll_loss: the classes are on dim 1"):
        F.nll_loss(mg.zeros(2, 3), mg.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match="l1_loss: input and target must have the same shape"):
        F.l1_loss(mg.zeros(3, 1), mg.zeros(3))
    with pytest.raises(ValueError, match="kl_div: reduction must be one of"):
        F.kl_div(mg.zeros(3), mg.zeros(3), reduction="avg")
    with pytest.raises(ValueError, match="huber_loss: delta must be positive"):
        F.huber_loss(mg.zeros(3), mg.zeros(3), delta=0)
