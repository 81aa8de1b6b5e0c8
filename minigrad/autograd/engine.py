"""The backward pass: from the outputs to the leaves, in reverse topological order.

    backward(tensors, grad_tensors, retain_graph, create_graph, inputs)   adds into each leaf's .grad
    grad(outputs, inputs, grad_outputs, retain_graph, create_graph, allow_unused)   returns the gradients

Both run `_run`: it walks the recorded nodes from the outputs towards the leaves
(iteratively, so a 100,000-op chain is fine), calls each node's backward once all
the gradients of its output have arrived, sums each input's gradient back to the
input's shape (broadcasting) and adds up the gradients an input gets from several
uses.

Without `create_graph` the gradients are plain arrays and nothing is recorded: the
fast path a training step takes. With it they are Tensors, every backward formula
is itself recorded (see Function), and the gradients can be differentiated again.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .function import Function, _InPlace, check_finite, enable_grad, _GradMode


class Identity(Function):
    """x, unchanged (the same array);  dx = g

    The engine puts one in front of each input of a composite (see `_composite_backward`)
    so that the composite's gradient is taken with respect to that input alone.
    """

    def forward(self, x):
        return x

    def backward(self, g):
        return g


def sum_to_shape(grad, shape: tuple):
    """Sum a broadcast gradient (array or Tensor) back to `shape`: the backward of broadcasting."""
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1
    )
    return grad.sum(axis=axes).reshape(shape)


def _as_list(tensors) -> list:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None, create_graph: bool = False,
             inputs=None) -> None:
    """Add d(tensors)/d(leaf) into `leaf.grad` for every leaf the tensors depend on.

    grad_tensors: the gradient of each output (implied 1 for one-element outputs).
    retain_graph: keep the graph for another backward (default: create_graph).
    create_graph: record the backward too, so the gradients can be differentiated again.
    inputs: accumulate only into these tensors (leaves or not).
    """
    roots = _as_list(tensors)
    root_grads = _root_gradients("backward", roots, _per_output(tensors, grad_tensors), create_graph)
    wanted = None
    if inputs is not None:
        wanted = _as_list(inputs)
        if not wanted:
            raise RuntimeError("backward: inputs= was given but is empty")
        _check_differentiable("backward", wanted)
    keep = create_graph if retain_graph is None else retain_graph
    _run(roots, root_grads, keep, create_graph, wanted, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None, create_graph: bool = False,
         allow_unused: bool = False) -> tuple:
    """The gradients of `outputs` with respect to `inputs`, returned (no .grad is touched).

    >>> x = tensor(3.0, requires_grad=True)
    >>> (dx,) = grad(x ** 3, x, create_graph=True)     # 3 x^2 = 27, itself differentiable
    >>> (dxx,) = grad(dx, x)                            # 6 x = 18

    grad_outputs: the gradient of each output (implied 1 for one-element outputs).
    retain_graph: keep the graph for another backward (default: create_graph).
    create_graph: record the backward, so the returned gradients require grad.
    allow_unused: return None for an input the outputs do not depend on (else an error).
    """
    roots = _as_list(outputs)
    wanted = _as_list(inputs)
    if not wanted:
        raise RuntimeError("grad: inputs is empty")
    _check_differentiable("grad", wanted)
    root_grads = _root_gradients("grad", roots, _per_output(outputs, grad_outputs), create_graph)
    keep = create_graph if retain_graph is None else retain_graph
    found = _run(roots, root_grads, keep, create_graph, wanted, accumulate=False)
    results = []
    handed_out = set()
    for i, x in enumerate(wanted):
        g = found.get(x)
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} (shape {tuple(x.shape)}) was not used to compute the outputs; "
                    "pass allow_unused=True to get None for it"
                )
            results.append(None)
        elif create_graph:
            results.append(g)
        else:
            results.append(Tensor._wrap(_own(g, handed_out), False))
    return tuple(results)


def _per_output(outputs, gradients) -> list:
    """The given gradients as a list with one entry per output (None: implied)."""
    count = 1 if isinstance(outputs, Tensor) else len(outputs)
    if gradients is None:
        return [None] * count
    if isinstance(outputs, Tensor):
        return [gradients]
    return [gradients] if isinstance(gradients, Tensor) else list(gradients)


def _check_differentiable(op: str, tensors: list) -> None:
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(f"{op}: inputs must be Tensors, got {type(x).__name__} at position {i}")
        if not x.requires_grad:
            raise RuntimeError(f"{op}: input {i} (shape {tuple(x.shape)}) does not require grad")


def _root_gradients(op: str, roots: list, given, create_graph: bool) -> list:
    """The starting gradient of each output: arrays, or Tensors when the backward is recorded."""
    if len(given) != len(roots):
        raise RuntimeError(f"{op}: got {len(given)} gradients for {len(roots)} outputs")
    out = []
    for root, g in zip(roots, given):
        if not isinstance(root, Tensor) or not root.requires_grad:
            raise RuntimeError(
                f"{op}: this tensor does not require grad and has no graph "
                "(was it made under no_grad, or from tensors with requires_grad=False?)"
            )
        xp = root._xp
        if g is None:
            if root.size != 1:
                raise RuntimeError(
                    f"{op}: a gradient can only be implied for a one-element output; this one has "
                    f"shape {tuple(root.shape)}: pass the output's gradient with that shape"
                )
            g = xp.ones_like(root.data)
        elif isinstance(g, Tensor) and create_graph:
            pass  # kept as it is: the result may be differentiated with respect to it too
        else:
            g = xp.array(g.data if isinstance(g, Tensor) else g, dtype=root.dtype, copy=True)
        if tuple(g.shape) != tuple(root.shape):
            raise ValueError(
                f"{op}: gradient has shape {tuple(g.shape)} but the output has shape {tuple(root.shape)}"
            )
        if create_graph and not isinstance(g, Tensor):
            g = Tensor._wrap(g, False)
        out.append(g)
    return out


def _topological_order(roots: list, stop_below: int) -> list:
    """The tensors of the roots' graph that need a gradient, each before the tensors it was made from.

    Every op's output is created after its inputs, so sorting the reachable tensors by
    their creation number, newest first, is a topological order. A leaf sorts just after
    the oldest op that reads it (number - 0.5): its gradient is complete from there on, so
    it is accumulated (and its post-accumulate hooks fire) while the rest of the backward runs.
    The walk uses an explicit stack, so graph depth is not limited by Python's recursion.
    Tensors made before `stop_below` are not expanded: nothing wanted lies behind them.
    """
    found, seen, stack = [], set(), []  # tensors hash by identity
    last_use = {}  # leaf -> number of the oldest op that reads it
    for root in roots:
        if root not in seen:
            seen.add(root)
            found.append(root)
            stack.append(root)
    while stack:
        node = stack.pop()._node
        if node is None:
            continue
        if node.freed:
            raise RuntimeError(
                "backward: the graph was already freed by an earlier backward(); "
                "call backward(retain_graph=True) the first time to go through it twice"
            )
        if node.number < stop_below:
            continue
        if _InPlace.replaced:
            _resolve_inputs(node)
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


def _resolve_inputs(node: Function) -> None:
    """Point the node at the inputs as they were when it was recorded (see Tensor._record_inplace)."""
    if any(isinstance(x, Tensor) and x._previous is not None for x in node.inputs):
        node.inputs = tuple(_as_of(x, node.number) for x in node.inputs)


def _as_of(x, number: int):
    """The version of tensor x that op number `number` took as its input."""
    while isinstance(x, Tensor) and x._previous is not None and x._replaced_at > number:
        x = x._previous
    return x


def _creation_number(tensor: Tensor) -> int:
    return -1 if tensor._node is None else tensor._node.number


def _leading_to(order: list, wanted: set, stop_below: int) -> set:
    """The tensors in `order` from which a wanted tensor can be reached by going back through the graph."""
    leads = set()
    for t in reversed(order):  # inputs before the tensors made from them
        node = t._node
        if t in wanted or (node is not None and node.number >= stop_below
                           and any(isinstance(x, Tensor) and x in leads for x in node.inputs)):
            leads.add(t)
    return leads


def _run(roots: list, root_grads: list, retain_graph: bool, create_graph: bool, wanted, accumulate: bool) -> dict:
    """Propagate the root gradients back through the graph.

    wanted None: accumulate into every leaf (and every tensor that retains its grad).
    Otherwise only the wanted tensors get a gradient: accumulated into .grad, or returned
    in a dict (accumulate=False); nodes that lead to no wanted tensor are skipped.
    """
    grads = {}
    for root, g in zip(roots, root_grads):
        grads[root] = g if root not in grads else grads[root] + g
    stop_below = -1
    leads = wanted_set = None
    if wanted is not None:
        wanted_set = set(wanted)
        stop_below = min(_creation_number(x) for x in wanted)
    order = _topological_order(roots, stop_below)
    if wanted is not None:
        leads = _leading_to(order, wanted_set, stop_below)
    found = {}
    handed_out = set()  # buffers already given to a leaf's .grad, so no two leaves share one
    anomaly = _GradMode.anomaly
    for tensor in order:
        grad = grads.pop(tensor, None)
        if grad is None:
            continue
        if tensor._hooks:
            grad = _run_hooks(tensor, grad, create_graph)
        node = tensor._node
        if wanted is None:
            if node is None or tensor._retains_grad:
                _accumulate(tensor, grad, handed_out, create_graph)
        elif tensor in wanted_set:
            if accumulate:
                _accumulate(tensor, grad, handed_out, create_graph)
            else:
                found[tensor] = grad
        if node is None and (wanted is None or (accumulate and tensor in wanted_set)):
            for hook in tensor._post_accumulate_grad_hooks or ():
                hook(tensor)
        if node is None or (leads is not None and not any(x in leads for x in node.inputs if isinstance(x, Tensor))):
            continue
        if _InPlace.last > node.number:
            _check_unchanged(node, tensor)
        if create_graph:
            input_grads = _recorded_backward(node, tensor, grad)
        else:
            input_grads = node.backward(grad)
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        for x, g in zip(node.inputs, input_grads):
            if g is None or not isinstance(x, Tensor) or not x.requires_grad:
                continue
            if leads is not None and x not in leads:
                continue
            if anomaly:
                check_finite(node.name, "backward", g, node)
            g = _fit(g, x, create_graph)
            previous = grads.get(x)
            grads[x] = g if previous is None else previous + g
        if not retain_graph:
            node.release()
    return found


def _fit(g, x: Tensor, create_graph: bool):
    """A gradient for input x: summed back to x's shape (broadcasting) and in x's dtype."""
    if create_graph and not isinstance(g, Tensor):
        g = Tensor._wrap(x._xp.asarray(g), False)  # a constant (a formula may return a plain array)
    if g.shape != x.shape:
        g = sum_to_shape(g, x.shape)
    if g.dtype != x.dtype:
        g = g.astype(x.dtype)
    if isinstance(g, np.generic):  # NumPy turns 0-d results (full reductions too) into scalars
        g = np.asarray(g)
    return g


def _run_hooks(tensor: Tensor, grad, create_graph: bool):
    """Call the tensor's hooks in order; a hook that returns a gradient replaces it."""
    for hook in tensor._hooks:
        replaced = hook(grad if create_graph else Tensor._wrap(grad, False))
        if replaced is None:
            continue
        if tuple(replaced.shape) != tuple(grad.shape):  # PyTorch refuses this too
            raise RuntimeError(
                f"backward: hook {getattr(hook, '__name__', hook)!r} changed the gradient's shape "
                f"from {tuple(grad.shape)} to {tuple(replaced.shape)}; a hook may return a "
                f"gradient of the same shape, or None to keep it"
            )
        if create_graph:
            grad = replaced if isinstance(replaced, Tensor) else Tensor._wrap(tensor._xp.asarray(replaced), False)
        else:
            grad = replaced.data if isinstance(replaced, Tensor) else replaced
    return grad


def _own(grad, handed_out: set):
    """`grad` if it can be handed to the user as it is, else a copy (shared or read-only buffers)."""
    owner = id(grad) if grad.base is None else id(grad.base)
    # (CuPy's flags have no `writeable`; its broadcast views are caught by the contiguity test.)
    if owner in handed_out or not getattr(grad.flags, "writeable", True) or not grad.flags.c_contiguous:
        grad = grad.copy()
        owner = id(grad)
    handed_out.add(owner)
    return grad


def _accumulate(tensor: Tensor, grad, handed_out: set, create_graph: bool) -> None:
    """Add `grad` into tensor.grad, making sure the stored buffer is the tensor's own."""
    if create_graph:  # a Tensor, recorded: tensor.grad can be differentiated
        if tensor.grad is not None:
            tensor.grad = tensor.grad + grad
        elif id(grad) in handed_out:
            tensor.grad = grad * 1  # a recorded copy: two leaves never share one gradient tensor
        else:
            handed_out.add(id(grad))
            tensor.grad = grad
        return
    if tensor.grad is not None:
        tensor.grad.data = tensor.grad.data + grad
        return
    tensor.grad = Tensor._wrap(_own(grad, handed_out), False)


def _check_unchanged(node: Function, out: Tensor) -> None:
    """Refuse to differentiate an op whose saved input or output was changed in place after it
    was recorded: its gradient would be computed from the new values (PyTorch raises too)."""
    saved = {id(v) for v in vars(node).values()}
    candidates = [x for x in node.inputs if isinstance(x, Tensor)] + [out]
    for x in candidates:
        if x._modified_at > node.number and id(x.data) in saved:
            role = "its output" if x is out else f"input {node.inputs.index(x)}"
            raise RuntimeError(
                f"backward: {node.name} saved {role} (a tensor of shape {tuple(x.shape)}, {x.dtype}) for its "
                f"gradient, but that tensor was modified in place after {node.name} used it (it is now at "
                f"version {x._version}), so the gradient would be wrong. Change a copy instead (x.clone()), "
                "or make the change before the op uses the tensor."
            )


def _recorded_backward(node: Function, out: Tensor, grad: Tensor) -> tuple:
    """The node's input gradients as recorded Tensors (for create_graph)."""
    with enable_grad():
        if node.composite is not None:
            return _composite_backward(node, grad)
        by_id = {id(out.data): out}
        by_id.update({id(x.data): x for x in node.inputs if isinstance(x, Tensor)})
        twin = object.__new__(type(node))  # the same node with its saved arrays as Tensors
        twin.__dict__.update({name: by_id.get(id(v), v) for name, v in vars(node).items()})
        result = twin.backward(grad)
    return result if isinstance(result, tuple) else (result,)


def _composite_backward(node: Function, g: Tensor) -> tuple:
    """Differentiate the op's composite twin at the node's inputs, recording the backward.

    Each input that wants a gradient goes in through its own Identity node, so the
    gradient is taken with respect to that input alone (an input computed from another
    input would otherwise collect both paths, and the outer walk would count one twice).
    """
    wants = [isinstance(x, Tensor) and x.requires_grad for x in node.inputs]
    stand_ins = [Identity.apply(x) if w else x for x, w in zip(node.inputs, wants)]
    output = node.composite(*stand_ins, **node.params)
    targets = [s for s, w in zip(stand_ins, wants) if w]
    grads = iter(grad(output, targets, g, create_graph=True, allow_unused=True))
    return tuple(next(grads) if w else None for w in wants)
