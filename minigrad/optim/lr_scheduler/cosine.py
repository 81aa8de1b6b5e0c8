"""Cosine schedules: the rate follows half a cosine from base_lr down to a floor.

    CosineAnnealingLR            one half-cosine over T_max steps
    CosineAnnealingWarmRestarts  half-cosines of T_0, T_0 * T_mult, ... steps, each restarting at base_lr
    LinearWarmupCosine           a linear warm-up from 0, then one half-cosine (minigrad's own)

The half-cosine from `high` to `low` as s goes from 0 to 1 is

    low + (high - low) * (1 + cos(pi * s)) / 2
"""

from __future__ import annotations

import math

from ..optimizer import Optimizer
from .base import LRScheduler


def _half_cosine(high: float, low: float, s: float) -> float:
    return low + (high - low) * (1 + math.cos(math.pi * s)) / 2


class CosineAnnealingLR(LRScheduler):
    """Half a cosine from base_lr down to eta_min over T_max steps:

        lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2

    Past T_max the cosine carries on (back up towards base_lr), as in PyTorch.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):
        if T_max <= 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be positive, got {T_max}")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def lr_at(self, t: int, base_lr: float) -> float:
        """eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2."""
        return _half_cosine(base_lr, self.eta_min, t / self.T_max)


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing with warm restarts (SGDR): half-cosines from base_lr to eta_min, the i-th
    lasting T_i = T_0 * T_mult**i steps, each starting again at base_lr:

        lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2

    T_cur counts the steps since the last restart. `step()` adds one to it; `step(epoch)` sets the
    position directly and may be fractional, to anneal within an epoch as PyTorch's example does:

        for epoch in range(20):
            for i, batch in enumerate(loader):
                ...; opt.step()
                scheduler.step(epoch + i / len(loader))
    """

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0, last_epoch: int = -1):
        if isinstance(T_0, bool) or not isinstance(T_0, int) or T_0 <= 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: T_0 must be a positive integer, got {T_0!r}")
        if isinstance(T_mult, bool) or not isinstance(T_mult, int) or T_mult < 1:
            raise ValueError(f"CosineAnnealingWarmRestarts: T_mult must be an integer >= 1, got {T_mult!r}")
        self.T_0, self.T_i, self.T_mult, self.eta_min = T_0, T_0, T_mult, eta_min
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def step(self, epoch: float | None = None) -> None:
        """Advance one step, or jump to `epoch` (a number of epochs, fractions allowed)."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            self.T_cur += 1
            if self.T_cur >= self.T_i:  # a restart
                self.T_cur %= self.T_i
                self.T_i *= self.T_mult
            self.last_epoch += 1
        else:
            if epoch < 0:
                raise ValueError(f"CosineAnnealingWarmRestarts.step: epoch must be >= 0, got {epoch}")
            self.T_i, self.T_cur = self.T_0, epoch
            if self.T_mult == 1:
                self.T_cur = epoch % self.T_0
            while self.T_cur >= self.T_i:  # walk the cycles T_0, T_0 * T_mult, ... to the one holding epoch
                self.T_cur -= self.T_i
                self.T_i *= self.T_mult
            self.last_epoch = math.floor(epoch)
        self._apply()

    def _jump_to(self, t) -> None:
        self.step(t)

    def _lr_for_group(self, index: int, base_lr: float) -> float:
        return _half_cosine(base_lr, self.eta_min, self.T_cur / self.T_i)


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

    def __init__(self, optimizer: Optimizer, warmup_steps: int, total_steps: int, min_lr: float = 0.0,
                 last_epoch: int = -1):
        if warmup_steps < 0 or total_steps <= warmup_steps:
            raise ValueError(
                f"LinearWarmupCosine: expected 0 <= warmup_steps < total_steps, got warmup_steps={warmup_steps}, "
                f"total_steps={total_steps}"
            )
        if min_lr < 0:
            raise ValueError(f"LinearWarmupCosine: min_lr must be >= 0, got {min_lr}")
        self.warmup_steps, self.total_steps, self.min_lr = warmup_steps, total_steps, min_lr
        super().__init__(optimizer, last_epoch)

    def lr_at(self, t: int, base_lr: float) -> float:
        """The warm-up line, then the half-cosine down to min_lr, then min_lr."""
        if t < self.warmup_steps:
            return base_lr * t / self.warmup_steps
        if t > self.total_steps:
            return self.min_lr
        return _half_cosine(base_lr, self.min_lr, (t - self.warmup_steps) / (self.total_steps - self.warmup_steps))
