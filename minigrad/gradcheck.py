"""Gradient checking by central finite differences.

For a function f of some tensors, the analytic gradient (from backward) of the
scalar  L = sum(f(x) * w),  with fixed random weights w, is compared element by
element with the numeric one,

    dL/dx[i] ~ (L(x + eps e_i) - L(x - eps e_i)) / (2 eps),

whose error is O(eps^2). Projecting the output on random weights checks every
output at once with a single backward (a wrong derivative of any output element
shows up with probability 1). Use float64: in float32 the rounding error of L
swamps the O(eps^2) truncation error.
"""

from __future__ import annotations

import numpy as np

from .autograd.function import no_grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Raised when an analytic gradient disagrees with its finite-difference estimate."""


def _outputs(result) -> list:
    return list(result) if isinstance(result, (tuple, list)) else [result]


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3, seed: int = 0) -> bool:
    """Check the gradients of `fn(*inputs)` for every input with requires_grad=True.

    Returns True, or raises GradcheckError naming the input, the element, and the
    analytic and numeric values.

    >>> x = tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    >>> gradcheck(lambda x: (x * x).sum(), [x])
    True
    """
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input has requires_grad=True, so there is nothing to check")
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise TypeError(f"gradcheck: input {i} is {inputs[i].dtype}; finite differences need float64 inputs")

    outputs = _outputs(fn(*inputs))
    rng = np.random.default_rng(seed)
    # A one-element output is used as it is (weight 1), so the reported values are its gradient.
    weights = [np.ones(o.shape) if o.size == 1 else rng.standard_normal(o.shape) for o in outputs]

    def projected(outs) -> float:
        return float(sum(np.sum(o.numpy().astype(np.float64) * w) for o, w in zip(outs, weights)))

    saved_grads = {i: inputs[i].grad for i in checked}
    for i in checked:
        inputs[i].grad = None
    total = None
    for o, w in zip(outputs, weights):
        if o.requires_grad:
            term = (o * Tensor(w, dtype=o.dtype, device=o.device)).sum()
            total = term if total is None else total + term
    if total is None:
        raise GradcheckError("gradcheck: no output depends on an input that requires grad")
    total.backward()
    analytic = {i: (inputs[i].grad.numpy().copy() if inputs[i].grad is not None else np.zeros(inputs[i].shape))
                for i in checked}
    for i in checked:
        inputs[i].grad = saved_grads[i]

    with no_grad():
        for i in checked:
            data = inputs[i].data  # perturbed in place, restored after each element
            for index in np.ndindex(*data.shape):
                original = data[index].item()
                data[index] = original + eps
                plus = projected(_outputs(fn(*inputs)))
                data[index] = original - eps
                minus = projected(_outputs(fn(*inputs)))
                data[index] = original
                numeric = (plus - minus) / (2 * eps)
                value = float(analytic[i][index])
                if not abs(value - numeric) <= atol + rtol * abs(numeric):
                    raise GradcheckError(
                        f"gradcheck: input {i} (shape {tuple(data.shape)}) at index {index}: "
                        f"analytic gradient {value!r} but numeric {numeric!r} (atol={atol}, rtol={rtol}; "
                        "for outputs of more than one element these are gradients of sum(output * w), "
                        "w fixed random weights)"
                    )
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  seed: int = 0) -> bool:
    """Check second derivatives: the gradient of `fn` (taken with create_graph=True) is itself
    checked by `gradcheck`, with respect to the inputs and to the output gradients.

    grad_outputs: the gradient fed to each output (random float64 tensors when None).
    Returns True, or raises GradcheckError.

    >>> x = tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    >>> gradgradcheck(lambda x: (x * x * x).sum(), [x])
    True
    """
    from .autograd import enable_grad, grad

    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    differentiable = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not differentiable:
        raise ValueError("gradgradcheck: no input has requires_grad=True, so there is nothing to check")
    with enable_grad():
        outputs = _outputs(fn(*inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(seed + 1)
        grad_outputs = [Tensor(rng.standard_normal(o.shape), dtype=np.float64, device=o.device, requires_grad=True)
                        for o in outputs]
    else:
        grad_outputs = [grad_outputs] if isinstance(grad_outputs, Tensor) else list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"gradgradcheck: {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    count = len(inputs)

    def first_derivatives(*args):
        xs, gs = args[:count], args[count:]
        with enable_grad():
            outs = _outputs(fn(*xs))
            pairs = [(o, g) for o, g in zip(outs, gs) if o.requires_grad]
            wanted = [xs[i] for i in differentiable]
            found = [None] * len(wanted)
            if pairs:
                found = grad([o for o, _ in pairs], wanted, [g for _, g in pairs], create_graph=True,
                             allow_unused=True)
        # an input the outputs do not use has the constant gradient 0
        return [g if g is not None else Tensor(np.zeros(x.shape), dtype=x.dtype, device=x.device)
                for g, x in zip(found, wanted)]

    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol, seed=seed)
