"""Module and Parameter: how a model holds its weights, finds them, saves and loads them.

A `Module` is a plain Python object. Its parameters, buffers and sub-modules are
found by looking at its attributes, also inside lists, tuples and dicts, so

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(2, 8), nn.Linear(8, 1)]     # a plain list works
        def forward(self, x):
            return self.layers[1](self.layers[0](x).relu())

    MLP().named_parameters()   # layers.0.weight, layers.0.bias, layers.1.weight, layers.1.bias

gives PyTorch's dotted names. Attributes whose names start with "_" are private
and not searched. Buffers (tensors that are state but not trained, such
as a causal mask) are declared with `register_buffer`. `state_dict()` /
`load_state_dict()` use these names; `to(device)` moves everything in place.
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple

import numpy as np

from .. import backend
from ..tensor import Tensor, _to_array, as_dtype


class Parameter(Tensor):
    """A Tensor that a Module trains: it always requires grad and is found by `parameters()`.

    `Parameter(t)` shares t's array (no copy), like PyTorch; arrays and lists are copied.
    Ops on a Parameter return ordinary Tensors.
    """

    def __init__(self, data, requires_grad: bool = True):
        self.data = data.data if isinstance(data, Tensor) else _to_array(data, None, None)
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class of every layer and model: subclass it and write `forward`.

    Calling the module calls `forward`. `training` (True after construction) is set
    for the whole tree by `train()` / `eval()`; layers such as Dropout read it.
    """

    # Class-level defaults, so a subclass that forgets super().__init__() still works.
    training = True
    _buffer_names = ()  # attributes registered with register_buffer, in order
    _non_persistent = frozenset()  # buffers left out of state_dict()

    def __init__(self):
        self.training = True

    def forward(self, *args, **kwargs):
        """What the module computes; every subclass defines it, and module(x) calls it."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ---- what the module holds ---------------------------------------------------
    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Keep `tensor` as state that is saved, loaded and moved but never trained."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a Tensor or None, got {type(tensor).__name__}")
        if name not in self._buffer_names:
            self._buffer_names = [*self._buffer_names, name]
        if not persistent:
            self._non_persistent = self._non_persistent | {name}
        setattr(self, name, tensor)

    def _members(self) -> list:
        """(name, value) for every Parameter and Module held directly by this module,
        looking inside lists, tuples and dicts; names of container items are 'attr.i' / 'attr.key'.

        Called for every module each time parameters() runs (every training step, through
        zero_grad), so it builds a list in one pass rather than chaining generators.
        """
        found = []
        for name, value in self.__dict__.items():
            if isinstance(value, (Parameter, Module)):
                if name[0] != "_" and name not in self._buffer_names:
                    found.append((name, value))
            elif type(value) in _CONTAINERS and name[0] != "_":
                _collect(name, value, found)
        return found

    def named_children(self):
        """(name, module) for each direct sub-module."""
        for name, value in self._members():
            if isinstance(value, Module):
                yield name, value

    def children(self):
        """Each direct sub-module."""
        return (m for _, m in self.named_children())

    def named_modules(self, prefix: str = ""):
        """(dotted name, module) for this module and every module below it, each once (pre-order)."""
        return [(name, module) for name, module, _ in self._walk(prefix)]

    def _walk(self, prefix: str = "") -> list:
        """(dotted name, module, its members) for each module of the tree, each module once, pre-order."""
        seen = set()
        out = []
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            members = module._members()
            out.append((name, module, members))
            dot = f"{name}." if name else ""
            stack.extend(reversed([(dot + child, m) for child, m in members if isinstance(m, Module)]))
        return out

    def modules(self):
        """This module and every module below it, each once (pre-order: a parent before its children)."""
        return (m for _, m in self.named_modules())

    def get_submodule(self, target: str) -> "Module":
        """The sub-module at a dotted path: model.get_submodule("blocks.0.attn") ("" is the module itself)."""
        module = self
        for i, name in enumerate(target.split(".") if target else []):
            children = dict(module.named_children())
            if name not in children:
                where = ".".join(target.split(".")[:i]) or type(self).__name__
                raise AttributeError(f"get_submodule: {where} ({type(module).__name__}) has no sub-module {name!r} "
                                     f"(it has {sorted(children)})")
            module = children[name]
        return module

    def apply(self, fn) -> "Module":
        """Call fn on every sub-module (children first, each subtree in order) and then on this
        module; returns self. The usual use: model.apply(init_weights)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def named_parameters(self, prefix: str = ""):
        """(dotted name, Parameter) for every parameter, each once even when shared (tied weights)."""
        seen = set()
        out = []
        for module_name, _, members in self._walk(prefix):
            dot = f"{module_name}." if module_name else ""
            for name, value in members:
                if isinstance(value, Parameter) and id(value) not in seen:
                    seen.add(id(value))
                    out.append((dot + name, value))
        return out

    def parameters(self):
        """Every Parameter of the module tree, each once: what an optimizer is given."""
        return [p for _, p in self.named_parameters()]

    def named_buffers(self, prefix: str = ""):
        """(dotted name, Tensor) for every buffer (non-trained state, see register_buffer)."""
        for module_name, module in self.named_modules(prefix):
            for name in module._buffer_names:
                value = getattr(module, name)
                if value is not None:
                    yield (f"{module_name}.{name}" if module_name else name), value

    def buffers(self):
        """Every buffer of the module tree."""
        return [b for _, b in self.named_buffers()]

    # ---- modes and gradients -------------------------------------------------------
    def train(self, mode: bool = True) -> "Module":
        """Set training mode on this module and every module below it (Dropout is active)."""
        for module in self.modules():
            module.training = mode
        return self

    def eval(self) -> "Module":
        """Set evaluation mode (Dropout becomes the identity). Same as train(False)."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> "Module":
        """Set requires_grad on every parameter (False freezes them: no gradient, no update); returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: set .grad to None (default) or fill it with zeros."""
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()

    # ---- saving and loading ----------------------------------------------------------
    def state_dict(self) -> "OrderedDict[str, Tensor]":
        """name -> Tensor for every parameter and persistent buffer.

        The tensors share memory with the module (detached, no copy). Tied parameters
        appear under each of their names, as in PyTorch.
        """
        out = OrderedDict()
        for module_name, module, members in self._walk():
            dot = f"{module_name}." if module_name else ""
            for name, value in members:
                if isinstance(value, Parameter):
                    out[dot + name] = value.detach()
            for name in module._buffer_names:
                value = getattr(module, name)
                if value is not None and name not in module._non_persistent:
                    out[dot + name] = value.detach()
        return out

    def load_state_dict(self, state_dict, strict: bool = True) -> IncompatibleKeys:
        """Copy the values of `state_dict` (name -> Tensor or array) into this module, in place.

        Raises one RuntimeError listing every problem: missing and unexpected keys (when
        strict), and every shape or dtype mismatch (always). Nothing is copied unless all
        checks pass. Returns (missing_keys, unexpected_keys).
        """
        own = self.state_dict()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems = []
        if strict:
            problems += [f"missing key {k!r} (expected shape {tuple(own[k].shape)})" for k in missing]
            problems += [f"unexpected key {k!r}" for k in unexpected]
        for name, target in own.items():
            if name not in state_dict:
                continue
            value = state_dict[name]
            shape, dtype = tuple(getattr(value, "shape", ())), getattr(value, "dtype", None)
            if shape != tuple(target.shape):
                problems.append(f"{name!r}: shape {shape} in the state dict but {tuple(target.shape)} in the model")
            elif dtype is None or np.dtype(dtype) != target.dtype:
                problems.append(f"{name!r}: dtype {dtype} in the state dict but {target.dtype} in the model")
        if problems:
            raise RuntimeError(
                f"load_state_dict: cannot load into {type(self).__name__}:\n  " + "\n  ".join(problems)
            )
        for name, target in own.items():
            if name in state_dict:
                value = state_dict[name]
                array = value.data if isinstance(value, Tensor) else value
                target.data[...] = backend.to_device(array, target.device)  # in place: optimizers keep their references
        return IncompatibleKeys(missing, unexpected)

    # ---- devices and dtypes ------------------------------------------------------------
    def to(self, device=None, dtype=None) -> "Module":
        """Move (and/or cast floating-point) parameters and buffers in place; returns self.

        Parameters stay the same objects, so an optimizer built before still holds them; but its
        state (Adam's moments) keeps the old device and dtype, so move the model before the first
        optimizer step (or build a new optimizer after moving it).
        """
        if device is not None and not str(device).startswith(("cpu", "cuda")):
            device, dtype = None, device  # model.to("float64")
        device = backend.check_device(device) if device is not None else None
        dtype = as_dtype(dtype)
        for t in self.parameters() + self.buffers():
            t.data = _convert(t.data, device, dtype)
            if t.grad is not None:
                t.grad.data = _convert(t.grad.data, device, dtype)
        return self

    def double(self) -> "Module":
        """Cast floating-point parameters and buffers to float64, in place; returns self."""
        return self.to(dtype="float64")

    def float(self) -> "Module":
        """Cast floating-point parameters and buffers to float32, in place; returns self."""
        return self.to(dtype="float32")

    def half(self) -> "Module":
        """Cast floating-point parameters and buffers to float16, in place; returns self."""
        return self.to(dtype="float16")

    def type(self, dst_type) -> "Module":
        """Cast EVERY parameter and buffer (integer ones too, unlike to()) to dst_type; returns self."""
        dtype = as_dtype(dst_type)
        for t in self.parameters() + self.buffers():
            t.data = t.data.astype(dtype, copy=False)
            if t.grad is not None:
                t.grad.data = t.grad.data.astype(dtype, copy=False)
        return self

    def cuda(self, device=None) -> "Module":
        """Move parameters and buffers to the GPU, in place; returns self."""
        return self.to("cuda")

    def cpu(self) -> "Module":
        """Move parameters and buffers to the CPU, in place; returns self."""
        return self.to("cpu")

    # ---- printing -----------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text between the parentheses of this module's repr (its settings)."""
        return ""

    def __repr__(self) -> str:
        lines = [f"({name}): " + repr(child).replace("\n", "\n  ") for name, child in self.named_children()]
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        body = ([extra] if extra else []) + lines
        return f"{type(self).__name__}(\n  " + "\n  ".join(body) + "\n)"


_CONTAINERS = (list, tuple, dict)


def _collect(name: str, container, found: list) -> None:
    """Append (name.i / name.key, item) for Parameters and Modules inside nested lists, tuples, dicts."""
    items = container.items() if type(container) is dict else enumerate(container)
    for key, item in items:
        if isinstance(item, (Parameter, Module)):
            found.append((f"{name}.{key}", item))
        elif type(item) in _CONTAINERS:
            _collect(f"{name}.{key}", item, found)


def _convert(array, device, dtype):
    if dtype is not None and array.dtype.kind == "f" and array.dtype != dtype:
        array = array.astype(dtype)
    if device is not None:
        array = backend.to_device(array, device)
    return array


class ModuleList(Module):
    """A list of modules whose parameters are found ('0.weight', '1.weight', ...).

    A plain Python list attribute works too; ModuleList adds nothing but PyTorch's name
    and the ability to be a module on its own (e.g. inside Sequential).
    """

    def __init__(self, modules=()):
        super().__init__()
        self._items = []
        for m in modules:
            self.append(m)

    def _members(self) -> list:
        return [(str(i), m) for i, m in enumerate(self._items)]

    def append(self, module: Module) -> "ModuleList":
        """Add a module at the end."""
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}: expected a Module, got {type(module).__name__}")
        self._items.append(module)
        return self

    def extend(self, modules) -> "ModuleList":
        """Add several modules at the end, in order."""
        for m in modules:
            self.append(m)
        return self

    def __getitem__(self, index):
        if isinstance(index, slice):
            return type(self)(self._items[index])
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):
        return iter(self._items)


class ModuleDict(Module):
    """A dict of modules (string keys) whose parameters are found as 'key.weight'."""

    def __init__(self, modules=None):
        super().__init__()
        self._items = {}
        for key, m in dict(modules or {}).items():
            self[key] = m

    def _members(self) -> list:
        return list(self._items.items())

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(key, str) or not isinstance(module, Module):
            raise TypeError(f"ModuleDict: expected a str key and a Module, got {type(key).__name__} -> {type(module).__name__}")
        self._items[key] = module

    def __getitem__(self, key: str) -> Module:
        return self._items[key]

    def __contains__(self, key) -> bool:
        return key in self._items

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def keys(self):
        """The names, in insertion order."""
        return self._items.keys()

    def values(self):
        """The modules, in insertion order."""
        return self._items.values()

    def items(self):
        """(name, module) pairs, in insertion order."""
        return self._items.items()


class Sequential(ModuleList):
    """Modules applied one after the other: Sequential(a, b, c)(x) == c(b(a(x)))."""

    def __init__(self, *modules):
        super().__init__(modules)

    def forward(self, x):
        for m in self._items:
            x = m(x)
        return x
