"""Draw the graph autograd recorded: Graphviz DOT text, and SVG/PNG/PDF through `dot`.

    import minigrad as mg
    x = mg.tensor([1.0, 2.0], requires_grad=True); x.name = "x"
    loss = (x * x).sum()
    print(mg.viz.to_dot(loss))            # DOT text; paste it into any Graphviz viewer
    mg.viz.draw(loss, "graph.svg")        # needs the `dot` program (Graphviz)

What is drawn. Every op that recorded a node is a box labelled with the op's name
and the shape and dtype of the tensor it produced. Leaves (the tensors you made,
parameters, inputs) are ellipses: yellow when they require grad, grey when they are
constants. The tensor you pass is a green ellipse at the bottom. An intermediate
tensor gets an ellipse of its own only when there is something to say about it: it
has a `.name`, or a `.grad` (because of `retain_grad()`). Edges run the way data
flows: input -> op -> output. Python numbers passed to an op (the 2 in `x * 2`) are
constants baked into the op and are not drawn.

Gradients. Once a tensor has `.grad`, its ellipse also shows the gradient's norm
||grad||_2, so after a backward pass you see where gradients are large or vanish.

After backward. `backward()` frees the graph: each node drops its saved arrays and
its inputs, so there is nothing left to walk. To draw a graph after its backward,
call `backward(retain_graph=True)`. Leaves keep `.grad` either way, so their
gradient norms show. Drawing a freed graph gives the output and a note saying so.

Training curves. `plot_history(history, "history.png")` draws what keras' fit returned
(or any {"loss": [...], "val_loss": [...], ...} dict): one panel per quantity, the
training values and the validation ones (val_*) against the epoch. It needs matplotlib.

Large graphs. A GPT's graph has thousands of nodes, which no one can read. The walk
starts at the output and goes breadth first, so the `max_nodes` nodes nearest the
output are kept; the rest are replaced by one note node saying how many were left out.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
from collections import deque

from .tensor import Tensor

__all__ = ["to_dot", "draw", "GraphvizNotFound", "plot_history"]

# Graphviz attributes per kind of node; kept in one place so the legend in the
# module docstring and the picture agree.
_STYLE = {
    "op": 'shape=box, style="rounded,filled", fillcolor="#cfe2f3"',
    "leaf": 'shape=ellipse, style=filled, fillcolor="#fff2cc"',
    "constant": 'shape=ellipse, style=filled, fillcolor="#eeeeee"',
    "tensor": 'shape=ellipse, style=filled, fillcolor="#ffffff"',
    "output": 'shape=ellipse, style=filled, fillcolor="#d9ead3"',
    "note": 'shape=note, style=filled, fillcolor="#f4cccc"',
}


class GraphvizNotFound(RuntimeError):
    """Raised by `draw` when the Graphviz `dot` program is not installed."""


def _escape(text: str) -> str:
    """Quote a label for DOT: backslashes and double quotes escaped, lines joined by \\n."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return "\\n".join(text.split("\n"))


def _describe(t: Tensor) -> str:
    """'(2, 3) float32': what a tensor is, in one line."""
    return f"{tuple(t.shape)} {t.dtype}"


def _grad_line(t: Tensor) -> list:
    """['grad norm 1.23'] when the tensor holds a gradient, else []."""
    if t.grad is None:
        return []
    values = t.grad.numpy().astype("float64").ravel()
    return [f"grad norm {math.sqrt(float((values * values).sum())):.4g}"]


def _tensor_label(t: Tensor, fallback: str) -> str:
    first = t.name if t.name else fallback
    return "\n".join(([first] if first else []) + [_describe(t)] + _grad_line(t))


def _has_own_node(t: Tensor) -> bool:
    """Does an intermediate tensor deserve an ellipse next to its op's box?"""
    return bool(t.name) or t.grad is not None


def _walk(root: Tensor):
    """The graph of `root`, breadth first from the output.

    Returns (nodes, edges): nodes is a list of (key, kind, label) in the order found;
    edges a list of (source key, target key) pointing the way data flows.
    Keys are "t<id>" for tensor ellipses and "f<id>" for op boxes (ids of Python objects,
    kept alive by `root` for as long as this function runs).
    """
    nodes, edges = [], []
    known = set()

    def add(key, kind, label):
        if key not in known:
            known.add(key)
            nodes.append((key, kind, label))

    add(f"t{id(root)}", "output" if root._node is not None else _leaf_kind(root), _tensor_label(root, "output" if root._node is not None else ""))
    queue = deque([root])  # tensors whose producing op still has to be drawn
    visited_ops = set()
    while queue:
        t = queue.popleft()
        node = t._node
        if node is None or id(node) in visited_ops:
            continue
        visited_ops.add(id(node))
        op_key = f"f{id(node)}"
        if node.freed:
            add(op_key, "op", f"{node.name}\n{_describe(t)}")
            add("freed", "note", "graph freed by backward():\ncall backward(retain_graph=True)\nto draw it afterwards")
            edges.append((op_key, _output_key(t, root)))
            continue
        add(op_key, "op", f"{node.name}\n{_describe(t)}")
        edges.append((op_key, _output_key(t, root)))
        for x in node.inputs:
            if not isinstance(x, Tensor):
                continue  # a Python number or an index: part of the op, not drawn
            if x._node is None:
                key = f"t{id(x)}"
                add(key, _leaf_kind(x), _tensor_label(x, ""))
                edges.append((key, op_key))
                continue
            if _has_own_node(x):
                key = f"t{id(x)}"
                add(key, "tensor", _tensor_label(x, ""))
                edges.append((key, op_key))
                # the edge from x's op to x itself is added when x's op is drawn
            else:
                edges.append((f"f{id(x._node)}", op_key))
            queue.append(x)
    return nodes, edges


def _leaf_kind(t: Tensor) -> str:
    return "leaf" if t.requires_grad else "constant"


def _output_key(t: Tensor, root: Tensor) -> str:
    """Where an op's edge to its output goes: the tensor's ellipse when it has one, else nowhere."""
    if t is root or _has_own_node(t):
        return f"t{id(t)}"
    return ""


def to_dot(tensor: Tensor, max_nodes: int = 200) -> str:
    """Graphviz DOT text for the graph that produced `tensor` (see the module docstring).

    At most `max_nodes` nodes are drawn (the ones nearest the output); when some are
    left out, a note node says how many.

    >>> import minigrad as mg
    >>> x = mg.tensor([1.0, 2.0], requires_grad=True)
    >>> print(to_dot((x * x).sum()))          # doctest: +ELLIPSIS
    digraph minigrad {
    ...
      n1 [label="Sum\\n() float32", ...];
    ...
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dot: expected a minigrad Tensor, got {type(tensor).__name__}")
    if max_nodes < 1:
        raise ValueError(f"to_dot: max_nodes must be at least 1, got {max_nodes}")
    nodes, edges = _walk(tensor)
    edges = [(a, b) for a, b in edges if a and b]
    left_out = max(len(nodes) - max_nodes, 0)
    kept = nodes[:max_nodes]
    names = {key: f"n{i}" for i, (key, _, _) in enumerate(kept)}

    lines = [
        "digraph minigrad {",
        "  rankdir=TB;",
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [color="#555555"];',
    ]
    for key, kind, label in kept:
        lines.append(f'  {names[key]} [label="{_escape(label)}", {_STYLE[kind]}];')
    if left_out:
        note = f"{left_out} more node{'s' if left_out != 1 else ''} not shown\n(max_nodes={max_nodes})"
        lines.append(f'  left_out [label="{_escape(note)}", {_STYLE["note"]}];')
    for source, target in edges:
        if source in names and target in names:
            lines.append(f"  {names[source]} -> {names[target]};")
    lines.append("}")
    return "\n".join(lines) + "\n"


_INSTALL_HELP = (
    "draw: the Graphviz program `dot` was not found on PATH, so the graph cannot be rendered to {path!r}. "
    "Install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; macOS: brew install graphviz; "
    "conda: conda install -c conda-forge graphviz), or save the text from mg.viz.to_dot(tensor) "
    "(which needs no Graphviz) to a .dot file and open it in any Graphviz viewer."
)


def draw(tensor: Tensor, path: str, max_nodes: int = 200) -> str:
    """Render the graph of `tensor` to `path`; the format comes from the extension.

    ".dot"/".gv" writes the DOT text itself (no Graphviz needed); anything else
    (".svg", ".png", ".pdf", ...) runs Graphviz's `dot -T<format>`. Returns `path`.
    Raises GraphvizNotFound, saying how to install it, when `dot` is missing.
    """
    text = to_dot(tensor, max_nodes=max_nodes)
    fmt = os.path.splitext(str(path))[1].lstrip(".").lower()
    if not fmt:
        raise ValueError(f"draw: cannot tell the format of {path!r}; give a file name ending in .svg, .png, .pdf or .dot")
    if fmt in ("dot", "gv"):
        with open(path, "w") as f:
            f.write(text)
        return path
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizNotFound(_INSTALL_HELP.format(path=str(path)))
    result = subprocess.run([dot, f"-T{fmt}", "-o", str(path)], input=text.encode(), capture_output=True)
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip()
        raise RuntimeError(f"draw: `dot -T{fmt}` failed for {path!r} (exit {result.returncode}): {message}")
    return path


def plot_history(history, path: str, title: str | None = None) -> str:
    """Save the loss and metric curves of a training run as a PNG (or any format matplotlib knows).

    `history`: the History that keras' Model.fit returns, or its `.history` dict of per-epoch
    lists. Each quantity gets a panel with its training curve and, when present, its
    validation curve ("val_" + name); epochs are counted from 1. Returns `path`.
    """
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict) or not logs:
        raise ValueError(f"plot_history: expected a History or a non-empty dict of per-epoch lists, got {history!r}")
    names = [k for k in logs if not k.startswith("val_")] or [k.removeprefix("val_") for k in logs]
    names = sorted(dict.fromkeys(names), key=lambda k: (k != "loss", k))  # the loss first
    try:
        import matplotlib
    except ImportError as err:
        raise ImportError("plot_history needs matplotlib: pip install matplotlib (or minigrad[examples])") from err
    matplotlib.use("Agg")  # draw to a file: no window, works on a server
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, axes = plt.subplots(1, len(names), figsize=(4 * len(names), 3.2), squeeze=False)
    for ax, name in zip(axes[0], names):
        for key, label, style in ((name, "training", "-o"), (f"val_{name}", "validation", "--s")):
            if key in logs:
                values = [float(v) for v in logs[key]]
                ax.plot(range(1, len(values) + 1), values, style, markersize=3, label=label)
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
