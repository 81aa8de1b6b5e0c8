"""Reverse-mode automatic differentiation: the op base class and the backward pass.

    function.py    Function (forward and backward side by side), the op registry OPS,
                   no_grad / enable_grad / set_grad_enabled / inference_mode, detect_anomaly
    engine.py      backward() and grad(): walk the graph from the outputs to the leaves,
                   with create_graph=True recording the backward for higher-order gradients
    functional.py  vjp, jvp, jacobian, hessian, hvp, vhp (as torch.autograd.functional)

    x = mg.tensor(2.0, requires_grad=True)
    (dx,) = mg.autograd.grad(x ** 3, x, create_graph=True)    # 3 x^2 = 12, recorded
    (dxx,) = mg.autograd.grad(dx, x)                           # 6 x = 12
"""

from .function import (  # noqa: I001  (function first: engine and functional build on it)
    OPS,
    AnomalyError,
    Function,
    detect_anomaly,
    enable_grad,
    inference_mode,
    is_grad_enabled,
    mark_modified,
    mark_replaced,
    no_grad,
    set_grad_enabled,
    xp_of,
)
from .engine import Identity, backward, grad, sum_to_shape
from . import functional

__all__ = [
    "Function", "OPS", "backward", "grad", "functional", "no_grad", "enable_grad", "set_grad_enabled",
    "inference_mode", "is_grad_enabled", "detect_anomaly", "AnomalyError", "xp_of", "sum_to_shape",
    "mark_modified", "mark_replaced", "Identity",
]
