"""The pieces every update rule shares: checking hyperparameters, the gradient it steps along
(maximize and L2 weight decay), PyTorch's lerp, and fresh state arrays.

The rules in sgd.py, adam.py, adam_variants.py, rmsprop.py and adagrad.py are written against
the parameter's array namespace (`xp` = numpy or cupy), in place on `param.data` and on the
state arrays, in the same order of operations as torch.optim's single-tensor code, so the
same float64 inputs give the same numbers up to the last bits.
"""

from __future__ import annotations

from ..tensor import Tensor


def check_nonnegative(optimizer: str, group: dict, *keys: str) -> None:
    """Raise a ValueError naming the optimizer and the key for any of `keys` below zero."""
    for key in keys:
        if group[key] < 0:
            raise ValueError(f"{optimizer}: invalid {key} {group[key]}: expected {key} >= 0")


def check_betas(optimizer: str, group: dict) -> None:
    """betas must be two numbers in [0, 1); a list (from a JSON round trip) becomes a tuple."""
    betas = group["betas"]
    if isinstance(betas, list):
        betas = group["betas"] = tuple(betas)
    if not isinstance(betas, tuple) or len(betas) != 2 or not all(0.0 <= b < 1.0 for b in betas):
        raise ValueError(f"{optimizer}: invalid betas {betas}: expected two numbers in [0, 1)")


def gradient(param: Tensor, grad, group: dict, coupled_decay: bool = True):
    """The direction the rule descends: -grad when maximizing, plus weight_decay * param when
    the decay is an L2 penalty folded into the gradient (coupled_decay).

    Returns a new array whenever it differs from `grad`, so param.grad is never written.
    """
    if grad.dtype != param.dtype:
        grad = grad.astype(param.dtype)
    if group.get("maximize", False):
        grad = -grad
    if coupled_decay and group["weight_decay"] != 0:
        grad = grad + group["weight_decay"] * param.data
    return grad


def decay_weights(param: Tensor, group: dict) -> None:
    """Decoupled weight decay (AdamW's): param *= 1 - lr * weight_decay, before the step."""
    if group["weight_decay"] != 0:
        param.data *= 1 - group["lr"] * group["weight_decay"]


def lerp_(start, end, weight: float) -> None:
    """start += weight * (end - start), in place, evaluated as torch.lerp_ does:

        weight < 0.5:   start + weight * (end - start)
        otherwise:      end - (end - start) * (1 - weight)

    (the second form lands exactly on `end` at weight 1). The running means of Adam-like
    rules, m = beta m + (1 - beta) g, are this with weight = 1 - beta.
    """
    if abs(weight) < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1 - weight)


def zeros_state(param: Tensor, fill: float = 0.0) -> Tensor:
    """A state Tensor shaped like `param`, on its device and of its dtype, filled with `fill`."""
    xp = param._xp
    array = xp.zeros_like(param.data) if fill == 0 else xp.full_like(param.data, fill)
    return Tensor._wrap(array, False)
