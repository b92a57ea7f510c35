import numpy as np
import pytest

from k_backends import dtypes
from k_layers import layers as L
from k_layers.layer import clear_session
from k_layers.serialization import deserialize_keras_object, serialize_keras_object
from k_ops.symbolic import KerasTensor

from conftest import assert_close, to_numpy

RNG = np.random.default_rng(1)


def _x(*shape):
    return RNG.normal(size=shape).astype("float32")


def _check(layer, x, expected):
    """Eager values, then the symbolic shape with a None batch (and known / unknown other dims)."""
    assert_close(layer(x), expected, dtype="float32")
    assert layer(KerasTensor((None, *x.shape[1:]))).shape == (None, *expected.shape[1:])
    assert tuple(layer.compute_output_shape((None, *x.shape[1:]))) == (None, *expected.shape[1:])


# -- flatten, reshape, permute, repeat ---------------------------------------------
def test_flatten_channels_last_and_first():
    x = _x(2, 3, 4, 5)
    _check(L.Flatten(), x, x.reshape(2, -1))
    _check(L.Flatten(data_format="channels_first"), x, np.transpose(x, (0, 2, 3, 1)).reshape(2, -1))
    assert L.Flatten()(KerasTensor((None, None, 4))).shape == (None, None)


def test_flatten_rank_one_gives_one_column():
    x = _x(3)
    assert_close(L.Flatten()(x), x.reshape(3, 1))
    assert L.Flatten().compute_output_shape((None,)) == (None, 1)


def test_flatten_keeps_integer_dtype_symbolically():
    assert L.Flatten()(KerasTensor((None, 2, 3), "int32")).dtype == "int32"


@pytest.mark.parametrize("target, expected", [((3, 4), (3, 4)), ((-1, 2, 2), (3, 2, 2)), ((12,), (12,))])
def test_reshape(target, expected):
    x = _x(2, 12)
    _check(L.Reshape(target), x, x.reshape(2, *expected))


def test_reshape_unknown_dims_and_errors():
    assert L.Reshape((-1, 2))(KerasTensor((None, None, 4))).shape == (None, None, 2)
    with pytest.raises(ValueError, match="target_shape"):
        L.Reshape((5,))(_x(2, 12))
    with pytest.raises(ValueError, match="target_shape"):
        L.Reshape((-1, -1))
    with pytest.raises(ValueError, match="target_shape"):
        L.Reshape((0, 3))


def test_permute_and_repeat_vector():
    x = _x(2, 3, 4, 5)
    _check(L.Permute((3, 1, 2)), x, np.transpose(x, (0, 3, 1, 2)))
    with pytest.raises(ValueError, match="dims"):
        L.Permute((0, 1))
    with pytest.raises(ValueError, match="permute_here"):
        L.Permute((2, 1), name="permute_here")(_x(2, 3))
    v = _x(2, 5)
    _check(L.RepeatVector(3), v, np.repeat(v[:, None], 3, axis=1))
    with pytest.raises(ValueError, match="n must be a positive"):
        L.RepeatVector(0)
    with pytest.raises(TypeError, match="n must be an int"):
        L.RepeatVector(2.0)
    with pytest.raises(ValueError, match="repeat_here"):
        L.RepeatVector(2, name="repeat_here")(_x(2, 3, 4))


# -- cropping and padding ---------------------------------------------------------
def test_cropping1d():
    x = _x(2, 6, 3)
    _check(L.Cropping1D((1, 2)), x, x[:, 1:4])
    _check(L.Cropping1D(2), x, x[:, 2:4])
    _check(L.Cropping1D((1, 0)), x, x[:, 1:])
    assert L.Cropping1D()(KerasTensor((None, None, 3))).shape == (None, None, 3)
    with pytest.raises(ValueError, match="crop_here"):
        L.Cropping1D((3, 3), name="crop_here")(x)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_cropping2d_and_3d(data_format):
    x = _x(2, 6, 7, 3)
    expected = x[:, 1:5, 2:]
    y = _x(1, 5, 6, 7, 2)
    expected3 = y[:, 1:-1, 2:-1, :6]
    if data_format == "channels_first":
        x, expected = np.moveaxis(x, -1, 1), np.moveaxis(expected, -1, 1)
        y, expected3 = np.moveaxis(y, -1, 1), np.moveaxis(expected3, -1, 1)
    _check(L.Cropping2D(((1, 1), (2, 0)), data_format=data_format), x, expected)
    _check(L.Cropping3D(((1, 1), (2, 1), (0, 1)), data_format=data_format), y, expected3)
    with pytest.raises(ValueError, match="cropping"):
        L.Cropping2D(((3, 3), (0, 0)), data_format=data_format)(x)


def test_cropping_argument_forms():
    assert L.Cropping2D(2).cropping == ((2, 2), (2, 2))
    assert L.Cropping2D((1, 2)).cropping == ((1, 1), (2, 2))
    assert L.Cropping3D((1, 2, 3)).cropping == ((1, 1), (2, 2), (3, 3))
    with pytest.raises(ValueError, match="cropping"):
        L.Cropping2D((1, 2, 3))
    with pytest.raises(ValueError, match="cropping"):
        L.Cropping1D(-1)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_zero_padding(data_format):
    cases = [
        (L.ZeroPadding1D((1, 2), data_format=data_format), _x(2, 4, 3), [(1, 2)]),
        (L.ZeroPadding2D(((1, 0), (2, 3)), data_format=data_format), _x(2, 3, 4, 2), [(1, 0), (2, 3)]),
        (L.ZeroPadding3D(1, data_format=data_format), _x(1, 2, 3, 2, 2), [(1, 1)] * 3),
    ]
    for layer, x, spatial in cases:
        widths = [(0, 0), *spatial, (0, 0)]
        expected = np.pad(x, widths)
        if data_format == "channels_first":
            x, expected = np.moveaxis(x, -1, 1), np.moveaxis(expected, -1, 1)
        _check(layer, x, expected)


def test_zero_padding_argument_forms():
    assert L.ZeroPadding1D(2).padding == (2, 2)
    assert L.ZeroPadding2D((1, 2)).padding == ((1, 1), (2, 2))
    assert L.ZeroPadding3D(2).padding == ((2, 2),) * 3
    with pytest.raises(ValueError, match="padding"):
        L.ZeroPadding2D(((1, 2), (3, 4), (5, 6)))
    with pytest.raises(ValueError, match="padding"):
        L.ZeroPadding1D((1, -1))


# -- upsampling -------------------------------------------------------------------
def test_upsampling1d_and_3d():
    x = _x(2, 3, 4)
    _check(L.UpSampling1D(3), x, np.repeat(x, 3, axis=1))
    v = _x(1, 2, 3, 2, 2)
    expected = np.repeat(np.repeat(np.repeat(v, 2, 1), 1, 2), 3, 3)
    _check(L.UpSampling3D((2, 1, 3)), v, expected)
    first = L.UpSampling3D((2, 1, 3), data_format="channels_first")
    _check(first, np.moveaxis(v, -1, 1), np.moveaxis(expected, -1, 1))
    with pytest.raises(ValueError, match="size"):
        L.UpSampling1D(0)
    with pytest.raises(ValueError, match="size"):
        L.UpSampling3D((2, 2))


def _bilinear_reference(x, factors):
    """Half-pixel-centre bilinear upsampling of a channels-last batch (edges clamp)."""
    out = x.astype("float64")
    for axis, factor in zip((1, 2), factors, strict=True):
        n = out.shape[axis]
        centres = np.clip((np.arange(n * factor) + 0.5) / factor - 0.5, 0, n - 1)
        low = np.floor(centres).astype(int)
        high = np.minimum(low + 1, n - 1)
        weight = (centres - low).reshape([-1 if a == axis else 1 for a in range(out.ndim)])
        out = np.take(out, low, axis=axis) * (1 - weight) + np.take(out, high, axis=axis) * weight
    return out


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_upsampling2d_nearest_and_bilinear(data_format):
    x = _x(2, 3, 4, 2)
    nearest = np.repeat(np.repeat(x, 2, 1), 3, 2)
    bilinear = _bilinear_reference(x, (2, 3))
    if data_format == "channels_first":
        x, nearest, bilinear = (np.moveaxis(a, -1, 1) for a in (x, nearest, bilinear))
    _check(L.UpSampling2D((2, 3), data_format=data_format), x, nearest)
    _check(L.UpSampling2D((2, 3), data_format=data_format, interpolation="Bilinear"), x, bilinear)
    with pytest.raises(ValueError, match="interpolation"):
        L.UpSampling2D(interpolation="cubic-ish")


def test_shape_layers_under_mixed_bfloat16():
    x = _x(2, 4, 3)
    for layer, expected in [(L.ZeroPadding1D(1, dtype="mixed_bfloat16"), np.pad(x, [(0, 0), (1, 1), (0, 0)])),
                            (L.UpSampling1D(2, dtype="mixed_bfloat16"), np.repeat(x, 2, 1)),
                            (L.Flatten(dtype="mixed_bfloat16"), x.reshape(2, -1))]:
        y = layer(x)
        assert dtypes.standardize_dtype(y.dtype) == "bfloat16"
        np.testing.assert_allclose(to_numpy(y).astype("float32"), expected, rtol=1e-2, atol=1e-2)


# -- configs ----------------------------------------------------------------------
# What Keras 3.15.1 prints for these layers' get_config() (the dtype entry checked apart).
KERAS_CONFIGS = [
    (lambda: L.Flatten(), {"name": "flatten", "trainable": True, "data_format": "channels_last"}),
    (lambda: L.Reshape((-1, 2)), {"name": "reshape", "trainable": True, "target_shape": (-1, 2)}),
    (lambda: L.Permute((2, 1)), {"name": "permute", "trainable": True, "dims": (2, 1)}),
    (lambda: L.RepeatVector(3), {"name": "repeat_vector", "trainable": True, "n": 3}),
    (lambda: L.Cropping1D(), {"name": "cropping1d", "trainable": True, "cropping": (1, 1)}),
    (lambda: L.Cropping2D(), {"name": "cropping2d", "trainable": True, "cropping": ((0, 0), (0, 0)),
                              "data_format": "channels_last"}),
    (lambda: L.Cropping3D(), {"name": "cropping3d", "trainable": True, "cropping": ((1, 1), (1, 1), (1, 1)),
                              "data_format": "channels_last"}),
    (lambda: L.ZeroPadding1D(), {"name": "zero_padding1d", "trainable": True, "padding": (1, 1),
                                 "data_format": "channels_last"}),
    (lambda: L.ZeroPadding2D(((1, 2), (3, 4))), {
        "name": "zero_padding2d", "trainable": True, "padding": ((1, 2), (3, 4)),
        "data_format": "channels_last"}),
    (lambda: L.ZeroPadding3D(), {"name": "zero_padding3d", "trainable": True,
                                 "padding": ((1, 1), (1, 1), (1, 1)), "data_format": "channels_last"}),
    (lambda: L.UpSampling1D(), {"name": "up_sampling1d", "trainable": True, "size": 2}),
    (lambda: L.UpSampling2D(), {"name": "up_sampling2d", "trainable": True, "size": (2, 2),
                                "data_format": "channels_last", "interpolation": "nearest"}),
    (lambda: L.UpSampling3D(), {"name": "up_sampling3d", "trainable": True, "size": (2, 2, 2),
                                "data_format": "channels_last"}),
]


@pytest.mark.parametrize("make, expected", KERAS_CONFIGS)
def test_config_equals_keras(make, expected):
    clear_session()
    config = make().get_config()
    dtype = config.pop("dtype")
    assert dtype["class_name"] == "DTypePolicy" and dtype["config"] == {"name": "float32"}
    assert config == expected and list(config) == list(expected)


INPUTS = {"Flatten": (2, 3, 4), "Reshape": (2, 6), "Permute": (2, 3, 4), "RepeatVector": (2, 3),
          "Cropping1D": (2, 5, 3), "Cropping2D": (2, 5, 5, 3), "Cropping3D": (1, 4, 4, 4, 2),
          "ZeroPadding1D": (2, 3, 2), "ZeroPadding2D": (1, 3, 3, 2), "ZeroPadding3D": (1, 2, 2, 2, 2),
          "UpSampling1D": (2, 3, 2), "UpSampling2D": (1, 3, 3, 2), "UpSampling3D": (1, 2, 2, 2, 2)}


@pytest.mark.parametrize("make", [m for m, _ in KERAS_CONFIGS])
def test_config_round_trip(make):
    layer = make()
    clone = deserialize_keras_object(serialize_keras_object(layer))
    assert type(clone) is type(layer) and clone.get_config() == layer.get_config()
    x = _x(*INPUTS[type(layer).__name__])
    np.testing.assert_array_equal(to_numpy(clone(x)), to_numpy(layer(x)))


@pytest.mark.parametrize("cls, shape", [(L.Cropping2D, (2, 4, 4)), (L.ZeroPadding1D, (2, 4)),
                                        (L.UpSampling3D, (2, 4, 4, 1)), (L.Flatten, ())])
def test_wrong_rank_is_rejected_with_the_layer_name(cls, shape):
    with pytest.raises(ValueError, match="shape_here"):
        cls(name="shape_here")(np.zeros(shape, "float32"))
