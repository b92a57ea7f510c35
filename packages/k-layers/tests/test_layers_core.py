import numpy as np
import pytest

from k_backends import dtypes
from k_layers.layer import Layer, get_mask
from k_layers.layers import Dense, EinsumDense, Embedding, Identity, Lambda, Masking, Wrapper
from k_layers.serialization import deserialize_keras_object, serialize_keras_object
from k_ops.symbolic import KerasTensor

from conftest import assert_close, to_numpy

RNG = np.random.default_rng(0)
GLOROT = {"module": "keras.initializers", "class_name": "GlorotUniform",
          "config": {"seed": None, "input_axes": None, "output_axes": None}, "registered_name": None}
ZEROS = {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": None}


def rand(*shape):
    return RNG.standard_normal(shape).astype("float32")


def without_dtype(config):
    """Configs minus the dtype entry (the dtype policy's own serialization is tested elsewhere)."""
    return {k: v for k, v in config.items() if k != "dtype"}


def assert_bfloat16(result, expected, tol=5e-2):
    """A bfloat16 result against a float reference (compared in float32, loosely)."""
    assert dtypes.standardize_dtype(result.dtype) == "bfloat16"
    assert_close(np.asarray(to_numpy(result)).astype("float32"), expected, rtol=tol, atol=tol)


def roundtrip(layer, x):
    layer(x)
    clone = type(layer).from_config(layer.get_config())
    clone(x)
    clone.set_weights(layer.get_weights())
    assert_close(clone(x), to_numpy(layer(x)))
    return clone


# -- Dense ------------------------------------------------------------------------
def test_dense_matches_numpy_and_weights_are_named_as_keras():
    layer = Dense(4, activation="relu", name="d")
    x = rand(2, 5, 3)
    layer(x)
    assert [w.path for w in layer.weights] == ["d/kernel", "d/bias"]
    kernel, bias = rand(3, 4), rand(4)
    layer.set_weights([kernel, bias])
    assert_close(layer(x), np.maximum(x @ kernel + bias, 0), dtype="float32")


def test_dense_without_bias_and_symbolic_shape():
    layer = Dense(6, use_bias=False)
    assert layer(KerasTensor((None, 2, 3))).shape == (None, 2, 6)
    assert len(layer.weights) == 1


def test_dense_mixed_bfloat16():
    layer = Dense(4, dtype="mixed_bfloat16")
    x = rand(2, 3)
    y = layer(x)
    kernel, bias = layer.get_weights()
    assert kernel.dtype == np.float32 and bias.dtype == np.float32
    assert_bfloat16(y, x @ kernel + bias)


def test_dense_config_equals_keras_and_roundtrips():
    layer = Dense(4, name="dense")
    assert without_dtype(layer.get_config()) == {
        "name": "dense", "trainable": True, "units": 4, "activation": "linear", "use_bias": True,
        "kernel_initializer": GLOROT, "bias_initializer": ZEROS, "kernel_regularizer": None,
        "bias_regularizer": None, "kernel_constraint": None, "bias_constraint": None,
        "quantization_config": None}
    roundtrip(Dense(3, activation="tanh", kernel_regularizer="l2"), rand(2, 5))


def test_dense_activity_regularizer_key_follows_keras_order():
    keys = list(Dense(2, activity_regularizer="l2").get_config())
    assert keys[:4] == ["name", "trainable", "dtype", "activity_regularizer"]


def test_dense_errors():
    with pytest.raises(ValueError, match="units"):
        Dense(0)
    with pytest.raises(ValueError, match="quantization_config"):
        Dense(2, quantization_config={"mode": "int8"})
    layer = Dense(2, name="my_dense")
    layer(rand(2, 3))
    with pytest.raises(ValueError, match="my_dense"):
        layer(rand(2, 4))
    with pytest.raises(ValueError, match="my_dense"):
        Dense(2, name="my_dense")(rand(3))


def test_dense_passes_masks_through():
    x = rand(2, 3, 4)
    mask = np.array([[True, False, True], [True, True, False]])
    masked = Masking(0.0)(x * mask[..., None])
    out = Dense(2)(masked)
    np.testing.assert_array_equal(to_numpy(get_mask(out)), mask)


# -- LoRA -------------------------------------------------------------------------
def test_dense_lora_adds_scaled_low_rank_update():
    layer = Dense(3, lora_rank=2, lora_alpha=4, name="lora", kernel_initializer="zeros")
    x = rand(5, 4)
    layer(x)
    # Keras's order (creation order), so set_weights and saved files line up with Keras.
    assert [w.path for w in layer.weights] == \
        ["lora/kernel", "lora/bias", "lora/lora_kernel_a", "lora/lora_kernel_b"]
    assert not layer._kernel.trainable and len(layer.trainable_weights) == 3
    kernel, a, b, bias = rand(4, 3), rand(4, 2), rand(2, 3), rand(3)
    layer._kernel.assign(kernel)
    layer.lora_kernel_a.assign(a)
    layer.lora_kernel_b.assign(b)
    layer.bias.assign(bias)
    assert_close(layer(x), x @ (kernel + 2.0 * a @ b) + bias, rtol=1e-4, atol=1e-4)
    config = layer.get_config()
    assert (config["lora_rank"], config["lora_alpha"]) == (2, 4)
    assert list(config)[-2:] == ["lora_rank", "lora_alpha"]


def test_lora_starts_as_the_original_layer_and_enable_lora_checks():
    layer = Dense(3)
    x = rand(2, 4)
    before = to_numpy(layer(x))
    layer.enable_lora(2)
    assert_close(layer(x), before)  # lora_kernel_b starts at zero
    with pytest.raises(ValueError, match="already enabled"):
        layer.enable_lora(2)
    with pytest.raises(ValueError, match="build"):
        Dense(3).enable_lora(2)
    with pytest.raises(ValueError, match="kernel_constraint"):
        Dense(3, kernel_constraint="non_neg", lora_rank=2)(x)
    with pytest.raises(ValueError, match="lora_rank"):
        Dense(3, lora_rank=0)


def test_embedding_and_einsum_lora():
    emb = Embedding(10, 3, lora_rank=2, embeddings_initializer="zeros")
    emb.build()
    assert [w.path.split("/")[-1] for w in emb.weights] == \
        ["embeddings", "lora_embeddings_a", "lora_embeddings_b"]
    table, a, b = rand(10, 3), rand(10, 2), rand(2, 3)
    emb._embeddings.assign(table)
    emb.lora_embeddings_a.assign(a)
    emb.lora_embeddings_b.assign(b)
    assert_close(emb(np.array([[1, 7]])), (table + a @ b)[[[1, 7]]], rtol=1e-4, atol=1e-4)
    ed = EinsumDense("abc,cde->abde", output_shape=(None, 4, 5), lora_rank=2, kernel_initializer="zeros")
    ed.build((None, 3, 6))
    shapes = {w.path.split("/")[-1]: tuple(w.shape) for w in ed.weights}
    assert shapes == {"kernel": (6, 4, 5), "lora_kernel_a": (6, 4, 2), "lora_kernel_b": (2, 5)}


# -- EinsumDense ------------------------------------------------------------------
@pytest.mark.parametrize("equation, output_shape, bias_axes, x_shape, kernel, bias, out", [
    ("ab,bc->ac", 4, "c", (2, 3), (3, 4), (4,), (2, 4)),
    ("abc,cd->abd", (None, 5), "d", (2, 3, 4), (4, 5), (5,), (2, 3, 5)),
    ("abc,cde->abde", (None, 4, 5), "e", (2, 3, 6), (6, 4, 5), (5,), (2, 3, 4, 5)),
    ("abc,cde->abde", (3, 4, 5), "de", (2, 3, 6), (6, 4, 5), (4, 5), (2, 3, 4, 5)),
    ("...b,bc->...c", 4, "c", (2, 3, 6), (6, 4), (4,), (2, 3, 4)),
    ("ab...,bc->ac...", 4, "c", (2, 3, 6), (3, 4), (4, 1), (2, 4, 6)),
    ("abc,cd->abd", (None, 5), None, (2, 3, 4), (4, 5), None, (2, 3, 5)),
])
def test_einsum_dense_shapes_and_values(equation, output_shape, bias_axes, x_shape, kernel, bias, out):
    # Zeros: the values are overwritten, and random init compiles per shape on jax (slow).
    layer = EinsumDense(equation, output_shape=output_shape, bias_axes=bias_axes, kernel_initializer="zeros")
    x = rand(*x_shape)
    layer(x)
    assert tuple(layer._kernel.shape) == kernel
    assert (None if layer.bias is None else tuple(layer.bias.shape)) == bias
    k = rand(*kernel)
    layer._kernel.assign(k)
    expected = np.einsum(equation, x, k)
    if bias is not None:
        b = rand(*bias)
        layer.bias.assign(b)
        expected = expected + b
    assert_close(layer(x), expected, rtol=1e-4, atol=1e-4)
    assert layer(KerasTensor((None, *x_shape[1:]))).shape == (None, *out[1:])


def test_einsum_dense_mixed_bfloat16_and_roundtrip():
    layer = EinsumDense("abc,cd->abd", output_shape=(None, 5), bias_axes="d", dtype="mixed_bfloat16")
    x = rand(2, 3, 4)
    y = layer(x)
    kernel, bias = layer.get_weights()
    assert_bfloat16(y, np.einsum("abc,cd->abd", x, kernel) + bias)
    roundtrip(EinsumDense("ab,bc->ac", 4, activation="relu", bias_axes="c"), rand(2, 3))


def test_einsum_dense_config_equals_keras():
    layer = EinsumDense("ab,bc->ac", output_shape=4, bias_axes="c", name="einsum_dense")
    assert without_dtype(layer.get_config()) == {
        "name": "einsum_dense", "trainable": True, "output_shape": (4,), "equation": "ab,bc->ac",
        "activation": "linear", "bias_axes": "c", "kernel_initializer": GLOROT, "bias_initializer": ZEROS,
        "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
        "kernel_constraint": None, "bias_constraint": None, "quantization_config": None}


def test_einsum_dense_errors():
    with pytest.raises(ValueError, match="equation"):
        EinsumDense("ab->b", 3)
    with pytest.raises(ValueError, match="bias axis 'x'"):
        EinsumDense("ab,bc->ac", 4, bias_axes="x")(rand(2, 3))
    with pytest.raises(ValueError, match="einsum_bad"):
        EinsumDense("abc,cd->abd", (None, 5), name="einsum_bad")(rand(2, 3))
    with pytest.raises(ValueError, match="output_shape"):
        EinsumDense("abc,cd->abd", 5)(rand(2, 3, 4))
    with pytest.raises(ValueError, match="gptq_unpacked_column_size"):
        EinsumDense("ab,bc->ac", 4, gptq_unpacked_column_size=8)


# -- Embedding --------------------------------------------------------------------
def test_embedding_looks_up_rows_and_masks_zero():
    layer = Embedding(10, 3, mask_zero=True, name="embedding")
    ids = np.array([[0, 4, 9], [2, 0, 0]])
    y = layer(ids)
    assert [w.path for w in layer.weights] == ["embedding/embeddings"]
    table = to_numpy(layer.get_weights()[0])
    assert_close(y, table[ids], dtype="float32")
    np.testing.assert_array_equal(to_numpy(get_mask(y)), ids != 0)
    np.testing.assert_array_equal(to_numpy(layer.compute_mask(ids)), ids != 0)
    assert Embedding(10, 3).compute_mask(ids) is None


def test_embedding_float_indices_weights_argument_and_symbolic():
    table = rand(300, 2)
    layer = Embedding(300, 2, weights=table, dtype="mixed_bfloat16")
    # 257 is not representable in bfloat16: indices must not be autocast.
    y = layer(np.array([[257.0, 3.0]], dtype="float32"))
    assert_bfloat16(y, table[[[257, 3]]], tol=2e-2)
    assert layer(KerasTensor((None, 7), "int32")).shape == (None, 7, 2)
    assert layer.get_weights()[0].dtype == np.float32


def test_embedding_config_equals_keras_and_roundtrips():
    layer = Embedding(10, 3, mask_zero=True, name="embedding", input_length=5)
    assert without_dtype(layer.get_config()) == {
        "name": "embedding", "trainable": True, "input_dim": 10, "output_dim": 3,
        "embeddings_initializer": {"module": "keras.initializers", "class_name": "RandomUniform",
                                   "config": {"seed": None, "minval": -0.05, "maxval": 0.05},
                                   "registered_name": None},
        "embeddings_regularizer": None, "activity_regularizer": None, "embeddings_constraint": None,
        "mask_zero": True, "quantization_config": None}
    roundtrip(layer, np.array([[1, 2, 0]]))


def test_embedding_errors():
    with pytest.raises(ValueError, match="input_dim"):
        Embedding(0, 3)
    with pytest.raises(ValueError, match="output_dim"):
        Embedding(3, -1)


# -- Identity and Masking ---------------------------------------------------------
def test_identity_returns_inputs_and_keeps_masks():
    x = rand(2, 3)
    assert_close(Identity()(x), x)
    assert Identity()(KerasTensor((None, 4))).shape == (None, 4)
    masked = Masking()(np.array([[[1.0], [0.0]]], dtype="float32"))
    np.testing.assert_array_equal(to_numpy(get_mask(Identity()(masked))), [[True, False]])
    assert without_dtype(Identity(name="identity").get_config()) == {"name": "identity", "trainable": True}


@pytest.mark.parametrize("dtype", ["float32", "mixed_bfloat16"])
def test_masking_zeroes_masked_steps(dtype):
    x = rand(2, 4, 3)
    x[0, 1] = 2.5
    x[1, 3] = 2.5
    x[1, 0, 0] = 2.5  # only one feature equals mask_value: kept
    layer = Masking(mask_value=2.5, dtype=dtype)
    y = layer(x)
    keep = np.any(x != 2.5, axis=-1)
    if dtype == "mixed_bfloat16":
        assert_bfloat16(y, x * keep[..., None], tol=2e-2)
    else:
        assert_close(y, x * keep[..., None], dtype="float32")
    np.testing.assert_array_equal(to_numpy(get_mask(y)), keep)
    # A bfloat16 symbolic input: the base layer's autocast of symbolic inputs is tested with the base.
    symbolic = KerasTensor((None, 4, 3), "bfloat16" if dtype == "mixed_bfloat16" else "float32")
    assert layer(symbolic).shape == (None, 4, 3)


def test_masking_config_and_errors():
    assert without_dtype(Masking(1.5, name="masking").get_config()) == \
        {"name": "masking", "trainable": True, "mask_value": 1.5}
    roundtrip(Masking(1.5), rand(2, 3, 2))
    with pytest.raises(TypeError, match="mask_value"):
        Masking("zero")


# -- Lambda -----------------------------------------------------------------------
def test_lambda_applies_function_with_arguments_mask_and_training():
    x = rand(2, 3)
    assert_close(Lambda(lambda t, scale: t * scale, arguments={"scale": 3.0})(x), x * 3)
    seen = {}

    def record(t, mask=None, training=None):
        seen.update(mask=mask, training=training)
        return t

    Lambda(record)(x, training=True)
    assert seen == {"mask": None, "training": True}
    layer = Lambda(lambda t: t, mask=lambda t, m: t[:, 0] > 0)
    y = layer(x)
    np.testing.assert_array_equal(to_numpy(get_mask(y)), x[:, 0] > 0)


def test_lambda_output_shape_symbolic():
    from k_ops import numpy as knp

    assert Lambda(lambda t: knp.concatenate([t, t], axis=-1))(KerasTensor((None, 3))).shape == (None, 6)
    assert Lambda(lambda t: t, output_shape=(5,))(KerasTensor((None, 3))).shape == (None, 5)
    assert Lambda(lambda t: t, output_shape=lambda s: (s[0], 7))(KerasTensor((None, 3))).shape == (None, 7)
    outputs = Lambda(lambda t: [t, t], output_shape=[(3,), (4,)])(KerasTensor((None, 3)))
    assert [o.shape for o in outputs] == [(None, 3), (None, 4)]


def test_lambda_python_lambda_needs_unsafe_mode():
    layer = Lambda(lambda t: t * 2 + 1, name="lambda")
    config = layer.get_config()
    assert config["function"]["class_name"] == "__lambda__"
    assert set(config["function"]["config"]) == {"code", "defaults", "closure"}
    assert list(without_dtype(config)) == ["name", "trainable", "function", "arguments"]
    with pytest.raises(ValueError, match="safe_mode=False"):
        Lambda.from_config(config)
    with pytest.raises(ValueError, match="safe_mode=False"):
        deserialize_keras_object(serialize_keras_object(layer))
    loaded = deserialize_keras_object(serialize_keras_object(layer), safe_mode=False)
    x = rand(2, 3)
    assert_close(loaded(x), x * 2 + 1)
    assert_close(Lambda.from_config(config, safe_mode=False)(x), x * 2 + 1)


def test_lambda_closure_and_defaults_survive_unsafe_load():
    offset = 4.0
    layer = Lambda(lambda t, k=2.0: t * k + offset)
    clone = Lambda.from_config(layer.get_config(), safe_mode=False)
    x = rand(2, 2)
    assert_close(clone(x), x * 2 + 4)


def test_lambda_named_function_config_equals_keras_and_loads_safely():
    from k_layers import activations

    layer = Lambda(activations.relu, output_shape=(3,), arguments={"max_value": 1.0}, name="lambda_1")
    config = layer.get_config()
    assert without_dtype(config) == {
        "name": "lambda_1", "trainable": True,
        "function": {"module": "builtins", "class_name": "function", "config": "relu",
                     "registered_name": "function"},
        "output_shape": (3,), "arguments": {"max_value": 1.0}}
    x = rand(2, 3) * 3
    assert_close(Lambda.from_config(config)(x), np.clip(x, 0, 1))


def test_lambda_errors():
    with pytest.raises(TypeError, match="function"):
        Lambda(3)
    with pytest.raises(TypeError, match="arguments"):
        Lambda(lambda t: t, arguments=[1])


# -- Wrapper ----------------------------------------------------------------------
class Twice(Wrapper):
    def call(self, inputs):
        return self.layer(self.layer(inputs))


def test_wrapper_builds_tracks_and_serializes_inner_layer():
    layer = Twice(Dense(3, name="inner"), name="twice")
    x = rand(2, 3)
    y = layer(x)
    kernel, bias = layer.get_weights()
    assert_close(y, (x @ kernel + bias) @ kernel + bias, rtol=1e-4, atol=1e-4)
    config = layer.get_config()
    assert config["layer"]["class_name"] == "Dense" and config["layer"]["module"] == "keras.layers"
    assert config["layer"]["config"]["name"] == "inner"
    clone = Twice.from_config(config)
    assert isinstance(clone.layer, Dense) and clone.layer.units == 3
    clone(x)
    clone.set_weights(layer.get_weights())
    assert_close(clone(x), to_numpy(y))
    with pytest.raises(ValueError, match="Layer instance"):
        Twice("dense")


def test_all_core_layers_are_layers():
    for cls in (Dense, EinsumDense, Embedding, Identity, Lambda, Masking, Wrapper):
        assert issubclass(cls, Layer)
