"""kernels: the hot ops of minigrad as pure compute, array in, array out (no autograd).

Each op has one interface, implemented in NumPy (kernels.reference: the CPU path, the CuPy
fallback and the test oracle), in Triton (kernels/triton/) and in CuPy (kernels/cupy/) where
that is the better tool. The functions below validate their inputs, then run the
implementation `dispatch.chosen` picks for the input's device; see kernels.dispatch for
forcing a choice.

On the CPU these calls are the training hot path, many of them on small arrays, so each
function goes straight to kernels.reference when its input is a NumPy array and no choice is
forced anywhere (the registry's answer in that case), skipping the lookup in `_run`; the
checks likewise prove the common case with a few comparisons first.

    >>> import numpy as np, kernels
    >>> kernels.softmax_fwd(np.array([[0.0, 0.0]])).tolist()
    [[0.5, 0.5]]
    >>> kernels.chosen("softmax", np.zeros(3))
    'numpy'
"""
from __future__ import annotations

import numpy as _np

from . import checks
from . import reference as _reference
from ._arrays import Unsupported
from .dispatch import _forced
from .dispatch import available, chosen, forced, implementations, load_env, module_for, use

_ND = _np.ndarray

__all__ = [
    "available", "chosen", "forced", "implementations", "use", "Unsupported",
    "matmul", "softmax_fwd", "softmax_bwd", "log_softmax_fwd", "log_softmax_bwd",
    "cross_entropy_fwd", "cross_entropy_bwd", "layer_norm_fwd", "layer_norm_bwd",
    "attention_fwd", "attention_bwd", "gelu_fwd", "gelu_bwd", "adam_update", "column_sum", "erf", "erfc",
    "lstm_cell_fwd", "lstm_cell_bwd", "gru_cell_fwd", "gru_cell_bwd", "rnn_cell_fwd", "rnn_cell_bwd",
]


def _run(op: str, function: str, array, *args, **kwargs):
    """Call `function` of the implementation chosen for `op`; a GPU kernel that declines an
    input (Unsupported) hands it to the reference, unless the user forced that kernel."""
    module = module_for(op, array)
    try:
        return getattr(module, function)(*args, **kwargs)
    except Unsupported:
        if forced(op) is not None:
            raise
        from . import reference

        return getattr(reference, function)(*args, **kwargs)


def matmul(a, b):
    """c = a @ b with NumPy's matmul semantics (batched, broadcast leading dims)."""
    checks.matmul(a, b)
    if type(a) is _ND and not _forced:
        return _reference.matmul(a, b)
    return _run("matmul", "matmul", a, a, b)


def softmax_fwd(x):
    """Softmax over the last axis (numerically stable)."""
    checks.last_axis("softmax_fwd", x)
    if type(x) is _ND and not _forced:
        return _reference.softmax_fwd(x)
    return _run("softmax", "softmax_fwd", x, x)


def softmax_bwd(y, dy):
    """dx = y * (dy - sum(dy * y, -1, keepdims)), from the forward output y."""
    checks.last_axis_bwd("softmax_bwd", y, dy)
    if type(y) is _ND and not _forced:
        return _reference.softmax_bwd(y, dy)
    return _run("softmax", "softmax_bwd", y, y, dy)


def log_softmax_fwd(x):
    """log(softmax(x)) over the last axis, computed as x - max - log(sum(exp(x - max)))."""
    checks.last_axis("log_softmax_fwd", x)
    if type(x) is _ND and not _forced:
        return _reference.log_softmax_fwd(x)
    return _run("log_softmax", "log_softmax_fwd", x, x)


def log_softmax_bwd(y, dy):
    """dx = dy - exp(y) * sum(dy, -1, keepdims), from the forward output y."""
    checks.last_axis_bwd("log_softmax_bwd", y, dy)
    if type(y) is _ND and not _forced:
        return _reference.log_softmax_bwd(y, dy)
    return _run("log_softmax", "log_softmax_bwd", y, y, dy)


def cross_entropy_fwd(logits, targets, ignore_index: int = -100, label_smoothing: float = 0.0):
    """Per-row cross-entropy of logits [N, C] against int targets [N].

    Returns (losses [N], 0.0 on rows whose target is ignore_index; lse [N], the row
    logsumexp saved for the backward, float32 for float16/float32 logits, float64 for float64).
    """
    all_valid = checks.cross_entropy("cross_entropy_fwd", logits, targets, ignore_index,
                                     label_smoothing)
    if type(logits) is _ND and not _forced:
        return _reference.cross_entropy_fwd(logits, targets, ignore_index,
                                            float(label_smoothing), all_valid)
    return _run("cross_entropy", "cross_entropy_fwd", logits,
                logits, targets, ignore_index, float(label_smoothing))


def cross_entropy_bwd(logits, targets, lse, dlosses, ignore_index: int = -100,
                      label_smoothing: float = 0.0):
    """dlogits = (softmax(logits) - smoothed one-hot(targets)) * dlosses[:, None].

    On the GPU the targets are assumed to be the ones cross_entropy_fwd checked (an
    out-of-range target there gives a wrong gradient, not an error); see below."""
    # On the GPU the targets' range check costs a device sync, so only the forward makes it:
    # the backward kernel compares targets with column numbers and reads nothing at them.
    all_valid = checks.cross_entropy("cross_entropy_bwd", logits, targets, ignore_index,
                                     label_smoothing, lse=lse, dlosses=dlosses,
                                     check_range=type(logits) is _ND)
    if type(logits) is _ND and not _forced:
        return _reference.cross_entropy_bwd(logits, targets, lse, dlosses, ignore_index,
                                            float(label_smoothing), all_valid)
    return _run("cross_entropy", "cross_entropy_bwd", logits,
                logits, targets, lse, dlosses, ignore_index, float(label_smoothing))


def layer_norm_fwd(x, weight, bias, eps: float):
    """Layer norm over the last axis; returns (y, mean, rstd), mean/rstd of shape x.shape[:-1]."""
    checks.layer_norm_fwd(x, weight, bias, eps)
    if type(x) is _ND and not _forced:
        return _reference.layer_norm_fwd(x, weight, bias, float(eps))
    return _run("layer_norm", "layer_norm_fwd", x, x, weight, bias, float(eps))


def layer_norm_bwd(dy, x, weight, mean, rstd):
    """Returns (dx, dweight, dbias); dweight and dbias are None when weight is None."""
    checks.layer_norm_bwd(dy, x, weight, mean, rstd)
    if type(x) is _ND and not _forced:
        return _reference.layer_norm_bwd(dy, x, weight, mean, rstd)
    return _run("layer_norm", "layer_norm_bwd", x, dy, x, weight, mean, rstd)


def attention_fwd(q, k, v, causal: bool = False, scale: float | None = None):
    """softmax(scale * q k^T) v for q [B, H, Tq, D], k/v [B, H, Tk, D].

    causal: query i sees keys j <= i (top-left aligned, PyTorch's SDPA convention).
    Returns (o, lse [B, H, Tq]), lse in float32 (float64 for float64 inputs).
    """
    checks.attention("attention_fwd", q, k, v)
    if type(q) is _ND and not _forced:
        return _reference.attention_fwd(q, k, v, bool(causal), scale)
    return _run("attention", "attention_fwd", q, q, k, v, bool(causal), scale)


def attention_bwd(q, k, v, o, lse, do, causal: bool = False, scale: float | None = None):
    """Returns (dq, dk, dv), recomputing the attention weights from lse."""
    checks.attention("attention_bwd", q, k, v, o=o, lse=lse, do=do)
    if type(q) is _ND and not _forced:
        return _reference.attention_bwd(q, k, v, o, lse, do, bool(causal), scale)
    return _run("attention", "attention_bwd", q, q, k, v, o, lse, do, bool(causal), scale)


def gelu_fwd(x, approximate: str = "none"):
    """GELU: x * Phi(x) ("none", with erf) or PyTorch's tanh form ("tanh")."""
    checks.gelu("gelu_fwd", x, approximate)
    if type(x) is _ND and not _forced:
        return _reference.gelu_fwd(x, approximate)
    return _run("gelu", "gelu_fwd", x, x, approximate)


def gelu_bwd(x, dy, approximate: str = "none", y=None):
    """dx = dy * gelu'(x). y, the forward's output, is optional: the NumPy float32 path reads
    Phi(x) = y / x off it instead of evaluating erf again (the GPU kernels recompute)."""
    checks.gelu("gelu_bwd", x, approximate, dy=dy, y=y)
    if type(x) is _ND and not _forced:
        return _reference.gelu_bwd(x, dy, approximate, y)
    return _run("gelu", "gelu_bwd", x, x, dy, approximate, y)


def adam_update(param, grad, exp_avg, exp_avg_sq, *, lr: float, beta1: float, beta2: float,
                eps: float, weight_decay: float, step: int, decoupled: bool) -> None:
    """One Adam (decoupled=False) or AdamW (decoupled=True) step, in place on param,
    exp_avg and exp_avg_sq, with PyTorch's semantics; `step` counts from 1."""
    checks.adam_update(param, grad, exp_avg, exp_avg_sq, step)
    if type(param) is _ND and not _forced:
        _reference.adam_update(param, grad, exp_avg, exp_avg_sq, lr=float(lr),
                               beta1=float(beta1), beta2=float(beta2), eps=float(eps),
                               weight_decay=float(weight_decay), step=int(step),
                               decoupled=bool(decoupled))
        return
    _run("adam_update", "adam_update", param,
         param, grad, exp_avg, exp_avg_sq, lr=float(lr), beta1=float(beta1), beta2=float(beta2),
         eps=float(eps), weight_decay=float(weight_decay), step=int(step),
         decoupled=bool(decoupled))


def lstm_cell_fwd(gx, gh, c):
    """One LSTM step's elementwise update from the gates' two shares gx, gh [B, 4H]
    (i, f, g, o blocks) and the cell state c [B, H].

    Returns (state [B, 2H] = [h' | c'], gates [B, 4H] = the activated i, f, g, o, for the
    backward). See kernels/reference/recurrent.py for the math."""
    checks.recurrent_cell("lstm_cell_fwd", "lstm_cell", gx, gh, c)
    if type(gx) is _ND and not _forced:
        return _reference.lstm_cell_fwd(gx, gh, c)
    return _run("lstm_cell", "lstm_cell_fwd", gx, gx, gh, c)


def lstm_cell_bwd(dh, dc, c, c_new, gates):
    """From the gradients of h' and c' [B, H], the previous and new cell states and the saved
    gates: (dgates [B, 4H], the gradient of gx and of gh; dc [B, H], the previous cell
    state's)."""
    checks.recurrent_cell_bwd("lstm_cell_bwd", 4, gates, dh=dh, dc=dc, c=c, c_new=c_new)
    if type(gates) is _ND and not _forced:
        return _reference.lstm_cell_bwd(dh, dc, c, c_new, gates)
    return _run("lstm_cell", "lstm_cell_bwd", gates, dh, dc, c, c_new, gates)


def gru_cell_fwd(gx, gh, h):
    """One GRU step from the gates' shares gx, gh [B, 3H] (r, z, n blocks; gh includes b_hh)
    and the state h [B, H]. Returns (h' [B, H], saved [B, 4H] = [r, z, n, gh_n])."""
    checks.recurrent_cell("gru_cell_fwd", "gru_cell", gx, gh, h)
    if type(gx) is _ND and not _forced:
        return _reference.gru_cell_fwd(gx, gh, h)
    return _run("gru_cell", "gru_cell_fwd", gx, gx, gh, h)


def gru_cell_bwd(dh, h, saved):
    """From the gradient of h' [B, H], the previous state and the saved activations:
    (dgx [B, 3H], dgh [B, 3H], dh [B, H] through the update gate's direct path z h only)."""
    checks.recurrent_cell_bwd("gru_cell_bwd", 4, saved, dh=dh, h=h)
    if type(saved) is _ND and not _forced:
        return _reference.gru_cell_bwd(dh, h, saved)
    return _run("gru_cell", "gru_cell_bwd", saved, dh, h, saved)


def rnn_cell_fwd(gx, gh, nonlinearity: str = "tanh"):
    """One plain RNN step: h' = tanh(gx + gh) or relu(gx + gh), gx and gh [B, H]."""
    checks.recurrent_cell("rnn_cell_fwd", "rnn_cell", gx, gh, None)
    _check_nonlinearity("rnn_cell_fwd", nonlinearity)
    if type(gx) is _ND and not _forced:
        return _reference.rnn_cell_fwd(gx, gh, nonlinearity)
    return _run("rnn_cell", "rnn_cell_fwd", gx, gx, gh, nonlinearity)


def rnn_cell_bwd(dh, h_new, nonlinearity: str = "tanh"):
    """The pre-activation's gradient (of gx and of gh) from dh' and the step's output h'."""
    checks.recurrent_cell_bwd("rnn_cell_bwd", 0, None, dh=dh, h_new=h_new)
    _check_nonlinearity("rnn_cell_bwd", nonlinearity)
    if type(h_new) is _ND and not _forced:
        return _reference.rnn_cell_bwd(dh, h_new, nonlinearity)
    return _run("rnn_cell", "rnn_cell_bwd", h_new, dh, h_new, nonlinearity)


def _check_nonlinearity(op: str, nonlinearity: str) -> None:
    if nonlinearity != "tanh" and nonlinearity != "relu":
        raise ValueError(f"{op}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")


def column_sum(rows):
    """sum(rows, axis=0) of a 2-D array, e.g. a bias gradient. A helper rather than a
    dispatched op: on NumPy a gemv with a ones vector (2.5-4x faster than .sum(axis=0)),
    elsewhere the array library's own reduction."""
    return _reference.column_sum(rows)



def erf(x):
    """The error function, elementwise, in x's dtype. A helper rather than a dispatched op:
    NumPy has no erf (kernels.reference.erf: scipy's when installed, else fitted polynomials),
    CuPy's is cupyx.scipy.special.erf."""
    if isinstance(x, _np.ndarray) or _np.isscalar(x):
        from .reference.erf import erf as numpy_erf

        return numpy_erf(_np.asarray(x))
    from cupyx.scipy.special import erf as cupy_erf

    return cupy_erf(x)


def erfc(x):
    """The complementary error function 1 - erf(x), elementwise, in x's dtype, without the
    cancellation of 1 - erf(x) for large x: kernels.reference.erf.erfc on NumPy (scipy's when
    installed, else the fitted polynomials), cupyx.scipy.special.erfc on CuPy."""
    if isinstance(x, _np.ndarray) or _np.isscalar(x):
        from .reference.erf import erfc as numpy_erfc

        return numpy_erfc(_np.asarray(x))
    from cupyx.scipy.special import erfc as cupy_erfc

    return cupy_erfc(x)


load_env()
