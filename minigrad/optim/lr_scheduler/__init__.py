"""Learning-rate schedules: set each param group's "lr" as a function of the step count.

A scheduler remembers each group's starting rate (`base_lrs`, also stored in the group as
"initial_lr", as PyTorch does) and, at every `step()`, sets

    group["lr"] = lr_at(t, base_lr)          t = 0 at construction, then 1, 2, ...

Call `scheduler.step()` once after each `optimizer.step()` (or once per epoch: t counts
whatever you count). Most schedules are one closed-form `lr_at`, so each reads like its
formula; they give the values of their torch.optim.lr_scheduler namesakes (PyTorch computes
several of them recursively, lr_t from lr_{t-1}; the numbers agree to rounding).

    opt = mg.optim.AdamW(params, lr=3e-4)
    sched = mg.optim.lr_scheduler.LinearWarmupCosine(opt, warmup_steps=100, total_steps=5000)
    for step in range(5000):
        ...; opt.step(); sched.step()

    base.py        LRScheduler: base_lrs, step(), get_last_lr(), state_dict()
    decay.py       StepLR, MultiStepLR, ExponentialLR, ConstantLR, LinearLR, PolynomialLR, LambdaLR
    cosine.py      CosineAnnealingLR, CosineAnnealingWarmRestarts, LinearWarmupCosine
    one_cycle.py   OneCycleLR (it also cycles the momentum)
    sequential.py  SequentialLR: one schedule after another at given milestones
    plateau.py     ReduceLROnPlateau: divide the rate when a monitored number stops improving

One difference from PyTorch: two closed-form schedulers stepping the same optimizer at once do
not multiply their effects (each sets the rate from its own base_lrs); put schedules one after
the other with SequentialLR, or write the product as one LambdaLR.
"""

from .base import LRScheduler
from .cosine import CosineAnnealingLR, CosineAnnealingWarmRestarts, LinearWarmupCosine
from .decay import ConstantLR, ExponentialLR, LambdaLR, LinearLR, MultiStepLR, PolynomialLR, StepLR
from .one_cycle import OneCycleLR
from .plateau import ReduceLROnPlateau
from .sequential import SequentialLR

__all__ = [
    "LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "ConstantLR", "LinearLR", "PolynomialLR", "LambdaLR",
    "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "LinearWarmupCosine", "OneCycleLR", "SequentialLR",
    "ReduceLROnPlateau",
]
