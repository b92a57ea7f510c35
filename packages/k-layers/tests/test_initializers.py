import json

import numpy as np
import pytest

import k_backends
from k_backends.seed import SeedGenerator
from k_layers import initializers as I

from conftest import assert_close, to_numpy


def _np(x):
    return np.asarray(to_numpy(x), dtype="float64")


# One shape for all random draws: jax compiles a random op once per shape.
SHAPE = (3, 3, 32, 64)  # a conv kernel: fan_in 288, fan_out 576


# -- configs: the dicts below were printed by Keras 3.15.1 ------------------------------
KERAS_CONFIGS = {
    "Constant": {"value": 0.0},
    "Zeros": {},
    "Ones": {},
    "Identity": {},
    "RandomNormal": {"seed": None, "mean": 0.0, "stddev": 0.05},
    "RandomUniform": {"seed": None, "minval": -0.05, "maxval": 0.05},
    "TruncatedNormal": {"seed": None, "mean": 0.0, "stddev": 0.05},
    "VarianceScaling": {"seed": None, "scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal",
                        "input_axes": None, "output_axes": None},
    "GlorotNormal": {"seed": None, "input_axes": None, "output_axes": None},
    "GlorotUniform": {"seed": None, "input_axes": None, "output_axes": None},
    "HeNormal": {"seed": None, "input_axes": None, "output_axes": None},
    "HeUniform": {"seed": None, "input_axes": None, "output_axes": None},
    "LecunNormal": {"seed": None, "input_axes": None, "output_axes": None},
    "LecunUniform": {"seed": None, "input_axes": None, "output_axes": None},
    "Orthogonal": {"seed": None, "gain": 1.0},
    "STFT": {"side": "real", "window": "hann", "periodic": False, "scaling": "density"},
}


@pytest.mark.parametrize("name", sorted(KERAS_CONFIGS))
def test_default_config_equals_keras(name):
    init = getattr(I, name)()
    assert init.get_config() == KERAS_CONFIGS[name]
    assert list(init.get_config()) == list(KERAS_CONFIGS[name])  # key order too
    clone = init.clone()
    assert type(clone) is type(init) and clone.get_config() == init.get_config()


def test_serialize_he_normal_as_keras():
    assert I.serialize(I.he_normal(seed=3)) == {
        "module": "keras.initializers", "class_name": "HeNormal",
        "config": {"seed": 3, "input_axes": None, "output_axes": None}, "registered_name": None}
    assert I.serialize(I.Zeros()) == {"module": "keras.initializers", "class_name": "Zeros", "config": {},
                                      "registered_name": None}


def test_seed_generator_config_as_keras_and_round_trip():
    config = I.RandomNormal(seed=SeedGenerator(3)).get_config()
    assert config["seed"]["module"] == "keras.random" and config["seed"]["class_name"] == "SeedGenerator"
    assert config["seed"]["config"]["seed"] == 3
    again = I.RandomNormal.from_config(json.loads(json.dumps(config)))
    assert isinstance(again.seed, SeedGenerator)


@pytest.mark.parametrize("init", [I.VarianceScaling(scale=2.0, mode="fan_avg", distribution="uniform", seed=4,
                                                    input_axes=[0], output_axes=[1]),
                                  I.Orthogonal(gain=2.0, seed=1), I.Constant(3.5), I.Identity(gain=2.0),
                                  I.STFT(side="imag", window="hamming", scaling="spectrum", periodic=True),
                                  I.RandomUniform(-1.0, 2.0, seed=5)])
def test_config_round_trip(init):
    config = json.loads(json.dumps(I.serialize(init)))
    again = I.deserialize(config)
    assert type(again) is type(init) and again.get_config() == init.get_config()


def test_constant_array_value():
    init = I.Constant(np.array([1.0, 2.0]))
    assert init.get_config() == {"value": {"class_name": "__tensor__",
                                           "config": {"value": [1.0, 2.0], "dtype": "float64"}}}
    again = I.Constant.from_config(init.get_config())
    assert_close(again((3, 2)), np.array([[1.0, 2.0]] * 3), dtype="float32")
    assert I.Constant([1.0, 2.0]).get_config() == {"value": [1.0, 2.0]}


# -- values ---------------------------------------------------------------------------
def test_constants_and_dtypes():
    assert_close(I.Zeros()((2, 3)), np.zeros((2, 3)), dtype="float32")
    assert_close(I.Ones()((2,), dtype="int32"), np.ones(2), dtype="int32")
    assert_close(I.Constant(3)((2,), dtype="float16"), np.full(2, 3.0), dtype="float16")
    assert_close(I.Identity(gain=2.0)((2, 3)), 2.0 * np.eye(2, 3), dtype="float32")
    with pytest.raises(ValueError, match="2D"):
        I.Identity()((2, 3, 4))


def test_dtype_none_is_floatx():
    saved = k_backends.floatx()
    try:
        k_backends.set_floatx("float16")
        assert k_backends.standardize_dtype(I.GlorotUniform(seed=1)(SHAPE).dtype) == "float16"
        assert k_backends.standardize_dtype(I.Zeros()((3,)).dtype) == "float16"
    finally:
        k_backends.set_floatx(saved)


@pytest.mark.parametrize("init, mean, std", [
    (I.RandomNormal(mean=1.0, stddev=2.0, seed=1), 1.0, 2.0),
    (I.RandomUniform(minval=-1.0, maxval=3.0, seed=2), 1.0, 4.0 / np.sqrt(12.0)),
    (I.TruncatedNormal(mean=0.5, stddev=1.0, seed=3), 0.5, 0.87962566103423978),
])
def test_random_statistics(init, mean, std):
    values = _np(init(SHAPE))
    assert abs(values.mean() - mean) < 0.1 * std
    assert abs(values.std() - std) / std < 0.03


def test_bounds():
    values = _np(I.TruncatedNormal(mean=0.5, stddev=1.0, seed=3)(SHAPE))
    assert values.min() >= 0.5 - 2.0 - 1e-6 and values.max() <= 0.5 + 2.0 + 1e-6
    values = _np(I.RandomUniform(minval=-1.0, maxval=3.0, seed=2)(SHAPE))
    assert values.min() >= -1.0 and values.max() <= 3.0


# (kernel shape, fan_in, fan_out): conv kernels count the receptive field.
FANS = [((64, 32), 64, 32), ((3, 3, 16, 32), 144, 288), ((5, 8, 4), 40, 20), ((10,), 10, 10)]


@pytest.mark.parametrize("shape, fan_in, fan_out", FANS)
def test_compute_fans(shape, fan_in, fan_out):
    assert I.compute_fans(shape) == (fan_in, fan_out)


def test_compute_fans_with_axes():
    assert I.compute_fans((4, 5, 6), input_axes=[0, 1], output_axes=[2]) == (20, 6)
    assert I.compute_fans((4, 5, 6), input_axes=[0]) == (20, 24)  # both needed, as in Keras


@pytest.mark.parametrize("cls, scale, mode, uniform", [
    (I.GlorotUniform, 1.0, "fan_avg", True), (I.GlorotNormal, 1.0, "fan_avg", False),
    (I.HeUniform, 2.0, "fan_in", True), (I.HeNormal, 2.0, "fan_in", False),
    (I.LecunUniform, 1.0, "fan_in", True), (I.LecunNormal, 1.0, "fan_in", False)])
def test_variance_scaling_presets_on_conv_kernel(cls, scale, mode, uniform):
    shape = SHAPE
    fan_in, fan_out = 288, 576
    n = {"fan_in": fan_in, "fan_avg": (fan_in + fan_out) / 2}[mode]
    values = _np(cls(seed=7)(shape))
    assert abs(values.mean()) < 0.01
    assert abs(values.std() - np.sqrt(scale / n)) / np.sqrt(scale / n) < 0.05
    if uniform:
        assert np.abs(values).max() <= np.sqrt(3 * scale / n) + 1e-6
    else:  # truncated at two (pre-truncation) stddevs
        assert np.abs(values).max() <= 2 * np.sqrt(scale / n) / 0.87962566103423978 + 1e-6


def test_variance_scaling_untruncated_and_axes():
    values = _np(I.VarianceScaling(scale=4.0, mode="fan_out", distribution="untruncated_normal",
                                   seed=1)(SHAPE))
    assert abs(values.std() - np.sqrt(4.0 / 576)) / np.sqrt(4.0 / 576) < 0.05
    values = _np(I.VarianceScaling(scale=1.0, distribution="uniform", input_axes=[2], output_axes=[3],
                                   seed=1)(SHAPE))
    assert abs(values.std() - np.sqrt(1.0 / 32)) / np.sqrt(1.0 / 32) < 0.05
    assert np.abs(values).max() <= np.sqrt(3.0 / 32) + 1e-6
    assert I.VarianceScaling(distribution="normal").distribution == "truncated_normal"


@pytest.mark.parametrize("kwargs, match", [
    ({"scale": 0.0}, "scale"), ({"mode": "fan_x"}, "mode"), ({"distribution": "cauchy"}, "distribution")])
def test_variance_scaling_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        I.VarianceScaling(**kwargs)


@pytest.mark.parametrize("shape", [(4, 7), (7, 4), (2, 2, 7)])  # one (7, 4) draw: one jax compile
def test_orthogonal(shape):
    w = _np(I.Orthogonal(gain=2.0, seed=3)(shape))
    assert w.shape == shape
    flat = w.reshape(-1, shape[-1])
    gram = flat.T @ flat if flat.shape[0] >= flat.shape[1] else flat @ flat.T
    np.testing.assert_allclose(gram, 4.0 * np.eye(gram.shape[0]), atol=1e-4)
    with pytest.raises(ValueError, match="rank"):
        I.Orthogonal()((3,))


def test_seeds_repeat_like_keras():
    # int seed: every call gives the same values.
    init = I.GlorotUniform(seed=1)
    np.testing.assert_array_equal(_np(init(SHAPE)), _np(init(SHAPE)))
    # None: one seed drawn at construction, so calls repeat but two initializers differ.
    a, b = I.GlorotUniform(), I.GlorotUniform()
    np.testing.assert_array_equal(_np(a(SHAPE)), _np(a(SHAPE)))
    assert not np.array_equal(_np(a(SHAPE)), _np(b(SHAPE)))
    assert a.get_config()["seed"] is None
    # SeedGenerator: every call advances.
    init = I.RandomNormal(seed=SeedGenerator(5))
    assert not np.array_equal(_np(init(SHAPE)), _np(init(SHAPE)))


def test_bad_seed():
    with pytest.raises(ValueError, match="seed"):
        I.RandomNormal(seed="abc")
    with pytest.raises(ValueError, match="seed"):
        I.HeNormal(seed=1.5)


def _hann(n, periodic):
    m = n + 1 if periodic else n
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(m) / (m - 1)))[:n]


@pytest.mark.parametrize("periodic", [False, True])
def test_stft_against_numpy(periodic):
    frame, bins = 6, 4
    win = _hann(frame, periodic)
    t, f = np.arange(frame)[:, None], np.arange(bins)[None, :] / ((bins - 1) * 2)
    expected = np.cos(-2 * np.pi * t * f) * win[:, None] / np.sqrt(np.sum(win ** 2))
    assert_close(I.STFT(periodic=periodic)((frame, 1, bins)), expected[:, None, :], dtype="float32",
                 atol=1e-6)
    expected = np.sin(-2 * np.pi * t * f) * win[:, None] / np.sum(win)
    assert_close(I.STFT(side="imag", scaling="spectrum", periodic=periodic)((frame, 1, bins)),
                 expected[:, None, :], atol=1e-6)


def test_stft_values_from_keras():
    # Keras 3.15.1: STFT(window=w, periodic=p)((5, 1, 3))[:, 0, 1]
    cases = {("hamming", False): [0.063325, -0.0, -0.79156, 0.0, 0.063325],
             ("blackman", True): [0.0, 0.0, -0.688138, 0.0, 0.162686],
             ("bartlett", True): [0.0, 0.0, -0.632456, 0.0, 0.316228],
             ("boxcar", False): [0.447214, 0.0, -0.447214, 0.0, 0.447214]}
    for (window, periodic), expected in cases.items():
        got = _np(I.STFT(window=window, periodic=periodic)((5, 1, 3)))[:, 0, 1]
        np.testing.assert_allclose(got, expected, atol=1e-5)
    with pytest.raises(ValueError, match="window"):
        I.STFT(window="kaiserish")
    with pytest.raises(ValueError, match="side"):
        I.STFT(side="both")


# -- get ------------------------------------------------------------------------------
def test_get():
    assert isinstance(I.get("glorot_uniform"), I.GlorotUniform)
    assert isinstance(I.get("Zeros"), I.Zeros) and isinstance(I.get("normal"), I.RandomNormal)
    assert I.glorot_uniform is I.GlorotUniform and I.IdentityInitializer is I.Identity
    assert I.get(None) is None
    assert isinstance(I.get(I.Ones), I.Ones)
    init = I.HeNormal(seed=1)
    assert I.get(init) is init
    assert I.get({"class_name": "HeNormal", "config": {"seed": 1}}).get_config()["seed"] == 1

    def fn(shape, dtype=None):
        return np.ones(shape)
    assert I.get(fn) is fn
    values = I.get(np.arange(4.0).reshape(2, 2))
    assert_close(values((2, 2)), np.arange(4.0).reshape(2, 2), dtype="float32")
    with pytest.raises(ValueError, match="shape"):
        values(SHAPE)
    with pytest.raises(ValueError, match="nope"):
        I.get("nope")
    with pytest.raises(ValueError, match="interpret"):
        I.get(3)
