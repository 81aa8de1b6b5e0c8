"""Models: Model (subclass it: layers in __init__, computation in call) and Sequential.

    model.py       Model: calling modes, build, save_weights / load_weights, summary
    trainer.py     compile, fit, evaluate, predict (the training loop)
    sequential.py  Sequential
    summary.py     the summary table
"""

from .model import Model
from .sequential import Sequential

__all__ = ["Model", "Sequential"]
