import numpy as np
import pytest

from k_backends import dtypes
from k_layers.layer import get_mask
from k_layers.layers import (
    Dense,
    Dropout,
    FlaxLayer,
    JaxLayer,
    Pipeline,
    ReversibleEmbedding,
    TFSMLayer,
    TorchModuleWrapper,
)
from k_layers.serialization import deserialize_keras_object, serialize_keras_object
from k_ops import numpy as knp
from k_ops.symbolic import KerasTensor

from conftest import BACKEND, assert_close, needs_training, to_numpy

RNG = np.random.default_rng(0)
on_torch = pytest.mark.skipif(BACKEND != "torch", reason="TorchModuleWrapper runs on the torch backend only")
on_jax = pytest.mark.skipif(BACKEND != "jax", reason="JaxLayer runs on the jax backend only")
on_tf = pytest.mark.skipif(BACKEND != "tensorflow", reason="TFSMLayer runs on the tensorflow backend only")

UNIFORM = {"module": "keras.initializers", "class_name": "RandomUniform",
           "config": {"seed": None, "minval": -0.05, "maxval": 0.05}, "registered_name": None}


def rand(*shape):
    return RNG.standard_normal(shape).astype("float32")


def without_dtype(config):
    return {k: v for k, v in config.items() if k != "dtype"}


# -- ReversibleEmbedding ----------------------------------------------------------
@pytest.mark.parametrize("tie_weights", [True, False])
def test_reversible_embedding_forward_and_reverse_match_numpy(tie_weights):
    layer = ReversibleEmbedding(10, 4, tie_weights=tie_weights, name="re")
    ids = np.array([[1, 2, 0], [9, 3, 3]])
    layer(ids)
    expected_paths = ["re/embeddings"] + ([] if tie_weights else ["re/reverse_embeddings"])
    assert [w.path for w in layer.weights] == expected_paths
    table = rand(10, 4)
    weights = [table] if tie_weights else [table, rand(4, 10)]
    layer.set_weights(weights)
    assert_close(layer(ids), table[ids], dtype="float32")
    hidden = rand(2, 3, 4)
    kernel = table.T if tie_weights else weights[1]
    assert_close(layer(hidden, reverse=True), hidden @ kernel, dtype="float32", rtol=1e-5)


def test_reversible_embedding_soft_cap_and_reverse_dtype():
    layer = ReversibleEmbedding(6, 3, logit_soft_cap=2.0, reverse_dtype="float16")
    layer.build()
    table = 3 * rand(6, 3)
    layer.set_weights([table])
    hidden = rand(5, 3)
    expected = np.tanh((hidden @ table.T) / 2.0) * 2.0
    assert_close(layer(hidden, reverse=True), expected, dtype="float16", rtol=5e-3, atol=5e-3)


def test_reversible_embedding_mask_zero_masks_forward_only():
    layer = ReversibleEmbedding(5, 2, mask_zero=True)
    out = layer(np.array([[1, 0, 2]]))
    np.testing.assert_array_equal(to_numpy(get_mask(out)), [[True, False, True]])
    logits = layer(to_numpy(out), reverse=True)
    assert get_mask(logits) is None
    symbolic = layer(KerasTensor((None, 3), "int32"))
    assert symbolic.shape == (None, 3, 2)


def test_reversible_embedding_mixed_bfloat16():
    layer = ReversibleEmbedding(7, 4, dtype="mixed_bfloat16")
    ids = np.array([[1, 6]])
    out = layer(ids)
    assert dtypes.standardize_dtype(out.dtype) == "bfloat16"
    assert layer.weights[0].dtype == "float32"
    table = layer.get_weights()[0]
    assert_close(out, table[ids], rtol=2e-2, atol=2e-2)
    hidden = rand(2, 4)
    # As in Keras: the embedding does not autocast, so float32 vectors give float32 logits.
    assert_close(layer(hidden, reverse=True), hidden @ table.T, dtype="float32", rtol=1e-5)


def test_reversible_embedding_symbolic_shapes():
    layer = ReversibleEmbedding(11, 4)
    assert layer(KerasTensor((None, 5), "int32")).shape == (None, 5, 4)
    assert layer(KerasTensor((None, 5, 4)), reverse=True).shape == (None, 5, 11)
    assert layer.compute_output_shape((2, 5, 4), reverse=True) == (2, 5, 11)


def test_reversible_embedding_config_matches_keras_and_round_trips():
    layer = ReversibleEmbedding(10, 4, tie_weights=False, name="re")
    assert without_dtype(layer.get_config()) == {
        "name": "re", "trainable": True, "input_dim": 10, "output_dim": 4, "embeddings_initializer": UNIFORM,
        "embeddings_regularizer": None, "activity_regularizer": None, "embeddings_constraint": None,
        "mask_zero": False, "quantization_config": None, "tie_weights": False, "reverse_dtype": None,
        "logit_soft_cap": None}
    ids, hidden = np.array([[1, 2]]), rand(1, 2, 4)
    layer(ids)
    clone = ReversibleEmbedding.from_config(layer.get_config())
    clone(ids)
    clone.set_weights(layer.get_weights())
    assert_close(clone(hidden, reverse=True), to_numpy(layer(hidden, reverse=True)))


def test_reversible_embedding_rejects_bad_arguments():
    with pytest.raises(ValueError, match="logit_soft_cap"):
        ReversibleEmbedding(5, 2, logit_soft_cap=-1.0)
    with pytest.raises(ValueError, match="reverse_dtype"):
        ReversibleEmbedding(5, 2, reverse_dtype="int32")
    layer = ReversibleEmbedding(5, 2)
    with pytest.raises(ValueError, match="output_dim"):
        layer(rand(3, 7), reverse=True)


# -- Pipeline ---------------------------------------------------------------------
def test_pipeline_applies_layers_in_order_inside_its_scope():
    first, second = Dense(3, name="a"), Dense(2, name="b")
    pipeline = Pipeline([first, second], name="pp")
    x = rand(4, 5)
    pipeline(x)
    assert [w.path for w in pipeline.weights] == ["pp/a/kernel", "pp/a/bias", "pp/b/kernel", "pp/b/bias"]
    k1, b1, k2, b2 = rand(5, 3), rand(3), rand(3, 2), rand(2)
    pipeline.set_weights([k1, b1, k2, b2])
    assert_close(pipeline(x), (x @ k1 + b1) @ k2 + b2, rtol=1e-5)
    assert pipeline.layers == [first, second]
    assert pipeline(KerasTensor((None, 5))).shape == (None, 2)


def test_pipeline_trains_by_default_and_passes_training_on():
    pipeline = Pipeline([Dropout(0.5, seed=1)])
    x = np.ones((50, 40), "float32")
    dropped = to_numpy(pipeline(x))  # training=True by default, as in Keras
    assert (dropped == 0).any()
    assert_close(pipeline(x, training=False), x)


def test_pipeline_config_matches_keras_and_round_trips():
    pipeline = Pipeline([Dense(2, name="d"), Dropout(0.5, name="dr")], name="pp")
    config = pipeline.get_config()
    assert list(config) == ["layers", "name"] and config["name"] == "pp"
    assert [c["class_name"] for c in config["layers"]] == ["Dense", "Dropout"]
    assert without_dtype(config["layers"][1]["config"]) == {"name": "dr", "trainable": True, "rate": 0.5,
                                                             "seed": None, "noise_shape": None}
    x = rand(3, 4)
    pipeline(x)
    clone = deserialize_keras_object(serialize_keras_object(pipeline))
    assert isinstance(clone, Pipeline) and [layer.name for layer in clone.layers] == ["d", "dr"]
    clone(x)
    clone.set_weights(pipeline.get_weights())
    assert_close(clone(x, training=False), to_numpy(pipeline(x, training=False)))
    with pytest.raises(ValueError, match="layers"):
        Pipeline.from_config({"name": "p"})
    with pytest.raises(TypeError, match="layers"):
        Pipeline([Dense(2), "relu"])


# -- backend checks ---------------------------------------------------------------
@pytest.mark.skipif(BACKEND == "torch", reason="checks the error raised off the torch backend")
def test_torch_module_wrapper_names_the_backend_elsewhere():
    with pytest.raises(ValueError, match=f"torch.*{BACKEND}"):
        TorchModuleWrapper(object())


@pytest.mark.skipif(BACKEND == "jax", reason="checks the error raised off the jax backend")
def test_jax_layer_names_the_backend_elsewhere():
    with pytest.raises(ValueError, match=f"jax.*{BACKEND}"):
        JaxLayer(lambda inputs: inputs)


@pytest.mark.skipif(BACKEND == "tensorflow", reason="checks the error raised off the tensorflow backend")
def test_tfsm_layer_names_the_backend_elsewhere(tmp_path):
    with pytest.raises(ValueError, match=f"tensorflow.*{BACKEND}"):
        TFSMLayer(str(tmp_path))


def test_flax_layer_needs_flax():
    try:
        import flax  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="pip install flax"):
            FlaxLayer(object())
    else:
        pytest.skip("flax is installed; FlaxLayer's missing-package error cannot be seen")


# -- TorchModuleWrapper -----------------------------------------------------------
@on_torch
def test_torch_module_wrapper_shares_parameters_and_runs_module():
    torch = pytest.importorskip("torch")
    module = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    layer = TorchModuleWrapper(module, name="tw")
    assert layer.built
    assert [w.path for w in layer.weights] == ["tw/0.weight", "tw/0.bias", "tw/2.weight", "tw/2.bias"]
    params = list(module.parameters())
    assert all(w._storage is p for w, p in zip(layer.weights, params, strict=True))
    w1, b1, w2, b2 = rand(4, 3), rand(4), rand(2, 4), rand(2)
    layer.set_weights([w1, b1, w2, b2])  # visible through the module itself
    np.testing.assert_allclose(params[0].detach().cpu().numpy(), w1)
    x = rand(5, 3)
    assert_close(layer(x), np.maximum(x @ w1.T + b1, 0) @ w2.T + b2, rtol=1e-5)


@on_torch
def test_torch_module_wrapper_training_flag_and_symbolic_shape():
    torch = pytest.importorskip("torch")
    module = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    layer = TorchModuleWrapper(module)
    assert [w.trainable for w in layer.weights] == [True, True, True, True]
    layer(rand(6, 3), training=False)
    assert not module.training
    layer(rand(6, 3), training=True)
    assert module.training
    assert layer(KerasTensor((None, 3))).shape == (None, 4)
    fixed = TorchModuleWrapper(torch.nn.Linear(3, 4), output_shape=(None, 4))
    assert fixed(KerasTensor((None, 3))).shape == (None, 4)


@on_torch
def test_torch_module_wrapper_stateless_call_uses_given_values():
    torch = pytest.importorskip("torch")
    layer = TorchModuleWrapper(torch.nn.Linear(2, 1, bias=False))
    x = rand(3, 2)
    before = layer.get_weights()[0]
    kernel = np.array([[1.0, -2.0]], "float32")
    out, _ = layer.stateless_call([torch.as_tensor(kernel)], [], x)
    assert_close(out, x @ kernel.T)
    np.testing.assert_array_equal(layer.get_weights()[0], before)


@on_torch
def test_torch_module_wrapper_refuses_to_serialize():
    torch = pytest.importorskip("torch")
    layer = TorchModuleWrapper(torch.nn.Linear(2, 1))
    with pytest.raises(TypeError, match="pickle"):
        layer.get_config()
    with pytest.raises(ValueError, match="never unpickles"):
        TorchModuleWrapper.from_config({"module": "gASV", "name": "x"})


@on_torch
@needs_training
def test_torch_module_wrapper_parameters_train():
    torch = pytest.importorskip("torch")
    module = torch.nn.Linear(3, 1)
    layer = TorchModuleWrapper(module)
    x, true_w = rand(32, 3), np.array([[1.0], [-2.0], [0.5]], "float32")
    y = torch.as_tensor(x @ true_w)
    losses = []
    for _ in range(30):
        loss = ((layer(x) - y) ** 2).mean()
        losses.append(float(loss))
        for variable in layer.trainable_weights:
            variable._storage.grad = None
        loss.backward()
        for variable in layer.trainable_weights:
            variable.assign(variable.value.detach() - 0.1 * variable._storage.grad)
    assert losses[-1] < 0.2 * losses[0]
    assert module.weight is layer.weights[0]._storage  # still the module's own Parameter


# -- JaxLayer ---------------------------------------------------------------------
def linear_call(params, inputs):
    return knp.matmul(inputs, params["w"]) + params["b"]


def linear_init(rng, inputs):
    return {"w": np.ones((inputs.shape[-1], 2), "float32"), "b": np.zeros((2,), "float32")}


@on_jax
def test_jax_layer_with_init_fn_builds_variables_and_matches_numpy():
    layer = JaxLayer(linear_call, linear_init, name="jl")
    x = rand(3, 4)
    layer(x)
    assert [(w.path, w.trainable) for w in layer.weights] == [("jl/variable", True), ("jl/variable_1", True)]
    w, b = rand(4, 2), rand(2)
    assert [v.shape for v in layer.weights] == [(2,), (4, 2)]  # JAX flattens dicts by sorted key: b, w
    layer.set_weights([b, w])
    assert_close(layer(x), x @ w + b, rtol=1e-5)
    assert layer(KerasTensor((None, 4))).shape == (None, 2)


@on_jax
def test_jax_layer_with_params_state_rng_and_training():
    seen = {}

    def call_fn(params, state, rng, inputs, training):
        seen["rng"], seen["training"] = rng, training
        return inputs * params, state + 1

    layer = JaxLayer(call_fn, params=np.float32(2.0), state=np.int32(0), seed=3)
    assert layer.built
    assert [w.trainable for w in layer.weights] == [True, False]
    assert_close(layer(np.ones((2,), "float32"), training=True), np.full((2,), 2.0))
    assert seen["training"] is True and tuple(seen["rng"].shape) == (2,)
    assert int(layer.state.numpy()) == 1
    layer(np.ones((2,), "float32"))
    assert seen["rng"] is None and seen["training"] is False
    assert int(layer.state.numpy()) == 2
    assert layer(KerasTensor((None, 5))).shape == (None, 5)


@on_jax
def test_jax_layer_validates_functions():
    with pytest.raises(ValueError, match="inputs"):
        JaxLayer(lambda x: x)
    with pytest.raises(ValueError, match="init_fn, params and state"):
        JaxLayer(linear_call)
    with pytest.raises(ValueError, match="`extra`"):
        JaxLayer(lambda inputs, extra: inputs)
    assert_close(JaxLayer(lambda inputs: inputs * 2)(np.ones((2,), "float32")), [2.0, 2.0])


@on_jax
def test_jax_layer_config_and_round_trip():
    from k_layers.serialization import register_keras_serializable

    call_fn = register_keras_serializable("native_test")(linear_call)
    init_fn = register_keras_serializable("native_test")(linear_init)
    layer = JaxLayer(call_fn, init_fn, name="jl")
    config = layer.get_config()
    assert list(config) == ["name", "trainable", "dtype", "call_fn", "init_fn",
                            "native_serialization_platforms"]
    assert config["call_fn"]["class_name"] == "function" and config["native_serialization_platforms"] is None
    x = rand(2, 4)
    layer(x)
    clone = JaxLayer.from_config(config)
    clone(x)
    clone.set_weights(layer.get_weights())
    assert_close(clone(x), to_numpy(layer(x)))


@on_jax
def test_jax_layer_mixed_bfloat16():
    layer = JaxLayer(linear_call, params={"w": np.ones((3, 2), "float32"), "b": np.zeros((2,), "float32")},
                     dtype="mixed_bfloat16")
    assert [w.dtype for w in layer.weights] == ["float32", "float32"]
    out = layer(np.ones((1, 3), "float32"))
    assert dtypes.standardize_dtype(out.dtype) == "bfloat16"
    assert_close(out, np.full((1, 2), 3.0), rtol=2e-2)


@on_jax
@needs_training
def test_jax_layer_parameters_train():
    import jax

    layer = JaxLayer(linear_call, params={"w": np.zeros((3, 1), "float32"), "b": np.zeros((1,), "float32")})
    x = rand(32, 3)
    y = x @ np.array([[1.0], [-2.0], [0.5]], "float32") + 0.3

    def loss_fn(trainable):
        out, _ = layer.stateless_call(trainable, [], x)
        return ((out - y) ** 2).mean()

    values = [v.value for v in layer.trainable_variables]
    first = float(loss_fn(values))
    step = jax.jit(lambda vs: [v - 0.1 * g for v, g in zip(vs, jax.grad(loss_fn)(vs), strict=True)])
    for _ in range(50):
        values = step(values)
    assert float(loss_fn(values)) < 0.05 * first


# -- TFSMLayer --------------------------------------------------------------------
@on_tf
def test_tfsm_layer_wraps_a_saved_model(tmp_path):
    tf = pytest.importorskip("tensorflow")

    class Affine(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable(np.array([[1.0], [2.0]], "float32"), name="w")
            self.steps = tf.Variable(0.0, trainable=False, name="steps")

        @tf.function(input_signature=[tf.TensorSpec((None, 2), tf.float32)])
        def serve(self, x):
            return tf.matmul(x, self.w) + self.steps

        @tf.function(input_signature=[tf.TensorSpec((None, 2), tf.float32)])
        def train(self, x):
            return 2.0 * tf.matmul(x, self.w)

    tf.saved_model.save(Affine(), str(tmp_path))
    layer = TFSMLayer(str(tmp_path), call_endpoint="serve", call_training_endpoint="train", name="sm")
    assert [w.trainable for w in layer.weights] == [True, False]
    assert [w.shape for w in layer.weights] == [(2, 1), ()]
    x = rand(3, 2)
    assert_close(layer(x), x @ np.array([[1.0], [2.0]]), rtol=1e-5)
    assert_close(layer(x, training=True), 2 * x @ np.array([[1.0], [2.0]]), rtol=1e-5)
    layer.weights[0].assign(np.array([[3.0], [0.0]], "float32"))  # the endpoint reads the same variable
    assert_close(layer(x), x @ np.array([[3.0], [0.0]]), rtol=1e-5)
    config = layer.get_config()
    assert {k: config[k] for k in ("filepath", "call_endpoint", "call_training_endpoint")} == {
        "filepath": str(tmp_path), "call_endpoint": "serve", "call_training_endpoint": "train"}
    with pytest.raises(ValueError, match="safe"):
        TFSMLayer.from_config(config)
    assert TFSMLayer.from_config(config, safe_mode=False).call_endpoint == "serve"
    with pytest.raises(ValueError, match="nope"):
        TFSMLayer(str(tmp_path), call_endpoint="nope")
