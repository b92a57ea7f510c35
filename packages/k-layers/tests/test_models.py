"""Models: Functional graphs, Sequential stacks, subclassed models, summary, configs and cloning."""

import json

import numpy as np
import pytest
from toys import Counter, Linear

from k_layers import serialization
from k_layers.layer import Layer
from k_layers.models import Functional, Input, InputLayer, Model, Sequential, clone_model
from k_layers.models.cloning import model_from_json
from k_ops import numpy as knp
from k_ops.symbolic import KerasTensor

from conftest import assert_close, to_numpy

CUSTOM = {"Linear": Linear, "Counter": Counter}
X = np.arange(6, dtype="float32").reshape(2, 3) / 6.0


def _branchy():
    """Two inputs, a shared layer, a skip connection, a raw op and dict outputs."""
    a, b = Input((3,), name="a"), Input((3,), name="b")
    shared = Linear(2, name="shared")
    left, right = shared(a), shared(b)
    merged = knp.add(left, right) * 2.0
    head = Linear(1, name="head")(knp.concatenate([merged, left], axis=-1))
    return Model({"a": a, "b": b}, {"head": head, "left": left})


def _reference(a, b, shared_kernel, shared_bias, head_kernel, head_bias):
    left = a @ shared_kernel + shared_bias
    merged = (left + b @ shared_kernel + shared_bias) * 2.0
    return np.concatenate([merged, left], -1) @ head_kernel + head_bias, left


def _randomize(model, seed=0):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.weights])


def test_functional_graph_with_shared_layer_skip_connection_and_ops():
    model = _branchy()
    assert isinstance(model, Functional) and isinstance(model, Model)
    assert [layer.name for layer in model.layers] == ["a", "b", "shared", "head"]
    _randomize(model)
    out = model({"a": X, "b": 1.0 - X})
    expected_head, expected_left = _reference(X, 1.0 - X, *[w.numpy() for w in model.weights])
    assert_close(out["head"], expected_head, rtol=1e-5)
    assert_close(out["left"], expected_left, rtol=1e-5)
    assert model.get_layer("shared") is model.layers[2] and model.get_layer(index=3).name == "head"
    assert model.count_params() == 3 * 2 + 2 + 4 * 1 + 1


def test_functional_list_inputs_and_symbolic_call():
    a, b = Input((3,)), Input((3,))
    model = Model([a, b], [knp.add(Linear(2)(a), Linear(2)(b))])
    assert to_numpy(model([X, X])[0]).shape == (2, 2)
    out = model([KerasTensor((None, 3)), KerasTensor((None, 3))])
    assert isinstance(out[0], KerasTensor) and out[0].shape == (None, 2)
    with pytest.raises(ValueError, match="expects 2 input"):
        model([X])
    with pytest.raises(ValueError, match=r"expects shape \(None, 3\)"):
        model([np.ones((2, 4), "float32"), X])


def test_nested_models_are_layers():
    inner_in = Input((3,))
    inner = Model(inner_in, Linear(4)(inner_in), name="inner")
    outer_in = Input((3,))
    outer = Model(outer_in, Linear(1)(inner(outer_in)))
    assert outer.count_params() == 16 + 5
    assert to_numpy(outer(X)).shape == (2, 1)
    assert [layer.name for layer in outer.layers][1] == "inner"


def test_graph_disconnected_and_non_input_errors():
    a, b = Input((3,), name="used"), Input((3,), name="missing")
    out = knp.add(Linear(2)(a), Linear(2)(b))
    with pytest.raises(ValueError, match="Graph disconnected.*missing"):
        Model(a, out)
    with pytest.raises(TypeError, match="symbolic tensors"):
        Model(a, np.ones(3))


def test_functional_config_is_keras_shaped_and_round_trips():
    model = _branchy()
    _randomize(model)
    config = model.get_config()
    json.dumps(config)  # JSON-ready
    assert config["input_layers"] == {"a": ["a", 0, 0], "b": ["b", 0, 0]}
    assert config["output_layers"] == {"head": ["head", 0, 0], "left": ["shared", 0, 0]}
    shared = next(entry for entry in config["layers"] if entry["name"] == "shared")
    assert [node["args"][0]["config"]["keras_history"] for node in shared["inbound_nodes"]] == \
        [["a", 0, 0], ["b", 0, 0]]
    add = next(entry for entry in config["layers"] if entry["name"] == "add")
    assert add["module"] == "keras.src.ops.numpy" and add["class_name"] == "Add"
    clone = Model.from_config(config, custom_objects=CUSTOM)
    clone.set_weights(model.get_weights())
    for key in ("head", "left"):
        assert_close(clone({"a": X, "b": X})[key], to_numpy(model({"a": X, "b": X})[key]))
    again = model_from_json(json.dumps(serialization.serialize_keras_object(model)), custom_objects=CUSTOM)
    assert isinstance(again, Functional) and again.count_params() == model.count_params()


def test_sequential_with_input_add_pop_and_paths():
    model = Sequential([Input((3,)), Linear(4), Linear(2)], name="seq")
    assert model.built and [w.path for w in model.weights][0].startswith("seq/")
    assert model.output_shape == (None, 2) and len(model.layers) == 2
    assert to_numpy(model(X)).shape == (2, 2)
    model.add(Linear(1))
    assert model.output_shape == (None, 1)
    popped = model.pop()
    assert isinstance(popped, Linear) and model.output_shape == (None, 2)
    with pytest.raises(ValueError, match="unique names"):
        model.add(model.layers[0])
    with pytest.raises(TypeError, match="expects a Layer"):
        model.add("dense")


def test_sequential_deferred_build_and_build_method():
    model = Sequential([Linear(4), Linear(1)])
    assert not model.built
    out = model(X)
    assert model.built and to_numpy(out).shape == (2, 1) and model.count_params() == 16 + 5
    other = Sequential([Linear(2)])
    other.build((None, 5))
    assert other.count_params() == 12 and other.input_shape == (None, 5)


def test_sequential_config_round_trip_and_layers_given_input_shape():
    model = Sequential([Linear(3, input_shape=(2,)), Linear(1)])
    assert model.built and model.input_shape == (None, 2)
    _randomize(model)
    config = model.get_config()
    assert config["layers"][0]["class_name"] == "InputLayer" and config["build_input_shape"] == (None, 2)
    clone = Sequential.from_config(config, custom_objects=CUSTOM)
    clone.set_weights(model.get_weights())
    x = X[:, :2]
    assert_close(clone(x), to_numpy(model(x)))


def test_training_flag_reaches_layers_inside_models():
    inputs = Input((3,))
    counter = Counter()
    model = Model(inputs, counter(Linear(2)(inputs)))
    model(X, training=True)
    model(X)
    assert float(to_numpy(counter.count.value)) == 1.0
    seq = Sequential([Input((3,)), Counter()])
    seq(X, training=True)
    assert float(to_numpy(seq.layers[0].count.value)) == 1.0


def test_subclassed_model_tracks_layers_and_builds_from_shape():
    class TwoStep(Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.first = Linear(4)
            self.second = Linear(1)

        def call(self, x):
            return self.second(self.first(x))

    model = TwoStep(name="two")
    model.build((None, 3))
    assert model.built and model.count_params() == 16 + 5
    assert [w.path for w in model.weights][0] == f"two/{model.first.name}/kernel"
    assert to_numpy(model(X)).shape == (2, 1)
    assert [layer.name for layer in model.layers] == [model.first.name, model.second.name]
    with pytest.raises(ValueError, match="no layer named"):
        model.get_layer("nope")


def test_summary_lists_layers_shapes_and_counts():
    lines = []
    model = _branchy()
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert 'Model: "' in text and "Connected to" in text
    assert "shared (Linear)" in text and "(None, 2)" in text and "a[0][0], b[0][0]" in text
    assert "Total params: 13 (52.00 B)" in text and "Non-trainable params: 0" in text
    lines.clear()
    seq = Sequential([Input((3,)), Linear(4), Counter()])
    seq.summary(print_fn=lines.append, show_trainable=True)
    text = "\n".join(lines)
    assert "Connected to" not in text and "Trainable" in text
    assert "Total params: 17 (68.00 B)" in text and "Non-trainable params: 1 (4.00 B)" in text


def test_clone_model_gives_new_weights_and_same_structure():
    model = _branchy()
    clone = clone_model(model)
    assert clone is not model
    assert [type(layer) for layer in clone.layers] == [type(layer) for layer in model.layers]
    assert all(a is not b for a, b in zip(clone.weights, model.weights, strict=True))
    clone.set_weights(model.get_weights())
    assert_close(clone({"a": X, "b": X})["head"], to_numpy(model({"a": X, "b": X})["head"]))
    seq = Sequential([Input((3,)), Linear(2)])
    wrapped = []
    seq_clone = clone_model(seq, call_function=lambda layer, x: wrapped.append(layer.name) or layer(x))
    assert wrapped and to_numpy(seq_clone(X)).shape == (2, 2)


def test_input_layer_and_input_errors():
    x = Input(batch_shape=(4, 3), dtype="int32", name="ids")
    layer = x._keras_node.operation
    assert isinstance(layer, InputLayer) and layer.batch_shape == (4, 3) and x.dtype == "int32"
    assert layer.get_config() == {"batch_shape": (4, 3), "dtype": "int32", "sparse": False, "ragged": False,
                                  "name": "ids", "optional": False}
    with pytest.raises(ValueError, match="not both"):
        Input(shape=(3,), batch_shape=(None, 3))
    with pytest.raises(ValueError, match="shape"):
        Input()


def test_registered_custom_layers_need_no_custom_objects():
    @serialization.register_keras_serializable(package="tests")
    class Doubler(Layer):
        def call(self, x):
            return x * 2.0

    inputs = Input((3,))
    model = Model(inputs, Doubler()(inputs))
    config = serialization.serialize_keras_object(model)
    assert config["config"]["layers"][1]["registered_name"] == "tests>Doubler"
    clone = serialization.deserialize_keras_object(config)
    assert_close(clone(X), X * 2.0)


def test_mixed_precision_model():
    inputs = Input((3,))
    model = Model(inputs, Linear(2, dtype="mixed_bfloat16")(inputs))
    out = model(X)
    assert str(to_numpy(out).dtype) == "bfloat16" or "bfloat16" in str(out.dtype)
    assert model.layers[1].kernel.dtype == "float32"


def test_embedding_mask_flows_through_a_functional_model():
    from k_layers import layers

    ids = Input((5,), dtype="int32")
    x = layers.Embedding(10, 4, mask_zero=True)(ids)
    x = layers.Dense(3)(x)
    pooled = layers.GlobalAveragePooling1D()(x)
    model = Model(ids, pooled)
    assert x._keras_mask is not None and x._keras_mask.shape == (None, 5)
    data = np.array([[1, 2, 0, 0, 0], [3, 0, 0, 0, 0]], "int32")
    table, kernel, bias = (w.numpy() for w in model.weights)
    hidden = table[data] @ kernel + bias
    keep = (data != 0)[..., None]
    assert_close(model(data), (hidden * keep).sum(1) / keep.sum(1), rtol=1e-5)


def test_small_cnn_matches_keras_parameter_counts_and_round_trips():
    from k_layers import layers

    model = Sequential([Input((28, 28, 1)), layers.Conv2D(32, 3, activation="relu"),
                        layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(),
                        layers.Flatten(), layers.Dropout(0.5), layers.Dense(10, activation="softmax")])
    # Keras 3.15.1 prints 320, 18,496, 0, 0, 0 and 92,170 for this model.
    assert [layer.count_params() for layer in model.layers] == [320, 18496, 0, 0, 0, 92170]
    assert model.output_shape == (None, 10)
    clone = Sequential.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    x = np.random.default_rng(0).random((2, 28, 28, 1)).astype("float32")
    assert_close(clone(x), to_numpy(model(x)), rtol=1e-5)


def test_layer_order_and_functional_identity_follow_keras():
    x = Input((3,), name="x")
    late, early = Linear(2, name="late")(x), Linear(2, name="early")(x)
    deep = Linear(2, name="deep")(Linear(2, name="pre")(x))
    model = Model(x, knp.concatenate([early, deep, late], axis=-1))
    # What Keras 3.15.1 lists for the same graph (deepest first, ties in first-visit order).
    assert [layer.name for layer in model.layers] == ["x", "pre", "early", "deep", "late"]
    config = serialization.serialize_keras_object(model)
    assert (config["module"], config["class_name"], config["registered_name"]) == \
        ("keras.src.models.functional", "Functional", "Functional")
