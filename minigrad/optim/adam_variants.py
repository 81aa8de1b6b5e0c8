"""Three relatives of Adam, each changing one thing about it (torch.optim's rules and names).

Adamax: the second moment becomes an infinity norm, so no square root and no bias correction
for it:

    m = beta1 * m + (1 - beta1) * g
    u = max(beta2 * u, |g| + eps)
    p = p - lr / (1 - beta1^t) * m / u

NAdam: Nesterov momentum in Adam. The step looks ahead along the momentum, with a momentum
coefficient mu_t that warms up over the first few hundred steps:

    mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay))       prod_t = mu_1 * ... * mu_t
    m, v as in Adam;  d = sqrt(v / (1 - beta2^t)) + eps
    p = p - lr * (1 - mu_t) / (1 - prod_t) * g / d - lr * mu_{t+1} / (1 - prod_t * mu_{t+1}) * m / d

RAdam: rectified Adam. Early on the variance estimate v rests on few samples; RAdam takes
plain momentum steps until its effective sample size rho_t exceeds 5, then Adam steps scaled
by a rectification factor r_t that tends to 1:

    rho_inf = 2 / (1 - beta2) - 1,   rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
    m_hat = m / (1 - beta1^t)
    rho_t <= 5:  p = p - lr * m_hat
    rho_t >  5:  p = p - lr * m_hat * sqrt(1 - beta2^t) / (sqrt(v) + eps) * r_t,
                 r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))

All three take weight_decay as an L2 penalty added to the gradient; NAdam and RAdam can
decouple it instead (decoupled_weight_decay=True: p *= 1 - lr * weight_decay first), and all
take maximize. Plain array code, on whichever device the parameter lives.
"""

from __future__ import annotations

from ._update import check_betas, check_nonnegative, decay_weights, gradient, lerp_, zeros_state
from .optimizer import Optimizer


class _AdamFamily(Optimizer):
    """Shared checks and state for Adamax, NAdam and RAdam."""

    def _check_hyperparameters(self, group: dict) -> None:
        super()._check_hyperparameters(group)
        name = type(self).__name__
        check_betas(name, group)
        check_nonnegative(name, group, "eps", "weight_decay")

    def _gradient(self, param, grad, group):
        """maximize and weight decay: decoupled (applied to param now) or folded into the gradient."""
        decoupled = group.get("decoupled_weight_decay", False)
        grad = gradient(param, grad, group, coupled_decay=not decoupled)
        if decoupled:
            decay_weights(param, group)
        return grad


class Adamax(_AdamFamily):
    """Adamax(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, *, maximize=False)."""

    def __init__(self, params, lr: float = 2e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, *, maximize: bool = False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def _update(self, param, grad, group, state) -> None:
        if not state:
            state.update(step=0, exp_avg=zeros_state(param), exp_inf=zeros_state(param))
        state["step"] += 1
        beta1, beta2 = group["betas"]
        grad = self._gradient(param, grad, group)
        exp_avg, exp_inf = state["exp_avg"].data, state["exp_inf"].data
        lerp_(exp_avg, grad, 1 - beta1)
        exp_inf *= beta2
        param._xp.maximum(exp_inf, param._xp.abs(grad) + group["eps"], out=exp_inf)
        step_size = group["lr"] / (1 - beta1 ** state["step"])
        param.data -= step_size * (exp_avg / exp_inf)


class NAdam(_AdamFamily):
    """NAdam(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
    decoupled_weight_decay=False, *, maximize=False)."""

    def __init__(self, params, lr: float = 2e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False, *,
                 maximize: bool = False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize))

    def _check_hyperparameters(self, group: dict) -> None:
        super()._check_hyperparameters(group)
        check_nonnegative("NAdam", group, "momentum_decay")

    def _update(self, param, grad, group, state) -> None:
        if not state:
            state.update(step=0, mu_product=1.0, exp_avg=zeros_state(param), exp_avg_sq=zeros_state(param))
        state["step"] += 1
        step, lr = state["step"], group["lr"]
        beta1, beta2 = group["betas"]
        grad = self._gradient(param, grad, group)
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * group["momentum_decay"]))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * group["momentum_decay"]))
        state["mu_product"] *= mu
        mu_product = state["mu_product"]
        exp_avg, exp_avg_sq = state["exp_avg"].data, state["exp_avg_sq"].data
        lerp_(exp_avg, grad, 1 - beta1)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        denom = param._xp.sqrt(exp_avg_sq / (1 - beta2**step)) + group["eps"]
        param.data += (-lr * (1.0 - mu) / (1.0 - mu_product)) * (grad / denom)
        param.data += (-lr * mu_next / (1.0 - mu_product * mu_next)) * (exp_avg / denom)


class RAdam(_AdamFamily):
    """RAdam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
    *, maximize=False)."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled_weight_decay: bool = False, *, maximize: bool = False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay, maximize=maximize))

    def _update(self, param, grad, group, state) -> None:
        if not state:
            state.update(step=0, exp_avg=zeros_state(param), exp_avg_sq=zeros_state(param))
        state["step"] += 1
        step, lr = state["step"], group["lr"]
        beta1, beta2 = group["betas"]
        grad = self._gradient(param, grad, group)
        exp_avg, exp_avg_sq = state["exp_avg"].data, state["exp_avg_sq"].data
        lerp_(exp_avg, grad, 1 - beta1)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        bias_correction2 = 1 - beta2**step
        m_hat = exp_avg / (1 - beta1**step)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * beta2**step / bias_correction2
        if rho_t <= 5.0:  # too few samples behind v: a momentum step
            param.data -= m_hat * lr
            return
        # ** 0.5 rather than math.sqrt: the same rounding as torch.optim.RAdam
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        adaptive = bias_correction2**0.5 / (param._xp.sqrt(exp_avg_sq) + group["eps"])
        param.data -= m_hat * lr * adaptive * rect
