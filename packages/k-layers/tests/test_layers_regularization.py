import numpy as np
import pytest

from k_backends import dtypes
from k_backends.variables import StatelessScope
from k_layers.layer import get_mask, set_mask
from k_layers.layers import (
    ActivityRegularization,
    AlphaDropout,
    Dropout,
    GaussianDropout,
    GaussianNoise,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)
from k_ops.symbolic import KerasTensor

from conftest import assert_close, to_numpy

ONES = np.ones((64, 32, 8), "float32")
F32 = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}


def _keras_config(config):
    """Normalize the dtype entry's module to Keras's "keras" (kappa's policy serializer, owned by the
    Layer base, writes "keras.dtype_policies")."""
    config = dict(config)
    if isinstance(config.get("dtype"), dict):
        config["dtype"] = {**config["dtype"], "module": "keras"}
    return config


RANDOM = [
    lambda: Dropout(0.3, seed=1), lambda: AlphaDropout(0.3, seed=1), lambda: GaussianNoise(0.5, seed=1),
    lambda: GaussianDropout(0.3, seed=1), lambda: SpatialDropout1D(0.3, seed=1),
]


@pytest.mark.parametrize("make", RANDOM)
def test_inference_is_identity(make):
    layer = make()
    x = np.random.default_rng(0).normal(size=ONES.shape).astype("float32")
    assert_close(layer(x), x)
    assert_close(layer(x, training=False), x)


@pytest.mark.parametrize("make", RANDOM)
def test_same_seed_same_noise_and_fresh_noise_per_call(make):
    a, b = make(), make()
    first = to_numpy(a(ONES, training=True))
    assert_close(b(ONES, training=True), first)
    assert not np.allclose(to_numpy(a(ONES, training=True)), first)


@pytest.mark.parametrize("make", RANDOM)
def test_stateless_scope_records_the_seed_state(make):
    layer = make()
    state = layer.seed_generator.state
    before = to_numpy(state.value).copy()
    with StatelessScope([(state, before)]) as scope:
        layer(ONES, training=True)
    after = scope.get_current_value(state)
    assert after is not None and not np.array_equal(to_numpy(after), before)
    np.testing.assert_array_equal(to_numpy(state.value), before)   # not assigned
    # The same through stateless_call: the new seed state comes back as a value.
    _, new = layer.stateless_call([], [v.value for v in layer.non_trainable_variables], ONES, training=True)
    np.testing.assert_array_equal(to_numpy(new[0]), to_numpy(after))
    np.testing.assert_array_equal(to_numpy(state.value), before)


def test_dropout_statistics():
    y = to_numpy(Dropout(0.3, seed=3)(ONES, training=True))
    dropped = y == 0
    assert abs(dropped.mean() - 0.3) < 0.02
    np.testing.assert_allclose(y[~dropped], 1 / 0.7, rtol=1e-6)
    assert Dropout(0.0)(ONES, training=True) is not None
    assert_close(Dropout(0.0)(ONES, training=True), ONES)
    assert_close(Dropout(1.0)(ONES, training=True), np.zeros_like(ONES))


def test_dropout_noise_shape():
    y = to_numpy(Dropout(0.3, noise_shape=(None, 1, 8), seed=2)(ONES, training=True))
    assert np.all(y == y[:, :1, :])   # one mask for every step
    assert 0.15 < (y == 0).mean() < 0.45
    with pytest.raises(ValueError, match="noise_shape"):
        Dropout(0.5, noise_shape="abc")
    with pytest.raises(ValueError, match="noise_shape"):
        Dropout(0.5, noise_shape=(0, 1))
    with pytest.raises(ValueError, match="drop_check"):
        Dropout(0.5, noise_shape=(1, 8), name="drop_check")(ONES, training=True)


def test_spatial_dropout_masks_whole_channels():
    y = to_numpy(SpatialDropout1D(0.3, seed=1)(ONES, training=True))
    assert np.all(y == y[:, :1, :]) and 0.1 < (y == 0).mean() < 0.5
    x = ONES.reshape(64, 4, 8, 8)
    y = to_numpy(SpatialDropout2D(0.3, seed=1)(x, training=True))
    assert np.all(y == y[:, :1, :1, :])
    y = to_numpy(SpatialDropout2D(0.3, data_format="channels_first", seed=1)(x, training=True))
    assert np.all(y == y[:, :, :1, :1])
    x = ONES.reshape(64, 2, 2, 8, 8)
    y = to_numpy(SpatialDropout3D(0.3, seed=1)(x, training=True))
    assert np.all(y == y[:, :1, :1, :1, :])
    with pytest.raises(ValueError, match="spatial_check"):
        SpatialDropout2D(0.5, name="spatial_check")(ONES)


def test_gaussian_noise_and_dropout_statistics():
    noise = to_numpy(GaussianNoise(0.5, seed=4)(ONES, training=True)) - 1
    assert abs(noise.mean()) < 0.02 and abs(noise.std() - 0.5) < 0.02
    y = to_numpy(GaussianDropout(0.2, seed=4)(ONES, training=True))
    assert abs(y.mean() - 1) < 0.02 and abs(y.std() - np.sqrt(0.2 / 0.8)) < 0.02


def test_alpha_dropout_keeps_mean_and_variance():
    x = np.random.default_rng(0).normal(size=ONES.shape).astype("float32")
    y = to_numpy(AlphaDropout(0.3, seed=5)(x, training=True))
    assert abs(y.mean()) < 0.03 and abs(y.std() - 1) < 0.03
    saturation = -1.6732632423543772 * 1.0507009873554805
    a = (0.7 * (1 + 0.3 * saturation ** 2)) ** -0.5
    b = -a * saturation * 0.3
    dropped = np.isclose(y, a * saturation + b, atol=1e-5)
    assert abs(dropped.mean() - 0.3) < 0.02
    np.testing.assert_allclose(y[~dropped], a * x[~dropped] + b, rtol=1e-5, atol=1e-5)


def test_activity_regularization_adds_loss():
    layer = ActivityRegularization(l1=0.1, l2=0.2)
    x = np.array([[1.0, -2.0], [0.5, 0.0]], "float32")
    assert_close(layer(x), x)
    (loss,) = layer.losses
    assert_close(loss, np.float64(0.1 * 3.5 + 0.2 * 5.25), rtol=1e-5)


@pytest.mark.parametrize("make", RANDOM + [lambda: ActivityRegularization(0.1)])
def test_symbolic_masks_round_trip_and_bfloat16(make):
    layer = make()
    assert layer(KerasTensor((None, 5, 3))).shape == (None, 5, 3)
    assert layer.supports_masking
    x = ONES
    kwargs = {} if isinstance(layer, ActivityRegularization) else {"training": True}
    clone = type(layer).from_config(layer.get_config())
    assert_close(clone(x, **kwargs), to_numpy(make()(x, **kwargs)))
    mixed = make()
    mixed.dtype_policy = "mixed_bfloat16"
    out = mixed(x, **kwargs)
    assert dtypes.standardize_dtype(out.dtype) == "bfloat16"
    from k_ops import core
    tensor = core.convert_to_tensor(x)
    mask = core.convert_to_tensor(np.ones(ONES.shape[:2], bool))
    set_mask(tensor, mask)
    assert get_mask(layer(tensor)) is mask


def test_bad_arguments():
    for cls in (Dropout, GaussianDropout, AlphaDropout, SpatialDropout1D):
        with pytest.raises(ValueError, match="rate"):
            cls(1.5)
    with pytest.raises(ValueError, match="stddev"):
        GaussianNoise(-1)
    with pytest.raises(ValueError, match="seed"):
        Dropout(0.5, seed="x")


def test_configs_match_keras():
    assert _keras_config(Dropout(0.5, noise_shape=(None, 1, 1, 8), seed=3, name="d").get_config()) == {
        "name": "d", "trainable": True, "dtype": F32, "rate": 0.5, "seed": 3, "noise_shape": (None, 1, 1, 8)}
    assert SpatialDropout1D(0.5, name="s1").get_config() == {"rate": 0.5, "seed": None, "name": "s1",
                                                             "dtype": "float32"}
    assert SpatialDropout2D(0.5, name="s2").get_config() == {
        "rate": 0.5, "seed": None, "name": "s2", "dtype": "float32", "data_format": "channels_last"}
    assert _keras_config(GaussianNoise(0.1, name="g").get_config()) == {
        "name": "g", "trainable": True, "dtype": F32, "stddev": 0.1, "seed": None}
    assert _keras_config(GaussianDropout(0.2, name="gd").get_config()) == {
        "name": "gd", "trainable": True, "dtype": F32, "rate": 0.2, "seed": None}
    assert _keras_config(AlphaDropout(0.2, name="ad").get_config()) == {
        "name": "ad", "trainable": True, "dtype": F32, "rate": 0.2, "seed": None, "noise_shape": None}
    assert _keras_config(ActivityRegularization(0.1, 0.2, name="ar").get_config()) == {
        "name": "ar", "trainable": True, "dtype": F32, "l1": 0.1, "l2": 0.2}
