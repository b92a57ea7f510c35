import numpy as np
import pytest

from k_backends import dtypes
from k_layers.layer import Layer
from k_layers.layers import (
    BatchNormalization,
    GroupNormalization,
    LayerNormalization,
    RMSNormalization,
    SpectralNormalization,
    UnitNormalization,
)
from k_layers.serialization import register_keras_serializable
from k_ops import numpy as knp
from k_ops.symbolic import KerasTensor

from conftest import assert_close, to_numpy

RNG = np.random.default_rng(0)
X = RNG.normal(size=(4, 3, 5)).astype("float32") * 2 + 1
ZEROS = {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": None}
ONES = {"module": "keras.initializers", "class_name": "Ones", "config": {}, "registered_name": None}
F32 = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}


@register_keras_serializable("kappa_tests")
class Linear(Layer):
    """A minimal layer with a kernel (the Dense layer is written elsewhere)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.bias = self.add_weight(shape=(self.units,), name="bias", initializer="zeros")

    def call(self, x):
        return knp.matmul(x, self.kernel) + self.bias

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def _keras_config(config):
    """The config with the dtype policy as Keras 3.15.1 writes it (module "keras").

    kappa's dtype-policy serializer (owned by the Layer base) writes module "keras.dtype_policies";
    both load, so only the dtype entry's module is normalized here.
    """
    config = dict(config)
    if isinstance(config.get("dtype"), dict):
        config["dtype"] = {**config["dtype"], "module": "keras"}
    return config


def _bn_ref(x, mean, var, gamma, beta, eps, axis=-1):
    shape = [1] * x.ndim
    shape[axis] = -1
    r = lambda v: np.reshape(v, shape)  # noqa: E731
    return (x - r(mean)) / np.sqrt(r(var) + eps) * r(gamma) + r(beta)


def _ln_ref(x, axes, gamma, beta, eps):
    mean = x.mean(axis=tuple(axes), keepdims=True)
    var = x.var(axis=tuple(axes), keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


# -- BatchNormalization --------------------------------------------------------------
def test_batch_norm_training_updates_moving_statistics():
    layer = BatchNormalization(momentum=0.9, epsilon=1e-3)
    gamma, beta = RNG.normal(size=5).astype("float32"), RNG.normal(size=5).astype("float32")
    layer.build(X.shape)
    layer.set_weights([gamma, beta, np.full(5, 0.5, "float32"), np.full(5, 2.0, "float32")])
    y = layer(X, training=True)
    x = X.astype("float64")
    mean, var = x.mean(axis=(0, 1)), x.var(axis=(0, 1))
    assert_close(y, _bn_ref(x, mean, var, gamma, beta, 1e-3), dtype="float32", rtol=1e-4)
    assert_close(layer.moving_mean, 0.5 * 0.9 + mean * 0.1, rtol=1e-5)
    assert_close(layer.moving_variance, 2.0 * 0.9 + var * 0.1, rtol=1e-5)
    # Inference uses the moving statistics and changes nothing.
    mm, mv = to_numpy(layer.moving_mean), to_numpy(layer.moving_variance)
    y = layer(X)
    assert_close(y, _bn_ref(x, mm, mv, gamma, beta, 1e-3), rtol=1e-4)
    assert_close(layer.moving_mean, mm)


def test_batch_norm_weights_and_frozen_layer():
    layer = BatchNormalization(axis=1, center=False)
    layer(X)
    assert [w.path for w in layer.weights] == ["batch_normalization/gamma", "batch_normalization/moving_mean",
                                               "batch_normalization/moving_variance"] or \
        [w.path.split("/")[-1] for w in layer.weights] == ["gamma", "moving_mean", "moving_variance"]
    assert [w.trainable for w in layer.weights] == [True, False, False]
    assert layer.moving_mean.shape == (3,)
    layer.trainable = False   # frozen: training=True runs in inference mode
    layer(X, training=True)
    assert_close(layer.moving_mean, np.zeros(3))


def test_batch_norm_mask():
    layer = BatchNormalization(momentum=0.0)
    mask = np.ones((4, 3), bool)
    mask[:, 2] = False
    layer(X, training=True, mask=mask)
    kept = X[:, :2].reshape(-1, 5).astype("float64")
    assert_close(layer.moving_mean, kept.mean(0), rtol=1e-4)
    assert_close(layer.moving_variance, kept.var(0), rtol=1e-4)
    with pytest.raises(ValueError, match="mask"):
        layer(X, training=True, mask=np.ones((4,), bool))


def test_batch_norm_renorm_first_step():
    layer = BatchNormalization(renorm=True, momentum=0.9)
    y = layer(X, training=True)
    # Initially renorm_mean=0, renorm_stddev=1, so r = stddev, d = mean: the output equals x.
    assert_close(y, X, rtol=1e-4, atol=1e-4)
    x = X.astype("float64")
    mean, std = x.mean((0, 1)), np.sqrt(x.var((0, 1)) + 1e-3)
    assert_close(layer.moving_mean, 0.1 * mean, rtol=1e-4)
    ms = 0.9 + 0.1 * std
    assert_close(layer.moving_stddev, ms, rtol=1e-5)
    assert_close(layer.moving_variance, np.maximum(ms ** 2 - 1e-3, 0), rtol=1e-5)
    assert [w.path.split("/")[-1] for w in layer.weights] == [
        "gamma", "beta", "moving_mean", "moving_variance", "moving_stddev", "renorm_mean", "renorm_stddev"]
    with pytest.raises(ValueError, match="renorm_clipping"):
        BatchNormalization(renorm=True, renorm_clipping={"bad": 1})


def test_batch_norm_stateless_call_returns_new_statistics():
    layer = BatchNormalization(momentum=0.5)
    layer.build(X.shape)
    trainable = [v.value for v in layer.trainable_variables]
    non_trainable = [v.value for v in layer.non_trainable_variables]
    _, new = layer.stateless_call(trainable, non_trainable, X, training=True)
    assert_close(new[0], 0.5 * X.astype("float64").mean((0, 1)), rtol=1e-4)
    assert_close(layer.moving_mean, np.zeros(5))   # the layer itself is unchanged


def test_batch_norm_config_matches_keras():
    layer = BatchNormalization(name="bn")
    assert _keras_config(layer.get_config()) == {
        "name": "bn", "trainable": True, "dtype": F32, "axis": -1, "momentum": 0.99, "epsilon": 0.001,
        "center": True, "scale": True, "beta_initializer": ZEROS, "gamma_initializer": ONES,
        "moving_mean_initializer": ZEROS, "moving_variance_initializer": ONES, "beta_regularizer": None,
        "gamma_regularizer": None, "beta_constraint": None, "gamma_constraint": None, "synchronized": False,
        "renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99}
    cfg = BatchNormalization(axis=1, gamma_regularizer="l2", center=False).get_config()
    assert cfg["gamma_regularizer"] == {"module": "keras.regularizers", "class_name": "L2",
                                        "config": {"l2": 0.01}, "registered_name": None}


# -- the other normalizations ---------------------------------------------------------
def _configured(layer, x):
    layer.build(x.shape)
    weights = [RNG.normal(size=w.shape).astype("float32") for w in layer.weights]
    layer.set_weights(weights)
    return weights


def test_layer_norm_forward():
    layer = LayerNormalization(axis=[1, 2], epsilon=1e-3)
    gamma, beta = _configured(layer, X)
    expected = _ln_ref(X.astype("float64"), (1, 2), gamma, beta, 1e-3)
    assert_close(layer(X), expected, dtype="float32", rtol=1e-4)
    layer = LayerNormalization()
    gamma, beta = _configured(layer, X)
    assert_close(layer(X), _ln_ref(X.astype("float64"), (2,), gamma, beta, 1e-3), rtol=1e-4)
    assert layer.axis == [-1]


def test_layer_norm_rms_scaling():
    layer = LayerNormalization(rms_scaling=True)
    (gamma,) = _configured(layer, X)
    x = X.astype("float64")
    assert_close(layer(X), x / np.sqrt(x.var(-1, keepdims=True) + 1e-3) * gamma, rtol=1e-4)
    assert layer.get_config()["rms_scaling"] is True


def test_group_norm_forward():
    x = RNG.normal(size=(2, 3, 6)).astype("float32")
    layer = GroupNormalization(groups=3, epsilon=1e-3)
    gamma, beta = _configured(layer, x)
    g = x.astype("float64").reshape(2, 3, 3, 2)
    ref = (g - g.mean((1, 3), keepdims=True)) / np.sqrt(g.var((1, 3), keepdims=True) + 1e-3)
    assert_close(layer(x), ref.reshape(2, 3, 6) * gamma + beta, dtype="float32", rtol=1e-4)
    # channels first
    layer = GroupNormalization(groups=-1, axis=1)
    gamma, beta = _configured(layer, x)
    xx = x.astype("float64")
    ref = (xx - xx.mean(2, keepdims=True)) / np.sqrt(xx.var(2, keepdims=True) + 1e-3)
    assert_close(layer(x), ref * gamma[:, None] + beta[:, None], rtol=1e-4)
    assert layer.groups == 3
    with pytest.raises(ValueError, match="multiple"):
        GroupNormalization(groups=4)(x)
    with pytest.raises(ValueError, match="groups"):
        GroupNormalization(groups=0)


def test_unit_and_rms_norm_forward():
    x = X.astype("float64")
    assert_close(UnitNormalization()(X), x / np.linalg.norm(x, axis=-1, keepdims=True), rtol=1e-5)
    assert_close(UnitNormalization(axis=[1, 2])(X), x / np.sqrt((x ** 2).sum((1, 2), keepdims=True)),
                 rtol=1e-5)
    layer = RMSNormalization()
    (scale,) = _configured(layer, X)
    assert_close(layer(X), x / np.sqrt((x ** 2).mean(-1, keepdims=True) + 1e-6) * scale, rtol=1e-5)


def test_spectral_normalization():
    inner = Linear(4)
    layer = SpectralNormalization(inner, power_iterations=20)
    x = RNG.normal(size=(3, 6)).astype("float32")
    layer(x)
    assert [w.path.split("/")[-1] for w in layer.weights] == ["kernel", "vector_u", "bias"]
    assert layer.vector_u.shape == (1, 4) and not layer.vector_u.trainable
    y = layer(x, training=False)
    assert_close(y, x.astype("float64") @ to_numpy(inner.kernel), rtol=1e-4, atol=1e-5)
    w = RNG.normal(size=(6, 4)).astype("float32")
    inner.kernel.assign(w)
    u0 = to_numpy(layer.vector_u)
    y = layer(x, training=True)
    sigma = np.linalg.svd(w.astype("float64"), compute_uv=False)[0]
    assert_close(inner.kernel, w / sigma, rtol=1e-3, atol=1e-5)
    assert_close(y, x.astype("float64") @ (w / sigma), rtol=1e-3, atol=1e-4)
    assert not np.allclose(to_numpy(layer.vector_u), u0)
    cfg = layer.get_config()
    assert list(cfg) == ["name", "trainable", "dtype", "layer", "power_iterations"]
    clone = SpectralNormalization.from_config(cfg)
    assert isinstance(clone.layer, Linear) and clone.power_iterations == 20
    with pytest.raises(ValueError, match="power_iterations"):
        SpectralNormalization(Linear(2), power_iterations=0)
    with pytest.raises(ValueError, match="kernel"):
        SpectralNormalization(UnitNormalization())(x)


# -- shared checks -------------------------------------------------------------------
LAYERS = [
    lambda: BatchNormalization(), lambda: LayerNormalization(axis=[1, 2]),
    lambda: GroupNormalization(groups=5),
    lambda: UnitNormalization(), lambda: RMSNormalization(), lambda: LayerNormalization(rms_scaling=True),
]


@pytest.mark.parametrize("make", LAYERS)
def test_symbolic_shape_and_round_trip(make):
    layer = make()
    assert layer(KerasTensor((None, 3, 5))).shape == (None, 3, 5)
    out = layer(X)
    clone = type(layer).from_config(layer.get_config())
    clone.build(X.shape)
    clone.set_weights(layer.get_weights())
    assert_close(clone(X), to_numpy(out))


@pytest.mark.parametrize("make", LAYERS)
def test_mixed_bfloat16(make):
    layer = make()
    layer.dtype_policy = "mixed_bfloat16"
    out = layer(X)
    assert dtypes.standardize_dtype(out.dtype) == "bfloat16"
    assert_close(to_numpy(out).astype("float32"), to_numpy(make()(X)), rtol=5e-2, atol=5e-2)
    assert all(w.dtype == "float32" for w in layer.weights)


def test_wrong_inputs_name_the_layer():
    layer = BatchNormalization(name="bn_check")
    layer(X)
    with pytest.raises(ValueError, match="bn_check"):
        layer(np.ones((4, 3, 6), "float32"))
    with pytest.raises(ValueError, match="layer_norm_check"):
        LayerNormalization(axis=3, name="layer_norm_check")(X)
    with pytest.raises(TypeError, match="axis"):
        BatchNormalization(axis=[1, 2])


def test_masks_pass_through():
    assert BatchNormalization().supports_masking and LayerNormalization().supports_masking
    assert UnitNormalization().supports_masking and GroupNormalization().supports_masking
    assert not RMSNormalization().supports_masking


def test_other_configs_match_keras():
    layer = LayerNormalization(axis=[1, 2], name="ln")
    layer(X)
    assert _keras_config(layer.get_config()) == {
        "name": "ln", "trainable": True, "dtype": F32, "axis": [1, 2], "epsilon": 0.001, "center": True,
        "scale": True, "rms_scaling": False, "beta_initializer": ZEROS, "gamma_initializer": ONES,
        "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None,
        "gamma_constraint": None}
    assert _keras_config(GroupNormalization(groups=4, name="gn").get_config()) == {
        "name": "gn", "trainable": True, "dtype": F32, "groups": 4, "axis": -1, "epsilon": 0.001,
        "center": True, "scale": True, "beta_initializer": ZEROS, "gamma_initializer": ONES,
        "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None,
        "gamma_constraint": None}
    assert _keras_config(UnitNormalization(name="un").get_config()) == {
        "name": "un", "trainable": True, "dtype": F32, "axis": -1}
    layer = RMSNormalization(name="rms")
    layer(X)
    assert _keras_config(layer.get_config()) == {"name": "rms", "trainable": True, "dtype": F32, "axis": [-1],
                                  "epsilon": 1e-06}
