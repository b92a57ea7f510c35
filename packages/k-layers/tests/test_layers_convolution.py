import itertools

import numpy as np
import pytest

from k_backends.dtypes import standardize_dtype
from k_layers import layers as L
from k_layers.layers import convolution as C
from k_ops.symbolic import KerasTensor

from conftest import assert_close, to_numpy

RNG = np.random.default_rng(0)


# -- NumPy references (channels_last) -------------------------------------------------------------
def _dilate(kernel, dilation):
    """The kernel with dilation - 1 zeros between taps along each spatial axis."""
    n = len(dilation)
    shape = tuple((k - 1) * d + 1 for k, d in zip(kernel.shape[:n], dilation, strict=True))
    out = np.zeros(shape + kernel.shape[n:])
    out[tuple(slice(None, None, d) for d in dilation)] = kernel
    return out


def conv_ref(x, kernel, strides, padding="valid", dilation=None, groups=1):
    n = x.ndim - 2
    dilation = dilation or (1,) * n
    k = _dilate(kernel, dilation)
    extent = k.shape[:n]
    if padding == "same":
        pads = [max((-(-s // st) - 1) * st + e - s, 0) for s, st, e in zip(x.shape[1:-1], strides, extent,
                                                                            strict=True)]
        x = np.pad(x, [(0, 0)] + [(p // 2, p - p // 2) for p in pads] + [(0, 0)])
    out_len = [(s - e) // st + 1 for s, e, st in zip(x.shape[1:-1], extent, strides, strict=True)]
    cin, f = k.shape[-2], k.shape[-1]
    out = np.zeros((x.shape[0], *out_len, f))
    for pos in itertools.product(*[range(o) for o in out_len]):
        idx = tuple(slice(p * st, p * st + e) for p, st, e in zip(pos, strides, extent, strict=True))
        patch = x[(slice(None), *idx)]  # (B, *extent, C)
        for g in range(groups):
            kg = k[..., g * (f // groups):(g + 1) * (f // groups)]
            pg = patch[..., g * cin:(g + 1) * cin]
            out[(slice(None), *pos, slice(g * (f // groups), (g + 1) * (f // groups)))] = np.tensordot(
                pg, kg, axes=(list(range(1, n + 2)), list(range(n + 1))))
    return out


def depthwise_ref(x, kernel, strides, padding="valid", dilation=None):
    c, m = kernel.shape[-2:]
    return conv_ref(x, kernel.reshape(kernel.shape[:-2] + (1, c * m)), strides, padding, dilation, groups=c)


def separable_ref(x, depthwise, pointwise, strides, padding="valid", dilation=None):
    return np.tensordot(depthwise_ref(x, depthwise, strides, padding, dilation), pointwise.reshape(
        pointwise.shape[-2:]), axes=1)


def transpose_ref(x, kernel, strides, padding="valid", output_padding=None, dilation=None):
    """Scatter each input position through the (spatial..., out, in) kernel, then crop / pad."""
    n = x.ndim - 2
    dilation = dilation or (1,) * n
    k = _dilate(kernel, dilation)
    extent = k.shape[:n]
    lengths = x.shape[1:-1]
    full_lengths = [(s - 1) * st + e for s, st, e in zip(lengths, strides, extent, strict=True)]
    full = np.zeros((x.shape[0], *full_lengths, k.shape[-2]))
    for pos in itertools.product(*[range(s) for s in lengths]):
        idx = tuple(slice(p * st, p * st + e) for p, st, e in zip(pos, strides, extent, strict=True))
        full[(slice(None), *idx)] += np.tensordot(x[(slice(None), *pos)], k, axes=([1], [n + 1]))
    starts, sizes = [], []
    for i, (s, st, e) in enumerate(zip(lengths, strides, extent, strict=True)):
        op = None if output_padding is None else output_padding[i]
        if padding == "valid":
            size = (s - 1) * st + e + op if op is not None else (s - 1) * st + max(e, st)
            starts.append(0)
        else:
            size = s * st if op is None else (s - 1) * st + e + op - 2 * (e // 2)
            starts.append(e // 2 if op is not None else max(e - st, 0) // 2)
        sizes.append(size)
    pad = [(0, 0)] + [(0, max(st + sz - f, 0)) for st, sz, f in zip(starts, sizes, full.shape[1:-1],
                                                                     strict=True)] + [(0, 0)]
    full = np.pad(full, pad)
    return full[(slice(None), *[slice(st, st + sz) for st, sz in zip(starts, sizes, strict=True)])]


def causal_ref(x, kernel, dilation):
    return conv_ref(np.pad(x, [(0, 0), (dilation * (kernel.shape[0] - 1), 0), (0, 0)]), kernel, (1,), "valid",
                    (dilation,))


# -- cases: (layer class, args, kwargs, channels_last input shape, reference(x, weights)) ---------
def _first(weights):
    return weights[0]


CASES = [
    ("conv1d", C.Conv1D, (4, 3), {}, (2, 9, 3), lambda x, w: conv_ref(x, w[0], (1,)) + w[1]),
    ("conv1d_causal", C.Conv1D, (4, 3), {"padding": "causal", "dilation_rate": 2}, (2, 9, 3),
     lambda x, w: causal_ref(x, w[0], 2) + w[1]),
    ("conv1d_groups_same_strides", C.Conv1D, (4, 3), {"groups": 2, "padding": "same", "strides": 2},
     (2, 9, 6), lambda x, w: conv_ref(x, w[0], (2,), "same", groups=2) + w[1]),
    ("conv2d", C.Conv2D, (3, (2, 3)), {"strides": (2, 1), "activation": "relu"}, (2, 7, 6, 2),
     lambda x, w: np.maximum(conv_ref(x, w[0], (2, 1)) + w[1], 0)),
    ("conv2d_dilated_same", C.Conv2D, (4, 3), {"padding": "same", "dilation_rate": 2, "use_bias": False},
     (1, 7, 7, 2), lambda x, w: conv_ref(x, w[0], (1, 1), "same", (2, 2))),
    ("conv2d_first_groups", C.Conv2D, (4, 3), {"groups": 2, "data_format": "channels_first"}, (2, 6, 6, 4),
     lambda x, w: conv_ref(x, w[0], (1, 1), groups=2) + w[1]),
    ("conv3d", C.Conv3D, (2, 2), {"strides": 2, "padding": "same"}, (1, 5, 4, 4, 2),
     lambda x, w: conv_ref(x, w[0], (2, 2, 2), "same") + w[1]),
    ("conv1d_transpose", C.Conv1DTranspose, (3, 3), {"strides": 2, "output_padding": 1}, (2, 5, 2),
     lambda x, w: transpose_ref(x, w[0], (2,), "valid", (1,)) + w[1]),
    ("conv1d_transpose_stride_gt_kernel", C.Conv1DTranspose, (3, 2), {"strides": 3}, (2, 4, 2),
     lambda x, w: transpose_ref(x, w[0], (3,)) + w[1]),
    ("conv2d_transpose_same", C.Conv2DTranspose, (3, 3), {"strides": 2, "padding": "same"}, (2, 4, 5, 2),
     lambda x, w: transpose_ref(x, w[0], (2, 2), "same") + w[1]),
    ("conv2d_transpose_first", C.Conv2DTranspose, (3, 2), {"data_format": "channels_first", "strides": 2},
     (1, 3, 3, 2), lambda x, w: transpose_ref(x, w[0], (2, 2)) + w[1]),
    ("conv3d_transpose", C.Conv3DTranspose, (2, 2), {"strides": (1, 2, 1)}, (1, 3, 3, 2, 2),
     lambda x, w: transpose_ref(x, w[0], (1, 2, 1)) + w[1]),
    ("depthwise_conv1d", C.DepthwiseConv1D, (3,), {"depth_multiplier": 2, "padding": "same"}, (2, 8, 3),
     lambda x, w: depthwise_ref(x, w[0], (1,), "same") + w[1]),
    ("depthwise_conv2d", C.DepthwiseConv2D, ((2, 3),), {"strides": 2}, (2, 7, 7, 3),
     lambda x, w: depthwise_ref(x, w[0], (2, 2)) + w[1]),
    ("depthwise_conv2d_first", C.DepthwiseConv2D, (3,), {"data_format": "channels_first", "dilation_rate": 2},
     (1, 7, 7, 2), lambda x, w: depthwise_ref(x, w[0], (1, 1), dilation=(2, 2)) + w[1]),
    ("separable_conv1d", C.SeparableConv1D, (4, 3), {"depth_multiplier": 2}, (2, 8, 3),
     lambda x, w: separable_ref(x, w[0], w[1], (1,)) + w[2]),
    ("separable_conv2d", C.SeparableConv2D, (4, 3), {"padding": "same", "strides": 2}, (2, 6, 6, 3),
     lambda x, w: separable_ref(x, w[0], w[1], (2, 2), "same") + w[2]),
]
IDS = [c[0] for c in CASES]


def _make(cls, args, kwargs, shape, **extra):
    """A built layer with random weights, its channels_last input and its (possibly transposed) input."""
    first = kwargs.get("data_format") == "channels_first"
    zeros = {f"{p}_initializer": "zeros" for p in cls._kernels}  # random inits compile per shape on jax
    layer = cls(*args, **kwargs, **zeros, **extra)
    x = RNG.normal(size=shape).astype("float32")
    x_in = np.moveaxis(x, -1, 1) if first else x
    layer.build(x_in.shape)
    weights = [RNG.normal(size=tuple(w.shape)).astype("float32") for w in layer.weights]
    layer.set_weights(weights)
    return layer, x, x_in, [w.astype("float64") for w in weights], first


@pytest.mark.parametrize("name,cls,args,kwargs,shape,ref", CASES, ids=IDS)
def test_forward_matches_numpy(name, cls, args, kwargs, shape, ref):
    layer, x, x_in, weights, first = _make(cls, args, kwargs, shape)
    expected = ref(x.astype("float64"), weights)
    if first:
        expected = np.moveaxis(expected, -1, 1)
    assert_close(layer(x_in), expected, dtype="float32", rtol=1e-4, atol=1e-4)
    # the symbolic output shape agrees, with an unknown batch size
    out = layer(KerasTensor((None, *x_in.shape[1:])))
    assert out.shape == (None, *expected.shape[1:])
    # the config round trip gives the same layer
    clone = cls.from_config(layer.get_config())
    clone.build(x_in.shape)
    clone.set_weights(layer.get_weights())
    assert clone.get_config() == {**layer.get_config(), "name": clone.name}
    assert_close(clone(x_in), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("index", [0, 5, 9, 13, 16], ids=[IDS[i] for i in (0, 5, 9, 13, 16)])
def test_mixed_bfloat16(index):
    name, cls, args, kwargs, shape, ref = CASES[index]
    layer, x, x_in, weights, first = _make(cls, args, kwargs, shape, dtype="mixed_bfloat16")
    assert all(w.dtype == "float32" for w in layer.weights)
    expected = ref(x.astype("float64"), weights)
    if first:
        expected = np.moveaxis(expected, -1, 1)
    out = layer(x_in)
    assert standardize_dtype(out.dtype) == "bfloat16"
    assert_close(np.asarray(to_numpy(out)).astype("float32"), expected, rtol=5e-2,
                 atol=5e-2 * np.abs(expected).max())


def test_weight_names_and_layouts_match_keras():
    layer = C.SeparableConv2D(4, 3, depth_multiplier=2, name="sep", depthwise_initializer="zeros",
                              pointwise_initializer="zeros")
    layer.build((None, 8, 8, 3))
    assert [(w.path, tuple(w.shape)) for w in layer.weights] == [
        ("sep/depthwise_kernel", (3, 3, 3, 2)), ("sep/pointwise_kernel", (1, 1, 6, 4)), ("sep/bias", (4,))]
    for cls, args, in_shape, expected in [
            (C.Conv2D, (6, 3), (None, 9, 9, 4), ("conv2d_1", (3, 3, 2, 6))),
            (C.Conv1DTranspose, (4, 3), (None, 5, 3), ("conv1d_transpose_1", (3, 4, 3))),
            (C.DepthwiseConv1D, (3,), (None, 8, 3), ("depthwise_conv1d_1", (3, 3, 1))),
            (C.Conv3D, (4, 2), (None, 5, 5, 5, 2), ("conv3d_1", (2, 2, 2, 2, 4)))]:
        zeros = {f"{p}_initializer": "zeros" for p in cls._kernels}
        layer = cls(*args, groups=2, **zeros) if cls is C.Conv2D else cls(*args, **zeros)
        layer.build(in_shape)
        assert layer.weights[0].path.split("/")[1] == "kernel"
        assert tuple(layer.weights[0].shape) == expected[1]
        assert layer.weights[1].path.endswith("/bias")


def test_aliases_are_the_same_classes():
    for alias, cls in [("Convolution1D", "Conv1D"), ("Convolution2D", "Conv2D"), ("Convolution3D", "Conv3D"),
                       ("Convolution1DTranspose", "Conv1DTranspose"),
                       ("Convolution2DTranspose", "Conv2DTranspose"),
                       ("Convolution3DTranspose", "Conv3DTranspose"),
                       ("SeparableConvolution1D", "SeparableConv1D"),
                       ("SeparableConvolution2D", "SeparableConv2D")]:
        assert getattr(L, alias) is getattr(L, cls)


# -- configs exactly as Keras 3.15.1 printed them (dtype, which the base writes, aside) ----------
GLOROT = {"module": "keras.initializers", "class_name": "GlorotUniform",
          "config": {"seed": None, "input_axes": None, "output_axes": None}, "registered_name": None}
ZEROS = {"module": "keras.initializers", "class_name": "Zeros", "config": {}, "registered_name": None}


def _tail(*kernels):
    tail = {"activation": "linear", "use_bias": True}
    tail.update({f"{k}_initializer": GLOROT for k in kernels}, bias_initializer=ZEROS)
    tail.update({f"{k}_regularizer": None for k in kernels}, bias_regularizer=None, activity_regularizer=None)
    tail.update({f"{k}_constraint": None for k in kernels}, bias_constraint=None)
    return tail


KERAS_CONFIGS = [
    (C.Conv1D, (4, 3), {"padding": "causal", "dilation_rate": 2},
     {"name": "conv1d", "trainable": True, "filters": 4, "kernel_size": (3,), "strides": (1,),
      "padding": "causal", "data_format": "channels_last", "dilation_rate": (2,), "groups": 1,
      **_tail("kernel")}),
    (C.Conv2D, (4, 3), {"groups": 2, "strides": 2, "data_format": "channels_first"},
     {"name": "conv2d", "trainable": True, "filters": 4, "kernel_size": (3, 3), "strides": (2, 2),
      "padding": "valid", "data_format": "channels_first", "dilation_rate": (1, 1), "groups": 2,
      **_tail("kernel")}),
    (C.Conv3D, (4, 2), {},
     {"name": "conv3d", "trainable": True, "filters": 4, "kernel_size": (2, 2, 2), "strides": (1, 1, 1),
      "padding": "valid", "data_format": "channels_last", "dilation_rate": (1, 1, 1), "groups": 1,
      **_tail("kernel")}),
    (C.Conv1DTranspose, (4, 3), {"strides": 2, "output_padding": 1},
     {"name": "conv1d_transpose", "trainable": True, "filters": 4, "kernel_size": (3,), "strides": (2,),
      "padding": "valid", "output_padding": (1,), "data_format": "channels_last", "dilation_rate": (1,),
      **_tail("kernel")}),
    (C.Conv2DTranspose, (4, 3), {"strides": 2},
     {"name": "conv2d_transpose", "trainable": True, "filters": 4, "kernel_size": (3, 3), "strides": (2, 2),
      "padding": "valid", "output_padding": None, "data_format": "channels_last", "dilation_rate": (1, 1),
      **_tail("kernel")}),
    (C.Conv3DTranspose, (4, 3), {},
     {"name": "conv3d_transpose", "trainable": True, "filters": 4, "kernel_size": (3, 3, 3),
      "strides": (1, 1, 1), "padding": "valid", "output_padding": None, "data_format": "channels_last",
      "dilation_rate": (1, 1, 1), **_tail("kernel")}),
    (C.DepthwiseConv1D, (3,), {"depth_multiplier": 2},
     {"name": "depthwise_conv1d", "trainable": True, "depth_multiplier": 2, "kernel_size": (3,),
      "strides": (1,), "padding": "valid", "data_format": "channels_last", "dilation_rate": (1,),
      **_tail("depthwise")}),
    (C.DepthwiseConv2D, (3,), {},
     {"name": "depthwise_conv2d", "trainable": True, "depth_multiplier": 1, "kernel_size": (3, 3),
      "strides": (1, 1), "padding": "valid", "data_format": "channels_last", "dilation_rate": (1, 1),
      **_tail("depthwise")}),
    (C.SeparableConv1D, (4, 3), {},
     {"name": "separable_conv1d", "trainable": True, "depth_multiplier": 1, "filters": 4, "kernel_size": (3,),
      "strides": (1,), "padding": "valid", "data_format": "channels_last", "dilation_rate": (1,),
      **_tail("depthwise", "pointwise")}),
    (C.SeparableConv2D, (4, 3), {"depth_multiplier": 2},
     {"name": "separable_conv2d", "trainable": True, "depth_multiplier": 2, "filters": 4,
      "kernel_size": (3, 3), "strides": (1, 1), "padding": "valid", "data_format": "channels_last",
      "dilation_rate": (1, 1), **_tail("depthwise", "pointwise")}),
]


@pytest.mark.parametrize("cls,args,kwargs,expected", KERAS_CONFIGS,
                         ids=[c[0].__name__ for c in KERAS_CONFIGS])
def test_config_equals_keras(cls, args, kwargs, expected):
    config = cls(*args, name=expected["name"], **kwargs).get_config()
    assert config.pop("dtype")["config"] == {"name": "float32"}
    assert list(config) == list(expected)
    assert config == expected


def test_default_names_follow_keras():
    assert C.Conv2DTranspose(2, 3).name.startswith("conv2d_transpose")
    assert C.DepthwiseConv1D(3).name.startswith("depthwise_conv1d")


def test_regularizers_constraints_and_initializers_are_honoured():
    layer = C.SeparableConv1D(2, 3, depthwise_regularizer="l2", pointwise_regularizer="l1",
                              bias_regularizer="l2", activity_regularizer="l2", depthwise_initializer="ones",
                              pointwise_constraint="non_neg", bias_initializer="ones", use_bias=True,
                              pointwise_initializer="zeros")
    layer.build((None, 6, 2))
    assert_close(layer.depthwise_kernel, np.ones((3, 2, 1)))
    assert_close(layer.bias, np.ones(2))
    assert layer.pointwise_kernel.constraint is not None
    assert len(layer.losses) == 3
    layer(np.ones((1, 6, 2), "float32"))
    assert len(layer.losses) == 4
    assert C.Conv1D(2, 3, use_bias=False).get_config()["use_bias"] is False


@pytest.mark.parametrize("make,match", [
    (lambda: C.Conv2D(4, 3, padding="causal"), "padding"),
    (lambda: C.DepthwiseConv1D(3, padding="causal"), "padding"),
    (lambda: C.Conv1D(4, 3, padding="full"), "padding"),
    (lambda: C.Conv1D(5, 3, groups=2), "groups"),
    (lambda: C.Conv1D(4, 3, groups=0), "groups"),
    (lambda: C.Conv1D(0, 3), "filters"),
    (lambda: C.SeparableConv1D(4.0, 3), "filters"),
    (lambda: C.DepthwiseConv2D(3, depth_multiplier=0), "depth_multiplier"),
    (lambda: C.Conv1D(4, 0), "kernel_size"),
    (lambda: C.Conv1D(4, (3, 3)), "kernel_size"),
    (lambda: C.Conv2D(4, 3, strides=(1, 0)), "strides"),
    (lambda: C.Conv1D(4, 3, strides=2, dilation_rate=2), "dilation_rate"),
    (lambda: C.Conv1DTranspose(4, 3, strides=2, output_padding=2), "output_padding"),
    (lambda: C.Conv1DTranspose(4, 3, strides=2, output_padding=-1), "output_padding"),
    (lambda: C.Conv1D(4, 3, data_format="nhwc"), "data_format"),
])
def test_bad_arguments_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_inputs_name_the_layer():
    layer = C.Conv1D(4, 3, name="my_conv")
    with pytest.raises(ValueError, match="my_conv"):
        layer(np.zeros((1, 5, 5, 3), "float32"))
    grouped = C.Conv2D(4, 3, groups=2, name="grouped")
    with pytest.raises(ValueError, match="grouped.*groups"):
        grouped(np.zeros((1, 5, 5, 3), "float32"))
    built = C.DepthwiseConv2D(3, name="dw")
    built(np.zeros((1, 5, 5, 3), "float32"))
    with pytest.raises(ValueError, match="dw"):
        built(np.zeros((1, 5, 5, 4), "float32"))


def test_compute_output_shape_without_building():
    causal = C.Conv1D(4, 3, strides=2, padding="causal")
    assert tuple(causal.compute_output_shape((None, 10, 3))) == (None, 5, 4)
    layer = C.Conv2DTranspose(4, 3, strides=2, padding="same", output_padding=1)
    assert tuple(layer.compute_output_shape((None, 5, 5, 3))) == (None, 10, 10, 4)
    assert not layer.built
    with pytest.raises(ValueError, match="channel axis"):
        C.Conv2D(4, 3, name="unknown")(KerasTensor((None, 5, 5, None)))
