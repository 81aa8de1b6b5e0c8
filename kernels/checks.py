"""Input validation shared by every backend, so a bad call fails the same way everywhere,
with the op name, the shapes and the dtypes in the message.

These run on every kernel call, so each function opens with a fast path for the common
case (NumPy arrays, float dtypes, matching shapes) made of attribute reads and comparisons
only, ~0.2-0.5 us; anything it cannot prove valid falls through to the detailed checks,
which find the problem and build the message.
"""
from __future__ import annotations

import numpy as np

from ._arrays import check_float, check_same_module, describe

_ND = np.ndarray
_NUMERIC = "fiub"
# Same-width unsigned views of the integer target dtypes: viewed as unsigned, a negative
# target becomes huge, so one max() proves every target lies in [0, C).
_UNSIGNED = {np.dtype(t): np.dtype(t.replace("int", "uint"))
             for t in ("int8", "int16", "int32", "int64")}


def _float_nd(array) -> bool:
    """A NumPy array of a floating dtype (the fast paths' test; None is not)."""
    return type(array) is _ND and array.dtype.kind == "f"


def _fail(op, message, **arrays):
    listing = "; ".join(describe(n, a) for n, a in arrays.items() if a is not None)
    return ValueError(f"{op}: {message} (got {listing})")


def _same_shape(op, reference_name, reference, **others):
    for name, array in others.items():
        if array is not None and tuple(array.shape) != tuple(reference.shape):
            raise _fail(op, f"{name} must have the shape of {reference_name}",
                        **{reference_name: reference, name: array})


def _broadcast_batch(op, a, b):
    try:
        return np.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
    except ValueError:
        raise _fail(op, "leading (batch) dims do not broadcast", a=a, b=b) from None


def matmul(a, b):
    if type(a) is _ND and type(b) is _ND:
        na, nb = a.ndim, b.ndim
        if (na and nb and (na <= 2 or nb <= 2) and a.dtype.kind in _NUMERIC
                and b.dtype.kind in _NUMERIC and a.shape[-1] == b.shape[-2 if nb > 1 else 0]):
            return
    op = "matmul"
    for name, array in (("a", a), ("b", b)):
        if not hasattr(array, "shape") or not hasattr(array, "dtype"):
            raise TypeError(f"{op}: {name} must be a numpy or cupy array, "
                            f"got {type(array).__name__}")
        if np.dtype(array.dtype).kind not in "fiub":
            raise TypeError(f"{op}: {name} must be a numeric array, got {describe(name, array)}")
    check_same_module(op, a=a, b=b)
    if a.ndim == 0 or b.ndim == 0:
        raise _fail(op, "operands must have at least one dimension", a=a, b=b)
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        raise _fail(op, f"inner dimensions differ: a has {k_a} columns, b has {k_b} rows", a=a, b=b)
    if a.ndim > 2 and b.ndim > 2:
        _broadcast_batch(op, a, b)


def last_axis(op, x):
    if _float_nd(x) and x.ndim:
        return
    check_float(op, x=x)
    if x.ndim == 0:
        raise _fail(op, "input must have at least one dimension (the reduced last axis)", x=x)


def last_axis_bwd(op, y, dy):
    if _float_nd(y) and _float_nd(dy) and y.ndim and y.shape == dy.shape:
        return
    check_float(op, y=y, dy=dy)
    check_same_module(op, y=y, dy=dy)
    if y.ndim == 0:
        raise _fail(op, "input must have at least one dimension (the reduced last axis)", y=y)
    _same_shape(op, "y", y, dy=dy)


def cross_entropy(op, logits, targets, ignore_index, label_smoothing, lse=None,
                  dlosses=None, check_range=True) -> bool:
    """Validate; return True when every target is a class index (so no row is ignored),
    which the reference uses to skip its masking. False means: rows may be ignored.
    check_range=False skips looking at the targets' values (see cross_entropy_bwd)."""
    if (_float_nd(logits) and logits.ndim == 2 and type(targets) is _ND
            and targets.dtype.kind in "iu" and targets.shape == logits.shape[:1]
            and logits.shape[0] and isinstance(label_smoothing, (int, float))
            and 0.0 <= label_smoothing <= 1.0
            and (lse is None or (_float_nd(lse) and lse.shape == targets.shape))
            and (dlosses is None or (_float_nd(dlosses) and dlosses.shape == targets.shape))):
        c = logits.shape[1]
        unsigned = targets.dtype if targets.dtype.kind == "u" else _UNSIGNED.get(targets.dtype)
        if (unsigned is not None and not 0 <= ignore_index < c
                and targets.view(unsigned).max() < c):
            return True
    _cross_entropy_detailed(op, logits, targets, ignore_index, label_smoothing, lse, dlosses,
                            check_range)
    return False


def _cross_entropy_detailed(op, logits, targets, ignore_index, label_smoothing, lse, dlosses,
                            check_range):
    check_float(op, logits=logits, lse=lse, dlosses=dlosses)
    check_same_module(op, logits=logits, targets=targets, lse=lse, dlosses=dlosses)
    if logits.ndim != 2:
        raise _fail(op, "logits must be 2-D [N, C]", logits=logits)
    n, c = logits.shape
    if not hasattr(targets, "dtype") or np.dtype(targets.dtype).kind not in "iu":
        raise TypeError(f"{op}: targets must be an integer array of class indices, got "
                        f"{describe('targets', targets)}")
    if tuple(targets.shape) != (n,):
        raise _fail(op, f"targets must have shape [{n}] (one class index per row)",
                    logits=logits, targets=targets)
    for name, array in (("lse", lse), ("dlosses", dlosses)):
        if array is not None and tuple(array.shape) != (n,):
            raise _fail(op, f"{name} must have shape [{n}]", logits=logits, **{name: array})
    if not 0.0 <= float(label_smoothing) <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be in [0, 1], got {label_smoothing}")
    if n and check_range:
        bad = (targets != ignore_index) & ((targets < 0) | (targets >= c))
        if bool(bad.any()):
            first = int(targets[bad][0])
            raise IndexError(f"{op}: target {first} is out of range for {c} classes "
                             f"(ignore_index={ignore_index}); {describe('targets', targets)}")


def layer_norm_fwd(x, weight, bias, eps):
    if _float_nd(x) and x.ndim and eps >= 0:
        d = x.shape[-1:]
        if ((weight is None or (_float_nd(weight) and weight.shape == d))
                and (bias is None or (_float_nd(bias) and bias.shape == d))):
            return
    op = "layer_norm_fwd"
    check_float(op, x=x, weight=weight, bias=bias)
    check_same_module(op, x=x, weight=weight, bias=bias)
    if x.ndim == 0:
        raise _fail(op, "input must have at least one dimension (the normalised last axis)", x=x)
    d = x.shape[-1]
    for name, array in (("weight", weight), ("bias", bias)):
        if array is not None and tuple(array.shape) != (d,):
            raise _fail(op, f"{name} must have shape [{d}] (the last axis of x)",
                        x=x, **{name: array})
    if float(eps) < 0:
        raise ValueError(f"{op}: eps must be >= 0, got {eps}")


def layer_norm_bwd(dy, x, weight, mean, rstd):
    if (_float_nd(x) and _float_nd(dy) and _float_nd(mean) and _float_nd(rstd) and x.ndim
            and dy.shape == x.shape and mean.shape == x.shape[:-1] == rstd.shape
            and (weight is None or (_float_nd(weight) and weight.shape == x.shape[-1:]))):
        return
    op = "layer_norm_bwd"
    check_float(op, dy=dy, x=x, weight=weight, mean=mean, rstd=rstd)
    check_same_module(op, dy=dy, x=x, weight=weight, mean=mean, rstd=rstd)
    if x.ndim == 0:
        raise _fail(op, "input must have at least one dimension", x=x)
    _same_shape(op, "x", x, dy=dy)
    if weight is not None and tuple(weight.shape) != (x.shape[-1],):
        raise _fail(op, f"weight must have shape [{x.shape[-1]}]", x=x, weight=weight)
    for name, array in (("mean", mean), ("rstd", rstd)):
        if tuple(array.shape) != tuple(x.shape[:-1]):
            raise _fail(op, f"{name} must have shape x.shape[:-1] = {list(x.shape[:-1])}",
                        x=x, **{name: array})


def attention(op, q, k, v, o=None, lse=None, do=None):
    if _float_nd(q) and type(k) is _ND and type(v) is _ND and q.dtype is k.dtype is v.dtype:
        qs, ks, vs = q.shape, k.shape, v.shape
        if (q.ndim >= 2 and q.ndim == k.ndim == v.ndim and qs[:-2] == ks[:-2] == vs[:-2]
                and qs[-1] == ks[-1] and ks[-2] == vs[-2] and ks[-2]):
            out_shape = qs[:-1] + vs[-1:]
            if ((o is None or (_float_nd(o) and o.shape == out_shape))
                    and (do is None or (_float_nd(do) and do.shape == out_shape))
                    and (lse is None or (_float_nd(lse) and lse.shape == qs[:-1]))):
                return
    check_float(op, q=q, k=k, v=v, o=o, lse=lse, do=do)
    check_same_module(op, q=q, k=k, v=v, o=o, lse=lse, do=do)
    arrays = dict(q=q, k=k, v=v)
    if q.ndim < 2 or not q.ndim == k.ndim == v.ndim:
        raise _fail(op, "q, k, v must have the same rank, at least 2 ([B, H, T, D])", **arrays)
    if tuple(q.shape[:-2]) != tuple(k.shape[:-2]) or tuple(k.shape[:-2]) != tuple(v.shape[:-2]):
        raise _fail(op, "q, k, v must share their leading (batch, head) dims", **arrays)
    if q.shape[-1] != k.shape[-1]:
        raise _fail(op, f"head dims differ: q has D={q.shape[-1]}, k has D={k.shape[-1]}", **arrays)
    if k.shape[-2] != v.shape[-2]:
        raise _fail(op, f"k and v must have the same length (k has {k.shape[-2]}, "
                    f"v has {v.shape[-2]})", **arrays)
    if k.shape[-2] == 0:
        raise _fail(op, "attention needs at least one key (k and v have length 0)", **arrays)
    if not q.dtype == k.dtype == v.dtype:
        raise TypeError(f"{op}: q, k, v must share one dtype (got {q.dtype}, {k.dtype}, {v.dtype})")
    out_shape = tuple(q.shape[:-1]) + (v.shape[-1],)
    for name, array in (("o", o), ("do", do)):
        if array is not None and tuple(array.shape) != out_shape:
            raise _fail(op, f"{name} must have shape {list(out_shape)}", q=q, v=v, **{name: array})
    if lse is not None and tuple(lse.shape) != tuple(q.shape[:-1]):
        raise _fail(op, f"lse must have shape {list(q.shape[:-1])}", q=q, lse=lse)


def gelu(op, x, approximate, dy=None, y=None):
    if (_float_nd(x) and (approximate == "none" or approximate == "tanh")
            and (dy is None or (_float_nd(dy) and dy.shape == x.shape))
            and (y is None or (_float_nd(y) and y.shape == x.shape))):
        return
    check_float(op, x=x, dy=dy, y=y)
    check_same_module(op, x=x, dy=dy, y=y)
    if approximate not in ("none", "tanh"):
        raise ValueError(f"{op}: approximate must be 'none' or 'tanh', got {approximate!r}")
    _same_shape(op, "x", x, dy=dy, y=y)


def adam_update(param, grad, exp_avg, exp_avg_sq, step):
    if (_float_nd(param) and _float_nd(grad) and type(exp_avg) is _ND
            and type(exp_avg_sq) is _ND and exp_avg.dtype is param.dtype is exp_avg_sq.dtype
            and param.shape == grad.shape == exp_avg.shape == exp_avg_sq.shape and step >= 1
            and param.flags.writeable and exp_avg.flags.writeable
            and exp_avg_sq.flags.writeable):
        return
    op = "adam_update"
    check_float(op, param=param, grad=grad, exp_avg=exp_avg, exp_avg_sq=exp_avg_sq)
    check_same_module(op, param=param, grad=grad, exp_avg=exp_avg, exp_avg_sq=exp_avg_sq)
    _same_shape(op, "param", param, grad=grad, exp_avg=exp_avg, exp_avg_sq=exp_avg_sq)
    for name, array in (("param", param), ("exp_avg", exp_avg), ("exp_avg_sq", exp_avg_sq)):
        if array.dtype != param.dtype:
            raise TypeError(f"adam_update: {name} must have param's dtype {param.dtype}, "
                            f"got {array.dtype}")
        flags = getattr(array, "flags", None)
        if flags is not None and not getattr(flags, "writeable", True):
            raise ValueError(f"adam_update: {name} is read-only; the update is in place")
    if int(step) < 1:
        raise ValueError(f"adam_update: step counts from 1, got {step}")


_GATES = {"lstm_cell": 4, "gru_cell": 3, "rnn_cell": 1}  # gate blocks per cell


def recurrent_cell(op, cell, gx, gh, state, hidden=None):
    """gx, gh [B, k H] (k gate blocks of H columns) and a state [B, H]; floats, one device.
    `state` may be None (the plain RNN's forward takes none; then `hidden` gives H)."""
    k = _GATES[cell]
    if (_float_nd(gx) and _float_nd(gh) and gx.ndim == 2 and gx.shape == gh.shape
            and (state is None or (_float_nd(state) and state.shape == (gx.shape[0], gx.shape[1] // k)))
            and gx.shape[1] % k == 0):
        return
    check_float(op, gx=gx, gh=gh, state=state)
    check_same_module(op, gx=gx, gh=gh, state=state)
    if gx.ndim != 2 or tuple(gx.shape) != tuple(gh.shape):
        raise _fail(op, "gx and gh must be 2-D [B, G] of one shape", gx=gx, gh=gh)
    if gx.shape[1] % k:
        raise _fail(op, f"the gate axis must hold {k} blocks of H columns", gx=gx)
    h = gx.shape[1] // k
    if state is not None and tuple(state.shape) != (gx.shape[0], h):
        raise _fail(op, f"the state must be [B, H] = [{gx.shape[0]}, {h}] for {k} gate blocks of "
                    f"H = {h}", gx=gx, state=state)


def recurrent_cell_bwd(op, saved_blocks, saved, **hidden):
    """The [B, H] arrays in `hidden` share one shape; `saved` (the forward's saved activations,
    None for the plain RNN) is [B, saved_blocks * H]; all float, on one device."""
    first = next(iter(hidden.values()))
    if (_float_nd(first) and first.ndim == 2 and all(_float_nd(a) and a.shape == first.shape
                                                     for a in hidden.values())
            and (saved is None or (_float_nd(saved)
                                   and saved.shape == (first.shape[0], saved_blocks * first.shape[1])))):
        return
    check_float(op, saved=saved, **hidden)
    check_same_module(op, saved=saved, **hidden)
    if first.ndim != 2:
        raise _fail(op, "expected 2-D [B, H] arrays", **hidden)
    for name, array in hidden.items():
        if tuple(array.shape) != tuple(first.shape):
            raise _fail(op, f"{name} must be [B, H] = {list(first.shape)}", **hidden)
    if saved is not None and tuple(saved.shape) != (first.shape[0], saved_blocks * first.shape[1]):
        raise _fail(op, f"the saved activations must be [B, {saved_blocks} H] = "
                    f"[{first.shape[0]}, {saved_blocks * first.shape[1]}]", saved=saved, **hidden)
