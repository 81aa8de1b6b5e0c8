"""The Tensor: an array (NumPy or CuPy) plus what autograd needs to know about it.

A Tensor holds `data` (the array), `requires_grad`, `grad` (a Tensor, filled by
`backward()`), and `_node`: the op (a `Function` from autograd.py) that produced
it, or None for a leaf. Arithmetic operators and methods only delegate to the
ops in `minigrad/ops/`, where each op's forward and backward sit side by side.

Dtypes follow PyTorch: Python numbers and lists become float32 (int64 for
integers, bool for booleans); a NumPy array keeps its dtype; integer tensors
hold indices and targets and cannot require grad.
"""

from __future__ import annotations

import operator

import numpy as np

from . import backend

float16 = np.dtype("float16")
float32 = np.dtype("float32")
float64 = np.dtype("float64")
int32 = np.dtype("int32")
int64 = np.dtype("int64")
bool_ = np.dtype("bool")

_INPLACE = {"+": operator.iadd, "-": operator.isub, "*": operator.imul, "/": operator.itruediv}

_DTYPE_NAMES = {"float": float32, "double": float64, "half": float16, "long": int64, "int": int32, "bool": bool_}


def as_dtype(dtype) -> np.dtype:
    """Turn 'float32', np.float32, mg.float32 (or None) into a NumPy dtype."""
    if dtype is None:
        return None
    if isinstance(dtype, str) and dtype in _DTYPE_NAMES:
        return _DTYPE_NAMES[dtype]
    try:
        return np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"unknown dtype {dtype!r}: expected e.g. 'float32', 'float64', 'int64'") from err


def _to_array(data, dtype, device):
    """The array a new tensor holds (always a copy), with PyTorch's rules for the default dtype."""
    if isinstance(data, Tensor):
        data = data.data
    dtype = as_dtype(dtype)
    if dtype is None and not _is_array(data):
        # Python numbers and lists: float32 for floats, int64 for integers (not NumPy's float64).
        inferred = np.asarray(data).dtype
        if inferred.kind == "f":
            dtype = float32
        elif inferred.kind in "iu":
            dtype = int64
        elif inferred.kind != "b":
            raise TypeError(f"tensor: cannot make a tensor from {type(data).__name__} holding {inferred} values")
    on_gpu = _is_array(data) and not isinstance(data, (np.ndarray, np.generic))
    device = backend.check_device(device) if device is not None else ("cuda" if on_gpu else "cpu")
    if device == "cpu":
        return np.array(backend.to_device(data, "cpu") if on_gpu else data, dtype=dtype)
    return backend.xp_for("cuda").array(data, dtype=dtype)


def _is_array(data) -> bool:
    return hasattr(data, "dtype") and hasattr(data, "shape")


class Tensor:
    """An n-dimensional array that can record the ops applied to it and differentiate them.

    >>> x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4., 6.])
    """

    __array_ufunc__ = None  # make `numpy_array + tensor` call Tensor.__radd__ instead of NumPy

    # Defaults shared by every tensor until set on one, so that making a tensor in an op is cheap.
    grad = None  # a Tensor after backward() (leaves, and tensors that retain_grad())
    _node = None  # the op that made this tensor; None for a leaf
    _retains_grad = False
    _hooks = None
    _post_accumulate_grad_hooks = None
    name = None

    def __init__(self, data, requires_grad: bool = False, dtype=None, device=None):
        self.data = _to_array(data, dtype, device)
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _wrap(data, requires_grad: bool) -> "Tensor":
        """Fast path for ops: wrap an array the op just made (no copy, no checks)."""
        t = Tensor.__new__(Tensor)
        t.data = data
        t.requires_grad = requires_grad
        return t

    # ---- what the tensor is -------------------------------------------------
    @property
    def shape(self) -> tuple:
        """The size of each axis, as a tuple (NumPy's shape)."""
        return self.data.shape

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return self.data.ndim

    @property
    def size(self) -> int:
        """Number of elements (NumPy's name)."""
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        """The element type, a NumPy dtype (float32 unless made otherwise)."""
        return self.data.dtype

    @property
    def device(self) -> str:
        """'cpu' for a NumPy array, 'cuda' for a CuPy array."""
        return "cpu" if isinstance(self.data, np.ndarray) else "cuda"

    @property
    def _xp(self):
        return np if isinstance(self.data, np.ndarray) else backend.xp_of(self.data)

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by an op (they keep .grad after backward)."""
        return self._node is None

    @property
    def grad_fn(self):
        """The op node that made this tensor (None for a leaf)."""
        return self._node

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __bool__(self) -> bool:
        if self.size != 1:
            raise ValueError(f"the truth value of a tensor with {self.size} elements is ambiguous: use .any() or .all()")
        return bool(self.data)

    __hash__ = object.__hash__  # tensors are hashed by identity, as in PyTorch

    def __repr__(self) -> str:
        body = np.array2string(self.numpy(), separator=", ", prefix="tensor(", precision=4)
        extras = []
        if self.dtype not in (float32, int64, bool_):
            extras.append(f"dtype={self.dtype}")
        if self.device != "cpu":
            extras.append(f"device='{self.device}'")
        if self._node is not None:
            extras.append(f"grad_fn=<{self._node.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return f"tensor({body}{''.join(', ' + e for e in extras)})"

    # ---- conversion -----------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The data as a NumPy array (copied from the GPU when on cuda; shared on the CPU)."""
        return backend.to_device(self.data, "cpu")

    def item(self):
        """The single element as a Python number."""
        if self.size != 1:
            raise ValueError(f"item: only a one-element tensor can become a Python number; this one has shape {self.shape}")
        return self.data.item()

    def tolist(self):
        """The data as nested Python lists (copied to the CPU first)."""
        return self.numpy().tolist()

    def to(self, device=None, dtype=None) -> "Tensor":
        """A copy on another device and/or dtype (self when nothing changes). Differentiable."""
        if isinstance(device, (np.dtype, type)) or (isinstance(device, str) and device not in ("cpu",) and not device.startswith("cuda")):
            device, dtype = None, device
        out = self
        if dtype is not None and as_dtype(dtype) != self.dtype:
            out = out.astype(dtype)
        if device is not None and backend.check_device(device) != self.device:
            out = _ops.shape.to_device(out, backend.check_device(device))
        return out

    def cpu(self) -> "Tensor":
        """A copy on the CPU (self when already there). Differentiable."""
        return self.to("cpu")

    def cuda(self) -> "Tensor":
        """A copy on the GPU (self when already there). Differentiable."""
        return self.to("cuda")

    def astype(self, dtype) -> "Tensor":
        """A copy converted to `dtype`; differentiable between floating-point dtypes."""
        return _ops.elementwise.cast(self, as_dtype(dtype))

    def float(self) -> "Tensor":
        """A float32 copy (self when already float32)."""
        return self.astype(float32)

    def double(self) -> "Tensor":
        """A float64 copy (self when already float64)."""
        return self.astype(float64)

    def long(self) -> "Tensor":
        """An int64 copy (no gradient flows through integers)."""
        return self.astype(int64)

    def detach(self) -> "Tensor":
        """The same data, cut off from the graph (shares memory, like PyTorch)."""
        return Tensor._wrap(self.data, False)

    # ---- autograd -------------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set requires_grad in place (only on leaves; only floating-point tensors)."""
        if requires_grad and self.dtype.kind not in "fc":
            raise TypeError(
                f"requires_grad: only floating-point tensors can require gradients, this one is {self.dtype} "
                "(integer tensors hold indices and targets)"
            )
        if not requires_grad and self._node is not None:
            raise RuntimeError("requires_grad_(False) is only allowed on leaf tensors: use .detach()")
        self.requires_grad = requires_grad
        return self

    def backward(self, gradient=None, retain_graph: bool = False) -> None:
        """Accumulate the gradient of this tensor into `.grad` of every leaf it depends on.

        For a one-element tensor the gradient is implicitly 1. The graph is freed
        afterwards unless `retain_graph=True`.
        """
        _autograd.backward(self, gradient, retain_graph)

    def retain_grad(self) -> None:
        """Keep `.grad` on this non-leaf tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: this tensor does not require grad")
        self._retains_grad = True

    def register_hook(self, hook):
        """Call `hook(grad)` when this tensor's gradient is computed; a returned tensor replaces it.

        Returns a handle with `.remove()`.
        """
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that does not require grad")
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _HookHandle(self._hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call `hook(tensor)` on this leaf once backward has added its gradient into `.grad`.

        The hook returns None. DistributedDataParallel uses it to start averaging a parameter's
        gradient while the rest of the backward still runs. Returns a handle with `.remove()`.
        """
        if not self.requires_grad:
            raise RuntimeError("register_post_accumulate_grad_hook: cannot register a hook on a tensor that "
                               "does not require grad")
        if self._node is not None:
            raise RuntimeError(f"register_post_accumulate_grad_hook: only leaf tensors accumulate .grad; this "
                               f"one was made by {self._node.name}")
        if self._post_accumulate_grad_hooks is None:
            self._post_accumulate_grad_hooks = []
        self._post_accumulate_grad_hooks.append(hook)
        return _HookHandle(self._post_accumulate_grad_hooks, hook)

    def zero_(self) -> "Tensor":
        """Fill with zeros in place (no graph: for buffers and gradients)."""
        self.data[...] = 0
        return self

    # ---- arithmetic (see ops/elementwise.py) ------------------------------------
    def __add__(self, other):
        return _ops.elementwise.add(self, other)

    def __radd__(self, other):
        return _ops.elementwise.add(other, self)

    def __sub__(self, other):
        return _ops.elementwise.sub(self, other)

    def __rsub__(self, other):
        return _ops.elementwise.sub(other, self)

    def __mul__(self, other):
        return _ops.elementwise.mul(self, other)

    def __rmul__(self, other):
        return _ops.elementwise.mul(other, self)

    def __truediv__(self, other):
        return _ops.elementwise.div(self, other)

    def __rtruediv__(self, other):
        return _ops.elementwise.div(other, self)

    def __pow__(self, other):
        return _ops.elementwise.pow(self, other)

    def __rpow__(self, other):
        return _ops.elementwise.pow(other, self)

    def __neg__(self):
        return _ops.elementwise.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.elementwise.abs(self)

    # In-place arithmetic changes `data` directly and records nothing, so it is only allowed
    # where no gradient is being recorded through this tensor (e.g. an update under no_grad()).
    def _inplace(self, op: str, other) -> "Tensor":
        if self.requires_grad and _autograd.is_grad_enabled():
            raise RuntimeError(
                f"in-place {op} on a tensor that requires grad would bypass autograd: "
                "do it under `with mg.no_grad():`, or write `x = x {op} y`"
            )
        other = other.data if isinstance(other, Tensor) else other
        self.data = _INPLACE[op](self.data, other)  # NumPy/CuPy update the array itself
        return self

    def __iadd__(self, other):
        return self._inplace("+", other)

    def __isub__(self, other):
        return self._inplace("-", other)

    def __imul__(self, other):
        return self._inplace("*", other)

    def __itruediv__(self, other):
        return self._inplace("/", other)

    def __matmul__(self, other):
        return _ops.linalg.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.linalg.matmul(other, self)

    # comparisons give bool tensors and no gradient
    def __eq__(self, other):
        return _ops.elementwise.compare("eq", self, other)

    def __ne__(self, other):
        return _ops.elementwise.compare("ne", self, other)

    def __lt__(self, other):
        return _ops.elementwise.compare("lt", self, other)

    def __le__(self, other):
        return _ops.elementwise.compare("le", self, other)

    def __gt__(self, other):
        return _ops.elementwise.compare("gt", self, other)

    def __ge__(self, other):
        return _ops.elementwise.compare("ge", self, other)

    def exp(self):
        """e ** x, elementwise."""
        return _ops.elementwise.exp(self)

    def log(self):
        """The natural logarithm, elementwise."""
        return _ops.elementwise.log(self)

    def sqrt(self):
        """The square root, elementwise."""
        return _ops.elementwise.sqrt(self)

    def abs(self):
        """|x|, elementwise."""
        return _ops.elementwise.abs(self)

    def clip(self, min=None, max=None):
        """Limit the values to [min, max] (either may be None); PyTorch's clamp."""
        return _ops.elementwise.clip(self, min, max)

    clamp = clip

    def maximum(self, other):
        """Elementwise maximum with another tensor or a number."""
        return _ops.elementwise.maximum(self, other)

    def minimum(self, other):
        """Elementwise minimum with another tensor or a number."""
        return _ops.elementwise.minimum(self, other)

    def masked_fill(self, mask, value):
        """Where `mask` is true, `value`; elsewhere self."""
        return _ops.elementwise.where(mask, value, self)

    # activations (see ops/activation.py)
    def tanh(self):
        """The hyperbolic tangent, elementwise."""
        return _ops.activation.tanh(self)

    def sigmoid(self):
        """1 / (1 + exp(-x)), elementwise, computed without overflow."""
        return _ops.activation.sigmoid(self)

    def relu(self):
        """max(x, 0), elementwise."""
        return _ops.activation.relu(self)

    def gelu(self, approximate: str = "none"):
        """GELU, elementwise: x * Phi(x) (approximate='none') or PyTorch's tanh form ('tanh')."""
        return _ops.activation.gelu(self, approximate)

    def softmax(self, axis: int = -1):
        """exp(x) / sum(exp(x)) along `axis`, computed stably."""
        return _ops.activation.softmax(self, axis)

    def log_softmax(self, axis: int = -1):
        """log(softmax(x)) along `axis`, computed stably."""
        return _ops.activation.log_softmax(self, axis)

    # reductions (see ops/reduce.py)
    def sum(self, axis=None, keepdims: bool = False):
        """Sum over `axis` (all axes when None)."""
        return _ops.reduce.sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims: bool = False):
        """Mean over `axis` (all axes when None)."""
        return _ops.reduce.mean(self, axis, keepdims)

    def max(self, axis=None, keepdims: bool = False):
        """Largest value over `axis` (values only; see argmax)."""
        return _ops.reduce.max(self, axis, keepdims)

    def min(self, axis=None, keepdims: bool = False):
        """Smallest value over `axis` (values only; see argmin)."""
        return _ops.reduce.min(self, axis, keepdims)

    def var(self, axis=None, keepdims: bool = False, ddof: int = 0):
        """Variance over `axis`; ddof=0 is the biased (population) variance."""
        return _ops.reduce.var(self, axis, keepdims, ddof)

    def argmax(self, axis=None, keepdims: bool = False):
        """Index of the largest value over `axis` (int64, no gradient)."""
        return _ops.reduce.argmax(self, axis, keepdims)

    def argmin(self, axis=None, keepdims: bool = False):
        """Index of the smallest value over `axis` (int64, no gradient)."""
        return _ops.reduce.argmin(self, axis, keepdims)

    def any(self, axis=None, keepdims: bool = False):
        """True where any element over `axis` is nonzero (bool, no gradient)."""
        return Tensor._wrap(self._xp.asarray(self.data.any(axis=axis, keepdims=keepdims)), False)

    def all(self, axis=None, keepdims: bool = False):
        """True where all elements over `axis` are nonzero (bool, no gradient)."""
        return Tensor._wrap(self._xp.asarray(self.data.all(axis=axis, keepdims=keepdims)), False)

    # shapes (see ops/shape.py)
    def reshape(self, *shape):
        """The same elements in a new shape (one axis may be -1)."""
        return _ops.shape.reshape(self, *shape)

    view = reshape

    def flatten(self, start_axis: int = 0, end_axis: int = -1):
        """Merge the axes start_axis..end_axis into one."""
        return _ops.shape.flatten(self, start_axis, end_axis)

    def transpose(self, *axes):
        """Permute the axes (reverse them when none are given), as NumPy's transpose."""
        return _ops.shape.transpose(self, *axes)

    permute = transpose

    def swapaxes(self, axis1: int, axis2: int):
        """Exchange two axes (PyTorch's two-argument transpose)."""
        return _ops.shape.swapaxes(self, axis1, axis2)

    @property
    def T(self):
        """The tensor with its axes reversed (the transpose of a matrix)."""
        return _ops.shape.transpose(self)

    def expand(self, *shape):
        """View at a larger shape by repeating size-1 axes (-1 keeps an axis)."""
        return _ops.shape.broadcast_to(self, *shape)

    broadcast_to = expand

    def squeeze(self, axis=None):
        """Remove size-1 axes (all of them, or the given ones)."""
        return _ops.shape.squeeze(self, axis)

    def unsqueeze(self, axis: int):
        """Insert a size-1 axis at `axis`."""
        return _ops.shape.unsqueeze(self, axis)

    def split(self, sections, axis: int = 0):
        """Split along `axis` into pieces of `sections` elements (or of the listed sizes)."""
        return _ops.shape.split(self, sections, axis)

    def __getitem__(self, index):
        return _ops.shape.getitem(self, index)


class _HookHandle:
    """Returned by register_hook; `remove()` unregisters the hook."""

    def __init__(self, hooks: list, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


# Imported last: the ops import Tensor from this module.
from . import autograd as _autograd  # noqa: E402
from . import ops as _ops  # noqa: E402
