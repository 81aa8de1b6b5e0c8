"""Adagrad and Adadelta: per-coordinate step sizes from accumulated squared gradients.

Adagrad (torch.optim.Adagrad) divides by the root of the sum of every squared gradient so
far, so coordinates that have moved a lot slow down:

    g = g + weight_decay * p             (and g = -g first if maximize)
    s = s + g * g                        s starts at initial_accumulator_value ("sum")
    p = p - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(s) + eps)

Adadelta (torch.optim.Adadelta) replaces the sum by a running mean and scales the step by a
running mean of past steps, which makes it unit-consistent (lr = 1 is the usual choice):

    s = rho * s + (1 - rho) * g * g                     ("square_avg")
    d = sqrt(u + eps) / sqrt(s + eps) * g               u: running mean of d^2 ("acc_delta")
    u = rho * u + (1 - rho) * d * d
    p = p - lr * d
"""

from __future__ import annotations

from ._update import check_nonnegative, gradient, zeros_state
from .optimizer import Optimizer


class Adagrad(Optimizer):
    """Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, *, maximize=False).

    As in PyTorch, the state ("step" 0 and "sum") exists from construction on.
    """

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10, *, maximize: bool = False):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps,
                                      maximize=maximize))
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group, self.state.setdefault(p, {}))

    def _check_hyperparameters(self, group: dict) -> None:
        super()._check_hyperparameters(group)
        check_nonnegative("Adagrad", group, "lr_decay", "weight_decay", "initial_accumulator_value", "eps")

    @staticmethod
    def _init_state(param, group, state) -> None:
        if not state:
            state.update(step=0, sum=zeros_state(param, group["initial_accumulator_value"]))

    def _update(self, param, grad, group, state) -> None:
        self._init_state(param, group, state)  # a group added after construction
        state["step"] += 1
        grad = gradient(param, grad, group)
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        accumulated = state["sum"].data
        accumulated += grad * grad
        param.data -= clr * (grad / (param._xp.sqrt(accumulated) + group["eps"]))


class Adadelta(Optimizer):
    """Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False)."""

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0.0, *,
                 maximize: bool = False):
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def _check_hyperparameters(self, group: dict) -> None:
        super()._check_hyperparameters(group)
        check_nonnegative("Adadelta", group, "eps", "weight_decay")
        if not 0.0 <= group["rho"] <= 1.0:
            raise ValueError(f"Adadelta: invalid rho {group['rho']}: expected 0 <= rho <= 1")

    def _update(self, param, grad, group, state) -> None:
        if not state:
            state.update(step=0, square_avg=zeros_state(param), acc_delta=zeros_state(param))
        state["step"] += 1
        xp, rho, eps = param._xp, group["rho"], group["eps"]
        grad = gradient(param, grad, group)
        square_avg, acc_delta = state["square_avg"].data, state["acc_delta"].data
        square_avg *= rho
        square_avg += (1 - rho) * grad * grad
        delta = xp.sqrt(acc_delta + eps) / xp.sqrt(square_avg + eps) * grad
        acc_delta *= rho
        acc_delta += (1 - rho) * delta * delta
        param.data -= group["lr"] * delta
