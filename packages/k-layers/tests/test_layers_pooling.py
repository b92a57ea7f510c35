import itertools
import math

import numpy as np
import pytest

from k_backends import dtypes
from k_layers import layers as L
from k_layers.serialization import deserialize_keras_object, serialize_keras_object
from k_ops.symbolic import KerasTensor

from conftest import assert_close, to_numpy

RNG = np.random.default_rng(0)


def _pool_reference(x, pool, strides, padding, mode):
    """Windowed max/mean of a channels-last array; "same" pads evenly (extra after), ignoring pads."""
    spatial = x.shape[1:-1]
    starts, outs = [], []
    for n, k, s in zip(spatial, pool, strides, strict=True):
        if padding == "same":
            out = -(-n // s)
            total = max((out - 1) * s + k - n, 0)
            starts.append(-(total // 2))
        else:
            out = (n - k) // s + 1
            starts.append(0)
        outs.append(out)
    result = np.zeros((x.shape[0], *outs, x.shape[-1]))
    for index in itertools.product(*(range(o) for o in outs)):
        window = tuple(slice(max(b + i * s, 0), min(b + i * s + k, n))
                       for i, b, s, k, n in zip(index, starts, strides, pool, spatial, strict=True))
        values = x[(slice(None), *window, slice(None))]
        axes = tuple(range(1, len(spatial) + 1))
        result[(slice(None), *index, slice(None))] = values.max(axes) if mode == "max" else values.mean(axes)
    return result


def _to_first(x):
    return np.moveaxis(x, -1, 1)


POOLS = [
    (L.MaxPooling1D, "max", (2, 7, 3), dict(pool_size=2)),
    (L.MaxPooling1D, "max", (2, 7, 3), dict(pool_size=3, strides=2, padding="same")),
    (L.MaxPooling2D, "max", (2, 5, 6, 3), dict(pool_size=(2, 3), strides=(1, 2))),
    (L.MaxPooling2D, "max", (2, 5, 5, 2), dict(pool_size=2, padding="same")),
    (L.MaxPooling3D, "max", (1, 4, 5, 4, 2), dict(pool_size=2, padding="same")),
    (L.AveragePooling1D, "average", (2, 7, 3), dict(pool_size=3, strides=2)),
    (L.AveragePooling1D, "average", (2, 7, 3), dict(pool_size=2, padding="same")),
    (L.AveragePooling2D, "average", (2, 5, 6, 3), dict(pool_size=(3, 2), padding="same")),
    (L.AveragePooling3D, "average", (1, 4, 4, 5, 2), dict(pool_size=(2, 2, 3), strides=1)),
]


# Every other case also runs channels_first (fewer jax compilations).
FORMATS = [("channels_last", "channels_first") if i % 2 == 0 else ("channels_last",)
           for i in range(len(POOLS))]


@pytest.mark.parametrize("cls, mode, shape, kwargs, data_format",
                         [(*case, fmt) for case, fmts in zip(POOLS, FORMATS, strict=True) for fmt in fmts])
def test_pooling_matches_numpy(cls, mode, shape, kwargs, data_format):
    x = RNG.normal(size=shape).astype("float32")
    layer = cls(data_format=data_format, **kwargs)
    n = len(shape) - 2
    pool = kwargs["pool_size"] if isinstance(kwargs["pool_size"], tuple) else (kwargs["pool_size"],) * n
    strides = kwargs.get("strides", pool)
    strides = strides if isinstance(strides, tuple) else (strides,) * n
    expected = _pool_reference(x.astype("float64"), pool, strides, kwargs.get("padding", "valid"), mode)
    if data_format == "channels_first":
        x, expected = _to_first(x), _to_first(expected)
    y = layer(x)
    assert_close(y, expected, dtype="float32")
    symbolic = layer(KerasTensor((None, *x.shape[1:])))
    assert symbolic.shape == (None, *expected.shape[1:])
    assert layer.compute_output_shape((None, *x.shape[1:])) == (None, *expected.shape[1:])


def test_pooling_under_mixed_bfloat16():
    x = RNG.normal(size=(2, 6, 3)).astype("float32")
    layer = L.AveragePooling1D(2, dtype="mixed_bfloat16")
    expected = x.reshape(2, 3, 2, 3).mean(2)
    y = layer(x)
    assert dtypes.standardize_dtype(y.dtype) == "bfloat16"
    np.testing.assert_allclose(to_numpy(y).astype("float32"), expected, rtol=3e-2, atol=3e-2)
    # A float32 KerasTensor would need the base's symbolic autocast (k_ops.core.cast is eager-only).
    assert layer(KerasTensor((None, 6, 3), "bfloat16")).dtype == "bfloat16"


def test_aliases_are_the_same_classes():
    assert L.MaxPool1D is L.MaxPooling1D and L.MaxPool2D is L.MaxPooling2D and L.MaxPool3D is L.MaxPooling3D
    assert L.AvgPool1D is L.AveragePooling1D and L.AvgPool3D is L.AveragePooling3D
    assert L.GlobalMaxPool2D is L.GlobalMaxPooling2D and L.GlobalAvgPool1D is L.GlobalAveragePooling1D
    config = {"module": "keras.layers", "class_name": "MaxPool2D", "config": {"pool_size": (3, 3)},
              "registered_name": None}
    layer = deserialize_keras_object(config)
    assert type(layer) is L.MaxPooling2D and layer.pool_size == (3, 3)


GLOBALS = [
    (L.GlobalMaxPooling1D, np.max, (2, 5, 3)),
    (L.GlobalMaxPooling2D, np.max, (2, 4, 5, 3)),
    (L.GlobalMaxPooling3D, np.max, (2, 3, 4, 2, 3)),
    (L.GlobalAveragePooling1D, np.mean, (2, 5, 3)),
    (L.GlobalAveragePooling2D, np.mean, (2, 4, 5, 3)),
    (L.GlobalAveragePooling3D, np.mean, (2, 3, 4, 2, 3)),
]


# keepdims=True is checked with channels_first only, to keep jax's compile count (and time) down.
@pytest.mark.parametrize("data_format, keepdims", [("channels_last", False), ("channels_first", True)])
@pytest.mark.parametrize("cls, reduce, shape", GLOBALS)
def test_global_pooling_matches_numpy(cls, reduce, shape, data_format, keepdims):
    x = RNG.normal(size=shape).astype("float32")
    axes = tuple(range(1, len(shape) - 1)) if data_format == "channels_last" else tuple(range(2, len(shape)))
    layer = cls(data_format=data_format, keepdims=keepdims)
    expected = reduce(x.astype("float64"), axis=axes, keepdims=keepdims)
    assert_close(layer(x), expected, dtype="float32")
    assert layer(KerasTensor((None, *shape[1:]))).shape == (None, *expected.shape[1:])


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_global_average_pooling1d_averages_unmasked_steps(data_format):
    x = RNG.normal(size=(2, 4, 3)).astype("float32")
    mask = np.array([[True, True, False, False], [True, True, True, True]])
    expected = np.stack([x[0, :2].mean(0), x[1].mean(0)])
    layer = L.GlobalAveragePooling1D(data_format=data_format)
    inputs = x if data_format == "channels_last" else np.moveaxis(x, 1, 2)
    assert_close(layer(inputs, mask=mask), expected)
    assert layer.supports_masking
    assert layer.compute_mask(inputs, mask) is None


def test_global_average_pooling1d_mask_keepdims():
    x = RNG.normal(size=(1, 3, 2)).astype("float32")
    layer = L.GlobalAveragePooling1D(keepdims=True)
    assert_close(layer(x, mask=np.array([[1, 0, 1]])), x[:, [0, 2]].mean(1, keepdims=True))


def _adaptive_reference(x, size, mode):
    spatial = x.shape[1:-1]
    result = np.zeros((x.shape[0], *size, x.shape[-1]))
    for index in itertools.product(*(range(s) for s in size)):
        window = tuple(slice(i * n // s, math.ceil((i + 1) * n / s))
                       for i, n, s in zip(index, spatial, size, strict=True))
        values = x[(slice(None), *window, slice(None))]
        axes = tuple(range(1, len(spatial) + 1))
        result[(slice(None), *index, slice(None))] = values.max(axes) if mode == "max" else values.mean(axes)
    return result


@pytest.mark.parametrize("cls, mode, shape, size", [
    (L.AdaptiveMaxPooling1D, "max", (2, 7, 3), 3),
    (L.AdaptiveAveragePooling1D, "average", (2, 7, 3), 3),
    (L.AdaptiveMaxPooling2D, "max", (2, 5, 7, 2), (2, 3)),
    (L.AdaptiveAveragePooling2D, "average", (2, 5, 7, 2), (2, 3)),
    (L.AdaptiveMaxPooling3D, "max", (1, 4, 5, 3, 2), 2),
    (L.AdaptiveAveragePooling3D, "average", (1, 4, 5, 3, 2), 2),
])
def test_adaptive_pooling_matches_numpy(cls, mode, shape, size):
    x = RNG.normal(size=shape).astype("float32")
    n = len(shape) - 2
    sizes = size if isinstance(size, tuple) else (size,) * n
    expected = _adaptive_reference(x.astype("float64"), sizes, mode)
    layer = cls(size, data_format="channels_last")
    assert_close(layer(x), expected)
    assert layer(KerasTensor((None, *shape[1:]))).shape == (None, *expected.shape[1:])
    first = cls(size, data_format="channels_first")
    assert_close(first(_to_first(x)), _to_first(expected))


DTYPE = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
         "registered_name": None}
# What Keras 3.15.1 prints for these layers' get_config().
KERAS_CONFIGS = [
    (lambda: L.MaxPooling1D(), {"name": "max_pooling1d", "trainable": True, "pool_size": (2,),
                                "padding": "valid", "strides": (2,), "data_format": "channels_last"}),
    (lambda: L.MaxPooling2D(), {"name": "max_pooling2d", "trainable": True, "pool_size": (2, 2),
                                "padding": "valid", "strides": (2, 2), "data_format": "channels_last"}),
    (lambda: L.MaxPooling3D(), {"name": "max_pooling3d", "trainable": True, "pool_size": (2, 2, 2),
                                "padding": "valid", "strides": (2, 2, 2), "data_format": "channels_last"}),
    (lambda: L.AveragePooling1D(3, 2, "same"), {"name": "average_pooling1d", "trainable": True,
                                                "pool_size": (3,), "padding": "same", "strides": (2,),
                                                "data_format": "channels_last"}),
    (lambda: L.AveragePooling2D(2), {"name": "average_pooling2d", "trainable": True, "pool_size": (2, 2),
                                     "padding": "valid", "strides": (2, 2), "data_format": "channels_last"}),
    (lambda: L.AveragePooling3D(2), {"name": "average_pooling3d", "trainable": True,
                                     "pool_size": (2, 2, 2), "padding": "valid", "strides": (2, 2, 2),
                                     "data_format": "channels_last"}),
    (lambda: L.GlobalMaxPooling1D(), {"name": "global_max_pooling1d", "trainable": True,
                                      "data_format": "channels_last", "keepdims": False}),
    (lambda: L.GlobalMaxPooling2D(keepdims=True), {"name": "global_max_pooling2d", "trainable": True,
                                                   "data_format": "channels_last", "keepdims": True}),
    (lambda: L.GlobalAveragePooling1D(), {"name": "global_average_pooling1d", "trainable": True,
                                          "data_format": "channels_last", "keepdims": False}),
    (lambda: L.GlobalAveragePooling3D(data_format="channels_first"), {
        "name": "global_average_pooling3d", "trainable": True, "data_format": "channels_first",
        "keepdims": False}),
    (lambda: L.AdaptiveAveragePooling2D(3), {"name": "adaptive_average_pooling2d", "trainable": True,
                                             "output_size": (3, 3), "data_format": "channels_last"}),
    (lambda: L.AdaptiveMaxPooling1D(4), {"name": "adaptive_max_pooling1d", "trainable": True,
                                         "output_size": (4,), "data_format": "channels_last"}),
]


@pytest.mark.parametrize("make, expected", KERAS_CONFIGS)
def test_config_equals_keras(make, expected):
    from k_layers.layer import clear_session

    clear_session()
    config = make().get_config()
    dtype = config.pop("dtype")
    assert dtype["class_name"] == "DTypePolicy" and dtype["config"] == {"name": "float32"}
    assert config == expected
    assert list(config) == list(expected)


@pytest.mark.parametrize("make", [m for m, _ in KERAS_CONFIGS])
def test_config_round_trip(make):
    layer = make()
    clone = deserialize_keras_object(serialize_keras_object(layer))
    assert type(clone) is type(layer) and clone.get_config() == layer.get_config()
    shape = {1: (2, 8, 3), 2: (2, 8, 8, 3), 3: (2, 8, 8, 8, 3)}[layer.rank]
    if layer.get_config()["data_format"] == "channels_first":
        shape = (shape[0], shape[-1], *shape[1:-1])
    x = RNG.normal(size=shape).astype("float32")
    np.testing.assert_array_equal(to_numpy(clone(x)), to_numpy(layer(x)))


@pytest.mark.parametrize("cls, shape", [(L.MaxPooling2D, (2, 4, 4)), (L.AveragePooling1D, (2, 4, 4, 1)),
                                        (L.GlobalMaxPooling1D, (2, 4)), (L.AdaptiveMaxPooling2D, (4, 4, 1))])
def test_wrong_rank_is_rejected_with_the_layer_name(cls, shape):
    layer = cls(2, name="pool_here") if "Adaptive" in cls.__name__ or "Average" in cls.__name__ \
        else cls(name="pool_here")
    with pytest.raises(ValueError, match="pool_here"):
        layer(np.zeros(shape, "float32"))


@pytest.mark.parametrize("make, match", [
    (lambda: L.MaxPooling2D(pool_size=(2, 2, 2)), "pool_size"),
    (lambda: L.MaxPooling1D(pool_size=0), "pool_size"),
    (lambda: L.AveragePooling2D(2, strides=0), "strides"),
    (lambda: L.MaxPooling1D(padding="causal"), "padding"),
    (lambda: L.MaxPooling1D(data_format="NHWC"), "data_format"),
    (lambda: L.GlobalMaxPooling2D(keepdims="yes"), "keepdims"),
    (lambda: L.AdaptiveMaxPooling2D((2, 2, 2)), "output_size"),
])
def test_bad_arguments_are_named(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()
