"""Gradient cases for the fused ops of minigrad.nn (minigrad/nn/fused.py), through minigrad.nn.functional."""

import numpy as np
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.nn import fused

from .strategies import tensor


def _linear(draw):
    n_in, n_out = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    lead = draw(st.sampled_from([(), (3,), (2, 3)]))
    x = tensor(draw, lead + (n_in,))
    w = tensor(draw, (n_out, n_in))
    if draw(st.booleans()):
        return F.linear, [x, w, tensor(draw, (n_out,))]
    return (lambda x, w: F.linear(x, w)), [x, w]


def _cross_entropy(draw):
    c = draw(st.integers(1, 5))
    lead = draw(st.sampled_from([(1,), (4,), (2, 3)]))
    logits = tensor(draw, lead[:1] + (c,) + lead[1:], -3, 3)  # classes on dim 1
    targets = np.asarray(draw(st.lists(st.integers(0, c - 1), min_size=int(np.prod(lead)), max_size=int(np.prod(lead)))))
    targets = targets.reshape(lead)
    if draw(st.booleans()):  # some ignored rows, but never all of them
        targets.flat[:-1] = np.where(np.arange(targets.size - 1) % 2 == 0, -100, targets.flat[:-1])
    reduction = draw(st.sampled_from(["mean", "sum", "none"]))
    smoothing = draw(st.sampled_from([0.0, 0.1, 0.5]))
    t = mg.tensor(targets)
    return (lambda x: F.cross_entropy(x, t, reduction=reduction, label_smoothing=smoothing)), [logits]


def _layer_norm(draw):
    d = draw(st.integers(2, 6))
    x = tensor(draw, draw(st.sampled_from([(), (3,), (2, 3)])) + (d,), -3, 3)
    # values drawn by hypothesis can be (nearly) constant rows; keep the variance away from 0
    x = mg.tensor(x.numpy() + np.linspace(-1, 1, d), dtype="float64", requires_grad=True)
    if draw(st.booleans()):
        return (lambda x, w, b: F.layer_norm(x, d, w, b)), [x, tensor(draw, (d,)), tensor(draw, (d,))]
    return (lambda x: F.layer_norm(x, d)), [x]


def _attention(draw):
    tq, tk, dim = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    causal = draw(st.booleans())
    if causal:
        tk = max(tk, tq)  # top-left causal with Tk < Tq leaves rows with no key: NaN, as PyTorch
    lead = draw(st.sampled_from([(2,), (1, 2)]))
    q, k, v = tensor(draw, lead + (tq, dim)), tensor(draw, lead + (tk, dim)), tensor(draw, lead + (tk, dim))
    return (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=causal)), [q, k, v]


def _self_attention(draw):
    heads, head_dim = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    b, t = draw(st.integers(1, 2)), draw(st.integers(1, 4))
    qkv = tensor(draw, (b, t, 3 * heads * head_dim))
    causal = draw(st.booleans())
    return (lambda qkv: F.self_attention(qkv, heads, causal=causal)), [qkv]


def _embedding(draw):
    n, d = draw(st.integers(1, 5)), draw(st.integers(1, 3))
    shape = draw(st.sampled_from([(3,), (2, 4)]))
    indices = mg.tensor(np.asarray(draw(st.lists(st.integers(0, n - 1), min_size=int(np.prod(shape)),
                                                 max_size=int(np.prod(shape))))).reshape(shape))
    return (lambda w: F.embedding(indices, w)), [tensor(draw, (n, d))]


def _bce_with_logits(draw):
    shape = draw(st.sampled_from([(3,), (2, 3)]))
    x, y = tensor(draw, shape, -4, 4), tensor(draw, shape, 0, 1)
    if draw(st.booleans()):
        w = tensor(draw, (shape[-1],), 0.5, 3)
        return (lambda x, y, w: F.binary_cross_entropy_with_logits(x, y, reduction="none", pos_weight=w)), [x, y, w]
    return (lambda x, y: F.binary_cross_entropy_with_logits(x, y, reduction="sum")), [x, y]


CASES = {
    fused.FusedLinear.__name__: _linear,
    fused.FusedCrossEntropy.__name__: _cross_entropy,
    fused.FusedLayerNorm.__name__: _layer_norm,
    fused.FusedAttention.__name__: _attention,
    fused.FusedSelfAttention.__name__: _self_attention,
    fused.EmbeddingLookup.__name__: _embedding,
    fused.BinaryCrossEntropyWithLogits.__name__: _bce_with_logits,
}
