"""Learning-rate schedules: set each param group's "lr" as a function of the step count.

A scheduler remembers each group's starting rate (`base_lrs`, also stored in the group as
"initial_lr", as PyTorch does) and, at every `step()`, sets

    group["lr"] = lr_at(t, base_lr)          t = 0 at construction, then 1, 2, ...

Call `scheduler.step()` once after each `optimizer.step()` (or once per epoch: t counts
whatever you count). Each schedule below is one closed-form `lr_at`, so it reads like its
formula; StepLR, CosineAnnealingLR and LambdaLR give the values of their torch.optim
namesakes (PyTorch computes the first two recursively; the numbers agree to rounding).

    opt = mg.optim.AdamW(params, lr=3e-4)
    sched = mg.optim.lr_scheduler.LinearWarmupCosine(opt, warmup_steps=100, total_steps=5000)
    for step in range(5000):
        ...; opt.step(); sched.step()
"""

from __future__ import annotations

import math
from typing import Callable

from .optimizer import Optimizer


class LRScheduler:
    """Base class: subclasses implement `lr_at(t, base_lr)`."""

    def __init__(self, optimizer: Optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected a minigrad optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1  # PyTorch's name for the step count t
        self.step()  # t = 0: the schedule's starting rate takes effect at once

    def lr_at(self, t: int, base_lr: float) -> float:
        raise NotImplementedError

    def step(self) -> None:
        """Advance t by one and set every group's lr."""
        self.last_epoch += 1
        for i, (group, base_lr) in enumerate(zip(self.optimizer.param_groups, self.base_lrs)):
            group["lr"] = self._lr_for_group(i, base_lr)
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _lr_for_group(self, index: int, base_lr: float) -> float:
        return self.lr_at(self.last_epoch, base_lr)

    def get_last_lr(self) -> list[float]:
        """The learning rate of each group as last set by this scheduler."""
        return list(self._last_lr)

    def state_dict(self) -> dict:
        """Everything but the optimizer and functions (which cannot be saved without pickle)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer" and not callable(v) and k != "lr_lambdas"}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore the step count and settings saved by `state_dict()`, and the group lrs they imply."""
        unknown = set(state_dict) - set(self.state_dict())
        if unknown:
            raise ValueError(f"{type(self).__name__}.load_state_dict: unexpected keys {sorted(unknown)}")
        if len(state_dict.get("base_lrs", self.base_lrs)) != len(self.base_lrs):
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: saved for {len(state_dict['base_lrs'])} param groups, "
                f"the optimizer has {len(self.base_lrs)}"
            )
        self.__dict__.update(state_dict)
        self.base_lrs = list(self.base_lrs)
        self._last_lr = list(self._last_lr)
        for group, lr in zip(self.optimizer.param_groups, self._last_lr):
            group["lr"] = lr


class StepLR(LRScheduler):
    """Multiply the rate by `gamma` every `step_size` steps: lr = base_lr * gamma ** (t // step_size)."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1):
        if int(step_size) != step_size or step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive integer, got {step_size}")
        self.step_size, self.gamma = int(step_size), gamma
        super().__init__(optimizer)

    def lr_at(self, t: int, base_lr: float) -> float:
        return base_lr * self.gamma ** (t // self.step_size)


class CosineAnnealingLR(LRScheduler):
    """Half a cosine from base_lr down to eta_min over T_max steps:

        lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2

    Past T_max the cosine carries on (back up towards base_lr), as in PyTorch.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0):
        if T_max <= 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be positive, got {T_max}")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def lr_at(self, t: int, base_lr: float) -> float:
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * t / self.T_max)) / 2


class LinearWarmupCosine(LRScheduler):
    """Linear warm-up from 0, then a cosine decay to `min_lr`, then flat at `min_lr`:

        t <  warmup_steps:               lr = base_lr * t / warmup_steps
        warmup_steps <= t <= total_steps: lr = min_lr + (base_lr - min_lr) * (1 + cos(pi * s)) / 2,
                                              s = (t - warmup_steps) / (total_steps - warmup_steps)
        t >  total_steps:                lr = min_lr

    So the first step runs at lr 0 (it still fills Adam's moment estimates), the rate reaches
    base_lr at t = warmup_steps and min_lr (an absolute rate, the same for every group) at
    t = total_steps. Warm-up keeps the first updates small while Adam's second-moment
    estimate is still noisy, which is what makes transformer training stable.
    """

    def __init__(self, optimizer: Optimizer, warmup_steps: int, total_steps: int, min_lr: float = 0.0):
        if warmup_steps < 0 or total_steps <= warmup_steps:
            raise ValueError(
                f"LinearWarmupCosine: expected 0 <= warmup_steps < total_steps, got warmup_steps={warmup_steps}, "
                f"total_steps={total_steps}"
            )
        if min_lr < 0:
            raise ValueError(f"LinearWarmupCosine: min_lr must be >= 0, got {min_lr}")
        self.warmup_steps, self.total_steps, self.min_lr = warmup_steps, total_steps, min_lr
        super().__init__(optimizer)

    def lr_at(self, t: int, base_lr: float) -> float:
        if t < self.warmup_steps:
            return base_lr * t / self.warmup_steps
        if t > self.total_steps:
            return self.min_lr
        progress = (t - self.warmup_steps) / (self.total_steps - self.warmup_steps)
        return self.min_lr + (base_lr - self.min_lr) * (1 + math.cos(math.pi * progress)) / 2


class LambdaLR(LRScheduler):
    """lr = base_lr * fn(t), with one function for all groups or a list of one per group.

    >>> LambdaLR(opt, lambda t: 0.95 ** t)        # exponential decay
    """

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | list):
        groups = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != groups:
                raise ValueError(f"LambdaLR: got {len(lr_lambda)} functions for {groups} param groups")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * groups
        if not all(callable(fn) for fn in self.lr_lambdas):
            raise TypeError("LambdaLR: lr_lambda must be a function of the step count (or a list of them)")
        super().__init__(optimizer)

    def _lr_for_group(self, index: int, base_lr: float) -> float:
        return base_lr * self.lr_lambdas[index](self.last_epoch)
