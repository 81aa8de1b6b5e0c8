"""minigrad.nn.functional (import as F): layers and losses as plain functions of tensors.

    import minigrad.nn.functional as F
    loss = F.cross_entropy(logits, targets)            # logits [N, C], targets [N], as PyTorch
    y = F.scaled_dot_product_attention(q, k, v, is_causal=True)

These check their arguments (errors name the function, the shapes and the
dtypes), then call one fused op from fused.py where one covers the case, or the
composite of engine primitives from composite.py where none does (attention
with a mask or dropout, class weights). Semantics and arguments follow PyTorch's
functions of the same names.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..creation import tensor
from ..ops.activation import gelu, log_softmax, relu, sigmoid, softmax, tanh
from ..ops.activation import (celu, elu, glu, hardsigmoid, hardswish, hardtanh, leaky_relu, logsigmoid, mish, prelu,
                              relu6, selu, silu, softmin, softplus, softsign)
from ..ops.recurrent import gru_cell, lstm_cell, recurrence, rnn_relu_cell, rnn_tanh_cell
from ..random import uniform
from ..ops.elementwise import where
from ..ops.index import one_hot
from ..ops.movement import pad
from ..ops.shape import movedim
from ..tensor import Tensor
from . import composite
from .fused import (
    BinaryCrossEntropy,
    BinaryCrossEntropyWithLogits,
    EmbeddingLookup,
    FusedAttention,
    FusedCrossEntropy,
    FusedLayerNorm,
    FusedLinear,
    FusedSelfAttention,
)

__all__ = [
    "linear", "relu", "gelu", "tanh", "sigmoid", "softmax", "log_softmax", "dropout",
    "cross_entropy", "binary_cross_entropy_with_logits", "mse_loss", "layer_norm",
    "scaled_dot_product_attention", "self_attention", "embedding",
    "recurrence", "lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell",
]
__all__ += ["pad", "one_hot", "nll_loss", "binary_cross_entropy", "l1_loss", "smooth_l1_loss", "huber_loss",
            "kl_div"]

__all__ += [
    "silu", "leaky_relu", "elu", "selu", "celu", "softplus", "mish", "hardtanh", "relu6", "hardsigmoid", "hardswish",
    "logsigmoid", "softsign", "softmin", "glu", "prelu",
]

_REDUCTIONS = ("mean", "sum", "none")


def _describe(t) -> str:
    return f"{tuple(t.shape)} {t.dtype}" if hasattr(t, "shape") else type(t).__name__


def _check_float_tensor(op: str, name: str, t) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
    if t.dtype.kind != "f":
        raise TypeError(f"{op}: {name} must be floating-point, got {_describe(t)}")


def _as_index_tensor(op: str, name: str, indices, like: Tensor) -> Tensor:
    """Integer indices as a Tensor on `like`'s device; floats are refused with a clear error."""
    if not isinstance(indices, Tensor):
        indices = tensor(indices, device=like.device)
    if indices.dtype.kind not in "iu":
        raise TypeError(
            f"{op}: {name} must hold integer class/row indices (int64), got {_describe(indices)}"
        )
    if indices.device != like.device:
        raise RuntimeError(f"{op}: {name} is on {indices.device} but the input is on {like.device}")
    return indices


def _check_reduction(op: str, reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


# ---- layers --------------------------------------------------------------------------------


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x @ weight^T + bias for x [..., in], weight [out, in], bias [out]: one fused op."""
    _check_float_tensor("linear", "x", x)
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D [out_features, in_features], got {_describe(weight)}")
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear: input has shape {tuple(x.shape)} but the layer expects in_features={weight.shape[1]} "
            f"on the last axis (weight shape {tuple(weight.shape)})"
        )
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ValueError(f"linear: bias must have shape ({weight.shape[0]},), got {tuple(bias.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.dtype != x.dtype:
            raise TypeError(f"linear: input is {x.dtype} but {name} is {t.dtype}; convert one (e.g. model.to(dtype))")
    return FusedLinear.apply(x, weight, bias)


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Inverted dropout: zero each element with probability p and scale the rest by 1 / (1 - p).

    The expectation is unchanged, so nothing needs rescaling at evaluation time.
    Identity when p == 0 or not training; zeros when p == 1. The mask is drawn from
    minigrad's generator, on the device x lives on (mg.manual_seed makes it reproducible).
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    keep = uniform(x._xp, x.shape) >= p  # drawn where x lives
    mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    return x * Tensor._wrap(mask, False)


def layer_norm(x: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise over the last len(normalized_shape) axes (biased variance), then scale and shift.

        y = (x - mean) / sqrt(var + eps) * weight + bias

    One fused op (several trailing axes are flattened into one first).
    """
    _check_float_tensor("layer_norm", "x", x)
    shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or x.ndim < k or tuple(x.shape[x.ndim - k:]) != shape:
        raise ValueError(
            f"layer_norm: normalized_shape {shape} must match the last axes of the input, got input shape {tuple(x.shape)}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise ValueError(f"layer_norm: {name} must have shape {shape}, got {tuple(t.shape)}")
        if t is not None and t.dtype != x.dtype:
            raise TypeError(f"layer_norm: input is {x.dtype} but {name} is {t.dtype}")
    if k == 1:
        return FusedLayerNorm.apply(x, weight, bias, eps=float(eps))
    size = math.prod(shape)
    flat = FusedLayerNorm.apply(
        x.reshape(*x.shape[: x.ndim - k], size),
        None if weight is None else weight.reshape(size),
        None if bias is None else bias.reshape(size),
        eps=float(eps),
    )
    return flat.reshape(x.shape)


def embedding(indices, weight: Tensor) -> Tensor:
    """weight[indices]: rows of a [num_embeddings, dim] table; output indices.shape + (dim,).

    The gradient adds up over repeated indices. One fused op.
    """
    _check_float_tensor("embedding", "weight", weight)
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-D [num_embeddings, dim], got {_describe(weight)}")
    indices = _as_index_tensor("embedding", "indices", indices, weight)
    data = indices.data
    rows = weight.shape[0]
    outside = data < 0
    if np.iinfo(data.dtype).max >= rows:  # a narrower integer type cannot reach `rows`
        outside |= data >= rows
    if outside.any():  # one reduction (one device sync on the GPU); CuPy would wrap silently
        bad = int(data.reshape(-1)[int(outside.reshape(-1).argmax())])
        raise IndexError(
            f"embedding: index {bad} is out of range for a table of {rows} rows "
            f"(indices {_describe(indices)}, weight {_describe(weight)})"
        )
    return EmbeddingLookup.apply(weight, data)


# ---- attention -------------------------------------------------------------------------------


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask=None,
                                 dropout_p: float = 0.0, is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(query key^T * scale + mask) value, as PyTorch's F.scaled_dot_product_attention.

    query [..., L, E], key [..., S, E], value [..., S, Ev] -> [..., L, Ev]; batch dims
    broadcast. scale defaults to 1 / sqrt(E). attn_mask, broadcastable to [..., L, S]: a
    bool mask says which keys take part (True = attend, False = masked out), a float mask
    is added to the scores. is_causal=True: query i attends to keys j <= i, aligned at the
    top-left corner when L != S; it cannot be combined with attn_mask. dropout_p drops
    attention weights, always (the function knows no training mode: pass 0.0 to evaluate).
    enable_gqa=True lets key and value have fewer heads (axis -3) than query, each shared
    by a group of query heads (grouped-query attention).

    Without a mask and dropout this is one fused op (kernels.attention_fwd/bwd, the flash
    kernels on the GPU); otherwise the composite of matmul, masking, softmax and dropout.
    A row whose keys are all masked out gives NaN, as in PyTorch.
    """
    op = "scaled_dot_product_attention"
    q, k, v = query, key, value
    for name, t in (("query", q), ("key", k), ("value", v)):
        _check_float_tensor(op, name, t)
        if t.ndim < 2:
            raise ValueError(f"{op}: {name} must be at least 2-D [..., T, E], got {_describe(t)}")
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2] or not q.dtype == k.dtype == v.dtype:
        raise ValueError(
            f"{op}: expected query [..., L, E], key [..., S, E], value [..., S, Ev] of one dtype, "
            f"got query {_describe(q)}, key {_describe(k)}, value {_describe(v)}"
        )
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{op}: dropout_p must be in [0, 1], got {dropout_p}")
    if enable_gqa:
        k, v = _repeat_kv_heads(op, q, k), _repeat_kv_heads(op, q, v)
    try:
        batch = np.broadcast_shapes(tuple(q.shape[:-2]), tuple(k.shape[:-2]), tuple(v.shape[:-2]))
    except ValueError:
        raise ValueError(f"{op}: the batch dims of query {_describe(q)}, key {_describe(k)} and value "
                         f"{_describe(v)} do not broadcast (enable_gqa=True shares key/value heads)") from None
    mask = attn_mask
    if mask is not None:
        if is_causal:
            raise ValueError(f"{op}: give attn_mask or is_causal=True, not both (fold the causal mask into "
                             f"yours)")
        if not isinstance(mask, Tensor):
            mask = tensor(mask, device=q.device, dtype=np.bool_ if np.asarray(mask).dtype == np.bool_ else q.dtype)
        scores = tuple(batch) + (q.shape[-2], k.shape[-2])
        try:
            np.broadcast_shapes(tuple(mask.shape), scores)
        except ValueError:
            raise ValueError(f"{op}: attn_mask of shape {tuple(mask.shape)} does not broadcast to the "
                             f"scores' shape {scores}") from None
        if mask.dtype != np.bool_ and mask.dtype != q.dtype:
            raise TypeError(f"{op}: attn_mask must be bool (True = attend) or have the query's dtype "
                            f"({q.dtype}) to be added, got {mask.dtype}")
    same_batch = q.shape[:-2] == k.shape[:-2] == v.shape[:-2]
    if mask is None and dropout_p == 0.0 and same_batch:
        return FusedAttention.apply(q, k, v, causal=bool(is_causal), scale=scale)
    return composite.attention_composite(q, k, v, causal=bool(is_causal), mask=mask, scale=scale,
                                         dropout_p=dropout_p)


def _repeat_kv_heads(op: str, q: Tensor, kv: Tensor) -> Tensor:
    """[..., Hkv, S, E] -> [..., Hq, S, E], each key/value head repeated for Hq / Hkv query heads
    in a row (PyTorch's repeat_interleave on axis -3)."""
    if q.ndim < 3 or kv.ndim < 3 or q.shape[-3] % kv.shape[-3]:
        raise ValueError(f"{op}: enable_gqa needs [..., heads, T, E] tensors whose query heads are a multiple "
                         f"of the key/value heads, got query {_describe(q)} and {_describe(kv)}")
    groups = q.shape[-3] // kv.shape[-3]
    if groups == 1:
        return kv
    lead, heads = tuple(kv.shape[:-3]), kv.shape[-3]
    grouped = kv.unsqueeze(-3).expand(*lead, heads, groups, *kv.shape[-2:])
    return grouped.reshape(*lead, heads * groups, *kv.shape[-2:])


def self_attention(qkv: Tensor, num_heads: int, causal: bool = False, scale: float | None = None) -> Tensor:
    """Multi-head self-attention on a packed projection: qkv [B, T, 3d] -> [B, T, d].

    qkv holds q, k, v side by side on the last axis, each d = num_heads * head_dim wide
    (what one Linear(d, 3d) makes). The heads are split, attended and merged in one
    fused op; the split is a view (the NumPy kernels use it as is; the Triton kernels, which
    take [B*H, T, D] rows, copy it).
    """
    op = "self_attention"
    _check_float_tensor(op, "qkv", qkv)
    if qkv.ndim != 3 or qkv.shape[-1] % (3 * num_heads):
        raise ValueError(
            f"{op}: qkv must be [B, T, 3 * d] with d divisible by num_heads={num_heads}, got {_describe(qkv)}"
        )
    return FusedSelfAttention.apply(qkv, num_heads=num_heads, causal=bool(causal), scale=scale)


# ---- losses ------------------------------------------------------------------------------------


def _legacy_reduction(op: str, size_average, reduce, reduction: str) -> str:
    """PyTorch's deprecated size_average/reduce pair as a reduction (with PyTorch's warning)."""
    if size_average is None and reduce is None:
        _check_reduction(op, reduction)
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"{op}: size_average and reduce are deprecated, use reduction={reduction!r} instead", stacklevel=3)
    return reduction


def _class_weight(op: str, weight, input: Tensor, classes: int):
    """weight, if given, as a float tensor of one value per class on input's device."""
    if weight is None:
        return None
    if not isinstance(weight, Tensor):
        weight = tensor(weight, dtype=input.dtype, device=input.device)
    if tuple(weight.shape) != (classes,) or weight.dtype != input.dtype:
        raise ValueError(f"{op}: weight must hold one {input.dtype} value per class ({classes}), got {_describe(weight)}")
    return weight


def _check_targets(op: str, target: Tensor, classes: int, ignore_index: int) -> None:
    """Class indices in [0, classes), or ignore_index: an IndexError naming the first bad one."""
    data = target.data
    bad = ((data < 0) | (data >= classes)) & (data != ignore_index)
    if bool(bad.any()):
        value = int(data[bad].reshape(-1)[0])
        raise IndexError(f"{op}: target {value} is out of range for {classes} classes")


def _class_layout(op: str, input: Tensor, target: Tensor) -> None:
    """input [N, C, d1, ...] (or [C]) against class-index targets [N, d1, ...] (or 0-d)."""
    expected = tuple(input.shape[:1] + input.shape[2:]) if input.ndim >= 2 else ()
    if input.ndim == 0 or tuple(target.shape) != expected:
        raise ValueError(
            f"{op}: the classes are on dim 1 of the input ([N, C] or [N, C, d1, ...], or [C] unbatched), so "
            f"the class-index target must have shape {expected}; got input {_describe(input)} and target "
            f"{_describe(target)} (for logits [B, T, C] write {op}(logits.view(-1, C), targets.view(-1)))"
        )


def cross_entropy(input: Tensor, target, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy between logits and targets, as PyTorch's F.cross_entropy.

    Shapes: the classes are on dim 1. input [N, C] with class indices target [N], or
    [N, C, d1, ...] with target [N, d1, ...] (or [C] with a 0-d target). A language model's
    logits [B, T, C] go in as F.cross_entropy(logits.view(-1, C), targets.view(-1)).
    A float target of the input's shape holds class probabilities instead of indices.

    Per element, with p = softmax over the classes, s = label_smoothing and w = weight:
        loss = -(1 - s) w_t log p_t - (s / C) sum_j w_j log p_j      (class-index targets)
        loss = -sum_j w_j q_j log p_j,  q = (1 - s) target + s / C    (probability targets)
    Elements whose target is ignore_index get 0. "mean" divides the sum by the summed weight
    w_t of the elements not ignored (their count without weight; nan when all are ignored), or
    for probability targets by the number of elements; "sum" sums; "none" keeps [N, d1, ...].

    Class-index targets without weight run as one fused op (log-softmax, pick and reduction in
    one forward and backward; a class dim that is not last is moved there first); the others
    are composed of recorded ops (composite.py).
    """
    op = "cross_entropy"
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(op, size_average, reduce, reduction)
    _check_reduction(op, reduction)
    _check_float_tensor(op, "input", input)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be in [0, 1], got {label_smoothing}")
    if isinstance(target, Tensor) and target.dtype.kind == "f":
        if target.shape != input.shape or target.dtype != input.dtype:
            raise ValueError(f"{op}: a probability target must have the input's shape and dtype, got input "
                             f"{_describe(input)} and target {_describe(target)}")
        weight = _class_weight(op, weight, input, input.shape[1 if input.ndim > 1 else 0])
        return composite.cross_entropy_probabilities(input, target, weight, reduction, float(label_smoothing))
    target = _as_index_tensor(op, "target", target, input)
    _class_layout(op, input, target)
    if weight is None:
        logits = input if input.ndim <= 2 else movedim(input, 1, -1)  # the kernels want the classes last
        return FusedCrossEntropy.apply(logits, target.data, ignore_index=int(ignore_index),
                                       label_smoothing=float(label_smoothing), reduction=reduction)
    classes = input.shape[1 if input.ndim > 1 else 0]
    _check_targets(op, target, classes, ignore_index)
    return composite.cross_entropy_weighted(input, target, _class_weight(op, weight, input, classes),
                                            int(ignore_index), reduction, float(label_smoothing))


def nll_loss(input: Tensor, target, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood: -w_t input[n, t] for log-probabilities input [N, C] (or [N, C, d1, ...],
    or [C]) and class indices target [N] ([N, d1, ...], 0-d); what cross_entropy computes after its
    log_softmax. Reductions as cross_entropy's ("mean" divides by the summed weight w_t)."""
    op = "nll_loss"
    reduction = _legacy_reduction(op, size_average, reduce, reduction)
    _check_float_tensor(op, "input", input)
    target = _as_index_tensor(op, "target", target, input)
    _class_layout(op, input, target)
    class_axis = 1 if input.ndim > 1 else 0
    _check_targets(op, target, input.shape[class_axis], ignore_index)
    weight = _class_weight(op, weight, input, input.shape[class_axis])
    return composite.nll(movedim(input, class_axis, -1), target, weight, int(ignore_index), reduction)


def binary_cross_entropy(input: Tensor, target, weight=None, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """-w [y log x + (1 - y) log(1 - x)] for probabilities x in [0, 1] (after a sigmoid).

    As PyTorch, each log is clamped at -100, so x = 0 or 1 gives a large finite loss instead of
    inf. binary_cross_entropy_with_logits takes the logits instead, and is more accurate.
    """
    op = "binary_cross_entropy"
    reduction = _legacy_reduction(op, size_average, reduce, reduction)
    input, target = _loss_pair(op, input, target)
    if bool(((input.data < 0) | (input.data > 1)).any()):
        raise ValueError(f"{op}: the input must hold probabilities in [0, 1] (apply sigmoid first, or use "
                         f"binary_cross_entropy_with_logits); got values from {float(input.data.min())} to "
                         f"{float(input.data.max())}")
    loss = BinaryCrossEntropy.apply(input, target)
    return _reduce(loss if weight is None else loss * _elementwise_weight(op, weight, input), reduction)


def binary_cross_entropy_with_logits(input: Tensor, target, weight=None, size_average=None, reduce=None,
                                     reduction: str = "mean", pos_weight=None) -> Tensor:
    """-w [p y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))] computed stably from the logits x.

    targets y are floats in [0, 1] with the logits' shape; weight (broadcast to the logits)
    rescales each element; pos_weight p (broadcast over the last dim, one per class) weighs the
    positive term. Never forms sigmoid(x), so logits of +-100 give exact losses and gradients.
    """
    op = "binary_cross_entropy_with_logits"
    reduction = _legacy_reduction(op, size_average, reduce, reduction)
    input, target = _loss_pair(op, input, target)
    if pos_weight is not None:
        if not isinstance(pos_weight, Tensor):
            pos_weight = tensor(pos_weight, dtype=input.dtype, device=input.device)
        try:
            np.broadcast_shapes(tuple(pos_weight.shape), tuple(input.shape))
        except ValueError:
            raise ValueError(f"{op}: pos_weight {_describe(pos_weight)} does not broadcast to the logits "
                             f"{_describe(input)}") from None
    loss = BinaryCrossEntropyWithLogits.apply(input, target, pos_weight)
    return _reduce(loss if weight is None else loss * _elementwise_weight(op, weight, input), reduction)


def _loss_pair(op: str, input: Tensor, target) -> tuple:
    """input and target as float tensors of one shape (a silent broadcast of [N, 1] against [N]
    is a classic bug: PyTorch warns, minigrad refuses)."""
    _check_float_tensor(op, "input", input)
    if not isinstance(target, Tensor):
        target = tensor(target, dtype=input.dtype, device=input.device)
    _check_float_tensor(op, "target", target)
    if target.shape != input.shape:
        raise ValueError(f"{op}: input and target must have the same shape, got {_describe(input)} and "
                         f"{_describe(target)}")
    return input, target


def _elementwise_weight(op: str, weight, input: Tensor) -> Tensor:
    if not isinstance(weight, Tensor):
        weight = tensor(weight, dtype=input.dtype, device=input.device)
    try:
        np.broadcast_shapes(tuple(weight.shape), tuple(input.shape))
    except ValueError:
        raise ValueError(f"{op}: weight {_describe(weight)} does not broadcast to the input {_describe(input)}") from None
    return weight


def _weighted_reduce(op: str, loss: Tensor, weight, input: Tensor, reduction: str, mean_by_weight: bool) -> Tensor:
    """loss * weight (same shape as input, as PyTorch requires), reduced; "mean" divides by the summed
    weight (mse, l1) or by the element count (huber), as PyTorch does for each."""
    if weight is None:
        return _reduce(loss, reduction)
    if not isinstance(weight, Tensor):
        weight = tensor(weight, dtype=input.dtype, device=input.device)
    if weight.shape != input.shape:
        raise ValueError(f"{op}: weight must have the input's shape, got {_describe(weight)} and {_describe(input)}")
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def mse_loss(input: Tensor, target, size_average=None, reduce=None, reduction: str = "mean",
             weight=None) -> Tensor:
    """(input - target)**2, averaged ("mean"), summed ("sum") or not ("none"); with weight (the
    input's shape), each term is weighted and "mean" divides by the summed weight."""
    reduction = _legacy_reduction("mse_loss", size_average, reduce, reduction)
    input, target = _loss_pair("mse_loss", input, target)
    diff = input - target
    return _weighted_reduce("mse_loss", diff * diff, weight, input, reduction, mean_by_weight=True)


def l1_loss(input: Tensor, target, size_average=None, reduce=None, reduction: str = "mean",
            weight=None) -> Tensor:
    """|input - target|, reduced as mse_loss (its gradient at 0 is 0)."""
    reduction = _legacy_reduction("l1_loss", size_average, reduce, reduction)
    input, target = _loss_pair("l1_loss", input, target)
    return _weighted_reduce("l1_loss", (input - target).abs(), weight, input, reduction, mean_by_weight=True)


def smooth_l1_loss(input: Tensor, target, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta, for d = input - target (beta = 0: l1)."""
    reduction = _legacy_reduction("smooth_l1_loss", size_average, reduce, reduction)
    input, target = _loss_pair("smooth_l1_loss", input, target)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    d = input - target
    if beta == 0:
        return _reduce(d.abs(), reduction)
    size = d.abs()
    return _reduce(where(size < beta, d * d * (0.5 / beta), size - 0.5 * beta), reduction)


def huber_loss(input: Tensor, target, reduction: str = "mean", delta: float = 1.0, weight=None) -> Tensor:
    """0.5 d^2 where |d| <= delta, else delta (|d| - 0.5 delta): smooth_l1_loss times delta.
    With weight (the input's shape) each term is weighted and "mean" is the plain mean, as PyTorch."""
    _check_reduction("huber_loss", reduction)
    input, target = _loss_pair("huber_loss", input, target)
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    d = input - target
    size = d.abs()
    loss = where(size <= delta, d * d * 0.5, (size - 0.5 * delta) * delta)
    return _weighted_reduce("huber_loss", loss, weight, input, reduction, mean_by_weight=False)


def kl_div(input: Tensor, target, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """KL(target || q) terms for log-probabilities input = log q: target (log target - input),
    with 0 where target = 0; log_target=True takes target as log-probabilities too.

    reduction "batchmean" divides the sum by the batch size (input.shape[0]): the KL divergence of
    each row, averaged. "mean" divides by the number of elements, as PyTorch does (with its warning).
    """
    op = "kl_div"
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(op, size_average, reduce, reduction)
    elif reduction not in _REDUCTIONS + ("batchmean",):
        raise ValueError(f"{op}: reduction must be one of {_REDUCTIONS + ('batchmean',)}, got {reduction!r}")
    elif reduction == "mean":
        warnings.warn("kl_div: reduction='mean' divides the total by the number of elements, not the batch "
                      "size; 'batchmean' gives the KL divergence", stacklevel=2)
    input, target = _loss_pair(op, input, target)
    if log_target:
        loss = target.exp() * (target - input)
    else:  # target log target is 0 at target = 0 (its limit): log is taken of 1 there
        positive = target > 0
        loss = where(positive, target * where(positive, target, 1.0).log(), 0.0) - target * input
    if reduction == "batchmean":
        total = loss.sum()
        return total / input.shape[0] if input.ndim else total
    return _reduce(loss, reduction)
