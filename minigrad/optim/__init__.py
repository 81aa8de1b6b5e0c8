"""Optimizers, learning-rate schedules and gradient clipping.

    opt = mg.optim.AdamW(params, lr=3e-4, weight_decay=0.1)
    sched = mg.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=1000)
    for x, y in loader:
        loss = loss_fn(x, y)
        opt.zero_grad()
        loss.backward()
        mg.optim.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()

optimizer.py holds the base class (param groups, state, state_dict); sgd.py and adam.py
one update rule each; lr_scheduler.py the schedules; clip.py gradient clipping. Every rule
follows torch.optim's arithmetic, so a model trains to the same numbers in both.
"""

from . import lr_scheduler
from .adam import Adam, AdamW
from .clip import clip_grad_norm_, clip_grad_value_
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "clip_grad_norm_", "clip_grad_value_", "lr_scheduler"]
