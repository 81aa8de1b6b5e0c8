"""minigrad.nn.functional (import as F): layers and losses as plain functions of tensors.

    import minigrad.nn.functional as F
    loss = F.cross_entropy(logits, targets)            # logits [B, T, C], targets [B, T]
    y = F.scaled_dot_product_attention(q, k, v, causal=True)

These check their arguments (errors name the function, the shapes and the
dtypes), then call one fused op from fused.py where one covers the case, or the
composite of engine primitives from composite.py where none does (attention
with a mask or dropout). Semantics follow PyTorch's functions of the same names,
except that NumPy's `axis` replaces `dim`.
"""

from __future__ import annotations

import math

import numpy as np

from ..creation import tensor
from ..ops.activation import gelu, log_softmax, relu, sigmoid, softmax, tanh
from ..ops.index import one_hot
from ..ops.movement import pad
from ..random import uniform
from ..tensor import Tensor
from . import composite
from .fused import (
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
]
__all__ += ["pad", "one_hot"]

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


def scaled_dot_product_attention(q: Tensor, k: Tensor, v: Tensor, causal: bool = False, mask=None,
                                 scale: float | None = None, dropout_p: float = 0.0) -> Tensor:
    """softmax(q k^T * scale + mask) v for q [..., Tq, D], k [..., Tk, D], v [..., Tk, Dv].

    scale defaults to 1 / sqrt(D). causal: query i attends to keys j <= i, aligned at
    the top-left corner when Tq != Tk (PyTorch's convention). mask: a bool tensor
    (True = may attend) or a float tensor added to the scores, broadcastable to
    [..., Tq, Tk]; it cannot be combined with causal (as in PyTorch). dropout_p
    drops attention weights (always, like PyTorch's function: pass 0.0 at eval time).

    Without mask and dropout this is one fused op (kernels.attention_fwd/bwd); with
    them it is the composite of matmul, where, softmax and dropout.
    """
    op = "scaled_dot_product_attention"
    for name, t in (("q", q), ("k", k), ("v", v)):
        _check_float_tensor(op, name, t)
        if t.ndim < 2:
            raise ValueError(f"{op}: {name} must be at least 2-D [..., T, D], got {_describe(t)}")
    if q.shape[-1] != k.shape[-1] or k.shape[-2] != v.shape[-2] or not q.dtype == k.dtype == v.dtype:
        raise ValueError(
            f"{op}: expected q [..., Tq, D], k [..., Tk, D], v [..., Tk, Dv] of one dtype, "
            f"got q {_describe(q)}, k {_describe(k)}, v {_describe(v)}"
        )
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{op}: dropout_p must be in [0, 1], got {dropout_p}")
    if mask is not None:
        if causal:
            raise ValueError(f"{op}: give either causal=True or a mask, not both (fold the causal mask into yours)")
        if not isinstance(mask, Tensor):
            mask = tensor(mask, device=q.device, dtype=np.bool_ if np.asarray(mask).dtype == np.bool_ else q.dtype)
        try:
            np.broadcast_shapes(tuple(mask.shape), tuple(q.shape[:-1]) + (k.shape[-2],))
        except ValueError:
            raise ValueError(
                f"{op}: mask of shape {tuple(mask.shape)} does not broadcast to the scores' shape "
                f"{tuple(q.shape[:-1]) + (k.shape[-2],)}"
            ) from None
        if mask.dtype != np.bool_ and mask.dtype != q.dtype:
            raise TypeError(f"{op}: a float mask must have the dtype of q ({q.dtype}), got {mask.dtype}")
    same_batch = q.shape[:-2] == k.shape[:-2] == v.shape[:-2]
    if mask is None and dropout_p == 0.0 and same_batch:
        return FusedAttention.apply(q, k, v, causal=bool(causal), scale=scale)
    return composite.attention_composite(q, k, v, causal=causal, mask=mask, scale=scale, dropout_p=dropout_p)


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


def cross_entropy(logits: Tensor, targets, reduction: str = "mean", ignore_index: int = -100,
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy between logits and integer class targets, as PyTorch's F.cross_entropy.

    Shapes: the classes are on the LAST axis. logits [N, C] with targets [N], or,
    for sequence models, logits [B, T, C] with targets [B, T] (any [..., C] with
    targets [...]). This differs from PyTorch for inputs of more than 2 dims, where
    PyTorch wants the classes on axis 1 ([N, C, d1, ...]); here the GPT layout
    needs no transpose. targets must have shape logits.shape[:-1] and an integer dtype.

    Per row: loss = (1 - s)(-log p_t) + s * mean_j(-log p_j) with s = label_smoothing;
    rows whose target equals ignore_index get 0. reduction "mean" divides the sum
    by the number of rows that are not ignored (nan when all are), "sum" sums,
    "none" returns the per-row losses [...].

    One fused op: log-softmax, the pick and the reduction in one forward/backward.
    """
    op = "cross_entropy"
    _check_float_tensor(op, "logits", logits)
    targets = _as_index_tensor(op, "targets", targets, logits)
    _check_reduction(op, reduction)
    if logits.ndim == 0 or tuple(targets.shape) != tuple(logits.shape[:-1]):
        raise ValueError(
            f"{op}: targets must have shape logits.shape[:-1] (classes on the last axis); "
            f"got logits {_describe(logits)} and targets {_describe(targets)}"
        )
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be in [0, 1], got {label_smoothing}")
    return FusedCrossEntropy.apply(
        logits, targets.data, ignore_index=int(ignore_index), label_smoothing=float(label_smoothing),
        reduction=reduction,
    )


def binary_cross_entropy_with_logits(logits: Tensor, targets: Tensor, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """-[w y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))] computed stably from the logits x.

    targets y are floats in [0, 1] with the logits' shape; pos_weight (broadcast over
    the last axis, one per class) weighs the positive term. Never forms sigmoid(x),
    so logits of +-100 give exact losses and gradients.
    """
    op = "binary_cross_entropy_with_logits"
    _check_float_tensor(op, "logits", logits)
    if not isinstance(targets, Tensor):
        targets = tensor(targets, dtype=logits.dtype, device=logits.device)
    _check_float_tensor(op, "targets", targets)
    _check_reduction(op, reduction)
    if targets.shape != logits.shape:
        raise ValueError(
            f"{op}: targets must have the logits' shape, got logits {_describe(logits)} and targets {_describe(targets)}"
        )
    if pos_weight is not None:
        if not isinstance(pos_weight, Tensor):
            pos_weight = tensor(pos_weight, dtype=logits.dtype, device=logits.device)
        try:
            np.broadcast_shapes(tuple(pos_weight.shape), tuple(logits.shape))
        except ValueError:
            raise ValueError(f"{op}: pos_weight {_describe(pos_weight)} does not broadcast to the logits {_describe(logits)}") from None
    return _reduce(BinaryCrossEntropyWithLogits.apply(logits, targets, pos_weight), reduction)


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """(input - target)**2, averaged ("mean"), summed ("sum") or not ("none").

    The shapes must be equal: a silent broadcast of [N, 1] against [N] is a classic bug.
    """
    _check_float_tensor("mse_loss", "input", input)
    if not isinstance(target, Tensor):
        target = tensor(target, dtype=input.dtype, device=input.device)
    _check_reduction("mse_loss", reduction)
    if target.shape != input.shape:
        raise ValueError(
            f"mse_loss: input and target must have the same shape, got {_describe(input)} and {_describe(target)}"
        )
    diff = input - target
    return _reduce(diff * diff, reduction)
