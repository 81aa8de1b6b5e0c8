"""The fused ops of fused.py, written again as compositions of engine primitives.

Each function here computes exactly what its fused twin computes, but records
the ordinary ops (matmul, log_softmax, getitem, mean, where, ...) and lets the
engine differentiate them. They are

  - the oracle the fused ops are tested against (value and gradient),
  - the path for what the fused kernels do not cover (attention with a mask or
    dropout, batch dims that broadcast), and
  - the clearest statement of the math, for a reader.

Arguments are checked by minigrad.nn.functional, not here.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..creation import arange
from ..ops.index import take_along_dim
from ..ops.shape import movedim
from ..tensor import Tensor


def linear_composite(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x @ W^T + b."""
    y = x @ weight.T
    return y if bias is None else y + bias


def cross_entropy_composite(logits: Tensor, targets: Tensor, reduction: str = "mean",
                            ignore_index: int = -100, label_smoothing: float = 0.0) -> Tensor:
    """-(1 - s) log p_t - s mean_j log p_j per row (0 on ignored rows), then reduced.

    logits [..., C], targets [...] (integers).
    """
    c = logits.shape[-1]
    logp = ops.activation.log_softmax(logits.reshape(-1, c), axis=-1)
    t = targets.data.reshape(-1)
    valid = t != ignore_index
    safe = logits._xp.where(valid, t, 0)
    losses = -logp[arange(len(t), device=logits.device), Tensor._wrap(safe, False)]
    if label_smoothing:
        losses = (1.0 - label_smoothing) * losses - label_smoothing * logp.mean(axis=-1)
    losses = losses * Tensor._wrap(valid.astype(logits.dtype), False)
    if reduction == "none":
        return losses.reshape(targets.shape)
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / float(valid.sum())


def nll(logp: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int, reduction: str) -> Tensor:
    """-w_t logp[..., t] for log-probabilities logp [..., C] (classes last) and targets [...];
    0 where t == ignore_index; "mean" divides by the summed w_t of the elements kept."""
    t = target.data
    valid = t != ignore_index
    safe = logp._xp.where(valid, t, 0)
    picked = take_along_dim(logp, Tensor._wrap(safe[..., None], False), -1).squeeze(-1)
    w = Tensor._wrap(valid.astype(logp.dtype), False)
    if weight is not None:
        w = weight[Tensor._wrap(safe, False)] * w
    losses = -picked * w
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    with np.errstate(invalid="ignore", divide="ignore"):  # every element ignored: nan, as PyTorch
        return losses.sum() / w.sum()


def cross_entropy_weighted(input: Tensor, target: Tensor, weight: Tensor, ignore_index: int, reduction: str,
                           label_smoothing: float) -> Tensor:
    """Cross-entropy with class weights w (classes on dim 1 of input, or dim 0 unbatched):
        (1 - s) nll(log p) + (s / C) (-sum_j w_j log p_j),
    both terms 0 on ignored elements and, for "mean", divided by the summed w_t (PyTorch's rule)."""
    class_axis = 1 if input.ndim > 1 else 0
    logp = movedim(ops.activation.log_softmax(input, dim=class_axis), class_axis, -1)
    loss = nll(logp, target, weight, ignore_index, reduction)
    if not label_smoothing:
        return loss
    valid = target.data != ignore_index
    kept = Tensor._wrap(valid.astype(input.dtype), False)
    smooth = -(logp * weight).sum(axis=-1) * kept
    if reduction == "mean":
        safe = Tensor._wrap(input._xp.where(valid, target.data, 0), False)
        with np.errstate(invalid="ignore", divide="ignore"):
            smooth = smooth.sum() / (weight[safe] * kept).sum()
    elif reduction == "sum":
        smooth = smooth.sum()
    return (1.0 - label_smoothing) * loss + (label_smoothing / logp.shape[-1]) * smooth


def cross_entropy_probabilities(input: Tensor, target: Tensor, weight: Tensor | None, reduction: str,
                                label_smoothing: float) -> Tensor:
    """Cross-entropy against class probabilities q (the input's shape, classes on dim 1):
    -sum_j w_j q_j log p_j per element, q smoothed to (1 - s) q + s / C; "mean" averages over the
    elements (not over the weights)."""
    class_axis = 1 if input.ndim > 1 else 0
    classes = input.shape[class_axis]
    logp = ops.activation.log_softmax(input, dim=class_axis)
    if label_smoothing:
        target = target * (1.0 - label_smoothing) + label_smoothing / classes
    terms = logp * target
    if weight is not None:
        terms = terms * weight.reshape((classes,) + (1,) * (input.ndim - class_axis - 1))
    losses = -terms.sum(axis=class_axis)
    if reduction == "none":
        return losses
    return losses.sum() if reduction == "sum" else losses.mean()


def layer_norm_composite(x: Tensor, weight: Tensor | None = None, bias: Tensor | None = None,
                         eps: float = 1e-5) -> Tensor:
    """(x - mean) / sqrt(var + eps) * w + b over the last axis, with the biased variance."""
    centered = x - x.mean(axis=-1, keepdims=True)
    variance = (centered * centered).mean(axis=-1, keepdims=True)
    y = centered / (variance + eps).sqrt()
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


def attention_composite(q: Tensor, k: Tensor, v: Tensor, causal: bool = False, mask=None,
                        scale: float | None = None, dropout_p: float = 0.0) -> Tensor:
    """softmax(scale q k^T + mask) v, with an optional causal mask and dropout on the weights.

    q [..., Tq, D], k [..., Tk, D], v [..., Tk, Dv]; batch dims broadcast.
    causal: query i sees keys j <= i (top-left aligned). mask: bool (True = keep)
    or float (added to the scores), broadcastable to [..., Tq, Tk]. A query whose keys are
    all masked out gets zero weights (output 0, gradient 0), as in PyTorch.
    """
    from .functional import dropout  # functional imports this module

    scale = 1.0 / np.sqrt(q.shape[-1]) if scale is None else scale
    scores = (q @ k.swapaxes(-1, -2)) * scale
    tq, tk = q.shape[-2], k.shape[-2]
    if causal:
        xp = q._xp
        hidden = xp.arange(tk)[None, :] > xp.arange(tq)[:, None]
        scores = scores.masked_fill(Tensor._wrap(hidden, False), -np.inf)
    if mask is not None:
        if mask.dtype == np.bool_:
            scores = scores.masked_fill(Tensor._wrap(~mask.data, False), -np.inf)
        else:
            scores = scores + mask
    masked_rows = (scores.data == -np.inf).all(axis=-1, keepdims=True)
    if masked_rows.any():  # a query with no key left attends to nothing: 0, not 0/0 (PyTorch's safe softmax)
        masked_rows = Tensor._wrap(masked_rows, False)
        weights = ops.activation.softmax(scores.masked_fill(masked_rows, 0.0), axis=-1).masked_fill(masked_rows, 0.0)
    else:
        weights = ops.activation.softmax(scores, axis=-1)
    if dropout_p:
        weights = dropout(weights, dropout_p, training=True)
    return weights @ v


def self_attention_composite(qkv: Tensor, num_heads: int, causal: bool = False,
                             scale: float | None = None) -> Tensor:
    """Split qkv [B, T, 3d] into heads, attend, merge the heads back: [B, T, d]."""
    b, t, three_d = qkv.shape
    heads = qkv.reshape(b, t, 3, num_heads, three_d // (3 * num_heads)).transpose(2, 0, 3, 1, 4)
    o = attention_composite(heads[0], heads[1], heads[2], causal=causal, scale=scale)
    return o.transpose(0, 2, 1, 3).reshape(b, t, three_d // 3)


def embedding_composite(indices: Tensor, weight: Tensor) -> Tensor:
    """weight[indices] through the engine's indexing (whose backward scatter-adds)."""
    return weight[indices]


def bce_with_logits_composite(logits: Tensor, targets: Tensor, pos_weight: Tensor | None = None) -> Tensor:
    """Elementwise (1 - y) x + (1 + (w - 1) y) softplus(-x), softplus(-x) = log(1 + e^-x).

    softplus(-x) is formed from e^-|x| <= 1 on each side of 0, as log(1 + e^-x) for x >= 0
    and log(1 + e^x) - x for x < 0. Each branch is smooth and gets only its own side's
    values (the other side sees 0), so no exp overflows and derivatives of every order
    are right at x = 0 too.
    """
    positive = logits >= 0
    x_pos = ops.elementwise.where(positive, logits, 0.0)
    x_neg = ops.elementwise.where(positive, 0.0, logits)
    softplus_neg = ops.elementwise.where(positive, (1.0 + (-x_pos).exp()).log(), (1.0 + x_neg.exp()).log() - x_neg)
    weight = 1.0 if pos_weight is None else 1.0 + (pos_weight - 1.0) * targets
    return (1.0 - targets) * logits + weight * softplus_neg

