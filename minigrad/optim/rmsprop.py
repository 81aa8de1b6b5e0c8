"""RMSprop: divide each coordinate's step by a running root-mean-square of its gradient.

torch.optim.RMSprop's rule for a parameter p with gradient g:

    g = -g                                   if maximize
    g = g + weight_decay * p                 L2 penalty, if weight_decay != 0
    s = alpha * s + (1 - alpha) * g * g      running mean of g^2 ("square_avg")
    a = alpha * a + (1 - alpha) * g          centered only: running mean of g ("grad_avg")
    r = sqrt(s - a * a) + eps                centered: an estimate of g's standard deviation
    r = sqrt(s) + eps                        otherwise
    b = momentum * b + g / r;  p = p - lr * b        if momentum > 0
    p = p - lr * g / r                               otherwise

eps is added outside the square root (Keras adds it inside: sqrt(s + eps)).
"""

from __future__ import annotations

from ._update import check_nonnegative, gradient, lerp_, zeros_state
from .optimizer import Optimizer


class RMSprop(Optimizer):
    """RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, *, maximize=False).

    >>> opt = RMSprop(model.parameters(), lr=1e-3, momentum=0.9)
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
                 momentum: float = 0.0, centered: bool = False, *, maximize: bool = False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, maximize=maximize))

    def _check_hyperparameters(self, group: dict) -> None:
        super()._check_hyperparameters(group)
        check_nonnegative("RMSprop", group, "alpha", "eps", "weight_decay", "momentum")

    def _update(self, param, grad, group, state) -> None:
        if not state:
            state.update(step=0, square_avg=zeros_state(param))
        if group["momentum"] > 0 and "momentum_buffer" not in state:
            state["momentum_buffer"] = zeros_state(param)
        if group["centered"] and "grad_avg" not in state:
            state["grad_avg"] = zeros_state(param)
        state["step"] += 1
        xp, alpha = param._xp, group["alpha"]
        grad = gradient(param, grad, group)
        square_avg = state["square_avg"].data
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"].data
            lerp_(grad_avg, grad, 1 - alpha)
            avg = xp.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = xp.sqrt(square_avg)
        avg = avg + group["eps"]
        if group["momentum"] > 0:
            buffer = state["momentum_buffer"].data
            buffer *= group["momentum"]
            buffer += grad / avg
            param.data -= group["lr"] * buffer
        else:
            param.data -= group["lr"] * (grad / avg)
