"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay.

The rule, exactly as torch.optim.SGD applies it to each parameter p with gradient g:

    g = g + weight_decay * p                        (L2 penalty, if weight_decay != 0)
    b = g                                           (first step: the buffer starts as the gradient)
    b = momentum * b + (1 - dampening) * g          (later steps)
    d = g + momentum * b   if nesterov  else  b     (if momentum != 0; else d = g)
    p = p - lr * d
"""

from __future__ import annotations

from ..tensor import Tensor
from .optimizer import Optimizer, required


class SGD(Optimizer):
    """SGD(params, lr, momentum=0, dampening=0, weight_decay=0, nesterov=False).

    >>> opt = SGD([w, b], lr=0.1, momentum=0.9)
    >>> loss.backward(); opt.step(); opt.zero_grad()
    """

    def __init__(self, params, lr: float = required, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict) -> None:
        super()._check_hyperparameters(group)
        if group["momentum"] < 0:
            raise ValueError(f"SGD: invalid momentum {group['momentum']}: expected momentum >= 0")
        if group["weight_decay"] < 0:
            raise ValueError(f"SGD: invalid weight_decay {group['weight_decay']}: expected weight_decay >= 0")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: Nesterov momentum needs momentum > 0 and dampening = 0, got momentum={group['momentum']}, "
                f"dampening={group['dampening']}"
            )

    def _update(self, param, grad, group, state) -> None:
        weight_decay, momentum = group["weight_decay"], group["momentum"]
        if weight_decay != 0:
            grad = grad + weight_decay * param.data  # a new array: param.grad stays what backward made
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = Tensor._wrap(grad.copy(), False)
                state["momentum_buffer"] = buffer
            else:
                buffer.data *= momentum
                buffer.data += (1 - group["dampening"]) * grad
            grad = grad + momentum * buffer.data if group["nesterov"] else buffer.data
        param.data -= group["lr"] * grad
