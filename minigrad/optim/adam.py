"""Adam and AdamW: adaptive per-coordinate step sizes from running moments of the gradient.

For each parameter p with gradient g, at step t = 1, 2, ... (counted per parameter):

    g = -g                                    if maximize
    g = g + weight_decay * p                  Adam: L2 penalty folded into the gradient
    p = p * (1 - lr * weight_decay)           AdamW (or Adam(decoupled_weight_decay=True)): decay
                                              decoupled from the gradient
    m = beta1 * m + (1 - beta1) * g           first moment (running mean)
    v = beta2 * v + (1 - beta2) * g * g       second moment (running uncentred variance)
    v_max = max(v_max, v)                     amsgrad: divide by the largest v seen so far
    p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

The divisions by 1 - beta^t undo the bias of m and v towards their zero start. Without
amsgrad the arithmetic is done in place by `kernels.adam_update` (NumPy on the CPU, one fused
CuPy kernel on the GPU); amsgrad's extra running maximum is plain array code here. Both follow
torch.optim.Adam/AdamW's order of operations, so both trace the same numbers.
"""

from __future__ import annotations

import math

import kernels

from ._update import check_betas, check_nonnegative, decay_weights, gradient, lerp_, zeros_state
from .optimizer import Optimizer


class Adam(Optimizer):
    """Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
    maximize=False, decoupled_weight_decay=False): L2 decay added to the gradient unless
    decoupled_weight_decay (then it is AdamW).

    >>> opt = Adam(params, lr=3e-4)
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, decoupled_weight_decay=decoupled_weight_decay))

    def _check_hyperparameters(self, group: dict) -> None:
        super()._check_hyperparameters(group)
        name = type(self).__name__
        check_betas(name, group)
        check_nonnegative(name, group, "eps", "weight_decay")

    def _update(self, param, grad, group, state) -> None:
        if not state:
            state["step"] = 0
            state["exp_avg"] = zeros_state(param)  # state lives on the parameter's device
            state["exp_avg_sq"] = zeros_state(param)
        if group["amsgrad"] and "max_exp_avg_sq" not in state:
            state["max_exp_avg_sq"] = zeros_state(param)
        state["step"] += 1
        beta1, beta2 = group["betas"]
        decoupled = group["decoupled_weight_decay"]
        if group["maximize"]:
            grad = -grad
        if not group["amsgrad"]:
            kernels.adam_update(
                param.data, grad, state["exp_avg"].data, state["exp_avg_sq"].data,
                lr=group["lr"], beta1=beta1, beta2=beta2, eps=group["eps"], weight_decay=group["weight_decay"],
                step=state["step"], decoupled=decoupled,
            )
            return
        # amsgrad: the same update with the running maximum of v in the denominator
        xp = param._xp
        grad = gradient(param, grad, {**group, "maximize": False}, coupled_decay=not decoupled)
        if decoupled:
            decay_weights(param, group)
        exp_avg, exp_avg_sq, max_exp_avg_sq = (state[k].data for k in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"))
        lerp_(exp_avg, grad, 1 - beta1)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        xp.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        step = state["step"]
        step_size = group["lr"] / (1 - beta1**step)
        denom = xp.sqrt(max_exp_avg_sq) / math.sqrt(1 - beta2**step) + group["eps"]
        param.data -= step_size * (exp_avg / denom)


class AdamW(Adam):
    """AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
    maximize=False): decoupled weight decay (Loshchilov & Hutter), the usual choice for transformers."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize, decoupled_weight_decay=True)
