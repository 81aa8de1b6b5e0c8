"""Recurrent layers with PyTorch's signatures: RNN, LSTM, GRU and their single-step cells.

    lstm = nn.LSTM(input_size=10, hidden_size=20, num_layers=2, batch_first=True)
    output, (h_n, c_n) = lstm(x)           # x [B, T, 10] -> output [B, T, 20], h_n, c_n [2, B, 20]

Parameters are PyTorch's, by name, shape and gate order (weight_ih_l0 [G, I],
weight_hh_l0 [G, H], bias_ih_l0, bias_hh_l0, and "_reverse" for the backward direction
of a bidirectional layer; G = 4H with gates i, f, g, o for the LSTM, 3H with r, z, n
for the GRU), and so is the initialisation (uniform in +-1/sqrt(hidden_size)): a
PyTorch state_dict loads and gives PyTorch's numbers.

Each layer and direction is two ops: F.linear computes the input's share of the gates
for every time step at once ([T, B, I] @ W_ih^T, one BLAS call), then F.recurrence runs
the loop over time (one fused op; each step one matmul with W_hh and one fused cell
kernel: see minigrad/ops/recurrent.py). Layers are stacked; a bidirectional layer
concatenates both directions' outputs; `dropout` applies between layers in training.

Variable-length batches come as PyTorch's PackedSequence (minigrad.nn.utils.rnn): the
output is packed the same way, and h_n holds each sequence's state at its own last step.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import ops
from ..ops.recurrent import GATE_BLOCKS
from ..random import generator
from ..tensor import Tensor
from . import functional as F
from .layers import _parameter
from .module import Module
from .utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence


def _uniform_parameter(shape, hidden_size: int, device, dtype):
    bound = 1.0 / math.sqrt(hidden_size)
    return _parameter(generator().uniform(-bound, bound, size=shape), device, dtype)


def _check_sizes(name: str, **sizes) -> None:
    for key, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{name}: {key} should be an int, got {type(value).__name__}")
        if value <= 0:
            raise ValueError(f"{name}: {key} must be greater than zero, got {value}")


class RNNBase(Module):
    """What RNN, LSTM and GRU share: the parameters of every layer and direction, and the
    forward pass over them. mode is "LSTM", "GRU", "RNN_TANH" or "RNN_RELU" (PyTorch's names).

    forward(input, hx=None): input [T, B, input_size] ([B, T, input_size] with batch_first,
    [T, input_size] unbatched) or a PackedSequence; hx the initial states
    [num_layers * num_directions, B, hidden_size] (for the LSTM a pair (h_0, c_0)), zeros
    when None. Returns (output [T, B, num_directions * hidden_size], h_n) for RNN and GRU,
    (output, (h_n, c_n)) for the LSTM.
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None):
        super().__init__()
        name = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(mode, mode)
        _check_sizes(name, input_size=input_size, hidden_size=hidden_size, num_layers=num_layers)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout should be a number in [0, 1] (the probability of zeroing "
                             f"an element), got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{name}: dropout applies between recurrent layers, so dropout={dropout} has no "
                          f"effect with num_layers=1", UserWarning, stacklevel=3)
        for flag, value in (("bias", bias), ("batch_first", batch_first), ("bidirectional", bidirectional)):
            if not isinstance(value, bool):
                raise TypeError(f"{name}: {flag} should be a bool, got {type(value).__name__}")
        if proj_size:
            raise NotImplementedError(f"{name}: proj_size={proj_size} (an LSTM with projections) is not "
                                      f"supported by minigrad; use proj_size=0")
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, 0
        gate_size = GATE_BLOCKS[mode] * hidden_size
        directions = 2 if bidirectional else 1
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * directions
            for suffix in ("", "_reverse")[:directions]:
                shapes = {"weight_ih": (gate_size, layer_input), "weight_hh": (gate_size, hidden_size)}
                if bias:
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                for kind, shape in shapes.items():
                    setattr(self, f"{kind}_l{layer}{suffix}", _uniform_parameter(shape, hidden_size, device, dtype))

    @property
    def _name(self) -> str:
        return type(self).__name__

    def _layer_parameters(self, layer: int, suffix: str) -> tuple:
        get = lambda kind: getattr(self, f"{kind}_l{layer}{suffix}", None)  # noqa: E731
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")

    def flatten_parameters(self) -> None:
        """Nothing to do: PyTorch packs the weights into one buffer for cuDNN; minigrad keeps them apart."""

    def _initial_states(self, hx, batch: int, batched: bool, like: Tensor):
        """hx checked and turned into one [L * D, B, S] tensor (an LSTM's h and c side by side)."""
        directions = 2 if self.bidirectional else 1
        expected = (self.num_layers * directions, batch, self.hidden_size)
        if hx is None:
            width = 2 * self.hidden_size if self.mode == "LSTM" else self.hidden_size
            return Tensor._wrap(like._xp.zeros(expected[:2] + (width,), dtype=like.dtype), False)
        parts = hx if self.mode == "LSTM" else (hx,)
        if self.mode == "LSTM" and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise TypeError(f"{self._name}: hx must be a pair (h_0, c_0), got {type(hx).__name__}")
        shaped = []
        for name, h in zip(("h_0", "c_0") if self.mode == "LSTM" else ("hx",), parts):
            if not isinstance(h, Tensor):
                raise TypeError(f"{self._name}: {name} must be a Tensor, got {type(h).__name__}")
            if not batched:
                if h.ndim != 2:
                    raise ValueError(f"{self._name}: for an unbatched (2-D) input, {name} must be 2-D "
                                     f"[{expected[0]}, {expected[2]}], got {tuple(h.shape)}")
                h = h.unsqueeze(1)
            if tuple(h.shape) != expected:
                raise ValueError(f"{self._name}: expected {name} of shape {list(expected)} "
                                 f"(num_layers * num_directions, batch, hidden_size), got {list(h.shape)}")
            if h.dtype != like.dtype:
                raise TypeError(f"{self._name}: {name} is {h.dtype} but the input is {like.dtype}")
            shaped.append(h)
        return shaped[0] if len(shaped) == 1 else ops.shape.concatenate(shaped, axis=2)

    def forward(self, input, hx=None):
        packed = isinstance(input, PackedSequence)
        lengths = None
        if packed:
            x, lengths = pad_packed_sequence(input)
            lengths = lengths.numpy()
            batched = True
        else:
            if not isinstance(input, Tensor) or input.ndim not in (2, 3):
                shape = tuple(input.shape) if hasattr(input, "shape") else type(input).__name__
                raise ValueError(f"{self._name}: expected a 2-D (unbatched) or 3-D input, got {shape}")
            batched = input.ndim == 3
            x = input if batched else input.unsqueeze(1)
            if batched and self.batch_first:
                x = x.swapaxes(0, 1)
        weight = self.weight_ih_l0
        if x.shape[-1] != self.input_size:
            raise ValueError(f"{self._name}: the input's last axis has {x.shape[-1]} features but input_size is "
                             f"{self.input_size} (input shape {tuple(x.shape)}, time-major)")
        if x.dtype != weight.dtype:
            raise TypeError(f"{self._name}: input dtype {x.dtype} does not match the weights' {weight.dtype}: "
                            f"convert the input (x.to({weight.dtype})) or the model (model.to({x.dtype}))")
        if x.shape[0] == 0:
            raise ValueError(f"{self._name}: expected a sequence of at least one step, got input shape "
                             f"{tuple(x.shape)}")
        states = self._initial_states(hx, x.shape[1], batched, x)
        output, finals = self._run_layers(x, states, lengths)
        hidden = self.hidden_size
        finals = ops.shape.stack(finals, axis=0)  # [L * D, B, S]
        h_n = finals[..., :hidden] if self.mode == "LSTM" else finals
        if packed:
            output = pack_padded_sequence(output, lengths, enforce_sorted=input.sorted_indices is None)
        elif not batched:
            output = output.squeeze(1)
        elif self.batch_first:
            output = output.swapaxes(0, 1)
        if not batched:
            finals = finals.squeeze(1)
            h_n = h_n.squeeze(1)
        if self.mode == "LSTM":
            return output, (h_n, finals[..., hidden:])
        return output, h_n

    def _run_layers(self, x: Tensor, states: Tensor, lengths):
        """Every layer over the whole sequence; returns (last layer's output [T, B, D * H],
        each layer and direction's final state [B, S])."""
        directions = 2 if self.bidirectional else 1
        hidden, steps = self.hidden_size, x.shape[0]
        finals = []
        for layer in range(self.num_layers):
            outputs = []
            for direction, suffix in enumerate(("", "_reverse")[:directions]):
                w_ih, w_hh, b_ih, b_hh = self._layer_parameters(layer, suffix)
                gates_x = F.linear(x, w_ih, b_ih)  # [T, B, G]: the input's share for every step at once
                reverse = direction == 1
                out = F.recurrence(gates_x, states[layer * directions + direction], w_hh, b_hh,
                                   mode=self.mode, reverse=reverse, lengths=lengths)
                finals.append(out[0] if reverse else out[steps - 1])  # finished sequences carry their state
                outputs.append(out[..., :hidden] if self.mode == "LSTM" else out)
            x = outputs[0] if directions == 1 else ops.shape.concatenate(outputs, axis=2)
            if layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, self.training)
        return x, finals

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.mode == "RNN_RELU":
            text += ", nonlinearity='relu'"
        for flag, default in (("bias", True), ("batch_first", False), ("dropout", 0.0), ("bidirectional", False)):
            if getattr(self, flag) != default:
                text += f", {flag}={getattr(self, flag)}"
        return text


class RNN(RNNBase):
    """Elman RNN, PyTorch's nn.RNN:  h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)  (or relu).

    RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, batch_first=False,
    dropout=0.0, bidirectional=False); forward(input, hx=None) -> (output, h_n). See RNNBase.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, device=device, dtype=dtype)


class LSTM(RNNBase):
    """Long short-term memory, PyTorch's nn.LSTM. Per step, with gates i, f, g, o:

        i, f, o = sigmoid(x W_i?^T + b_i? + h W_h?^T + b_h?),  g = tanh(...)
        c_t = f c_{t-1} + i g,   h_t = o tanh(c_t)

    LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False); forward(input, (h_0, c_0)=None) -> (output, (h_n, c_n)). See RNNBase.
    (proj_size, PyTorch's projected LSTM, is not supported.)
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device=device, dtype=dtype)


class GRU(RNNBase):
    """Gated recurrent unit, PyTorch's nn.GRU. Per step, with gates r, z, n:

        r, z = sigmoid(x W_i?^T + b_i? + h W_h?^T + b_h?)
        n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)),   h_t = (1 - z) n + z h_{t-1}

    GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False); forward(input, hx=None) -> (output, h_n). See RNNBase.
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device=device, dtype=dtype)


# ---- single steps ------------------------------------------------------------------------------

class RNNCellBase(Module):
    """What the cells share: weight_ih [G, I], weight_hh [G, H], bias_ih, bias_hh [G], uniform in
    +-1/sqrt(hidden_size), and the checks of forward's input [B, I] (or [I]) and state [B, H] (or [H])."""

    _mode = "RNN_TANH"

    def __init__(self, input_size: int, hidden_size: int, bias: bool, device=None, dtype=None):
        super().__init__()
        _check_sizes(type(self).__name__, input_size=input_size, hidden_size=hidden_size)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        gate_size = GATE_BLOCKS[self._mode] * hidden_size
        self.weight_ih = _uniform_parameter((gate_size, input_size), hidden_size, device, dtype)
        self.weight_hh = _uniform_parameter((gate_size, hidden_size), hidden_size, device, dtype)
        self.bias_ih = _uniform_parameter((gate_size,), hidden_size, device, dtype) if bias else None
        self.bias_hh = _uniform_parameter((gate_size,), hidden_size, device, dtype) if bias else None

    def _batched(self, input, hx: tuple) -> tuple:
        """(input [B, I], states [B, H] each (zeros for None), was the input batched?)."""
        name = type(self).__name__
        if not isinstance(input, Tensor) or input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            shape = tuple(input.shape) if hasattr(input, "shape") else type(input).__name__
            raise ValueError(f"{name}: expected input [B, {self.input_size}] or [{self.input_size}], got {shape}")
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        states = []
        for h in hx:
            if h is None:
                h = Tensor._wrap(x._xp.zeros((x.shape[0], self.hidden_size), dtype=x.dtype), False)
            elif not batched:
                h = h.unsqueeze(0)
            if tuple(h.shape) != (x.shape[0], self.hidden_size):
                raise ValueError(f"{name}: expected a state of shape {[x.shape[0], self.hidden_size] if batched else [self.hidden_size]}"
                                 f", got {tuple(h.shape if batched else h.shape[1:])}")
            states.append(h)
        return x, states, batched

    def extra_repr(self) -> str:
        extra = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            extra += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            extra += f", nonlinearity={self.nonlinearity!r}"
        return extra


class RNNCell(RNNCellBase):
    """One Elman RNN step, PyTorch's nn.RNNCell: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu).

    forward(input [B, I] or [I], hx [B, H] or [H] = zeros) -> h'.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), batched = self._batched(input, (hx,))
        cell = F.rnn_tanh_cell if self.nonlinearity == "tanh" else F.rnn_relu_cell
        out = cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step, PyTorch's nn.LSTMCell (gates i, f, g, o; see LSTM).

    forward(input [B, I] or [I], hx = (h [B, H], c [B, H]) or None for zeros) -> (h', c').
    """

    _mode = "LSTM"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, device, dtype)

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple:
        if hx is not None and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            raise TypeError(f"LSTMCell: hx must be a pair (h, c), got {type(hx).__name__}")
        x, (h, c), batched = self._batched(input, (None, None) if hx is None else hx)
        h, c = F.lstm_cell(x, (h, c), self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step, PyTorch's nn.GRUCell (gates r, z, n; see GRU).

    forward(input [B, I] or [I], hx [B, H] or [H] = zeros) -> h'.
    """

    _mode = "GRU"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), batched = self._batched(input, (hx,))
        out = F.gru_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return out if batched else out.squeeze(0)
