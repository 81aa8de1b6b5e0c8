"""Input validation shared by every backend, so a bad call fails the same way everywhere,
with the op name, the shapes and the dtypes in the message."""
from __future__ import annotations

import numpy as np

from ._arrays import check_float, check_same_module, describe


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
    check_float(op, x=x)
    if x.ndim == 0:
        raise _fail(op, "input must have at least one dimension (the reduced last axis)", x=x)


def last_axis_bwd(op, y, dy):
    check_float(op, y=y, dy=dy)
    check_same_module(op, y=y, dy=dy)
    if y.ndim == 0:
        raise _fail(op, "input must have at least one dimension (the reduced last axis)", y=y)
    _same_shape(op, "y", y, dy=dy)


def cross_entropy(op, logits, targets, ignore_index, label_smoothing, lse=None, dlosses=None):
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
    if n:
        bad = (targets != ignore_index) & ((targets < 0) | (targets >= c))
        if bool(bad.any()):
            first = int(targets[bad][0])
            raise IndexError(f"{op}: target {first} is out of range for {c} classes "
                             f"(ignore_index={ignore_index}); {describe('targets', targets)}")


def layer_norm_fwd(x, weight, bias, eps):
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


def gelu(op, x, approximate, dy=None):
    check_float(op, x=x, dy=dy)
    check_same_module(op, x=x, dy=dy)
    if approximate not in ("none", "tanh"):
        raise ValueError(f"{op}: approximate must be 'none' or 'tanh', got {approximate!r}")
    _same_shape(op, "x", x, dy=dy)


def adam_update(param, grad, exp_avg, exp_avg_sq, step):
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
