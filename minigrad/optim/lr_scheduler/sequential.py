"""SequentialLR: run one schedule, then the next from a milestone on, as torch.optim's.

    warmup = LinearLR(opt, start_factor=0.01, total_iters=100)
    decay = CosineAnnealingLR(opt, T_max=900)
    sched = SequentialLR(opt, [warmup, decay], milestones=[100])

Until step 100 the warm-up sets the rate; at 100 the cosine starts from its own t = 0.
"""

from __future__ import annotations

import bisect

from ..optimizer import Optimizer
from .base import LRScheduler
from .plateau import ReduceLROnPlateau


def _rewind(scheduler) -> None:
    """Undo the step each scheduler took when it was built (SequentialLR restarts them itself)."""
    for inner in getattr(scheduler, "_schedulers", ()):
        _rewind(inner)
    if not hasattr(scheduler, "_schedulers"):
        scheduler.last_epoch -= 1


class SequentialLR(LRScheduler):
    """SequentialLR(optimizer, schedulers, milestones): schedulers[i] runs from milestones[i - 1] on."""

    def __init__(self, optimizer: Optimizer, schedulers: list, milestones: list, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"SequentialLR: expected a minigrad optimizer, got {type(optimizer).__name__}")
        if len(schedulers) < 1:
            raise ValueError("SequentialLR: needs at least one scheduler")
        for i, scheduler in enumerate(schedulers):
            if isinstance(scheduler, ReduceLROnPlateau):
                raise ValueError(f"SequentialLR: scheduler {i} is a ReduceLROnPlateau, whose step() needs a metric")
            if getattr(scheduler, "optimizer", None) is not optimizer:
                raise ValueError(f"SequentialLR: scheduler {i} ({type(scheduler).__name__}) drives another optimizer")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"SequentialLR: {len(schedulers)} schedulers need {len(schedulers) - 1} milestones, got {len(milestones)}"
            )
        self.optimizer = optimizer
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        _rewind(self)
        first = self._schedulers[bisect.bisect_right(self._milestones, 0)]
        first.step()
        self._last_lr = first.get_last_lr()

    def step(self) -> None:
        """Advance one step; at a milestone the next schedule starts from its t = 0."""
        self.last_epoch += 1
        index = bisect.bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            scheduler._jump_to(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict:
        """The step count and milestones, and each inner scheduler's state_dict under "_schedulers"."""
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [scheduler.state_dict() for scheduler in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore the step count and every inner scheduler."""
        state = dict(state_dict)
        inner = state.pop("_schedulers", None)
        if inner is None or len(inner) != len(self._schedulers):
            raise ValueError(
                f"SequentialLR.load_state_dict: expected states for {len(self._schedulers)} schedulers under "
                f"'_schedulers', got {None if inner is None else len(inner)}"
            )
        self.__dict__.update(state)
        self._milestones, self._last_lr = list(self._milestones), list(self._last_lr)
        for scheduler, saved in zip(self._schedulers, inner):
            scheduler.load_state_dict(saved)
        for group, lr in zip(self.optimizer.param_groups, self._last_lr):  # the active schedule's rates
            group["lr"] = lr
