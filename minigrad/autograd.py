"""Reverse-mode automatic differentiation: the op base class and the backward pass.

Every op is a subclass of `Function` with `forward` (arrays in, array out) and
`backward` (the output's gradient in, one gradient per input out) side by side.
`Function.apply` runs the forward on the tensors' arrays, wraps the result in a
Tensor and, when a gradient is needed, records the op as that tensor's node.
`backward` walks the recorded nodes from the output to the leaves in reverse
topological order (iteratively, so a 100,000-op chain is fine), sums each
gradient back to its input's shape (broadcasting), and accumulates it.

Because every op goes through `apply`, the op table is also a registry
(`OPS`): the test suite uses it to insist that every op has a gradient test.
"""

from __future__ import annotations

import itertools
import os
import traceback

import numpy as np

from .backend import xp_of
from .tensor import Tensor

OPS: dict[str, type] = {}  # op name -> Function subclass, filled by __init_subclass__

_creation_counter = itertools.count()  # numbers recorded nodes in the order they are made


class _GradMode:
    enabled = True  # read by every Function.apply
    anomaly = False  # detect_anomaly(): check every forward and backward for NaN/Inf


class no_grad:
    """Context manager (and decorator) that records no graph: outputs never require grad.

    >>> with no_grad():
    ...     y = x * 2          # y.requires_grad is False
    """

    _enable = False

    def __enter__(self):
        self._previous = _GradMode.enabled
        _GradMode.enabled = self._enable

    def __exit__(self, *exc):
        _GradMode.enabled = self._previous

    def __call__(self, fn):
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)

        wrapper.__wrapped__ = fn
        wrapper.__name__ = getattr(fn, "__name__", "wrapper")
        wrapper.__doc__ = getattr(fn, "__doc__", None)
        return wrapper


class enable_grad(no_grad):
    """Context manager that turns graph recording back on inside a `no_grad` block."""

    _enable = True


def is_grad_enabled() -> bool:
    """True when new ops record a graph."""
    return _GradMode.enabled


class AnomalyError(RuntimeError):
    """Raised in `detect_anomaly()` mode by the first op that produces NaN or Inf."""


class detect_anomaly:
    """Context manager: raise at the first op whose forward or backward makes NaN/Inf.

    Each op records where in your code it was created, so the error points at
    the line that built the offending op, not at the engine. This makes every
    op slower; use it for debugging only.
    """

    def __enter__(self):
        self._previous = _GradMode.anomaly
        _GradMode.anomaly = True

    def __exit__(self, *exc):
        _GradMode.anomaly = self._previous


# The installed package's folder. Frames are matched against it, not against the name
# "minigrad": a user's own checkout is often called minigrad too.
_PACKAGE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "")


def _user_frames() -> list:
    """The creation stack of an op, without the engine's own frames."""
    frames = traceback.extract_stack()[:-3]
    return [f for f in frames if not os.path.abspath(f.filename).startswith(_PACKAGE_DIR)] or frames


def _check_finite(op: str, what: str, array, node) -> None:
    if array is None or array.dtype.kind not in "fc":
        return
    xp = xp_of(array)
    if bool(xp.isfinite(array).all()):
        return
    kind = "NaN" if bool(xp.isnan(array).any()) else "Inf"
    where = "".join(traceback.format_list(node.created_at[-3:])) if node.created_at else ""
    raise AnomalyError(f"{op}: {what} produced {kind} (shape {tuple(array.shape)}); the op was created at:\n{where}")


class Function:
    """One op: `forward` on arrays and `backward` on gradients, side by side.

    Subclasses implement

        forward(self, *arrays, **params) -> array     save what backward needs on self
        backward(self, grad) -> gradient or tuple of gradients, one per input
                                (None for an input that needs none)

    `self.needs_input_grad[i]` says whether input i wants a gradient, so
    backward can skip work. Gradients may have the broadcast shape: the engine
    sums them back to each input's shape. Inputs that are not Tensors (Python
    numbers, index arrays) are passed to forward as they are and get no gradient.
    """

    differentiable = True  # False for ops whose output never requires grad
    freed = False  # set once backward has released the node
    created_at = None  # the user's stack when the op was made (anomaly mode only)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        OPS[cls.__name__] = cls

    @property
    def name(self) -> str:
        return type(self).__name__

    @classmethod
    def apply(cls, *inputs, **params) -> Tensor:
        """Run forward on the inputs' arrays; record the node when a gradient will be needed."""
        node = cls.__new__(cls)
        arrays = []
        requires_grad = False
        for x in inputs:
            if isinstance(x, Tensor):
                arrays.append(x.data)
                requires_grad = requires_grad or x.requires_grad
            else:
                arrays.append(x)
        try:
            data = node.forward(*arrays, **params)
        except (ValueError, TypeError, IndexError) as err:
            raise _op_error(cls.__name__, inputs, err) from err
        if isinstance(data, np.generic):  # NumPy turns 0-d results into scalars
            data = np.asarray(data)
        out = Tensor._wrap(data, requires_grad and _GradMode.enabled and cls.differentiable)
        if out.requires_grad:
            node.inputs = inputs
            node.number = next(_creation_counter)
            out._node = node
        if _GradMode.anomaly:
            node.created_at = _user_frames()
            _check_finite(cls.__name__, "forward", data, node)
        return out

    @property
    def needs_input_grad(self) -> list:
        """needs_input_grad[i]: does input i want a gradient? (lets backward skip work)"""
        return [isinstance(x, Tensor) and x.requires_grad for x in self.inputs]

    def forward(self, *arrays, **params):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError

    def release(self) -> None:
        """Drop saved arrays and inputs so their memory can go; the node is then spent."""
        self.__dict__.clear()
        self.freed = True


def _op_error(op: str, inputs, err: Exception) -> Exception:
    """Turn an error from deep inside NumPy into one that names the op and its inputs."""
    described = []
    devices = set()
    for x in inputs:
        if isinstance(x, Tensor):
            described.append(f"Tensor{tuple(x.shape)} {x.dtype} on {x.device}")
            devices.add(x.device)
        elif isinstance(x, (int, float, bool)):
            described.append(repr(x))
        else:
            described.append(type(x).__name__)
    if len(devices) > 1:
        return RuntimeError(f"{op}: expected all tensors on the same device, got {' and '.join(sorted(devices))}")
    return type(err)(f"{op}: {err} (inputs: {', '.join(described)})")


def sum_to_shape(grad, shape: tuple):
    """Sum a broadcast gradient back to `shape`: the backward of broadcasting."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1
    )
    return grad.sum(axis=axes).reshape(shape)


def _topological_order(root: Tensor) -> list:
    """The tensors of root's graph that need a gradient, each before the tensors it was made from.

    Every op's output is created after its inputs, so sorting the reachable tensors by
    their creation number, newest first, is a topological order. A leaf sorts just after
    the oldest op that reads it (number - 0.5): its gradient is complete from there on, so
    it is accumulated (and its post-accumulate hooks fire) while the rest of the backward runs.
    The walk uses an explicit stack, so graph depth is not limited by Python's recursion.
    """
    found = [root]
    seen = {root}  # tensors hash by identity
    last_use = {}  # leaf -> number of the oldest op that reads it
    stack = [root]
    while stack:
        node = stack.pop()._node
        if node is None:
            continue
        if node.freed:
            raise RuntimeError(
                "backward: the graph was already freed by an earlier backward(); "
                "call backward(retain_graph=True) the first time to go through it twice"
            )
        for x in node.inputs:
            if isinstance(x, Tensor) and x.requires_grad:
                if x._node is None:
                    last_use[x] = min(last_use.get(x, node.number), node.number)
                if x not in seen:
                    seen.add(x)
                    found.append(x)
                    stack.append(x)
    found.sort(key=lambda t: t._node.number if t._node is not None else last_use.get(t, 0) - 0.5, reverse=True)
    return found


def backward(root: Tensor, gradient=None, retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf) into `leaf.grad` for every leaf that requires grad."""
    if not root.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad and has no graph "
            "(was it made under no_grad, or from tensors with requires_grad=False?)"
        )
    xp = root._xp
    if gradient is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward: a gradient can only be implied for a one-element output; this one has "
                f"shape {tuple(root.shape)}: pass backward(gradient) with that shape"
            )
        gradient = xp.ones_like(root.data)
    else:
        gradient = gradient.data if isinstance(gradient, Tensor) else gradient
        gradient = xp.array(gradient, dtype=root.dtype, copy=True)
        if gradient.shape != root.data.shape:
            raise ValueError(
                f"backward: gradient has shape {tuple(gradient.shape)} but the output has shape {tuple(root.shape)}"
            )

    grads = {root: gradient}  # tensor -> gradient received so far
    handed_out = set()  # buffers already given to a leaf's .grad, so no two leaves share one
    anomaly = _GradMode.anomaly
    for tensor in _topological_order(root):
        grad = grads.pop(tensor, None)
        if grad is None:
            continue
        if tensor._hooks:
            for hook in tensor._hooks:
                replaced = hook(Tensor._wrap(grad, False))
                if replaced is not None:
                    replaced = replaced.data if isinstance(replaced, Tensor) else replaced
                    if replaced.shape != grad.shape:  # PyTorch refuses this too
                        raise RuntimeError(
                            f"backward: hook {getattr(hook, '__name__', hook)!r} changed the gradient's shape "
                            f"from {tuple(grad.shape)} to {tuple(replaced.shape)}; a hook may return a "
                            f"gradient of the same shape, or None to keep it"
                        )
                    grad = replaced
        node = tensor._node
        if node is None or tensor._retains_grad:
            _accumulate(tensor, grad, handed_out)
        if node is None:
            for hook in tensor._post_accumulate_grad_hooks or ():
                hook(tensor)
            continue
        input_grads = node.backward(grad)
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        for x, g in zip(node.inputs, input_grads):
            if g is None or not isinstance(x, Tensor) or not x.requires_grad:
                continue
            if anomaly:
                _check_finite(node.name, "backward", g, node)
            data = x.data
            if g.shape != data.shape:
                g = sum_to_shape(g, data.shape)
            if g.dtype != data.dtype:
                g = g.astype(data.dtype)
            if isinstance(g, np.generic):  # NumPy turns 0-d results (full reductions too) into scalars
                g = np.asarray(g)
            previous = grads.get(x)
            grads[x] = g if previous is None else previous + g
        if not retain_graph:
            node.release()


def _accumulate(tensor: Tensor, grad, handed_out: set) -> None:
    """Add `grad` into tensor.grad, making sure the stored buffer is the tensor's own."""
    if tensor.grad is not None:
        tensor.grad.data = tensor.grad.data + grad
        return
    owner = id(grad) if grad.base is None else id(grad.base)
    # (CuPy's flags have no `writeable`; its broadcast views are caught by the contiguity test.)
    if owner in handed_out or not getattr(grad.flags, "writeable", True) or not grad.flags.c_contiguous:
        grad = grad.copy()
        owner = id(grad)
    handed_out.add(owner)
    tensor.grad = Tensor._wrap(grad, False)
