"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay.

The rule, exactly as torch.optim.SGD applies it to each parameter p with gradient g:

    g = -g                                          (if maximize: climb instead of descend)
    g = g + weight_decay * p                        (L2 penalty, if weight_decay != 0)
    b = g                                           (first step: the buffer starts as the gradient)
    b = momentum * b + (1 - dampening) * g          (later steps)
    d = g + momentum * b   if nesterov  else  b     (if momentum != 0; else d = g)
    p = p - lr * d
"""

from __future__ import annotations

from ..tensor import Tensor
from ._update import check_nonnegative, gradient
from .optimizer import Optimizer


class SGD(Optimizer):
    """SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False).

    >>> opt = SGD([w, b], lr=0.1, momentum=0.9)
    >>> loss.backward(); opt.step(); opt.zero_grad()
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, *, maximize: bool = False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group: dict) -> None:
        super()._check_hyperparameters(group)
        check_nonnegative("SGD", group, "momentum", "weight_decay")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: Nesterov momentum needs momentum > 0 and dampening = 0, got momentum={group['momentum']}, "
                f"dampening={group['dampening']}"
            )

    def _update(self, param, grad, group, state) -> None:
        grad = gradient(param, grad, group)
        momentum = group["momentum"]
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
