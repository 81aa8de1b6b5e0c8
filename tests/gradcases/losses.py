"""Gradient cases for the losses of minigrad.nn.functional beyond the fused cross-entropy:
BinaryCrossEntropy (an op of its own) and the losses composed of recorded ops (cross-entropy
with class weights or probability targets, nll, l1, smooth l1, huber, kl_div), which the
registry would not otherwise reach; all checked to second order."""

import numpy as np
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.nn import fused

from .strategies import tensor

_REDUCTIONS = st.sampled_from(["mean", "sum", "none"])


def _layout(draw, c):
    """A classes-on-dim-1 input shape and its target shape: [N, C], [N, C, d] or [C]."""
    kind = draw(st.sampled_from(["2d", "3d", "unbatched"]))
    n, d = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return {"2d": ((n, c), (n,)), "3d": ((n, c, d), (n, d)), "unbatched": ((c,), ())}[kind]


def _targets(draw, shape, c, ignore_some):
    size = int(np.prod(shape))
    values = np.asarray(draw(st.lists(st.integers(0, c - 1), min_size=size, max_size=size)), dtype=np.int64)
    if ignore_some and size > 1:
        values[1::2] = -100  # some ignored, never all
    return mg.tensor(values.reshape(shape))


def _binary_cross_entropy(draw):
    shape = draw(st.sampled_from([(3,), (2, 3)]))
    x, y = tensor(draw, shape, 0.05, 0.95), tensor(draw, shape, 0, 1)
    reduction = draw(_REDUCTIONS)
    if draw(st.booleans()):
        w = mg.tensor(np.linspace(0.5, 2.0, shape[-1]))
        return (lambda x, y: F.binary_cross_entropy(x, y, weight=w, reduction=reduction)), [x, y]
    return (lambda x, y: F.binary_cross_entropy(x, y, reduction=reduction)), [x, y]


def _weighted_cross_entropy(draw):
    c = draw(st.integers(2, 4))
    shape, target_shape = _layout(draw, c)
    x = tensor(draw, shape, -3, 3)
    t = _targets(draw, target_shape, c, draw(st.booleans()))
    w = tensor(draw, (c,), 0.5, 2.0)
    reduction, smoothing = draw(_REDUCTIONS), draw(st.sampled_from([0.0, 0.2]))
    return (lambda x, w: F.cross_entropy(x, t, weight=w, reduction=reduction, label_smoothing=smoothing)), [x, w]


def _probability_cross_entropy(draw):
    c = draw(st.integers(2, 4))
    shape, _ = _layout(draw, c)
    x, q = tensor(draw, shape, -3, 3), tensor(draw, shape, 0, 1)
    reduction, smoothing = draw(_REDUCTIONS), draw(st.sampled_from([0.0, 0.2]))
    if draw(st.booleans()):
        w = mg.tensor(np.linspace(0.5, 2.0, c))
        return (lambda x, q: F.cross_entropy(x, q, weight=w, reduction=reduction, label_smoothing=smoothing)), [x, q]
    return (lambda x, q: F.cross_entropy(x, q, reduction=reduction, label_smoothing=smoothing)), [x, q]


def _nll(draw):
    c = draw(st.integers(2, 4))
    shape, target_shape = _layout(draw, c)
    x = tensor(draw, shape, -3, 0)
    t = _targets(draw, target_shape, c, draw(st.booleans()))
    reduction = draw(_REDUCTIONS)
    return (lambda x: F.nll_loss(x.log_softmax(dim=-1) if x.ndim == 1 else x.log_softmax(dim=1), t,
                                 reduction=reduction)), [x]


def _regression(draw):
    shape = draw(st.sampled_from([(3,), (2, 3)]))
    loss = draw(st.sampled_from(["l1", "smooth_l1", "huber", "mse_weighted"]))
    reduction = draw(_REDUCTIONS)
    x = tensor(draw, shape)
    # keep |x - y| away from 0 (l1's kink) and from beta/delta = 0.5 (the seam between the pieces)
    offsets = np.asarray(draw(st.lists(st.sampled_from([-1.3, -0.2, 0.25, 1.1]), min_size=int(np.prod(shape)),
                                       max_size=int(np.prod(shape))))).reshape(shape)
    y = mg.tensor(x.numpy() - offsets, requires_grad=True)
    fn = {
        "l1": lambda x, y: F.l1_loss(x, y, reduction=reduction),
        "smooth_l1": lambda x, y: F.smooth_l1_loss(x, y, reduction=reduction, beta=0.5),
        "huber": lambda x, y: F.huber_loss(x, y, reduction=reduction, delta=0.5),
        "mse_weighted": lambda x, y: F.mse_loss(x, y, reduction=reduction, weight=mg.ones(shape, dtype="float64") * 2),
    }[loss]
    return fn, [x, y]


def _kl_div(draw):
    shape = draw(st.sampled_from([(3,), (2, 3)]))
    log_target = draw(st.booleans())
    reduction = draw(st.sampled_from(["batchmean", "sum", "none"]))
    x = tensor(draw, shape, -3, -0.1)
    target = tensor(draw, shape, -3, -0.1) if log_target else tensor(draw, shape, 0.1, 1)
    return (lambda x, t: F.kl_div(x, t, reduction=reduction, log_target=log_target)), [x, target]


CASES = {
    fused.BinaryCrossEntropy.__name__: _binary_cross_entropy,
    "cross_entropy with weights": _weighted_cross_entropy,
    "cross_entropy with probabilities": _probability_cross_entropy,
    "nll_loss": _nll,
    "l1, smooth_l1, huber, weighted mse": _regression,
    "kl_div": _kl_div,
}
