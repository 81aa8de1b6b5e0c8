"""Schedules that only ever shrink (or warm up to) the base rate: lr = base_lr * factor(t).

    StepLR         gamma ** (t // step_size)
    MultiStepLR    gamma ** (number of milestones <= t)
    ExponentialLR  gamma ** t
    ConstantLR     factor while t < total_iters, then 1
    LinearLR       start_factor -> end_factor in a straight line over total_iters steps, then flat
    PolynomialLR   (1 - min(t, total_iters) / total_iters) ** power
    LambdaLR       any fn(t), one for all groups or one per group
"""

from __future__ import annotations

import bisect
from typing import Callable

from ..optimizer import Optimizer
from .base import LRScheduler


def _positive_int(scheduler: str, name: str, value) -> int:
    if isinstance(value, bool) or int(value) != value or value < 1:
        raise ValueError(f"{scheduler}: {name} must be a positive integer, got {value!r}")
    return int(value)


class StepLR(LRScheduler):
    """Multiply the rate by `gamma` every `step_size` steps: lr = base_lr * gamma ** (t // step_size)."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        self.step_size, self.gamma = _positive_int("StepLR", "step_size", step_size), gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, t: int, base_lr: float) -> float:
        """base_lr * gamma ** (t // step_size)."""
        return base_lr * self.gamma ** (t // self.step_size)


class MultiStepLR(LRScheduler):
    """Multiply the rate by `gamma` at each milestone: lr = base_lr * gamma ** (milestones passed).

    >>> MultiStepLR(opt, milestones=[30, 80], gamma=0.1)   # base_lr, then /10 at 30, /100 at 80

    A milestone listed twice counts twice, as in PyTorch.
    """

    def __init__(self, optimizer: Optimizer, milestones, gamma: float = 0.1, last_epoch: int = -1):
        self.milestones = sorted(int(m) for m in milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, t: int, base_lr: float) -> float:
        """base_lr * gamma ** (number of milestones <= t)."""
        return base_lr * self.gamma ** bisect.bisect_right(self.milestones, t)


class ExponentialLR(LRScheduler):
    """Multiply the rate by `gamma` every step: lr = base_lr * gamma ** t."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, t: int, base_lr: float) -> float:
        """base_lr * gamma ** t."""
        return base_lr * self.gamma**t


class ConstantLR(LRScheduler):
    """A lower rate for the first steps: lr = base_lr * factor while t < total_iters, then base_lr."""

    def __init__(self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5, last_epoch: int = -1):
        if not 0 <= factor <= 1:
            raise ValueError(f"ConstantLR: factor must be in [0, 1], got {factor}")
        self.factor, self.total_iters = factor, total_iters
        super().__init__(optimizer, last_epoch)

    def lr_at(self, t: int, base_lr: float) -> float:
        """base_lr * factor before total_iters, base_lr from then on."""
        return base_lr * (self.factor if t < self.total_iters else 1.0)


class LinearLR(LRScheduler):
    """A straight line from base_lr * start_factor to base_lr * end_factor over total_iters steps:

        lr = base_lr * (start_factor + (end_factor - start_factor) * min(t, total_iters) / total_iters)

    The usual linear warm-up is LinearLR(opt, start_factor=0.01, total_iters=warmup_steps).
    """

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5, last_epoch: int = -1):
        if not 0 < start_factor <= 1:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1], got {start_factor}")
        if not 0 <= end_factor <= 1:
            raise ValueError(f"LinearLR: end_factor must be in [0, 1], got {end_factor}")
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = _positive_int("LinearLR", "total_iters", total_iters)
        super().__init__(optimizer, last_epoch)

    def lr_at(self, t: int, base_lr: float) -> float:
        """base_lr times the line from start_factor to end_factor, flat after total_iters."""
        progress = min(t, self.total_iters) / self.total_iters
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor) * progress)


class PolynomialLR(LRScheduler):
    """Decay to zero over total_iters steps: lr = base_lr * (1 - min(t, total_iters) / total_iters) ** power.

    power=1 is a straight line down to 0; the rate stays 0 afterwards.
    """

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1):
        self.total_iters = _positive_int("PolynomialLR", "total_iters", total_iters)
        self.power = power
        super().__init__(optimizer, last_epoch)

    def lr_at(self, t: int, base_lr: float) -> float:
        """base_lr * (1 - min(t, total_iters) / total_iters) ** power."""
        return base_lr * (1.0 - min(self.total_iters, t) / self.total_iters) ** self.power


class LambdaLR(LRScheduler):
    """lr = base_lr * fn(t), with one function for all groups or a list of one per group.

    >>> LambdaLR(opt, lambda t: 0.95 ** t)        # exponential decay
    """

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | list, last_epoch: int = -1):
        groups = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != groups:
                raise ValueError(f"LambdaLR: got {len(lr_lambda)} functions for {groups} param groups")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * groups
        if not all(callable(fn) for fn in self.lr_lambdas):
            raise TypeError("LambdaLR: lr_lambda must be a function of the step count (or a list of them)")
        super().__init__(optimizer, last_epoch)

    def _lr_for_group(self, index: int, base_lr: float) -> float:
        return base_lr * self.lr_lambdas[index](self.last_epoch)
