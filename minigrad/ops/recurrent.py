"""Recurrent layers' loop over time as one op: LSTM, GRU and the plain RNN (tanh or relu).

A recurrent layer runs a cell over a sequence, each step feeding its state to the next:

    state_t = cell(x_t W_ih^T + b_ih,  h_{t-1} W_hh^T + b_hh,  state_{t-1})

The input's share of the gates, `gates_x` = x W_ih^T + b_ih, does not depend on the state,
so the layer computes it for all time steps with one matmul before the loop (F.linear on
[T, B, I]). `Recurrence` is the loop itself: per step one matmul h W_hh^T and one call
of the cell's fused elementwise kernel (kernels.lstm_cell_fwd / gru_cell_fwd /
rnn_cell_fwd, whose hand-derived backward sits beside it in kernels/reference/recurrent.py
and kernels/triton/recurrent.py). Its backward walks the steps in reverse, carrying the
state's gradient, and forms the weight gradient with one matmul over all steps:

    dW_hh = sum_t dgh_t^T h_{t-1},   db_hh = sum_t dgh_t,   dgates_x[t] = dgx_t,
    dstate_{t-1} = (direct path of the cell) + dgh_t W_hh

Why the whole loop is ONE graph node rather than one node per step: an op here has one
output, so a per-step op would have to take its step's slice gates_x[t] through indexing,
and each slice's backward returns a gradient of the whole [T, B, G] array for the engine
to add up: T^2 work, which at the small Penn Treebank model's shape (T = 35) costs more
than the layer itself. Inside one node each step still is one fused kernel call.

The state of an LSTM is packed as one array [h | c] of 2H columns (a cell has two outputs;
an op has one): the layer reads h and c back as views. GRU and RNN states are h [B, H].

Variable-length batches: `lengths` [B] stops each sequence's state after its length
(steps t >= lengths[b] keep the state unchanged: state_t = state_{t-1}, as if the step
were skipped; with reverse=True the padded steps come first and leave the initial state
alone). nn.LSTM & co. build it from a PackedSequence.

Each op has a composite twin made of engine primitives (`recurrence_composite`): the
oracle the fused op is tested against and what the engine differentiates for higher-order
gradients. The functions at the bottom (`recurrence`, and `lstm_cell`, `gru_cell`,
`rnn_tanh_cell`, `rnn_relu_cell` with the semantics of PyTorch's torch.lstm_cell & co.)
check their arguments and are what minigrad.nn.functional exports.
"""

from __future__ import annotations

import numpy as np

import kernels

from ..autograd import Function, xp_of
from ..tensor import Tensor
from .activation import relu, sigmoid, tanh
from .elementwise import where
from .linalg import matmul
from .shape import concatenate, stack

MODES = ("RNN_TANH", "RNN_RELU", "LSTM", "GRU")  # PyTorch's names for the four cells
GATE_BLOCKS = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}  # G = blocks * H


def state_size(mode: str, hidden_size: int) -> int:
    """Columns of the recurrent state: [h | c] for an LSTM (2H), h for the others (H)."""
    return 2 * hidden_size if mode == "LSTM" else hidden_size


def _step_order(length: int, reverse: bool) -> range:
    return range(length - 1, -1, -1) if reverse else range(length)


def _active_mask(xp, lengths, length: int):
    """[T, B, 1] bool: is step t inside sequence b? (None when every sequence is full length)."""
    if lengths is None:
        return None
    steps = np.arange(length)[:, None] < np.asarray(lengths)[None, :]
    return xp.asarray(steps[..., None])


# ---- the composite twin: the same loop in engine primitives -----------------------------------

def cell_composite(mode: str, gx: Tensor, gh: Tensor, state: Tensor) -> Tensor:
    """One step of `mode`'s cell from the gates' shares gx, gh [B, G] and the state [B, S],
    in differentiable primitives (the math of kernels/reference/recurrent.py)."""
    if mode == "LSTM":
        hidden = state.shape[-1] // 2
        gates = gx + gh
        i, f, g, o = (gates[:, k * hidden:(k + 1) * hidden] for k in range(4))
        c = sigmoid(f) * state[:, hidden:] + sigmoid(i) * tanh(g)
        return concatenate([sigmoid(o) * tanh(c), c], axis=1)
    if mode == "GRU":
        hidden = state.shape[-1]
        r = sigmoid(gx[:, :hidden] + gh[:, :hidden])
        z = sigmoid(gx[:, hidden:2 * hidden] + gh[:, hidden:2 * hidden])
        n = tanh(gx[:, 2 * hidden:] + r * gh[:, 2 * hidden:])
        return (1.0 - z) * n + z * state
    pre = gx + gh
    return tanh(pre) if mode == "RNN_TANH" else relu(pre)


def recurrence_composite(gates_x: Tensor, state: Tensor, weight_hh: Tensor, bias_hh: Tensor | None,
                         mode: str, reverse: bool, lengths) -> Tensor:
    """Recurrence's loop written with engine primitives: per step a matmul, the cell's
    composite and (for variable lengths) a where that keeps finished sequences' states."""
    hidden = weight_hh.shape[1]
    active = _active_mask(gates_x._xp, lengths, gates_x.shape[0])
    outputs = [None] * gates_x.shape[0]
    for t in _step_order(gates_x.shape[0], reverse):
        h = state[:, :hidden] if mode == "LSTM" else state
        gh = matmul(h, weight_hh.T)
        if bias_hh is not None:
            gh = gh + bias_hh
        new = cell_composite(mode, gates_x[t], gh, state)
        if active is not None:
            new = where(Tensor._wrap(active[t], False), new, state)
        outputs[t] = state = new
    return stack(outputs, axis=0)


# ---- the fused op ------------------------------------------------------------------------------

class Recurrence(Function):
    """states[t] = cell(gates_x[t], h_{t-1} W_hh^T + b_hh, state_{t-1}), t in order;  dgates_x[t] = dgx_t,  dW_hh = sum_t dgh_t^T h_{t-1},  db_hh = sum_t dgh_t

    dstate (the initial state's gradient) is the gradient carried back through every step.

    gates_x [T, B, G], state [B, S], weight_hh [G, H], bias_hh [G] or None -> states [T, B, S]
    (G = 4H, S = 2H packed [h | c] for LSTM; G = 3H, S = H for GRU; G = S = H for RNN).
    The cell's elementwise update and its backward are kernels (see the module docstring).
    """

    composite = staticmethod(recurrence_composite)

    def forward(self, gates_x, state, weight_hh, bias_hh, mode, reverse, lengths):
        xp = xp_of(gates_x)
        steps, batch, _ = gates_x.shape
        hidden = weight_hh.shape[1]
        self.mode, self.reverse = mode, reverse
        self.state, self.weight_hh = state, weight_hh
        self.active = _active_mask(xp, lengths, steps)
        weight_t = weight_hh.T  # BLAS reads the transpose without a copy
        out = xp.empty((steps, batch, state.shape[1]), dtype=gates_x.dtype)
        self.saved = [None] * steps  # the cell's activations, per step (non-differentiable)
        previous = state
        for t in _step_order(steps, reverse):
            gh = kernels.matmul(previous[:, :hidden] if mode == "LSTM" else previous, weight_t)
            if bias_hh is not None:
                gh += bias_hh
            if mode == "LSTM":
                new, self.saved[t] = kernels.lstm_cell_fwd(gates_x[t], gh, previous[:, hidden:])
            elif mode == "GRU":
                new, self.saved[t] = kernels.gru_cell_fwd(gates_x[t], gh, previous)
            else:
                new = kernels.rnn_cell_fwd(gates_x[t], gh, "tanh" if mode == "RNN_TANH" else "relu")
            if self.active is not None:
                new = xp.where(self.active[t], new, previous)
            out[t] = new
            previous = out[t]
        self.out = out
        return out

    def backward(self, g):
        xp = xp_of(g)
        mode, out, weight_hh, active = self.mode, self.out, self.weight_hh, self.active
        steps, batch, width = out.shape
        hidden = weight_hh.shape[1]
        dgates_x = xp.empty((steps, batch, weight_hh.shape[0]), dtype=g.dtype)
        dgates_h = dgates_x if mode != "GRU" else xp.empty_like(dgates_x)  # equal but for the GRU
        order = _step_order(steps, self.reverse)
        carry = xp.zeros((batch, width), dtype=g.dtype)  # d loss / d state_t from the steps after t
        for position in range(steps - 1, -1, -1):
            t = order[position]
            previous = self.state if position == 0 else out[order[position - 1]]
            d = g[t] + carry
            d_cell = d if active is None else d * active[t]
            if mode == "LSTM":
                dgates, dc = kernels.lstm_cell_bwd(d_cell[:, :hidden], d_cell[:, hidden:], previous[:, hidden:],
                                                   out[t][:, hidden:], self.saved[t])
                dgates_x[t] = dgates
                carry = xp.empty((batch, width), dtype=g.dtype)
                carry[:, :hidden] = kernels.matmul(dgates, weight_hh)
                carry[:, hidden:] = dc
            elif mode == "GRU":
                dgates_x[t], dgates_h[t], direct = kernels.gru_cell_bwd(d_cell, previous, self.saved[t])
                carry = direct + kernels.matmul(dgates_h[t], weight_hh)
            else:
                dgates_x[t] = kernels.rnn_cell_bwd(d_cell, out[t], "tanh" if mode == "RNN_TANH" else "relu")
                carry = kernels.matmul(dgates_x[t], weight_hh)
            if active is not None:  # finished sequences pass the gradient straight to the step before
                carry += d * ~active[t]
        need = self.needs_input_grad
        dweight = dbias = None
        if need[2] or need[3]:
            rows = dgates_h.reshape(steps * batch, -1)
            if need[2]:
                dweight = kernels.matmul(rows.T, self._previous_h(xp).reshape(steps * batch, hidden))
            if need[3]:
                dbias = kernels.column_sum(rows)
        return dgates_x, carry, dweight, dbias

    def _previous_h(self, xp):
        """[T, B, H]: the h each step read (its predecessor's output, or the initial state)."""
        hidden = self.weight_hh.shape[1]
        hs = self.out[..., :hidden]
        previous = xp.empty(hs.shape, dtype=hs.dtype)
        if self.reverse:
            previous[:-1] = hs[1:]
            previous[-1] = self.state[:, :hidden]
        else:
            previous[1:] = hs[:-1]
            previous[0] = self.state[:, :hidden]
        return previous


# ---- the functions minigrad.nn.functional exports ------------------------------------------------

def _describe(t) -> str:
    return f"{tuple(t.shape)} {t.dtype}" if hasattr(t, "shape") else type(t).__name__


def recurrence(gates_x: Tensor, state: Tensor, weight_hh: Tensor, bias_hh: Tensor | None = None,
               mode: str = "LSTM", reverse: bool = False, lengths=None) -> Tensor:
    """Run one recurrent layer (one direction) over a sequence: one fused op.

    gates_x [T, B, G] is the input's share of the gates (x W_ih^T + b_ih), state [B, S]
    the initial state (for an LSTM [h0 | c0], 2H columns), weight_hh [G, H], bias_hh [G]
    or None; mode is "LSTM", "GRU", "RNN_TANH" or "RNN_RELU" (gate order and math as
    PyTorch's). reverse=True runs from the last step to the first. lengths (B integers,
    0..T) stops each sequence after its length. Returns every step's state [T, B, S].

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> out = F.recurrence(mg.zeros(5, 2, 12), mg.zeros(2, 6), mg.zeros(12, 3), mode="LSTM")
    >>> out.shape                     # 5 steps of [h | c]
    (5, 2, 6)
    """
    op = "recurrence"
    if mode not in MODES:
        raise ValueError(f"{op}: mode must be one of {MODES}, got {mode!r}")
    for name, t in (("gates_x", gates_x), ("state", state), ("weight_hh", weight_hh), ("bias_hh", bias_hh)):
        if t is None and name == "bias_hh":
            continue
        if not isinstance(t, Tensor) or t.dtype.kind != "f":
            raise TypeError(f"{op}: {name} must be a floating-point Tensor, got {_describe(t)}")
        if t.dtype != gates_x.dtype:
            raise TypeError(f"{op}: every tensor must have gates_x's dtype {gates_x.dtype}, {name} is {t.dtype}")
    if weight_hh.ndim != 2:
        raise ValueError(f"{op}: weight_hh must be 2-D [G, H], got {_describe(weight_hh)}")
    gate_rows, hidden = weight_hh.shape
    blocks = GATE_BLOCKS[mode]
    if gate_rows != blocks * hidden:
        raise ValueError(f"{op}: a {mode} weight_hh must be [{blocks} * H, H], got {_describe(weight_hh)}")
    if gates_x.ndim != 3 or gates_x.shape[2] != gate_rows or gates_x.shape[0] == 0:
        raise ValueError(f"{op}: gates_x must be [T >= 1, B, {gate_rows}] (the input's share of the "
                         f"{blocks} gate blocks), got {_describe(gates_x)}")
    expected_state = (gates_x.shape[1], state_size(mode, hidden))
    if tuple(state.shape) != expected_state:
        raise ValueError(f"{op}: state must be [B, S] = {list(expected_state)} for a {mode} with H={hidden}"
                         f"{' (h and c side by side)' if mode == 'LSTM' else ''}, got {_describe(state)}")
    if bias_hh is not None and tuple(bias_hh.shape) != (gate_rows,):
        raise ValueError(f"{op}: bias_hh must be [{gate_rows}], got {_describe(bias_hh)}")
    devices = {t.device for t in (gates_x, state, weight_hh, bias_hh) if t is not None}
    if len(devices) > 1:
        raise RuntimeError(f"{op}: expected all tensors on one device, got {' and '.join(sorted(devices))}")
    if lengths is not None:
        lengths = np.asarray(lengths.numpy() if isinstance(lengths, Tensor) else lengths)
        if (lengths.shape != (gates_x.shape[1],) or lengths.dtype.kind not in "iu"
                or lengths.min(initial=0) < 0 or lengths.max(initial=0) > gates_x.shape[0]):
            raise ValueError(f"{op}: lengths must be {gates_x.shape[1]} integers in [0, {gates_x.shape[0]}] "
                             f"(one per sequence), got {lengths.tolist()}")
        if (lengths == gates_x.shape[0]).all():
            lengths = None  # every sequence is full length: no masking needed
    return Recurrence.apply(gates_x, state, weight_hh, bias_hh, mode=mode, reverse=bool(reverse), lengths=lengths)


def _cell(mode: str, op: str, input: Tensor, state: Tensor, w_ih: Tensor, w_hh: Tensor,
          b_ih: Tensor | None, b_hh: Tensor | None) -> Tensor:
    """One step through the fused op: gates_x = input W_ih^T + b_ih, then Recurrence with T = 1."""
    if not isinstance(input, Tensor) or input.ndim != 2 or w_ih.ndim != 2 or input.shape[1] != w_ih.shape[1]:
        raise ValueError(f"{op}: input must be [B, I] with I = weight_ih's columns; got input "
                         f"{_describe(input)}, weight_ih {_describe(w_ih)}")
    if w_ih.shape[0] != w_hh.shape[0] or (b_ih is not None and tuple(b_ih.shape) != (w_ih.shape[0],)):
        raise ValueError(f"{op}: weight_ih [G, I], weight_hh [G, H] and bias_ih [G] must agree on G; got "
                         f"{_describe(w_ih)}, {_describe(w_hh)}, {_describe(b_ih)}")
    gates_x = matmul(input, w_ih.T)
    if b_ih is not None:
        gates_x = gates_x + b_ih
    return recurrence(gates_x.unsqueeze(0), state, w_hh, b_hh, mode=mode)[0]


def lstm_cell(input: Tensor, hx, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
              b_hh: Tensor | None = None) -> tuple:
    """One LSTM step, as PyTorch's torch.lstm_cell: input [B, I], hx = (h [B, H], c [B, H]),
    w_ih [4H, I], w_hh [4H, H] (gates i, f, g, o) -> (h', c')."""
    h, c = hx
    if not isinstance(h, Tensor) or not isinstance(c, Tensor) or h.shape != c.shape:
        raise ValueError(f"lstm_cell: hx must be a pair (h, c) of Tensors of one shape [B, H], got "
                         f"{_describe(h)} and {_describe(c)}")
    hidden = w_hh.shape[1]
    new = _cell("LSTM", "lstm_cell", input, concatenate([h, c], axis=1), w_ih, w_hh, b_ih, b_hh)
    return new[:, :hidden], new[:, hidden:]


def gru_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
             b_hh: Tensor | None = None) -> Tensor:
    """One GRU step, as PyTorch's torch.gru_cell: input [B, I], hx [B, H], w_ih [3H, I],
    w_hh [3H, H] (gates r, z, n) -> h'."""
    return _cell("GRU", "gru_cell", input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_tanh_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                  b_hh: Tensor | None = None) -> Tensor:
    """h' = tanh(input W_ih^T + b_ih + hx W_hh^T + b_hh), as PyTorch's torch.rnn_tanh_cell."""
    return _cell("RNN_TANH", "rnn_tanh_cell", input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_relu_cell(input: Tensor, hx: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                  b_hh: Tensor | None = None) -> Tensor:
    """h' = relu(input W_ih^T + b_ih + hx W_hh^T + b_hh), as PyTorch's torch.rnn_relu_cell."""
    return _cell("RNN_RELU", "rnn_relu_cell", input, hx, w_ih, w_hh, b_ih, b_hh)
