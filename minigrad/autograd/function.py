"""The op base class (`Function`), the grad modes, and anomaly detection.

Every op is a subclass of `Function` with `forward` (arrays in, array out) and
`backward` (the output's gradient in, one gradient per input out) side by side.
`Function.apply` runs the forward on the tensors' arrays, wraps the result in a
Tensor and, when a gradient is needed, records the op as that tensor's node.

Because every op goes through `apply`, the op table is also a registry (`OPS`):
the test suite uses it to insist that every op has a first- and a second-order
gradient test.
"""

from __future__ import annotations

import functools
import itertools
import os
import traceback

import numpy as np

from .. import backend
from ..tensor import Tensor

OPS: dict[str, type] = {}  # op name -> Function subclass, filled by __init_subclass__

_creation_counter = itertools.count()  # numbers recorded nodes in the order they are made


class _GradMode:
    enabled = True  # read by every Function.apply
    anomaly = False  # detect_anomaly(): check every forward and backward for NaN/Inf


class _GradModeContext:
    """Sets whether ops record a graph inside a `with` block, or while a decorated function runs."""

    def __init__(self, enable: bool):
        self._enable = enable

    def __enter__(self):
        self._previous = _GradMode.enabled
        _GradMode.enabled = self._enable

    def __exit__(self, *exc):
        _GradMode.enabled = self._previous

    def __call__(self, fn):
        enable = self._enable

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with _GradModeContext(enable):
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Context manager (and decorator) that records no graph: outputs never require grad.

    >>> with no_grad():
    ...     y = x * 2          # y.requires_grad is False
    """

    def __init__(self):
        super().__init__(False)


class enable_grad(_GradModeContext):
    """Context manager (and decorator) that turns graph recording back on inside `no_grad`."""

    def __init__(self):
        super().__init__(True)


class inference_mode(_GradModeContext):
    """PyTorch's inference_mode: here the same as `no_grad` (no graph is recorded).

    `inference_mode(False)` records as usual.
    """

    def __init__(self, mode: bool = True):
        super().__init__(not mode)


class set_grad_enabled(_GradModeContext):
    """Turn graph recording on or off: as a plain call, a context manager or a decorator.

    >>> set_grad_enabled(False)       # off from here on, until turned on again
    >>> with set_grad_enabled(True):  # on inside the block, then back to what it was
    ...     y = x * 2
    """

    def __init__(self, mode: bool):
        super().__init__(bool(mode))
        self._previous = _GradMode.enabled
        _GradMode.enabled = self._enable  # at once, as PyTorch's does

    def __enter__(self):
        pass  # already set by __init__; __exit__ restores what was there before it

    def __call__(self, fn):
        _GradMode.enabled = self._previous  # as a decorator it applies only while fn runs
        return super().__call__(fn)


class _InPlace:
    last = -1  # the stamp of the latest in-place change to any tensor
    replaced = 0  # how many recorded in-place ops gave a tensor a new history (see mark_replaced)


def mark_modified(tensor: Tensor) -> None:
    """Record that `tensor`'s data was just changed in place (PyTorch's version counter).

    The change gets a stamp from the same counter that numbers recorded ops, so the engine
    can tell whether a tensor changed after an op that saved it was recorded (the op's
    gradient would then be computed from the wrong values: an error, as in PyTorch).
    """
    stamp = next(_creation_counter)
    tensor._version += 1
    tensor._modified_at = stamp
    _InPlace.last = stamp


def mark_replaced(tensor: Tensor, before: Tensor, number: int) -> None:
    """Record that a recorded in-place op (number `number`) gave `tensor` a new value and history;
    `before` is the tensor as it was. Ops recorded earlier that took `tensor` as an input meant
    `before`: the engine sends their gradients there (see engine._as_of)."""
    tensor._previous = before
    tensor._replaced_at = number
    _InPlace.replaced += 1


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
_PACKAGE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "")


def _user_frames() -> list:
    """The creation stack of an op, without the engine's own frames."""
    frames = traceback.extract_stack()[:-3]
    return [f for f in frames if not os.path.abspath(f.filename).startswith(_PACKAGE_DIR)] or frames


def check_finite(op: str, what: str, array, node) -> None:
    """In anomaly mode: raise AnomalyError if `array` holds NaN or Inf, pointing at the op's creation."""
    if isinstance(array, Tensor):
        array = array.data
    if array is None or array.dtype.kind not in "fc":
        return
    xp = backend.xp_of(array)
    if bool(xp.isfinite(array).all()):
        return
    kind = "NaN" if bool(xp.isnan(array).any()) else "Inf"
    where = "".join(traceback.format_list(node.created_at[-3:])) if node.created_at else ""
    raise AnomalyError(f"{op}: {what} produced {kind} (shape {tuple(array.shape)}); the op was created at:\n{where}")


def xp_of(*values):
    """The array module for these values: numpy or cupy for arrays, and for Tensors
    `minigrad.ops.xp`, NumPy's names over minigrad's recorded ops.

    Backward formulas get their functions (`xp.where`, `xp.exp`, ...) from here, so that
    one formula runs on arrays (an ordinary backward) and on Tensors (a backward that is
    itself recorded, for higher-order gradients: see Function).
    """
    for v in values:
        if isinstance(v, Tensor):
            from ..ops import xp

            return xp
    return backend.xp_of(*values)


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

    Higher-order gradients (`backward(create_graph=True)`, `autograd.grad`) need the
    backward itself to be recorded. The engine does that in one of two ways:

    - It runs the same `backward` on Tensors: `grad` is a Tensor, and every attribute
      saved on self that is one of the arrays forward received, or the array it
      returned, is replaced by that input or output Tensor (other saved values stay
      as they are: constants). So a backward written with operators, array methods
      and `xp = xp_of(grad)` works both ways. Save only inputs, the output, and
      values no gradient flows through (masks, indices, shapes).
    - An op whose backward calls a kernel names a `composite`: a function taking
      forward's arguments as Tensors (and the same keyword parameters) that computes
      the same result from recorded ops. The engine differentiates the composite.

    PyTorch's style works too: a subclass whose `forward(ctx, *tensors)` and
    `backward(ctx, *grads)` are staticmethods gets PyTorch's semantics (forward runs on
    Tensors without recording, `ctx.save_for_backward(...)`, `ctx.saved_tensors`,
    backward returns Tensors), so a custom Function from a PyTorch tutorial runs as it is.
    """

    differentiable = True  # False for ops whose output never requires grad
    composite = None  # the same op built from recorded ops (see above), for ops that use kernels
    freed = False  # set once backward has released the node
    created_at = None  # the user's stack when the op was made (anomaly mode only)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if isinstance(cls.__dict__.get("forward"), staticmethod):
            _adopt_pytorch_style(cls)
        OPS[cls.__name__] = cls

    # PyTorch's ctx API, for Functions written in PyTorch's style
    def save_for_backward(self, *tensors) -> None:
        """Keep these tensors for backward (PyTorch's ctx.save_for_backward)."""
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple:
        """What save_for_backward kept (PyTorch's ctx.saved_tensors)."""
        return getattr(self, "_saved", ())

    def mark_non_differentiable(self, *tensors) -> None:
        """Accepted for PyTorch code; minigrad's custom Functions have one differentiable output."""

    def set_materialize_grads(self, value: bool) -> None:
        """Accepted for PyTorch code; gradients reaching backward are always arrays of zeros or more."""

    @property
    def name(self) -> str:
        """The op's name (its class name), as the registry and error messages show it."""
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
        if isinstance(data, np.generic):  # NumPy turns 0-d results into scalars: make them arrays
            scalar, data = data, np.asarray(data)
            for name, value in vars(node).items():  # a saved output must stay the output's own array
                if value is scalar:
                    setattr(node, name, data)
        out = Tensor._wrap(data, requires_grad and _GradMode.enabled and cls.differentiable)
        if out.requires_grad:
            node.inputs = inputs
            node.number = next(_creation_counter)
            if cls.composite is not None:
                node.params = params
            out._node = node
        if _GradMode.anomaly:
            node.created_at = _user_frames()
            check_finite(cls.__name__, "forward", data, node)
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


def _adopt_pytorch_style(cls) -> None:
    """Give a Function written in PyTorch's style (static forward(ctx, ...) and backward(ctx, ...))
    minigrad's machinery: `apply` runs the user's forward on Tensors under no_grad and records the
    node; the node's backward calls the user's backward with Tensors."""
    user_forward = cls.__dict__["forward"].__func__
    user_backward = cls.__dict__.get("backward")
    if not isinstance(user_backward, staticmethod):
        raise TypeError(f"{cls.__name__}: forward is a staticmethod (PyTorch's style), so backward(ctx, *grads) "
                        "must be one too")
    user_backward = user_backward.__func__

    def apply(cls_, *inputs, **kwargs):
        node = cls_.__new__(cls_)
        with no_grad():
            out = user_forward(node, *inputs, **kwargs)
        if not isinstance(out, Tensor):
            raise TypeError(f"{cls_.__name__}.forward must return one Tensor (a custom Function has one output "
                            f"here), got {type(out).__name__}")
        if any(out is x for x in inputs):
            out = Tensor._wrap(out.data, False)  # an input returned as it is: the output is a new tensor
        wants = any(isinstance(x, Tensor) and x.requires_grad for x in inputs)
        if wants and _GradMode.enabled and out.dtype.kind in "fc":
            out.requires_grad = True
            node.inputs = inputs
            node.number = next(_creation_counter)
            out._node = node
        return out

    def backward(self, grad):
        recorded = isinstance(grad, Tensor)  # a recorded backward (create_graph): keep Tensors
        with _GradModeContext(recorded):
            result = user_backward(self, grad if recorded else Tensor._wrap(grad, False))
        results = result if isinstance(result, tuple) else (result,)
        if len(results) != len(self.inputs):
            raise RuntimeError(f"{type(self).__name__}.backward returned {len(results)} gradients for "
                               f"{len(self.inputs)} inputs (return None for an input without one)")
        return tuple(r if r is None or recorded else (r.data if isinstance(r, Tensor) else r) for r in results)

    cls.apply = classmethod(apply)
    cls.forward = lambda self, *args, **kwargs: user_forward(self, *args, **kwargs)
    cls.backward = backward


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
