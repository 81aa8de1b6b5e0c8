"""PyTorch's transformer layers: TransformerEncoderLayer, TransformerEncoder,
TransformerDecoderLayer, TransformerDecoder and Transformer, with PyTorch's arguments,
parameter names, masks and defaults (post-norm, ReLU, dim_feedforward 2048, dropout 0.1,
sequence first unless batch_first=True).

An encoder layer, with norm_first=False (the original transformer) or True (pre-norm):

    x = norm1(x + dropout1(self_attn(x)));  x = norm2(x + dropout2(ff(x)))      post-norm
    x = x + dropout1(self_attn(norm1(x)));  x = x + dropout2(ff(norm2(x)))      pre-norm
    ff(x) = linear2(dropout(activation(linear1(x))))

A decoder layer adds cross-attention on the encoder's output (`memory`) between the two.
Masks follow nn.MultiheadAttention: bool True = masked out, float = added; src_mask /
tgt_mask [T, T] or [B * nhead, T, T], *_key_padding_mask [B, S]. A BERT-style encoder
passes its padding mask as src_key_padding_mask; a GPT-style one a causal src_mask
(generate_square_subsequent_mask) with is_causal=True.

minigrad's own pre-norm GPT block is nn.TransformerBlock (attention.py).
"""

from __future__ import annotations

import copy

import numpy as np

from ..tensor import Tensor
from . import functional as F
from .attention import MultiheadAttention
from .layers import Dropout, LayerNorm, Linear, _uniform
from .module import Module, ModuleList


def generate_square_subsequent_mask(sz: int, device=None, dtype=None) -> Tensor:
    """The causal mask as PyTorch's nn.Transformer.generate_square_subsequent_mask: [sz, sz],
    0 on and below the diagonal, -inf above it (position i may not attend to j > i)."""
    upper = np.triu(np.ones((sz, sz), dtype=bool), 1)
    return Tensor(np.where(upper, -np.inf, 0.0), dtype=dtype or "float32", device=device)


def _activation(name: str, activation):
    if isinstance(activation, str):
        if activation not in ("relu", "gelu"):
            raise ValueError(f"{name}: activation should be 'relu', 'gelu' or a callable, got {activation!r}")
        return F.relu if activation == "relu" else F.gelu
    if not callable(activation):
        raise TypeError(f"{name}: activation should be 'relu', 'gelu' or a callable, got {type(activation).__name__}")
    return activation


def _is_causal_mask(mask, size: int) -> bool:
    """Does `mask` equal generate_square_subsequent_mask(size)? (PyTorch's detection, used when
    TransformerEncoder/Decoder get is_causal=None.) Bool masks are compared as float masks."""
    if mask is None or tuple(mask.shape) != (size, size):
        return False
    data = mask.numpy()
    upper = np.triu(np.ones((size, size), dtype=bool), 1)
    if data.dtype == np.bool_:
        return bool((data == upper).all())
    return bool((data == np.where(upper, -np.inf, 0.0)).all())


class TransformerEncoderLayer(Module):
    """PyTorch's nn.TransformerEncoderLayer: self-attention and a feed-forward block (see the module).

        TransformerEncoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                                layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True)
        forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False) -> like src

    src [T, B, d_model] ([B, T, d_model] with batch_first, [T, d_model] unbatched).
    Parameters: self_attn.*, linear1.*, linear2.*, norm1.*, norm2.* (PyTorch's names).
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation="relu", layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device=None, dtype=None):
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                            **factory)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _activation(type(self).__name__, activation)

    def forward(self, src: Tensor, src_mask=None, src_key_padding_mask=None, is_causal: bool = False) -> Tensor:
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoderLayer(Module):
    """PyTorch's nn.TransformerDecoderLayer: self-attention, cross-attention on `memory`, feed-forward.

        TransformerDecoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                                layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True)
        forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False) -> like tgt

    Post-norm:  x = norm1(x + sa(x)),  x = norm2(x + mha(x, memory)),  x = norm3(x + ff(x))
    (pre-norm with norm_first=True). Parameters: self_attn.*, multihead_attn.*, linear1.*,
    linear2.*, norm1.*, norm2.*, norm3.* (PyTorch's names).
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation="relu", layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device=None, dtype=None):
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                            **factory)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                 batch_first=batch_first, **factory)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation(type(self).__name__, activation)

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal: bool = False, memory_is_causal: bool = False) -> Tensor:
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            return x + self._ff_block(self.norm3(x))
        x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
        return self.norm3(x + self._ff_block(x))

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, is_causal=is_causal,
                           need_weights=False)[0]
        return self.dropout1(x)

    def _mha_block(self, x, memory, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, memory, memory, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                is_causal=is_causal, need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


def _clones(layer: Module, n: int) -> ModuleList:
    return ModuleList([copy.deepcopy(layer) for _ in range(n)])


def _seq_len(x: Tensor, batch_first: bool) -> int:
    return x.shape[0] if x.ndim == 2 else x.shape[1 if batch_first else 0]


class TransformerEncoder(Module):
    """PyTorch's nn.TransformerEncoder: num_layers copies of encoder_layer (layers.0, layers.1, ...),
    then `norm` if given.

        forward(src, mask=None, src_key_padding_mask=None, is_causal=None) -> like src

    is_causal=None checks whether `mask` is the causal mask, as PyTorch does. (PyTorch's
    nested-tensor fast path, taken in inference with a padding mask, writes zeros at padded
    positions; minigrad computes those positions like the others. Real positions agree, and
    enable_nested_tensor / mask_check are accepted for compatibility.)
    """

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True):
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor, self.mask_check = enable_nested_tensor, mask_check

    def forward(self, src: Tensor, mask=None, src_key_padding_mask=None, is_causal: bool | None = None) -> Tensor:
        if is_causal is None:
            batch_first = self.layers[0].self_attn.batch_first if len(self.layers) else False
            is_causal = _is_causal_mask(mask, _seq_len(src, batch_first))
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, is_causal=is_causal, src_key_padding_mask=src_key_padding_mask)
        return x if self.norm is None else self.norm(x)


class TransformerDecoder(Module):
    """PyTorch's nn.TransformerDecoder: num_layers copies of decoder_layer, then `norm` if given.

        forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False) -> like tgt
    """

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int, norm: Module | None = None):
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        if tgt_is_causal is None:
            batch_first = self.layers[0].self_attn.batch_first if len(self.layers) else False
            tgt_is_causal = _is_causal_mask(tgt_mask, _seq_len(tgt, batch_first))
        x = tgt
        for layer in self.layers:
            x = layer(x, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                      tgt_key_padding_mask=tgt_key_padding_mask, memory_key_padding_mask=memory_key_padding_mask,
                      tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        return x if self.norm is None else self.norm(x)


class Transformer(Module):
    """PyTorch's nn.Transformer: an encoder and a decoder stack, each with a final LayerNorm.

        Transformer(d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048,
                    dropout=0.1, activation="relu", custom_encoder=None, custom_decoder=None,
                    layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True)
        forward(src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None,
                tgt_key_padding_mask=None, memory_key_padding_mask=None, src_is_causal=None,
                tgt_is_causal=None, memory_is_causal=False) -> like tgt

    Every parameter with more than one axis starts Xavier-uniform, as in PyTorch.
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6, num_decoder_layers: int = 6,
                 dim_feedforward: int = 2048, dropout: float = 0.1, activation="relu", custom_encoder=None,
                 custom_decoder=None, layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device=None, dtype=None):
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        settings = dict(dim_feedforward=dim_feedforward, dropout=dropout, activation=activation,
                        layer_norm_eps=layer_norm_eps, batch_first=batch_first, norm_first=norm_first, bias=bias,
                        **factory)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(TransformerEncoderLayer(d_model, nhead, **settings), num_encoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(TransformerDecoderLayer(d_model, nhead, **settings), num_decoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory))
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first
        for p in self.parameters():
            if p.ndim > 1:
                bound = np.sqrt(6.0 / (p.shape[0] + p.shape[1]))
                p.data[...] = _uniform(p.shape, bound, p.device, p.dtype).data

    def forward(self, src: Tensor, tgt: Tensor, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
                            memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device=None, dtype=None) -> Tensor:
        """[sz, sz] float mask, -inf above the diagonal: the causal mask (PyTorch's static method)."""
        return generate_square_subsequent_mask(sz, device=device, dtype=dtype)
