"""model.summary(): Keras's table of layers, output shapes and parameter counts.

    Model: "sequential"
    ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
    ┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
    ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
    │ dense (Dense)                   │ (None, 64)             │         4,160 │
    └─────────────────────────────────┴────────────────────────┴───────────────┘
     Total params: 4,160 (16.25 KB)
     Trainable params: 4,160 (16.25 KB)
     Non-trainable params: 0 (0.00 B)

Once the optimizer exists (after compile on a built model, or fit) a line counts its state
too ("Optimizer params"), as Keras does. Sizes are bytes of the weights' dtype.
"""

from __future__ import annotations

import textwrap

WIDTHS = (33, 24, 15)


def _size(nbytes: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if nbytes >= scale:
            return f"{nbytes / scale:.2f} {unit}"
    return f"{nbytes:.2f} B"


def _row(cells, left: str, middle: str, right: str) -> str:
    parts = []
    for i, (cell, width) in enumerate(zip(cells, WIDTHS)):
        text = f" {cell:>{width - 2}} " if i == len(WIDTHS) - 1 else f" {cell:<{width - 2}} "
        parts.append(text)
    return left + middle.join(parts) + right


def _rule(left: str, line: str, middle: str, right: str) -> str:
    return left + middle.join(line * width for width in WIDTHS) + right


def _shape(layer) -> str:
    shape = getattr(layer, "_output_shape", None)
    return "?" if shape is None else str(tuple(shape))


def _count(weights) -> tuple[int, int]:
    return sum(w.size for w in weights), sum(w.size * w.dtype.itemsize for w in weights)


def _optimizer_state(model) -> tuple[int, int] | None:
    optimizer = getattr(model, "optimizer", None)
    core = getattr(optimizer, "core", None)
    if core is None or not core.state:
        return None
    arrays = [v for state in core.state.values() for v in state.values() if hasattr(v, "size")]
    return _count(arrays)


def render(model, show_trainable: bool = False) -> str:
    """The summary table of `model` as text."""
    lines = [f'Model: "{model.name}"', _rule("┏", "━", "┳", "┓"),
             _row(("Layer (type)", "Output Shape", "Param #"), "┃", "┃", "┃"), _rule("┡", "━", "╇", "┩")]
    layers = model.layers
    for i, layer in enumerate(layers):
        params = sum(w.size for w in layer.weights)
        names = textwrap.wrap(f"{layer.name} ({type(layer).__name__})", WIDTHS[0] - 2)  # long names wrap, as Keras's
        lines.append(_row((names[0], _shape(layer), f"{params:,}"), "│", "│", "│"))
        lines += [_row((more, "", ""), "│", "│", "│") for more in names[1:]]
        lines.append(_rule("├", "─", "┼", "┤") if i < len(layers) - 1 else _rule("└", "─", "┴", "┘"))
    if not layers:
        lines.append(_rule("└", "─", "┴", "┘"))
    total, total_bytes = _count(model.weights)
    trainable, trainable_bytes = _count(model.trainable_weights)
    optimizer = _optimizer_state(model)
    if optimizer is not None:
        grand, grand_bytes = total + optimizer[0], total_bytes + optimizer[1]
        lines.append(f" Total params: {grand:,} ({_size(grand_bytes)})")
    else:
        lines.append(f" Total params: {total:,} ({_size(total_bytes)})")
    lines.append(f" Trainable params: {trainable:,} ({_size(trainable_bytes)})")
    lines.append(f" Non-trainable params: {total - trainable:,} ({_size(total_bytes - trainable_bytes)})")
    if optimizer is not None:
        lines.append(f" Optimizer params: {optimizer[0]:,} ({_size(optimizer[1])})")
    return "\n".join(lines)
