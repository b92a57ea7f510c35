"""`Model.summary()`: the layer table Keras prints, in plain box-drawing text."""

import shutil

import numpy as np

from k_backends import dtypes
from k_layers.models.input_layer import InputLayer

__all__ = ["print_summary"]


def _output_shape(layer):
    nodes = getattr(layer, "_inbound_nodes", None) or []
    if not nodes:
        return "?"
    outputs = nodes[0].outputs
    if len(outputs) == 1:
        return str(tuple(outputs[0].shape))
    return ", ".join(str(tuple(t.shape)) for t in outputs)


def _param_count(layer):
    if not layer.built and not layer.weights:
        return "0 (unbuilt)"
    return f"{sum(int(np.prod(v.shape)) for v in layer.weights):,}"


def _connections(layer, model_nodes):
    parts = []
    for node in getattr(layer, "_inbound_nodes", []):
        if id(node) not in model_nodes:
            continue
        for tensor in node.input_tensors:
            parent = tensor._keras_node
            if parent is None:
                continue
            op = parent.operation
            name = getattr(op, "name", getattr(op, "__name__", "?"))
            index = getattr(op, "_inbound_nodes", [parent]).index(parent) if hasattr(op, "_inbound_nodes") \
                else 0
            parts.append(f"{name}[{index}][{parent.outputs.index(tensor)}]")
    return ", ".join(parts) or "-"


def _bytes(variables):
    total = sum(int(np.prod(v.shape)) * _itemsize(v.dtype) for v in variables)
    for unit in ("B", "KB", "MB", "GB"):
        if total < 1024 or unit == "GB":
            return f"{total:.2f} {unit}"
        total /= 1024
    return f"{total:.2f} GB"


def _itemsize(dtype):
    name = dtypes.standardize_dtype(dtype)
    if name == "bfloat16":
        return 2
    if name == "bool":
        return 1
    return np.dtype(name).itemsize


def _wrap(text, width):
    """Split `text` into lines of at most `width` characters, at ", " where possible."""
    lines, line = [], ""
    for piece in text.split(", "):
        candidate = piece if not line else f"{line}, {piece}"
        if len(candidate) <= width or not line:
            line = candidate
        else:
            lines.append(line + ",")
            line = piece
    lines.append(line)
    out = []
    for line in lines:
        while len(line) > width:
            out.append(line[:width])
            line = line[width:]
        out.append(line)
    return out


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False, layer_range=None):
    from k_layers.models.functional import Functional
    from k_layers.models.sequential import Sequential

    print_fn = print_fn or print
    functional = model._kappa_functional if isinstance(model, Sequential) else model
    sequential_like = isinstance(model, Sequential) or not isinstance(model, Functional) or all(
        len(node.input_tensors) <= 1 for node in model._kappa_nodes)
    layers = list(model.layers)  # a Functional model lists its inputs; a Sequential does not
    if layer_range is not None:
        names = [layer.name for layer in layers]
        if len(layer_range) != 2 or layer_range[0] not in names or layer_range[1] not in names:
            raise ValueError(f"summary: layer_range must be two layer names of the model; got {layer_range}.")
        start, stop = names.index(layer_range[0]), names.index(layer_range[1])
        layers = layers[start:stop + 1]
    rows = []

    def add_rows(layer, depth):
        prefix = "  " * depth
        row = [f"{prefix}{layer.name} ({type(layer).__name__})", _output_shape(layer), _param_count(layer)]
        if not sequential_like:
            node_ids = {id(n) for n in functional._kappa_nodes}
            row.append(_connections(layer, node_ids))
        if show_trainable:
            row.append("Y" if layer.trainable else "N")
        rows.append(row)
        if expand_nested and hasattr(layer, "layers") and layer is not model:
            for inner in layer.layers:
                if not isinstance(inner, InputLayer):
                    add_rows(inner, depth + 1)

    for layer in layers:
        add_rows(layer, 0)

    headers = ["Layer (type)", "Output Shape", "Param #"]
    if not sequential_like:
        headers.append("Connected to")
    if show_trainable:
        headers.append("Trainable")
    total_width = line_length or min(max(shutil.get_terminal_size((98, 20)).columns, 80), 120)
    fractions = positions or ([0.33, 0.55, 0.67, 1.0] if not sequential_like else [0.45, 0.84, 1.0])
    if positions is not None and all(p <= 1 for p in positions):
        fractions = list(positions)
    if positions is not None and any(p > 1 for p in positions):
        fractions = [p / total_width for p in positions]
    fractions = list(fractions)[:len(headers)]
    while len(fractions) < len(headers):
        fractions.append(1.0)
    bounds = [int(f * total_width) for f in fractions]
    widths = [max(bounds[0], 8) - 3] + [max(b - a, 8) - 3 for a, b in zip(bounds, bounds[1:], strict=False)]

    def line(left, mid, right, fill="─"):
        return left + mid.join(fill * (w + 2) for w in widths) + right

    def render(cells):
        wrapped = [_wrap(str(c), w) for c, w in zip(cells, widths, strict=True)]
        height = max(len(w) for w in wrapped)
        out = []
        for i in range(height):
            parts = []
            for column, (lines, w) in enumerate(zip(wrapped, widths, strict=True)):
                text = lines[i] if i < len(lines) else ""
                parts.append(text.rjust(w) if headers[column] == "Param #" else text.ljust(w))
            out.append("│ " + " │ ".join(parts) + " │")
        return out

    print_fn(f'Model: "{model.name}"')
    print_fn(line("┌", "┬", "┐"))
    for text in render(headers):
        print_fn(text)
    print_fn(line("├", "┼", "┤", "═"))
    for index, row in enumerate(rows):
        for text in render(row):
            print_fn(text)
        print_fn(line("├", "┼", "┤") if index < len(rows) - 1 else line("└", "┴", "┘"))
    if not rows:
        print_fn(line("└", "┴", "┘"))
    trainable = model.trainable_weights
    non_trainable = model.non_trainable_weights
    count = sum(int(np.prod(v.shape)) for v in trainable + non_trainable)
    t_count = sum(int(np.prod(v.shape)) for v in trainable)
    print_fn(f" Total params: {count:,} ({_bytes(trainable + non_trainable)})")
    print_fn(f" Trainable params: {t_count:,} ({_bytes(trainable)})")
    print_fn(f" Non-trainable params: {count - t_count:,} ({_bytes(non_trainable)})")
