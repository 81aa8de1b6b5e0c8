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

optimizer.py holds the base class (param groups, state, state_dict) and _update.py the pieces
every rule shares; then one file per family of update rules:

    sgd.py            SGD (momentum, dampening, Nesterov)
    adam.py           Adam (amsgrad), AdamW
    adam_variants.py  Adamax, NAdam, RAdam
    rmsprop.py        RMSprop (momentum, centered)
    adagrad.py        Adagrad, Adadelta

lr_scheduler/ holds the schedules, clip.py gradient clipping. Every rule follows torch.optim's
arithmetic, argument names, defaults and state names, so a model trains to the same numbers in
both and a state_dict has the same keys.
"""

from . import lr_scheduler
from .adagrad import Adadelta, Adagrad
from .adam import Adam, AdamW
from .adam_variants import Adamax, NAdam, RAdam
from .clip import clip_grad_norm_, clip_grad_value_
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "Optimizer", "SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "RMSprop", "Adagrad", "Adadelta",
    "clip_grad_norm_", "clip_grad_value_", "lr_scheduler",
]
