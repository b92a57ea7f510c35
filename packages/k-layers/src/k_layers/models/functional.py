"""The Functional API: a model defined by the graph from its `Input`s to its outputs.

Every layer or op called on symbolic tensors leaves a `Node` (k_ops.symbolic) on its
outputs. `Functional(inputs, outputs)` walks those nodes back from the outputs,
orders them, and replays them on real tensors when called. Its config is Keras 3's
(`layers` with `inbound_nodes`, `input_layers`, `output_layers`), so Functional models
saved by either library load in the other.
"""

import re

from k_layers.layer import Layer, map_structure, unique_name
from k_layers.models.input_layer import InputLayer
from k_layers.models.model import Model
from k_layers.serialization import builtin, deserialize_keras_object, serialize_keras_object
from k_ops.symbolic import KerasTensor, flatten

__all__ = ["Functional"]


def _check_tensors(structure, what):
    for x in flatten(structure):
        if not isinstance(x, KerasTensor):
            raise TypeError(f"Functional model {what} must be symbolic tensors (from kappa.Input or layers "
                            f"called on them); got {type(x).__name__}: {x!r}.")
        if x._keras_node is None:
            raise ValueError(f"Functional model {what}: tensor {x.name} was not made by an Input or a layer "
                             "call, so the graph cannot be traced back from it.")


def _graph(inputs, outputs):
    """The nodes between `inputs` and `outputs` in execution order, or a clear error."""
    input_ids = {id(x) for x in inputs}
    ordered, state = [], {}

    def visit(node):
        mark = state.get(id(node))
        if mark == "done":
            return
        if mark == "active":
            raise ValueError("Functional model: the graph has a cycle.")
        state[id(node)] = "active"
        for tensor in node.input_tensors:
            if id(tensor) in input_ids:
                continue
            parent = tensor._keras_node
            if parent is None:
                raise ValueError(f"Graph disconnected: tensor {tensor.name} feeding "
                                 f"'{_op_name(node.operation)}' has no history.")
            if isinstance(parent.operation, InputLayer):
                raise ValueError(f"Graph disconnected: cannot obtain value for tensor {tensor.name} at layer "
                                 f"'{_op_name(node.operation)}': its Input '{parent.operation.name}' is not "
                                 "among the model's inputs.")
            visit(parent)
        state[id(node)] = "done"
        ordered.append(node)

    for tensor in outputs:
        if id(tensor) in input_ids:
            continue
        visit(tensor._keras_node)
    return ordered


def _operations_by_depth(inputs, outputs):
    """The graph's operations in Keras's order: deepest first (inputs), ties in first-visit order.

    Keras numbers operations as a depth-first walk from the outputs meets them, gives each
    node its longest distance to an output, and lists operations by decreasing depth. The
    same order makes `layers`, `weights` and `get_weights()` line up with Keras's.
    """
    index, post_order, seen = {}, [], set()

    def visit(node):
        if id(node) in seen:
            return
        seen.add(id(node))
        index.setdefault(id(node.operation), len(index))
        for tensor in node.input_tensors:
            if tensor._keras_node is not None:
                visit(tensor._keras_node)
        post_order.append(node)

    for tensor in outputs:
        visit(tensor._keras_node)
    node_depth, op_depth, ops = {}, {}, {}
    for node in reversed(post_order):
        depth = max(node_depth.get(id(node), 0), op_depth.get(id(node.operation), 0))
        op_depth[id(node.operation)] = depth
        ops[id(node.operation)] = node.operation
        node_depth[id(node)] = depth
        for parent in node.parent_nodes:
            node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for tensor in inputs:
        operation = tensor._keras_node.operation
        if id(operation) not in op_depth:
            op_depth[id(operation)] = 0
            index[id(operation)] = -1
            ops[id(operation)] = operation
    return sorted(ops.values(), key=lambda op: (-op_depth[id(op)], index[id(op)]))


def _op_name(operation):
    return getattr(operation, "name", None) or getattr(operation, "__name__", type(operation).__name__)


@builtin("keras.src.models.functional", registered_name="Functional")
class Functional(Model):
    """A model whose computation is the graph of layer calls from `inputs` to `outputs`.

    Args:
        inputs: a tensor from `Input`, or a list / dict of them.
        outputs: tensors made from the inputs, as one tensor, a list or a dict.
        name: the model's name.
    """

    def __init__(self, inputs, outputs, name=None, **kwargs):
        trainable = kwargs.pop("trainable", True)
        if kwargs:
            raise TypeError(f"Functional got unexpected arguments: {sorted(kwargs)}.")
        Layer.__init__(self, trainable=trainable, name=name or unique_name("functional"))
        if isinstance(inputs, dict):
            inputs = dict(inputs)
        _check_tensors(inputs, "inputs")
        _check_tensors(outputs, "outputs")
        flat_inputs = flatten(inputs)
        for x in flat_inputs:
            if not isinstance(x._keras_node.operation, InputLayer):
                raise ValueError(f"Functional model inputs must come from kappa.Input; tensor {x.name} was "
                                 f"made by '{_op_name(x._keras_node.operation)}'.")
        self._kappa_inputs = inputs
        self._kappa_outputs = outputs
        self._kappa_nodes = _graph(flat_inputs, flatten(outputs))
        self._kappa_operations = _operations_by_depth(flat_inputs, flatten(outputs))
        self._kappa_input_layers = [x._keras_node.operation for x in flat_inputs]
        self.built = True

    @property
    def inputs(self):
        return flatten(self._kappa_inputs)

    @property
    def outputs(self):
        return flatten(self._kappa_outputs)

    @property
    def input(self):
        return self._kappa_inputs

    @property
    def output(self):
        return self._kappa_outputs

    @property
    def layers(self):
        """Every layer of the graph, inputs first, in execution order (raw ops excluded)."""
        return [op for op in self._kappa_operations if isinstance(op, Layer)]

    @property
    def _layers(self):
        return self.layers

    @property
    def input_shape(self):
        return map_structure(lambda x: x.shape, self._kappa_inputs)

    @property
    def output_shape(self):
        return map_structure(lambda x: x.shape, self._kappa_outputs)

    def build(self, input_shape=None):
        self.built = True

    # -- running ------------------------------------------------------------------------
    def _flatten_call_inputs(self, inputs):
        structure = self._kappa_inputs
        if isinstance(inputs, dict):
            if isinstance(structure, dict):
                missing = [k for k in structure if k not in inputs]
                if missing:
                    raise ValueError(f"Model '{self.name}' expects inputs {list(structure)}; missing "
                                     f"{missing}.")
                return [inputs[k] for k in structure]
            names = [layer.name for layer in self._kappa_input_layers]
            if all(n in inputs for n in names):
                return [inputs[n] for n in names]
            raise ValueError(f"Model '{self.name}' got a dict of inputs with keys {sorted(inputs)}, but its "
                             f"inputs are named {names}.")
        flat = flatten(inputs)
        if len(flat) != len(self._kappa_input_layers):
            raise ValueError(f"Model '{self.name}' expects {len(self._kappa_input_layers)} input(s), but it "
                             f"received {len(flat)} input tensors.")
        return flat

    def call(self, inputs, training=None, mask=None):
        flat = self._flatten_call_inputs(inputs)
        values = {}
        for tensor, value, layer in zip(self.inputs, flat, self._kappa_input_layers, strict=True):
            if value is None and not layer.optional:
                raise ValueError(f"Model '{self.name}': input '{layer.name}' is None but not optional.")
            values[id(tensor)] = self._adapt_input(value, tensor, layer)
        if mask is not None:
            from k_layers.layer import set_mask

            for value, m in zip(flat, flatten(mask), strict=False):
                if m is not None and value is not None:
                    set_mask(value, m)
        return self._run(values)

    def _adapt_input(self, value, tensor, layer):
        """Convert to a tensor of the Input's dtype and check the rank and fixed dimensions."""
        if value is None:
            return None
        from k_backends import dtypes
        from k_ops.core import cast, convert_to_tensor

        if not isinstance(value, KerasTensor):
            value = convert_to_tensor(value)
        shape = tuple(value.shape)
        expected = tensor.shape
        if len(shape) != len(expected) or any(e is not None and s is not None and e != s
                                              for e, s in zip(expected, shape, strict=False)):
            raise ValueError(f"Input '{layer.name}' of model '{self.name}' expects shape {expected}; got "
                             f"shape {shape}.")
        if dtypes.standardize_dtype(value.dtype) != tensor.dtype and not isinstance(value, KerasTensor):
            value = cast(value, tensor.dtype)
        return value

    def _run(self, values):
        def resolve(x):
            if isinstance(x, KerasTensor):
                if id(x) not in values:
                    raise ValueError(f"Model '{self.name}': tensor {x.name} is used before it is computed.")
                return values[id(x)]
            return x

        for node in self._kappa_nodes:
            args = map_structure(resolve, node.call_args)
            kwargs = {k: map_structure(resolve, v) for k, v in node.call_kwargs.items()}
            outputs = node.operation(*args, **kwargs)
            for tensor, value in zip(node.outputs, flatten(outputs), strict=True):
                values[id(tensor)] = value
        return map_structure(resolve, self._kappa_outputs)

    def compute_output_spec(self, inputs, training=None, mask=None):
        return self.call(inputs, training=training, mask=mask)

    # -- configuration -------------------------------------------------------------------
    def get_config(self):
        """Keras 3's Functional config: layers with their inbound nodes, input and output layers."""
        node_ids = {id(node) for node in self._kappa_nodes}
        for layer in self._kappa_input_layers:
            node_ids.add(id(layer._inbound_nodes[0]))
        names, used = {}, set()
        for op in self._kappa_operations:
            if isinstance(op, Layer):
                names[id(op)] = op.name
                used.add(op.name)
        for op in self._kappa_operations:
            if not isinstance(op, Layer):
                base = op.__name__
                name, i = base, 0
                while name in used:
                    i += 1
                    name = f"{base}_{i}"
                names[id(op)] = name
                used.add(name)

        def model_index(operation, node):
            nodes = [n for n in _nodes_of(operation, self._kappa_nodes) if id(n) in node_ids]
            return next(i for i, n in enumerate(nodes) if n is node)

        def history(tensor):
            node = tensor._keras_node
            return [names[id(node.operation)], model_index(node.operation, node),
                    node.outputs.index(tensor)]

        def serialize_arg(x):
            if isinstance(x, KerasTensor):
                return {"class_name": "__keras_tensor__",
                        "config": {"shape": list(x.shape), "dtype": x.dtype, "keras_history": history(x)}}
            return serialize_keras_object(x)

        layer_configs = []
        for op in self._kappa_operations:
            if isinstance(op, Layer):
                entry = serialize_keras_object(op)
            else:
                entry = _serialize_op(op, names[id(op)])
            entry["name"] = names[id(op)]
            entry["inbound_nodes"] = [
                {"args": [map_structure(serialize_arg, a) for a in node.call_args],
                 "kwargs": {k: map_structure(serialize_arg, v) for k, v in node.call_kwargs.items()}}
                for node in _nodes_of(op, self._kappa_nodes) if id(node) in node_ids
                and not isinstance(op, InputLayer)]
            layer_configs.append(entry)
        config = {"name": self.name, "trainable": self.trainable, "layers": layer_configs}
        config["input_layers"] = _structure_of(self._kappa_inputs, history)
        config["output_layers"] = _structure_of(self._kappa_outputs, history)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild the graph from `get_config()`'s output (Keras 3's or kappa's)."""
        created, made = {}, {}
        pending = []
        for entry in config["layers"]:
            name = entry["name"]
            if _is_op_entry(entry):
                operation = _deserialize_op(entry)
            else:
                layer_config = {k: v for k, v in entry.items() if k not in ("name", "inbound_nodes")}
                operation = deserialize_keras_object(layer_config, custom_objects=custom_objects)
            created[name] = operation
            if isinstance(operation, InputLayer):
                made[(name, 0)] = [operation.output_tensor]
            for index, node in enumerate(entry.get("inbound_nodes", [])):
                pending.append((name, index, node))

        def ready(value):
            return all((h[0], h[1]) in made for h in _histories(value))

        def resolve(value):
            if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
                name, index, tensor_index = value["config"]["keras_history"]
                return made[(name, index)][tensor_index]
            if isinstance(value, list):
                return [resolve(v) for v in value]
            if isinstance(value, dict) and "class_name" not in value:
                return {k: resolve(v) for k, v in value.items()}
            return deserialize_keras_object(value, custom_objects=custom_objects)

        while pending:
            progressed = False
            for item in list(pending):
                name, index, node = item
                if not ready(node):
                    continue
                args = _legacy_args(node)
                outputs = created[name](*[resolve(a) for a in args[0]],
                                        **{k: resolve(v) for k, v in args[1].items()})
                made[(name, index)] = flatten(outputs)
                pending.remove(item)
                progressed = True
            if not progressed:
                raise ValueError("Functional config: some layers' inputs are never produced: "
                                 f"{sorted({p[0] for p in pending})}.")

        def pick(ref):
            return made[(ref[0], ref[1])][ref[2]]

        inputs = _unstructure(config["input_layers"], pick)
        outputs = _unstructure(config["output_layers"], pick)
        return cls(inputs, outputs, name=config.get("name"), trainable=config.get("trainable", True))


def _nodes_of(operation, model_nodes):
    nodes = getattr(operation, "_inbound_nodes", None)
    if nodes is not None:
        return nodes
    return [n for n in model_nodes if n.operation is operation]


def _structure_of(structure, history):
    if isinstance(structure, dict):
        return {k: history(v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return [history(x) for x in structure]
    return history(structure)


def _unstructure(refs, pick):
    if isinstance(refs, dict):
        return {k: pick(v) for k, v in refs.items()}
    if refs and isinstance(refs[0], (list, tuple)):
        return [pick(r) for r in refs]
    return pick(refs)


def _histories(value):
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            return [value["config"]["keras_history"]]
        return [h for v in value.values() for h in _histories(v)]
    if isinstance(value, list):
        return [h for v in value for h in _histories(v)]
    return []


def _legacy_args(node):
    """A node's (args, kwargs); Keras 2-style node lists are read as positional tensors."""
    if isinstance(node, dict):
        return node.get("args", []), node.get("kwargs", {})
    raise ValueError(f"Functional config: unsupported node format {node!r}.")


# -- raw ops in a graph ------------------------------------------------------------------
def _camel(name):
    return "".join(part.capitalize() for part in name.split("_"))


def _serialize_op(op, name):
    group = op.__module__.split(".")[1] if op.__module__.startswith("k_ops.") else "core"
    return {"module": f"keras.src.ops.{group}", "class_name": _camel(op.__name__),
            "config": {"name": name}, "registered_name": _camel(op.__name__)}


def _is_op_entry(entry):
    return str(entry.get("module", "")).startswith("keras.src.ops")


def _deserialize_op(entry):
    """The public k_ops function a Keras op class names (`Multiply` -> `multiply`), nothing else."""
    import k_ops

    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", entry["class_name"]).lower()
    group = entry["module"].split(".")[-1]
    namespace = getattr(k_ops, group, None) if group != "core" else k_ops
    for candidate in (namespace, k_ops, getattr(k_ops, "numpy", None), getattr(k_ops, "nn", None)):
        fn = getattr(candidate, snake, None) if candidate is not None else None
        if callable(fn) and not isinstance(fn, type):
            return fn
    raise ValueError(f"Functional config: op {entry['class_name']!r} (module {entry['module']!r}) is not a "
                     "kappa op.")
