"""LRScheduler, the base of every schedule: it owns the step count t and writes group["lr"].

Subclasses implement `lr_at(t, base_lr)` (or `_lr_for_group` when the rate depends on more
than the group's base rate). PyTorch's attribute names are kept: `last_epoch` is t,
`base_lrs` the groups' starting rates, `get_last_lr()` what was last written.
"""

from __future__ import annotations

from ..optimizer import Optimizer


class LRScheduler:
    """Base class: subclasses implement `lr_at(t, base_lr)`.

    last_epoch=-1 (the default) starts a fresh schedule: each group's current lr becomes its
    "initial_lr". A larger last_epoch resumes at t = last_epoch + 1 and needs "initial_lr" in
    every group already (it is there after loading the optimizer's state_dict).
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected a minigrad optimizer, got {type(optimizer).__name__}")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"{type(self).__name__}: resuming at last_epoch={last_epoch} needs 'initial_lr' in param "
                        f"group {i}; load the optimizer's state_dict first (or start with last_epoch=-1)"
                    )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch  # PyTorch's name for the step count t
        self.step()  # t = last_epoch + 1 (0 for a fresh schedule): its rate takes effect at once

    def lr_at(self, t: int, base_lr: float) -> float:
        """The learning rate at step t of a group that started at base_lr."""
        raise NotImplementedError(f"{type(self).__name__} must implement lr_at(t, base_lr)")

    def step(self) -> None:
        """Advance t by one and set every group's lr."""
        self.last_epoch += 1
        self._apply()

    def _jump_to(self, t) -> None:
        """Set t (SequentialLR restarts a schedule at 0 this way) and the rates it implies."""
        self.last_epoch = t
        self._apply()

    def _apply(self) -> None:
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
        name = type(self).__name__
        unknown = set(state_dict) - set(self.state_dict())
        if unknown:
            raise ValueError(f"{name}.load_state_dict: unexpected keys {sorted(unknown)}")
        groups = len(self.optimizer.param_groups)
        saved = len(state_dict.get("_last_lr", self._last_lr))
        if saved != groups:
            raise ValueError(f"{name}.load_state_dict: saved for {saved} param groups, the optimizer has {groups}")
        self.__dict__.update(state_dict)
        for key, value in self.__dict__.items():  # JSON has no tuples: a checkpoint gives lists back
            if isinstance(value, tuple):
                self.__dict__[key] = list(value)
        for group, lr in zip(self.optimizer.param_groups, self._last_lr):
            group["lr"] = lr
