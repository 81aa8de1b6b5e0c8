"""Attention layers: MultiheadAttention and the pre-norm TransformerBlock of a GPT.

Batch first: activations are [B, T, d_model]. The self-attention hot path is
one Linear(d, 3d) projection, one fused op that splits the heads as a view,
attends and merges them (F.self_attention), and the output Linear(d, d).
"""

from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor
from . import functional as F
from .layers import GELU, Dropout, LayerNorm, Linear, _parameter, _uniform
from .module import Module, Sequential


class MultiheadAttention(Module):
    """Multi-head scaled dot-product attention, batch first: [B, T, d_model] -> [B, T, d_model].

        attn(x) = concat_h softmax(q_h k_h^T / sqrt(d_head)) v_h  W_out^T + b_out,
        [q, k, v] = x W_in^T + b_in

    Call with one tensor for self-attention, or with (query, key, value) for
    cross-attention (key and value [B, Tk, d_model]). Returns the output tensor only
    (no attention weights). causal=True: position i attends to positions <= i.
    `mask` (optional, forward argument) follows F.scaled_dot_product_attention:
    bool True = may attend (the opposite of PyTorch's MultiheadAttention attn_mask)
    or a float mask added to the scores, broadcastable to [B, H, Tq, Tk].
    dropout drops attention weights in training mode.

    The parameter names and initialisation are PyTorch's (in_proj_weight [3d, d] with
    Xavier-uniform, in_proj_bias and out_proj.bias zero), so a PyTorch
    nn.MultiheadAttention state dict loads as it is.
    """

    def __init__(self, d_model: int, num_heads: int, causal: bool = False, bias: bool = True,
                 dropout: float = 0.0, device=None, dtype=None):
        super().__init__()
        if num_heads <= 0 or d_model % num_heads:
            raise ValueError(f"MultiheadAttention: d_model={d_model} must be divisible by num_heads={num_heads}")
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
        o = F.scaled_dot_product_attention(q, k, v, causal=self.causal, mask=mask, dropout_p=dropout_p)
        batch, t = query.shape[0], query.shape[1]
        return self.out_proj(o.transpose(0, 2, 1, 3).reshape(batch, t, d))

    def _heads(self, x: Tensor) -> Tensor:
        """[B, T, d] -> [B, H, T, d / H]."""
        batch, t, _ = x.shape
        return x.reshape(batch, t, self.num_heads, self.d_model // self.num_heads).transpose(0, 2, 1, 3)

    def _check_input(self, name: str, x) -> None:
        if not isinstance(x, Tensor) or x.ndim != 3 or x.shape[-1] != self.d_model:
            shape = tuple(x.shape) if hasattr(x, "shape") else type(x).__name__
            raise ValueError(
                f"MultiheadAttention: {name} must be [B, T, {self.d_model}] (batch first, d_model last), got {shape}"
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
        self.attn = MultiheadAttention(d_model, num_heads, causal=causal, dropout=dropout, **factory)
        self.ln2 = LayerNorm(d_model, **factory)
        hidden = int(mlp_ratio * d_model)
        self.mlp = Sequential(Linear(d_model, hidden, **factory), GELU(), Linear(hidden, d_model, **factory))
        self.dropout = Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.dropout(self.attn(self.ln1(x)))
        return x + self.dropout(self.mlp(self.ln2(x)))
