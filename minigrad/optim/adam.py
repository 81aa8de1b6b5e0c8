"""Adam and AdamW: adaptive per-coordinate step sizes from running moments of the gradient.

For each parameter p with gradient g, at step t = 1, 2, ... (counted per parameter):

    g = g + weight_decay * p                  Adam: L2 penalty folded into the gradient
    p = p * (1 - lr * weight_decay)           AdamW: decay decoupled from the gradient
    m = beta1 * m + (1 - beta1) * g           first moment (running mean)
    v = beta2 * v + (1 - beta2) * g * g       second moment (running uncentred variance)
    p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

The divisions by 1 - beta^t undo the bias of m and v towards their zero start. The arithmetic
is done in place by `kernels.adam_update` (NumPy on the CPU, one fused CuPy kernel on the
GPU), in the same order as torch.optim.Adam/AdamW, so both trace the same numbers.
"""

from __future__ import annotations

import kernels

from ..tensor import Tensor
from .optimizer import Optimizer


class Adam(Optimizer):
    """Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0): L2 decay added to the gradient.

    >>> opt = Adam(params, lr=3e-4)
    """

    decoupled = False  # AdamW sets True: decay the weights directly instead of through the gradient

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    def _check_hyperparameters(self, group: dict) -> None:
        super()._check_hyperparameters(group)
        name = type(self).__name__
        betas = group["betas"]
        if isinstance(betas, (list, tuple)):
            betas = group["betas"] = tuple(betas)
        if not isinstance(betas, tuple) or len(betas) != 2 or not all(0.0 <= b < 1.0 for b in betas):
            raise ValueError(f"{name}: invalid betas {betas}: expected two numbers in [0, 1)")
        if group["eps"] < 0:
            raise ValueError(f"{name}: invalid eps {group['eps']}: expected eps >= 0")
        if group["weight_decay"] < 0:
            raise ValueError(f"{name}: invalid weight_decay {group['weight_decay']}: expected weight_decay >= 0")

    def _update(self, param, grad, group, state) -> None:
        if not state:
            xp = param._xp  # state lives on the parameter's device
            state["step"] = 0
            state["exp_avg"] = Tensor._wrap(xp.zeros_like(param.data), False)
            state["exp_avg_sq"] = Tensor._wrap(xp.zeros_like(param.data), False)
        state["step"] += 1
        beta1, beta2 = group["betas"]
        kernels.adam_update(
            param.data, grad, state["exp_avg"].data, state["exp_avg_sq"].data,
            lr=group["lr"], beta1=beta1, beta2=beta2, eps=group["eps"], weight_decay=group["weight_decay"],
            step=state["step"], decoupled=self.decoupled,
        )


class AdamW(Adam):
    """AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2): decoupled weight decay
    (Loshchilov & Hutter), the usual choice for transformers."""

    decoupled = True

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
