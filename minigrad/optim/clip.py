"""Gradient clipping: bound the size of one update when a batch produces a huge gradient.

clip_grad_norm_ treats all gradients as one long vector g, computes its p-norm

    ||g||_p = (sum_i |g_i|^p)^(1/p)          (max_i |g_i| for p = inf)

and, when it exceeds max_norm, scales every gradient by max_norm / (||g|| + 1e-6), so the
direction is kept and only the length shrinks (the 1e-6 avoids dividing by zero). This is
torch.nn.utils.clip_grad_norm_, computed in the gradients' own dtype as PyTorch does.
"""

from __future__ import annotations

import math

import numpy as np

from ..backend import to_device, xp_of
from ..tensor import Tensor
from .optimizer import params_with_grad


def _norm(array, norm_type: float):
    """The p-norm of one array, as a 0-d array of its dtype on its device."""
    xp = xp_of(array)
    magnitude = xp.abs(array)
    if math.isinf(norm_type):
        return magnitude.max() if array.size else xp.zeros((), array.dtype)
    if norm_type == 2.0:
        return xp.sqrt(xp.sum(magnitude * magnitude))
    return xp.sum(magnitude**norm_type) ** (1.0 / norm_type)


def clip_grad_norm_(params, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """Scale the gradients of `params` in place so their joint `norm_type`-norm is at most `max_norm`.

    Returns the total norm before clipping (a 0-d Tensor), handy to log.

    >>> loss.backward()
    >>> total = clip_grad_norm_(model.parameters(), max_norm=1.0)
    >>> opt.step()
    """
    norm_type = float(norm_type)
    if norm_type <= 0 and not math.isinf(norm_type):
        raise ValueError(f"clip_grad_norm_: norm_type must be positive or inf, got {norm_type}")
    grads = [p.grad.data for p in params_with_grad(params)]
    if not grads:
        return Tensor._wrap(np.zeros((), np.float32), False)
    dtype = np.result_type(*(g.dtype for g in grads))
    devices = {type(g) for g in grads}
    # One norm per gradient, then the norm of those norms: the same two-level sum PyTorch does.
    norms = [_norm(g, norm_type).astype(dtype) for g in grads]
    if len(devices) > 1:  # gradients on several devices: combine on the CPU
        norms = [to_device(n, "cpu") for n in norms]
    total = _norm(xp_of(*norms).stack(norms), norm_type)
    if error_if_nonfinite and not bool(xp_of(total).isfinite(total)):
        raise RuntimeError(
            f"clip_grad_norm_: the total {norm_type}-norm of the gradients is {float(total)}: the gradients hold "
            "NaN or Inf. Set error_if_nonfinite=False to clip anyway."
        )
    scale = xp_of(total).minimum(max_norm / (total + 1e-6), 1.0)  # stays in the gradients' dtype
    for g in grads:
        g *= scale.astype(g.dtype) if xp_of(g) is xp_of(scale) else to_device(scale, "cuda").astype(g.dtype)
    return Tensor._wrap(xp_of(total).asarray(total), False)


def clip_grad_value_(params, clip_value: float) -> None:
    """Clamp every gradient element of `params` into [-clip_value, clip_value], in place."""
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for p in params_with_grad(params):
        xp_of(p.grad.data).clip(p.grad.data, -clip_value, clip_value, out=p.grad.data)
