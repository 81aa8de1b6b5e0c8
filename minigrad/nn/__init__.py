"""minigrad.nn: modules (layers with parameters), losses and the fused ops behind them.

    import minigrad.nn as nn
    import minigrad.nn.functional as F

    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))
    loss = F.mse_loss(model(x), y)

    module.py      Module, Parameter, ModuleList, ModuleDict, Sequential
    layers.py      Linear, LayerNorm, Embedding, Dropout
    activation.py  ReLU, GELU, Tanh, Sigmoid, SiLU, LeakyReLU, ELU, ..., Softmax, GLU, PReLU
    attention.py   MultiheadAttention (PyTorch's), CausalSelfAttention and TransformerBlock (minigrad's GPT parts)
    recurrent.py   RNN, LSTM, GRU, RNNCell, LSTMCell, GRUCell (PyTorch's signatures)
    transformer.py TransformerEncoderLayer, TransformerEncoder, TransformerDecoderLayer, ..., Transformer
    utils/rnn.py   PackedSequence, pack_padded_sequence, pad_packed_sequence, pad_sequence
    functional.py  F.linear, F.cross_entropy, F.layer_norm, F.scaled_dot_product_attention, ...
    loss.py        CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, MSELoss, L1Loss, ... (modules)
    init.py        nn.init: uniform_, normal_, xavier_*, kaiming_*, trunc_normal_, orthogonal_, ...
    fused.py       the fused ops (one graph node each, computed by `kernels`)
    composite.py   the same ops composed of engine primitives (the oracle, and the masked paths)
"""

from . import composite, functional, fused
from .attention import CausalSelfAttention, MultiheadAttention, TransformerBlock
from .layers import GELU, Dropout, Embedding, LayerNorm, Linear, ReLU, Sigmoid, Tanh
from .module import Module, ModuleDict, ModuleList, Parameter, Sequential
from .activation import (CELU, ELU, GLU, SELU, Hardsigmoid, Hardswish, Hardtanh, LeakyReLU, LogSigmoid, LogSoftmax,
                         Mish, PReLU, ReLU6, SiLU, Softmax, Softmin, Softplus, Softsign)
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss, MSELoss, NLLLoss,
                   SmoothL1Loss)
from . import init
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase
from .transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder,
                          TransformerEncoderLayer)
from . import utils

__all__ = [
    "Module", "Parameter", "ModuleList", "ModuleDict", "Sequential",
    "Linear", "LayerNorm", "Embedding", "Dropout", "ReLU", "GELU", "Tanh", "Sigmoid",
    "MultiheadAttention", "CausalSelfAttention", "TransformerBlock", "functional", "fused", "composite",
    "RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell", "utils",
    "TransformerEncoderLayer", "TransformerEncoder", "TransformerDecoderLayer", "TransformerDecoder", "Transformer",
]
__all__ += [
    "SiLU", "Mish", "LeakyReLU", "ELU", "CELU", "SELU", "Softplus", "Hardtanh", "ReLU6", "Hardsigmoid", "Hardswish",
    "LogSigmoid", "Softsign", "Softmax", "LogSoftmax", "Softmin", "GLU", "PReLU",
]
__all__ += ["CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss", "MSELoss", "L1Loss", "SmoothL1Loss",
            "HuberLoss", "KLDivLoss", "init"]
