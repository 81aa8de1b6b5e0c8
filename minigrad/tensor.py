"""The Tensor: an array (NumPy or CuPy) plus what autograd needs to know about it.

A Tensor holds `data` (the array), `requires_grad`, `grad` (a Tensor, filled by
`backward()`), and `_node`: the op (a `Function` from autograd/) that produced
it, or None for a leaf. Arithmetic operators and methods only delegate to the
ops in `minigrad/ops/`, where each op's forward and backward sit side by side;
the methods that do nothing else are one line each in the table at the end of
this file.

Dtypes follow PyTorch: Python numbers and lists become float32 (int64 for
integers, bool for booleans); a NumPy array keeps its dtype; integer tensors
hold indices and targets and cannot require grad.

In-place changes (`x += 1`, `x.zero_()`, `x[i] = v`) follow PyTorch too: on a tensor
no gradient flows through they change the array itself and count a new version (an
op that saved the old values for its gradient then refuses to run backward); on a
tensor in the graph they are recorded as ops (see `_record_inplace`).
"""

from __future__ import annotations

import math
import operator

import numpy as np

from . import backend

float16 = np.dtype("float16")
float32 = np.dtype("float32")
float64 = np.dtype("float64")
int8 = np.dtype("int8")
int16 = np.dtype("int16")
int32 = np.dtype("int32")
int64 = np.dtype("int64")
uint8 = np.dtype("uint8")
bool_ = np.dtype("bool")

_DTYPE_NAMES = {"float": float32, "double": float64, "half": float16, "long": int64, "int": int32,
                "short": int16, "bool": bool_}


def as_dtype(dtype) -> np.dtype:
    """Turn 'float32', np.float32, mg.float32, Python's float/int/bool (or None) into a NumPy dtype."""
    if dtype is None:
        return None
    if isinstance(dtype, str) and dtype in _DTYPE_NAMES:
        return _DTYPE_NAMES[dtype]
    if dtype is float:
        return float32  # PyTorch's default float
    if dtype is int:
        return int64
    try:
        return np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"unknown dtype {dtype!r}: expected e.g. 'float32', 'float64', 'int64'") from err


def _plain_data(data):
    """Foreign array-likes as NumPy/CuPy arrays: torch tensors, pandas objects, DLPack producers."""
    module = type(data).__module__.split(".")[0]
    if module == "torch":
        data = data.detach()
        if data.device.type == "cuda":
            return backend.xp_for("cuda").from_dlpack(data)
        return data.resolve_conj().resolve_neg().numpy() if data.dtype.is_complex else data.numpy()
    if module == "pandas" or (hasattr(data, "to_numpy") and not _is_array(data)):
        return data.to_numpy()
    return data


def _to_array(data, dtype, device):
    """The array a new tensor holds (always a copy), with PyTorch's rules for the default dtype."""
    if isinstance(data, Tensor):
        data = data.data
    data = _plain_data(data)
    dtype = as_dtype(dtype)
    if not _is_array(data):
        # Python numbers and lists: float32 for floats, int64 for integers (not NumPy's float64);
        # a list of NumPy scalars (or 0-d arrays) keeps their dtype, as in PyTorch.
        inferred = np.asarray(data).dtype
        if dtype is None:
            if inferred.kind == "f":
                dtype = inferred if _all_numpy_scalars(data) else float32
            elif inferred.kind in "iu":
                dtype = inferred if _all_numpy_scalars(data) else int64
            elif inferred.kind != "b":
                raise TypeError(f"tensor: cannot make a tensor from {type(data).__name__} holding {inferred} values "
                                "(expected numbers, bools, or nested lists of them)")
    elif data.dtype.kind not in "biufc":
        raise TypeError(f"tensor: cannot make a tensor from an array of {data.dtype} values "
                        "(expected numbers or bools; convert strings/objects first)")
    on_gpu = backend.is_gpu_array(data)
    device = backend.check_device(device) if device is not None else ("cuda" if on_gpu else "cpu")
    if device == "cpu":
        return np.array(backend.to_device(data, "cpu") if on_gpu else data, dtype=dtype)
    return backend.xp_for("cuda").array(data, dtype=dtype)


def _all_numpy_scalars(data) -> bool:
    """True for a (nested) list whose every element is a NumPy scalar or array."""
    if isinstance(data, (list, tuple)):
        return len(data) > 0 and all(_all_numpy_scalars(d) for d in data)
    return isinstance(data, (np.generic, np.ndarray))


def _is_array(data) -> bool:
    return hasattr(data, "dtype") and hasattr(data, "shape")


class _Size(int):
    """`x.size`: the number of elements (NumPy's attribute), which can also be called:
    `x.size()` is the shape and `x.size(dim)` one axis's length (PyTorch's method)."""

    def __new__(cls, shape: tuple):
        size = super().__new__(cls, math.prod(shape))
        size._shape = tuple(shape)
        return size

    def __call__(self, dim: int | None = None):
        if dim is None:
            return self._shape
        if not -len(self._shape) <= dim < max(len(self._shape), 1) or not self._shape:
            raise IndexError(f"size: dimension {dim} is out of range for a tensor of shape {self._shape}")
        return self._shape[dim]


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
    _version = 0  # how many times the data was changed in place (PyTorch's version counter)
    _modified_at = -1  # the stamp of the latest in-place change (see autograd.mark_modified)
    _previous = None  # this tensor before a recorded in-place op (see _record_inplace)
    _replaced_at = -1  # the stamp of that recorded in-place op
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
    def size(self) -> _Size:
        """The number of elements (NumPy); call it for the shape, `x.size(dim)` for one axis (PyTorch)."""
        return _Size(self.data.shape)

    def numel(self) -> int:
        """The number of elements."""
        return self.data.size

    def dim(self) -> int:
        """The number of axes (PyTorch's name for ndim)."""
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        """The element type, a NumPy dtype (float32 unless made otherwise)."""
        return self.data.dtype

    @property
    def device(self) -> str:
        """'cpu' for a NumPy array, 'cuda' for a CuPy array."""
        return "cpu" if isinstance(self.data, np.ndarray) else "cuda"

    @property
    def is_cuda(self) -> bool:
        """True when the data lives on the GPU."""
        return self.device == "cuda"

    def is_floating_point(self) -> bool:
        """True for float16/32/64 tensors."""
        return self.data.dtype.kind == "f"

    def element_size(self) -> int:
        """Bytes per element."""
        return self.data.dtype.itemsize

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
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self)))

    def _one_value(self, to: str):
        if self.data.size != 1:
            raise ValueError(f"{to}: only a one-element tensor can be converted to a Python scalar; "
                             f"this one has shape {tuple(self.shape)}")
        return self.data.reshape(()).item()

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor with {self.data.size} elements is ambiguous: "
                             "use .any() or .all()")
        return bool(self.data.reshape(()).item())

    def __float__(self) -> float:
        return float(self._one_value("float()"))

    def __int__(self) -> int:
        return int(self._one_value("int()"))

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iub":
            raise TypeError(f"only integer tensors of a single element can be used as an index, got {self.dtype}")
        return int(self._one_value("index"))

    def __complex__(self) -> complex:
        return complex(self._one_value("complex()"))

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

    # ---- conversion and interop ------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The data as a NumPy array (copied from the GPU when on cuda; shared on the CPU)."""
        return backend.to_device(self.data, "cpu")

    def __array__(self, dtype=None, copy=None):
        """np.asarray(tensor): the data (shared on the CPU). A CUDA tensor must be copied with .cpu() first."""
        if self.device != "cpu":
            raise TypeError("can't convert a cuda tensor to a NumPy array implicitly: use .cpu() or .numpy()")
        if copy:
            return np.array(self.data, dtype=dtype, copy=True)
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def __dlpack__(self, **kwargs):
        """Export the data through DLPack (zero-copy), as NumPy/CuPy arrays do."""
        return self.data.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        """The DLPack device of the data: (1, 0) for the CPU, (2, id) for a CUDA GPU."""
        return self.data.__dlpack_device__()

    def item(self):
        """The single element as a Python number."""
        return self._one_value("item")

    def tolist(self):
        """The data as nested Python lists (copied to the CPU first)."""
        return self.numpy().tolist()

    def to(self, *args, dtype=None, device=None, copy: bool = False, non_blocking: bool = False) -> "Tensor":
        """A copy on another device and/or dtype (self when nothing changes). Differentiable.

        As PyTorch's: `x.to("cuda")`, `x.to(mg.float64)`, `x.to("cuda", mg.float16)`, `x.to(other)`.
        """
        for arg in args:
            if isinstance(arg, Tensor):
                device, dtype = arg.device, arg.dtype
            elif isinstance(arg, str) and (arg == "cpu" or arg.startswith("cuda")):
                device = arg
            else:
                dtype = arg
        out = self
        if dtype is not None and as_dtype(dtype) != self.dtype:
            out = out.astype(dtype)
        if device is not None and backend.check_device(device) != self.device:
            out = _ops.shape.to_device(out, backend.check_device(device))
        if copy and out is self:
            out = out.clone()
        return out

    def cpu(self) -> "Tensor":
        """A copy on the CPU (self when already there). Differentiable."""
        return self.to("cpu")

    def cuda(self, device=None) -> "Tensor":
        """A copy on the GPU (self when already there). Differentiable."""
        return self.to("cuda")

    def astype(self, dtype) -> "Tensor":
        """A copy converted to `dtype`; differentiable between floating-point dtypes."""
        return _ops.elementwise.cast(self, as_dtype(dtype))

    def type(self, dtype=None):
        """With a dtype: a copy converted to it; without: the type's name, as PyTorch's."""
        if dtype is None:
            return f"minigrad.{self.dtype.name}"
        return self.astype(dtype)

    def type_as(self, other: "Tensor") -> "Tensor":
        """A copy in other's dtype (self when it is already)."""
        return self.astype(other.dtype)

    def float(self) -> "Tensor":
        """A float32 copy (self when already float32)."""
        return self.astype(float32)

    def double(self) -> "Tensor":
        """A float64 copy (self when already float64)."""
        return self.astype(float64)

    def half(self) -> "Tensor":
        """A float16 copy (self when already float16)."""
        return self.astype(float16)

    def long(self) -> "Tensor":
        """An int64 copy (no gradient flows through integers)."""
        return self.astype(int64)

    def int(self) -> "Tensor":
        """An int32 copy (no gradient flows through integers)."""
        return self.astype(int32)

    def bool(self) -> "Tensor":
        """A bool copy: True where the element is nonzero."""
        return self.astype(bool_)

    def detach(self) -> "Tensor":
        """The same data, cut off from the graph (shares memory, like PyTorch)."""
        return Tensor._wrap(self.data, False)

    def detach_(self) -> "Tensor":
        """Cut this tensor off from the graph, in place: it becomes a leaf that needs no grad."""
        self._node = None
        self.requires_grad = False
        return self

    def contiguous(self) -> "Tensor":
        """self when the data is C-contiguous, else a contiguous copy (differentiable)."""
        return self if self.data.flags.c_contiguous else _ops.shape.clone(self)

    def is_contiguous(self) -> bool:
        """True when the data is laid out C-contiguously."""
        return bool(self.data.flags.c_contiguous)

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

    def backward(self, gradient=None, retain_graph: bool | None = None, create_graph: bool = False,
                 inputs=None) -> None:
        """Accumulate the gradient of this tensor into `.grad` of every leaf it depends on.

        For a one-element tensor the gradient is implicitly 1. The graph is freed
        afterwards unless `retain_graph=True` (the default when create_graph=True).
        create_graph=True records the backward, so the gradients can be differentiated
        again; inputs= limits the accumulation to those tensors.
        """
        _autograd.backward(self, gradient, retain_graph, create_graph, inputs)

    def retain_grad(self) -> None:
        """Keep `.grad` on this non-leaf tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: this tensor does not require grad")
        self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        """True for a non-leaf tensor that keeps its .grad (see retain_grad)."""
        return self._retains_grad and self._node is not None

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

    # ---- in-place changes ---------------------------------------------------------------
    def _inplace(self, op: str, compute, operand=None) -> "Tensor":
        """Change the data in place, or record the change when a gradient flows through it.

        compute(array) changes the array in place (the plain path); the recorded path calls
        `_record_inplace` with the out-of-place op instead.
        """
        recording = _autograd.is_grad_enabled() and (
            self.requires_grad or (isinstance(operand, Tensor) and operand.requires_grad))
        if recording:
            if self._node is None and self.requires_grad:
                raise RuntimeError(
                    f"{op}: a leaf tensor that requires grad cannot be changed in place while the graph is "
                    f"recorded (shape {tuple(self.shape)}): do it under `with mg.no_grad():`, or write "
                    "`x = x + y` to make a new tensor"
                )
            return None  # the caller records the op
        compute(self.data)
        _autograd.mark_modified(self)
        return self

    def _record_inplace(self, result: "Tensor") -> "Tensor":
        """Make `result` (an op applied to this tensor) this tensor's new value and history.

        Ops recorded earlier hold this Tensor object as their input but meant its old value:
        a new Tensor `before` takes over the old value and history, and the engine sends
        those ops' gradients to it (see autograd.mark_replaced).
        """
        before = Tensor._wrap(self.data, self.requires_grad)
        for name in ("_version", "_modified_at"):  # copied: the count goes on with this tensor
            if name in self.__dict__:
                setattr(before, name, self.__dict__[name])
        for name in ("_node", "_previous", "_replaced_at", "_hooks", "_retains_grad"):  # moved
            if name in self.__dict__:
                setattr(before, name, self.__dict__.pop(name))
        node = result._node
        node.inputs = tuple(before if x is self else x for x in node.inputs)
        self.data, self._node, self.requires_grad = result.data, node, result.requires_grad
        _autograd.mark_replaced(self, before, node.number)
        _autograd.mark_modified(self)
        return self

    def _arith_inplace(self, op: str, fn, other) -> "Tensor":
        other_data = other.data if isinstance(other, Tensor) else other
        if isinstance(other_data, np.generic):
            other_data = other_data.item()

        def compute(array):
            try:
                fn(array, other_data)  # NumPy's/CuPy's in-place operator: no temporary array
            except TypeError as err:  # e.g. int64 += 0.5 (NumPy's casting error is a TypeError)
                raise TypeError(f"{op}: the result cannot be stored in a {array.dtype} tensor without changing "
                                f"its dtype ({err})") from None

        done = self._inplace(op, compute, other)
        if done is not None:
            return done
        return self._record_inplace(_INPLACE_OPS[op](self, other))

    def __iadd__(self, other):
        return self._arith_inplace("+=", operator.iadd, other)

    def __isub__(self, other):
        return self._arith_inplace("-=", operator.isub, other)

    def __imul__(self, other):
        return self._arith_inplace("*=", operator.imul, other)

    def __itruediv__(self, other):
        return self._arith_inplace("/=", operator.itruediv, other)

    def __ifloordiv__(self, other):
        return self._arith_inplace("//=", operator.ifloordiv, other)

    def __imod__(self, other):
        return self._arith_inplace("%=", operator.imod, other)

    def add_(self, other, alpha=1) -> "Tensor":
        """self += alpha * other, in place."""
        return self.__iadd__(other if alpha == 1 else other * alpha)

    def sub_(self, other, alpha=1) -> "Tensor":
        """self -= alpha * other, in place."""
        return self.__isub__(other if alpha == 1 else other * alpha)

    def mul_(self, other) -> "Tensor":
        """self *= other, in place."""
        return self.__imul__(other)

    def div_(self, other) -> "Tensor":
        """self /= other, in place."""
        return self.__itruediv__(other)

    def clamp_(self, min=None, max=None) -> "Tensor":
        """Limit the values to [min, max] (numbers or tensors) in place."""
        lo, hi = (b.data if isinstance(b, Tensor) else b for b in (min, max))
        bound = min if isinstance(min, Tensor) and min.requires_grad else max
        done = self._inplace("clamp_", lambda a: self._xp.clip(a, lo, hi, out=a), bound)
        return done if done is not None else self._record_inplace(self.clamp(min, max))

    def fill_(self, value) -> "Tensor":
        """Set every element to `value`, in place."""
        def compute(array):
            array[...] = value.data if isinstance(value, Tensor) else value

        done = self._inplace("fill_", compute, value)
        return done if done is not None else self._replace_values(value)

    def zero_(self) -> "Tensor":
        """Fill with zeros in place."""
        return self.fill_(0)

    def copy_(self, src) -> "Tensor":
        """Copy src's values into this tensor, in place (broadcast to its shape, cast to its dtype)."""
        src_t = src if isinstance(src, Tensor) else Tensor(src, device=self.device)
        if src_t.device != self.device:
            src_t = src_t.to(self.device)

        def compute(array):
            array[...] = src_t.data

        done = self._inplace("copy_", compute, src_t)
        return done if done is not None else self._replace_values(src_t.astype(self.dtype))

    def _replace_values(self, value) -> "Tensor":
        """Recorded fill_/copy_: the new value is `value` broadcast to this shape, an op whose
        gradient to the old value is 0 (a where() that takes value everywhere)."""
        everywhere = Tensor._wrap(self._xp.ones(self.shape, dtype=bool), False)
        return self._record_inplace(_ops.elementwise.where(everywhere, value, self))

    def uniform_(self, a: float = 0.0, b: float = 1.0) -> "Tensor":
        """Fill with uniform samples in [a, b) from minigrad's generator, in place."""
        from .random import generator

        values = generator().uniform(a, b, size=self.shape)
        return self.copy_(values)

    def normal_(self, mean: float = 0.0, std: float = 1.0) -> "Tensor":
        """Fill with normal samples N(mean, std^2) from minigrad's generator, in place."""
        from .random import generator

        values = generator().normal(mean, std, size=self.shape)
        return self.copy_(values)

    def __setitem__(self, index, value) -> None:
        """x[index] = value: in place, or recorded as an op when a gradient flows through it."""
        _ops.index.setitem(self, index, value)

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

    # logical and bitwise operators on bool and integer tensors (no gradient)
    def __and__(self, other):
        return _ops.elementwise.bitwise("and", self, other)

    def __rand__(self, other):
        return _ops.elementwise.bitwise("and", other, self)

    def __or__(self, other):
        return _ops.elementwise.bitwise("or", self, other)

    def __ror__(self, other):
        return _ops.elementwise.bitwise("or", other, self)

    def __xor__(self, other):
        return _ops.elementwise.bitwise("xor", self, other)

    def __rxor__(self, other):
        return _ops.elementwise.bitwise("xor", other, self)

    def __invert__(self):
        return _ops.elementwise.invert(self)

    def __getitem__(self, index):
        return _ops.shape.getitem(self, index)

    @property
    def T(self):
        """The tensor with its axes reversed (the transpose of a matrix)."""
        return _ops.shape.permute(self, *range(self.ndim - 1, -1, -1))

    @property
    def mT(self):
        """The last two axes swapped (a batch of matrices transposed)."""
        return _ops.shape.transpose(self, -2, -1)


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

_INPLACE_OPS = {"+=": _ops.elementwise.add, "-=": _ops.elementwise.sub, "*=": _ops.elementwise.mul,
                "/=": _ops.elementwise.div, "//=": _ops.rounding.floor_divide, "%=": _ops.rounding.remainder}

# Methods that only call an op: Tensor.<name>(self, ...) is ops.<family>.<function>(self, ...).
# Each op function takes the tensor first, so it serves as the method as it is.
for _name, _function in _ops.TENSOR_METHODS.items():
    setattr(Tensor, _name, _function)
del _name, _function
