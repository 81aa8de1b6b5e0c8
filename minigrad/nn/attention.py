"""Attention layers: PyTorch's MultiheadAttention, and minigrad's own GPT parts,
CausalSelfAttention and the pre-norm TransformerBlock.

The self-attention hot path (CausalSelfAttention without a mask or dropout, and
MultiheadAttention when no mask, weights or dropout are asked for) is one Linear(d, 3d)
projection, one fused op that splits the heads as a view, attends and merges them
(F.self_attention), and the output Linear(d, d). Everything else goes through
F.scaled_dot_product_attention, whose fused kernel covers the unmasked case and whose
composite covers the rest.
"""

from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..random import generator
from ..tensor import Tensor
from . import functional as F
from .layers import GELU, Dropout, LayerNorm, Linear, _parameter, _uniform
from .module import Module, Parameter, Sequential


class CausalSelfAttention(Module):
    """minigrad's GPT attention (nanoGPT's name), batch first: [B, T, d_model] -> [B, T, d_model].

        attn(x) = concat_h softmax(q_h k_h^T / sqrt(d_head)) v_h  W_out^T + b_out,
        [q, k, v] = x W_in^T + b_in

    Call with one tensor for self-attention, or with (query, key, value) for
    cross-attention (key and value [B, Tk, d_model]). Returns the output tensor only
    (no attention weights). causal=True (the default): position i attends to positions
    <= i; causal=False makes it an encoder's self-attention. `mask` (optional, forward
    argument, not with causal=True) follows F.scaled_dot_product_attention's attn_mask:
    bool True = may attend (the opposite of nn.MultiheadAttention's attn_mask) or a float
    mask added to the scores, broadcastable to [B, H, Tq, Tk]. dropout drops attention
    weights in training mode.

    The parameter names and initialisation are those of PyTorch's nn.MultiheadAttention
    (in_proj_weight [3d, d] with Xavier-uniform, in_proj_bias and out_proj.bias zero), so its
    state dict loads as it is; the call is simpler (batch first, one output, no weights).
    """

    def __init__(self, d_model: int, num_heads: int, causal: bool = True, bias: bool = True,
                 dropout: float = 0.0, device=None, dtype=None):
        super().__init__()
        if num_heads <= 0 or d_model % num_heads:
            raise ValueError(f"CausalSelfAttention: d_model={d_model} must be divisible by num_heads={num_heads}")
        self.d_model, self.num_heads, self.causal, self.dropout = d_model, num_heads, causal, dropout
        xavier = math.sqrt(6.0 / (d_model + 3 * d_model))
        self.in_proj_weight = _uniform((3 * d_model, d_model), xavier, device, dtype)
        self.in_proj_bias = _parameter(np.zeros(3 * d_model), device, dtype) if bias else None
        self.out_proj = Linear(d_model, d_model, bias=bias, device=device, dtype=dtype)
        if bias:
            self.out_proj.bias.data[...] = 0

    def forward(self, query: Tensor, key: Tensor | None = None, value: Tensor | None = None, mask=None) -> Tensor:
        d, h = self.d_model, self.num_heads
        self._check_input("query", query)
        dropout_p = self.dropout if self.training else 0.0
        self_attention = (key is None or key is query) and (value is None or value is query)
        if self_attention and mask is None and dropout_p == 0.0:
            qkv = F.linear(query, self.in_proj_weight, self.in_proj_bias)
            return self.out_proj(F.self_attention(qkv, h, causal=self.causal))
        key = query if key is None else key
        value = key if value is None else value
        self._check_input("key", key)
        self._check_input("value", value)
        w, b = self.in_proj_weight, self.in_proj_bias
        part = [slice(0, d), slice(d, 2 * d), slice(2 * d, 3 * d)]
        q, k, v = (
            self._heads(F.linear(x, w[part[i]], None if b is None else b[part[i]]))
            for i, x in enumerate((query, key, value))
        )
        o = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout_p, is_causal=self.causal)
        batch, t = query.shape[0], query.shape[1]
        return self.out_proj(o.swapaxes(1, 2).reshape(batch, t, d))

    def _heads(self, x: Tensor) -> Tensor:
        """[B, T, d] -> [B, H, T, d / H]."""
        batch, t, _ = x.shape
        return x.reshape(batch, t, self.num_heads, self.d_model // self.num_heads).swapaxes(1, 2)

    def _check_input(self, name: str, x) -> None:
        if not isinstance(x, Tensor) or x.ndim != 3 or x.shape[-1] != self.d_model:
            shape = tuple(x.shape) if hasattr(x, "shape") else type(x).__name__
            raise ValueError(
                f"CausalSelfAttention: {name} must be [B, T, {self.d_model}] (batch first, d_model last), got {shape}"
            )

    def extra_repr(self) -> str:
        return f"d_model={self.d_model}, num_heads={self.num_heads}, causal={self.causal}, dropout={self.dropout}"


class TransformerBlock(Module):
    """One pre-norm transformer block (GPT-2 style):

        x = x + dropout(attn(ln1(x)))
        x = x + dropout(mlp(ln2(x))),   mlp = Linear(d, r d) -> GELU -> Linear(r d, d)

    Normalising before each sub-layer (rather than after the residual add) keeps
    the residual stream an identity path, which lets deep stacks train without warm-up
    tricks. dropout applies to the attention weights and to both residual branches.
    """

    def __init__(self, d_model: int, num_heads: int, mlp_ratio: int = 4, dropout: float = 0.0,
                 causal: bool = True, device=None, dtype=None):
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.ln1 = LayerNorm(d_model, **factory)
        self.attn = CausalSelfAttention(d_model, num_heads, causal=causal, dropout=dropout, **factory)
        self.ln2 = LayerNorm(d_model, **factory)
        hidden = int(mlp_ratio * d_model)
        self.mlp = Sequential(Linear(d_model, hidden, **factory), GELU(), Linear(hidden, d_model, **factory))
        self.dropout = Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.dropout(self.attn(self.ln1(x)))
        return x + self.dropout(self.mlp(self.ln2(x)))


class MultiheadAttention(Module):
    """PyTorch's nn.MultiheadAttention: same arguments, parameters, masks and return value.

        MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                           add_zero_attn=False, kdim=None, vdim=None, batch_first=False)
        attn_output, attn_weights = mha(query, key, value, key_padding_mask=None, need_weights=True,
                                        attn_mask=None, average_attn_weights=True, is_causal=False)

    query [L, B, E], key [S, B, kdim], value [S, B, vdim] ([B, L, E] ... with batch_first,
    [L, E] ... unbatched) -> attn_output like query, and attn_weights [B, L, S] averaged over
    heads ([B, num_heads, L, S] with average_attn_weights=False; None when need_weights=False).

    Masks, PyTorch's convention: a bool mask marks what may NOT be attended (True = masked
    out); a float mask is added to the scores. key_padding_mask [B, S] hides padding keys;
    attn_mask is [L, S] or [B * num_heads, L, S]. is_causal is a hint that attn_mask is the
    causal mask (it must still be given): without weights or a padding mask the causal
    kernel path is taken instead of reading the mask.

    Parameters: in_proj_weight [3E, E] (Xavier-uniform) and in_proj_bias [3E] (zeros), or
    q_proj_weight, k_proj_weight, v_proj_weight when kdim or vdim differ from E; out_proj
    (a Linear, bias zeroed); bias_k, bias_v [1, 1, E] with add_bias_kv. A PyTorch state
    dict loads as it is. dropout drops attention weights in training mode.
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device=None, dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"MultiheadAttention: embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads}")
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim={embed_dim} must be divisible by num_heads={num_heads}")
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = embed_dim, num_heads, dropout, batch_first
        self.head_dim = embed_dim // num_heads
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.add_zero_attn = add_zero_attn
        factory = {"device": device, "dtype": dtype}
        if self._qkv_same_embed_dim:
            self.in_proj_weight = _xavier_uniform((3 * embed_dim, embed_dim), **factory)
        else:
            self.in_proj_weight = None
            self.q_proj_weight = _xavier_uniform((embed_dim, embed_dim), **factory)
            self.k_proj_weight = _xavier_uniform((embed_dim, self.kdim), **factory)
            self.v_proj_weight = _xavier_uniform((embed_dim, self.vdim), **factory)
        self.in_proj_bias = _parameter(np.zeros(3 * embed_dim), device, dtype) if bias else None
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, **factory)
        if bias:
            self.out_proj.bias.data[...] = 0
        if add_bias_kv:  # Xavier-normal on [1, 1, E]: fan_in = fan_out = E
            std = math.sqrt(1.0 / embed_dim)
            self.bias_k = _parameter(generator().standard_normal((1, 1, embed_dim)) * std, device, dtype)
            self.bias_v = _parameter(generator().standard_normal((1, 1, embed_dim)) * std, device, dtype)
        else:
            self.bias_k = self.bias_v = None

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask=None,
                need_weights: bool = True, attn_mask=None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple:
        batched = self._check_shapes(query, key, value, key_padding_mask, attn_mask)
        q_in, k_in, v_in = self._batch_first(query, key, value, batched)
        batch, length, source = q_in.shape[0], q_in.shape[1], k_in.shape[1]
        padding = self._float_mask("key_padding_mask", key_padding_mask, q_in)
        if padding is not None:
            padding = padding.reshape(batch, 1, 1, source)  # unbatched [S] too
        if is_causal and attn_mask is None:
            raise ValueError("MultiheadAttention: is_causal=True is a hint that attn_mask is the causal mask, so "
                             "attn_mask must be given too (e.g. nn.Transformer.generate_square_subsequent_mask(L))")
        causal = is_causal and padding is None and not need_weights  # then the hint replaces the mask
        mask = None if causal else self._float_mask("attn_mask", attn_mask, q_in)
        if mask is not None:
            mask = mask.reshape(1, 1, length, source) if mask.ndim == 2 else mask.reshape(batch, self.num_heads,
                                                                                          length, source)
        dropout_p = self.dropout if self.training else 0.0
        simple = (query is key is value and self._qkv_same_embed_dim and self.bias_k is None
                  and not self.add_zero_attn and mask is None and padding is None)
        if simple and not need_weights and dropout_p == 0.0:
            qkv = F.linear(q_in, self.in_proj_weight, self.in_proj_bias)  # the packed fast path
            out, weights = self.out_proj(F.self_attention(qkv, self.num_heads, causal=causal)), None
        else:
            out, weights = self._attend(q_in, k_in, v_in, mask, padding, need_weights, dropout_p, causal)
        if not batched:
            out = out.squeeze(0)
        elif not self.batch_first:
            out = out.swapaxes(0, 1)
        if weights is not None:
            weights = weights.mean(axis=1) if average_attn_weights else weights
            weights = weights if batched else weights.squeeze(0)
        return out, weights

    def _attend(self, q_in, k_in, v_in, mask, padding, need_weights, dropout_p, causal):
        """The general path: project, add bias_k/v and zero keys, merge the masks, attend."""
        e, h = self.embed_dim, self.num_heads
        b = self.in_proj_bias
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            weights = (w[:e], w[e:2 * e], w[2 * e:])
        else:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        q, k, v = (F.linear(x, w, None if b is None else b[i * e:(i + 1) * e])
                   for i, (x, w) in enumerate(zip((q_in, k_in, v_in), weights)))
        batch = q.shape[0]
        if self.bias_k is not None:  # one more key and value, learned, that every query sees
            k = ops.shape.concatenate([k, self.bias_k.expand(batch, 1, e)], axis=1)
            v = ops.shape.concatenate([v, self.bias_v.expand(batch, 1, e)], axis=1)
            mask, padding = _pad_key_axis(mask), _pad_key_axis(padding)
        q, k, v = (x.reshape(batch, x.shape[1], h, self.head_dim).swapaxes(1, 2) for x in (q, k, v))
        if self.add_zero_attn:  # and one more whose key and value are zeros
            zeros = Tensor._wrap(q._xp.zeros((batch, h, 1, self.head_dim), dtype=q.dtype), False)
            k, v = ops.shape.concatenate([k, zeros], axis=2), ops.shape.concatenate([v, zeros], axis=2)
            mask, padding = _pad_key_axis(mask), _pad_key_axis(padding)
        if padding is not None:
            mask = padding if mask is None else mask + padding
        if need_weights:
            scores = (q * (1.0 / math.sqrt(self.head_dim))) @ k.swapaxes(-1, -2)
            if mask is not None:
                scores = scores + mask
            attention = F.softmax(scores, axis=-1)
            attention = F.dropout(attention, dropout_p, training=dropout_p > 0)
            o = attention @ v
        else:
            o, attention = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout_p,
                                                          is_causal=causal), None
        return self.out_proj(o.swapaxes(1, 2).reshape(batch, q.shape[2], e)), attention

    def _batch_first(self, query, key, value, batched: bool) -> tuple:
        """The inputs as [B, T, features] (views), keeping `query is key is value` true."""
        if not batched:
            convert = lambda x: x.unsqueeze(0)  # noqa: E731
        elif not self.batch_first:
            convert = lambda x: x.swapaxes(0, 1)  # noqa: E731
        else:
            return query, key, value
        q = convert(query)
        k = q if key is query else convert(key)
        v = k if value is key else convert(value)
        return q, k, v

    def _float_mask(self, name: str, mask, like: Tensor):
        """A bool mask (True = masked out) as 0 / -inf in the query's dtype; a float mask as is."""
        if mask is None:
            return None
        if not isinstance(mask, Tensor):
            mask = Tensor(mask, device=like.device)
        if mask.dtype == np.bool_:
            xp = mask._xp
            return Tensor._wrap(xp.where(mask.data, -np.inf, 0.0).astype(like.dtype), False)
        if mask.dtype != like.dtype:
            raise TypeError(f"MultiheadAttention: {name} must be bool or have the query's dtype {like.dtype} "
                            f"(it is added to the scores), got {mask.dtype}")
        return mask

    def _check_shapes(self, query, key, value, key_padding_mask, attn_mask) -> bool:
        """PyTorch's shape rules; returns whether the input is batched."""
        name = "MultiheadAttention"

        def shape(x):
            return tuple(x.shape) if hasattr(x, "shape") else type(x).__name__

        for arg, x in (("query", query), ("key", key), ("value", value)):
            if not isinstance(x, Tensor):
                raise TypeError(f"{name}: {arg} must be a Tensor, got {type(x).__name__}")
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise ValueError(f"{name}: query, key and value must all be 3-D (batched) or all 2-D (unbatched), "
                             f"got {shape(query)}, {shape(key)}, {shape(value)}")
        batched = query.ndim == 3
        for arg, x, size in (("query", query, self.embed_dim), ("key", key, self.kdim), ("value", value, self.vdim)):
            if x.shape[-1] != size:
                raise ValueError(f"{name}: {arg} must have {size} features on its last axis, got {shape(x)}")
        seq = 1 if batched and self.batch_first else 0
        if key.shape[:-1] != value.shape[:-1] or (batched and query.shape[1 - seq] != key.shape[1 - seq]):
            raise ValueError(f"{name}: key and value must share their batch and sequence sizes, and query its batch "
                             f"size (batch_first={self.batch_first}), got query {shape(query)}, key {shape(key)}, "
                             f"value {shape(value)}")
        b = query.shape[1 - seq] if batched else 1
        length, source = query.shape[seq], key.shape[seq]
        if key_padding_mask is not None:
            expected = (b, source) if batched else (source,)
            if tuple(getattr(key_padding_mask, "shape", ())) != expected:
                raise ValueError(f"{name}: key_padding_mask must have shape {list(expected)} (batch, source "
                                 f"length), got {shape(key_padding_mask)}")
        if attn_mask is not None:
            allowed = [(length, source), (b * self.num_heads, length, source)]
            if tuple(getattr(attn_mask, "shape", ())) not in allowed:
                raise ValueError(f"{name}: attn_mask must have shape {list(allowed[0])} or {list(allowed[1])} "
                                 f"(batch * num_heads, target length, source length), got {shape(attn_mask)}")
        return batched

    def extra_repr(self) -> str:
        text = f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.batch_first:
            text += ", batch_first=True"
        return text


def _xavier_uniform(shape, device, dtype) -> Parameter:
    """Xavier/Glorot uniform for a [fan_out, fan_in] matrix: bound sqrt(6 / (fan_in + fan_out))."""
    return _uniform(shape, math.sqrt(6.0 / (shape[0] + shape[1])), device, dtype)


def _pad_key_axis(mask):
    """A float mask with one more key column of 0 (attend), for an appended key."""
    if mask is None:
        return None
    extra = Tensor._wrap(mask._xp.zeros(tuple(mask.shape[:-1]) + (1,), dtype=mask.dtype), False)
    return ops.shape.concatenate([mask, extra], axis=-1)
