"""NumPy references: the CPU implementation of every kernel and the oracle the others are
tested against. Each function is written once against the array module of its input (`xp`),
so the same code also runs on CuPy arrays as the GPU fallback.

Dtype rule: float32 in -> float32 out, float64 in -> float64 out; float16 is computed in
float32 and cast back. Inputs are assumed already validated by `kernels.checks`.
"""
from ._rows import column_sum
from .adam import adam_update
from .attention import attention_bwd, attention_fwd
from .cross_entropy import cross_entropy_bwd, cross_entropy_fwd
from .gelu import gelu_bwd, gelu_fwd
from .layer_norm import layer_norm_bwd, layer_norm_fwd
from .matmul import matmul
from .recurrent import gru_cell_bwd, gru_cell_fwd, lstm_cell_bwd, lstm_cell_fwd, rnn_cell_bwd, rnn_cell_fwd
from .softmax import log_softmax_bwd, log_softmax_fwd, softmax_bwd, softmax_fwd

__all__ = [
    "adam_update", "column_sum", "attention_bwd", "attention_fwd", "cross_entropy_bwd", "cross_entropy_fwd",
    "gelu_bwd", "gelu_fwd", "layer_norm_bwd", "layer_norm_fwd", "matmul",
    "log_softmax_bwd", "log_softmax_fwd", "softmax_bwd", "softmax_fwd",
    "gru_cell_bwd", "gru_cell_fwd", "lstm_cell_bwd", "lstm_cell_fwd", "rnn_cell_bwd", "rnn_cell_fwd",
]
