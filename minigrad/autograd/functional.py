"""Derivatives of whole functions, as torch.autograd.functional: vjp, jvp, jacobian, hessian, hvp, vhp.

Each takes a function of Tensors and the point `inputs` (a Tensor or a tuple of
Tensors) and builds what it returns from `grad`:

    vjp(f, x, v)    v^T J           one backward
    jvp(f, x, v)    J v             two backwards (the "double-vjp" trick: u -> J^T u is
                                    linear, and its vjp with v is (J^T)^T v = J v)
    jacobian(f, x)  J               one backward per output element
    hessian(f, x)   H = J(grad f)   the Jacobian of the gradient
    vhp(f, x, v)    v^T H           a backward of the (recorded) gradient
    hvp(f, x, v)    H v             jvp of the gradient

The inputs are detached first (so nothing outside is differentiated), unless
create_graph=True, in which case the results are recorded and stay differentiable
with respect to the original inputs. With strict=False an output that does not
depend on an input gives zeros; strict=True makes that an error.
"""

from __future__ import annotations

from ..tensor import Tensor
from .engine import Identity, grad
from .function import enable_grad


def _as_tuple(value, what: str, fn: str) -> tuple[bool, tuple]:
    """(was it a tuple?, the values as a tuple), checking that they are Tensors."""
    is_tuple = isinstance(value, (tuple, list))
    values = tuple(value) if is_tuple else (value,)
    for i, v in enumerate(values):
        if not isinstance(v, Tensor):
            raise TypeError(f"{fn}: {what} must be a Tensor or a tuple of Tensors, got {type(v).__name__} at {i}")
    return is_tuple, values


def _prepare_inputs(inputs, create_graph: bool, fn: str) -> tuple[bool, tuple]:
    is_tuple, xs = _as_tuple(inputs, "inputs", fn)
    prepared = []
    for i, x in enumerate(xs):
        if x.dtype.kind != "f":
            raise TypeError(f"{fn}: input {i} must be floating-point, got {x.dtype}")
        if create_graph and x.requires_grad:
            prepared.append(Identity.apply(x))  # differentiable with respect to the caller's x
        else:
            prepared.append(x.detach().requires_grad_(True))
    return is_tuple, tuple(prepared)


def _vectors(v, outputs: tuple, fn: str, what: str) -> tuple:
    """v matched to `outputs` (same count and shapes); None means 1 for one-element outputs."""
    if v is None:
        for i, o in enumerate(outputs):
            if o.size != 1:
                raise RuntimeError(f"{fn}: {what} may be omitted only when every output has one element; "
                                   f"output {i} has shape {tuple(o.shape)}")
        return tuple(Tensor._wrap(o._xp.ones_like(o.data), False) for o in outputs)
    _, vs = _as_tuple(v, "v", fn)
    if len(vs) != len(outputs):
        raise RuntimeError(f"{fn}: v has {len(vs)} entries but there are {len(outputs)} {what}")
    for i, (a, b) in enumerate(zip(vs, outputs)):
        if tuple(a.shape) != tuple(b.shape):
            raise RuntimeError(f"{fn}: v[{i}] has shape {tuple(a.shape)} but the matching {what} has {tuple(b.shape)}")
    return vs


def _grads(outputs: tuple, inputs: tuple, vectors: tuple, create_graph: bool, strict: bool, fn: str) -> tuple:
    """sum_i vectors_i^T d outputs_i / d inputs, one Tensor per input (zeros where unused)."""
    used = [(o, v) for o, v in zip(outputs, vectors) if o.requires_grad]
    found = (None,) * len(inputs)
    if used:
        found = grad([o for o, _ in used], list(inputs), [v for _, v in used], retain_graph=True,
                     create_graph=create_graph, allow_unused=True)
    results = []
    for i, (g, x) in enumerate(zip(found, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(f"{fn}: the output does not depend on input {i} (strict=True)")
            g = Tensor._wrap(x._xp.zeros_like(x.data), False)
        results.append(g)
    return tuple(results)


def _call(func, xs: tuple, fn: str) -> tuple[bool, tuple]:
    with enable_grad():
        out = func(*xs)
    return _as_tuple(out, "the function's output", fn)


def _result(values: tuple, is_tuple: bool, create_graph: bool):
    values = tuple(v if create_graph else v.detach() for v in values)
    return values if is_tuple else values[0]


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T J): the vector-Jacobian product at `inputs`, v shaped like the output."""
    in_tuple, xs = _prepare_inputs(inputs, create_graph, "vjp")
    out_tuple, outs = _call(func, xs, "vjp")
    vs = _vectors(v, outs, "vjp", "outputs")
    return _result(outs, out_tuple, create_graph), _result(_grads(outs, xs, vs, create_graph, strict, "vjp"),
                                                           in_tuple, create_graph)


def _jvp_of(outs: tuple, xs: tuple, vs: tuple, create_graph: bool, strict: bool, fn: str) -> tuple:
    """J v for outputs `outs` of inputs `xs`: the gradient of u -> (J^T u) . v with respect to u."""
    us = tuple(Tensor._wrap(o._xp.zeros_like(o.data), True) for o in outs)
    back = _grads(outs, xs, us, True, strict, fn)  # J^T u, linear in u and recorded
    return _grads(back, us, vs, create_graph, strict, fn)


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), J v): the Jacobian-vector product at `inputs`, v shaped like the inputs."""
    in_tuple, xs = _prepare_inputs(inputs, create_graph, "jvp")
    out_tuple, outs = _call(func, xs, "jvp")
    vs = _vectors(v, xs, "jvp", "inputs")
    return _result(outs, out_tuple, create_graph), _result(_jvp_of(outs, xs, vs, create_graph, strict, "jvp"),
                                                           out_tuple, create_graph)


def _jacobian_of(outs: tuple, xs: tuple, create_graph: bool, strict: bool, fn: str) -> list:
    """J[i][j] = d outs[i] / d xs[j], each of shape outs[i].shape + xs[j].shape: one backward per output element."""
    from ..ops.shape import stack  # the ops import autograd: imported when first needed

    table = []
    for o in outs:
        rows = [[] for _ in xs]
        for k in range(o.size):
            onehot = o._xp.zeros(o.size, dtype=o.dtype)
            onehot[k] = 1
            picked = Tensor._wrap(onehot.reshape(o.shape), False)
            for j, g in enumerate(_grads((o,), xs, (picked,), create_graph, strict, fn)):
                rows[j].append(g)
        row = []
        for j, x in enumerate(xs):
            if rows[j]:
                row.append(stack(rows[j]).reshape(tuple(o.shape) + tuple(x.shape)))
            else:  # an output with no elements
                row.append(Tensor._wrap(x._xp.zeros(tuple(o.shape) + tuple(x.shape), dtype=x.dtype), False))
        table.append(row)
    return table


def _pack(table: list, out_tuple: bool, in_tuple: bool, create_graph: bool):
    """PyTorch's nesting: a Tensor, a tuple over inputs or outputs, or a tuple of tuples."""
    table = [[v if create_graph else v.detach() for v in row] for row in table]
    if out_tuple and in_tuple:
        return tuple(tuple(row) for row in table)
    if out_tuple:
        return tuple(row[0] for row in table)
    if in_tuple:
        return tuple(table[0])
    return table[0][0]


def jacobian(func, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode"):
    """The Jacobian of func at `inputs`: shape output.shape + input.shape (tuples nest as in PyTorch).

    Computed in reverse mode, one backward per output element (vectorize is accepted and
    ignored: the loop is the same either way here).
    """
    if strategy != "reverse-mode":
        raise ValueError(f"jacobian: only strategy='reverse-mode' is implemented, got {strategy!r}")
    in_tuple, xs = _prepare_inputs(inputs, create_graph, "jacobian")
    out_tuple, outs = _call(func, xs, "jacobian")
    return _pack(_jacobian_of(outs, xs, create_graph, strict, "jacobian"), out_tuple, in_tuple, create_graph)


def _scalar_output(func, xs: tuple, fn: str) -> Tensor:
    out_tuple, outs = _call(func, xs, fn)
    if out_tuple and len(outs) != 1 or outs[0].size != 1:
        raise RuntimeError(f"{fn}: the function must return a single one-element Tensor, got "
                           f"{[tuple(o.shape) for o in outs]}")
    return outs[0]


def hessian(func, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a scalar func at `inputs`: shape input.shape + input.shape (H[i][j] for tuples)."""
    if outer_jacobian_strategy != "reverse-mode":
        raise ValueError(f"hessian: only outer_jacobian_strategy='reverse-mode' is implemented, "
                         f"got {outer_jacobian_strategy!r}")
    in_tuple, xs = _prepare_inputs(inputs, create_graph, "hessian")
    out = _scalar_output(func, xs, "hessian")
    first = _grads((out,), xs, _vectors(None, (out,), "hessian", "outputs"), True, strict, "hessian")
    table = _jacobian_of(first, xs, create_graph, strict, "hessian")
    return _pack(table, in_tuple, in_tuple, create_graph)


def vhp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T H) for a scalar func: one backward through the recorded gradient."""
    in_tuple, xs = _prepare_inputs(inputs, create_graph, "vhp")
    out = _scalar_output(func, xs, "vhp")
    vs = _vectors(v, xs, "vhp", "inputs")
    first = _grads((out,), xs, _vectors(None, (out,), "vhp", "outputs"), True, strict, "vhp")
    return _result((out,), False, create_graph), _result(_grads(first, xs, vs, create_graph, strict, "vhp"),
                                                         in_tuple, create_graph)


def hvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), H v) for a scalar func: the Jacobian-vector product of the gradient."""
    in_tuple, xs = _prepare_inputs(inputs, create_graph, "hvp")
    out = _scalar_output(func, xs, "hvp")
    vs = _vectors(v, xs, "hvp", "inputs")
    first = _grads((out,), xs, _vectors(None, (out,), "hvp", "outputs"), True, strict, "hvp")
    return _result((out,), False, create_graph), _result(_jvp_of(first, xs, vs, create_graph, strict, "hvp"),
                                                         in_tuple, create_graph)
