"""Convolutions and pooling (k_ops.nn.convolution, k_ops.nn.pooling) against direct NumPy loops."""

import itertools
import math

import numpy as np
import pytest

import k_backends
from k_ops import nn
from k_ops.symbolic import KerasTensor

from conftest import BACKEND, FLOAT_DTYPES, assert_close, check_symbolic, reference_input, to_numpy


# -- direct NumPy references (loops over output positions; channels_last) -----------------
def _padded(x, windows, strides, padding, dilation, value):
    """`x` padded for `padding`, and the output's spatial shape."""
    spatial = x.shape[1:-1]
    spans = [(k - 1) * d + 1 for k, d in zip(windows, dilation, strict=True)]
    if padding == "valid":
        return x, [(n - s) // st + 1 for n, s, st in zip(spatial, spans, strides, strict=True)]
    out = [math.ceil(n / st) for n, st in zip(spatial, strides, strict=True)]
    pads = []
    for n, s, st, o in zip(spatial, spans, strides, out, strict=True):
        total = max((o - 1) * st + s - n, 0)
        pads.append((total // 2, total - total // 2))
    return np.pad(x, [(0, 0), *pads, (0, 0)], constant_values=value), out


def reference_conv(x, kernel, strides, padding, dilation):
    x, kernel = x.astype(np.float64), kernel.astype(np.float64)
    n = x.ndim - 2
    windows, in_per_group, out_channels = kernel.shape[:-2], kernel.shape[-2], kernel.shape[-1]
    groups = x.shape[-1] // in_per_group
    per_group = out_channels // groups
    x, out = _padded(x, windows, strides, padding, dilation, 0.0)
    y = np.zeros((x.shape[0], *out, out_channels))
    for position in itertools.product(*map(range, out)):
        for tap in itertools.product(*map(range, windows)):
            index = tuple(p * s + t * d for p, s, t, d in zip(position, strides, tap, dilation, strict=True))
            values = x[(slice(None), *index)]  # (batch, channels)
            for o in range(out_channels):
                g = o // per_group
                y[(slice(None), *position, o)] += (
                    values[:, g * in_per_group:(g + 1) * in_per_group] @ kernel[(*tap, slice(None), o)])
    assert n == len(out)
    return y


def reference_conv_transpose(x, kernel, strides, padding, output_padding, dilation):
    """Scatter each input value times the kernel into the full output, then cut Keras's window of it."""
    x, kernel = x.astype(np.float64), kernel.astype(np.float64)
    spatial, windows = x.shape[1:-1], kernel.shape[:-2]
    extents = [(k - 1) * d + 1 for k, d in zip(windows, dilation, strict=True)]
    full = np.zeros((x.shape[0], *((n - 1) * s + e
                                   for n, s, e in zip(spatial, strides, extents, strict=True)),
                     kernel.shape[-2]))
    for position in itertools.product(*map(range, spatial)):
        for tap in itertools.product(*map(range, windows)):
            index = tuple(p * s + t * d for p, s, t, d in zip(position, strides, tap, dilation, strict=True))
            full[(slice(None), *index)] += x[(slice(None), *position)] @ kernel[tap].T
    window = []
    for n, s, e, op in zip(spatial, strides, extents, output_padding, strict=True):
        if padding == "valid":
            length = (n - 1) * s + (max(e, s) if op is None else e + op)
            window.append((0, length))
        else:
            length = n * s if op is None else (n - 1) * s + e - 2 * (e // 2) + op
            window.append((max((n - 1) * s + e - length, 0) // 2, length))  # TF's "same" rule
    out = np.zeros((x.shape[0], *(length for _, length in window), kernel.shape[-2]))
    kept = tuple(slice(0, min(length, f - start)) for (start, length), f in zip(window, full.shape[1:-1],
                                                                                  strict=True))
    out[(slice(None), *kept)] = full[(slice(None), *(slice(start, start + k.stop) for (start, _), k in zip(
        window, kept, strict=True)))]
    return out


def reference_pool(x, pool_size, strides, padding, kind):
    x = x.astype(np.float64)
    value = -np.inf if kind == "max" else np.nan
    x, out = _padded(x, pool_size, strides, padding, (1,) * len(pool_size), value)
    y = np.zeros((x.shape[0], *out, x.shape[-1]))
    for position in itertools.product(*map(range, out)):
        corner = zip(position, strides, pool_size, strict=True)
        window = x[(slice(None), *(slice(p * s, p * s + k) for p, s, k in corner))]
        flat = window.reshape(x.shape[0], -1, x.shape[-1])
        y[(slice(None), *position)] = flat.max(axis=1) if kind == "max" else np.nanmean(flat, axis=1)
    return y


def reference_adaptive_pool(x, output_size, kind):
    """PyTorch's bins: bin i of n over length L spans [floor(i L / n), ceil((i + 1) L / n))."""
    x = x.astype(np.float64)
    y = np.zeros((x.shape[0], *output_size, x.shape[-1]))
    for position in itertools.product(*map(range, output_size)):
        window = x[(slice(None), *(slice(math.floor(i * n / o), math.ceil((i + 1) * n / o))
                                   for i, n, o in zip(position, x.shape[1:-1], output_size, strict=True)))]
        flat = window.reshape(x.shape[0], -1, x.shape[-1])
        y[(slice(None), *position)] = flat.max(axis=1) if kind == "max" else flat.mean(axis=1)
    return y


def channels_first(x):
    return np.moveaxis(x, -1, 1)


# -- conv -------------------------------------------------------------------------------------
CONV_CASES = [
    # (input shape, kernel shape, strides, padding, dilation_rate)
    ((2, 7, 6, 3), (3, 2, 3, 4), 1, "valid", 1),
    ((2, 7, 6, 3), (3, 3, 3, 4), 2, "same", 1),
    ((1, 8, 7, 2), (3, 2, 2, 3), 1, "same", (2, 1)),
    ((1, 6, 6, 4), (3, 3, 2, 6), 1, "valid", 1),  # grouped: 2 groups
    ((2, 9, 3), (3, 3, 5), 2, "same", 1),
    ((2, 9, 3), (2, 3, 2), 1, "valid", 3),
    ((1, 5, 4, 6, 2), (2, 3, 2, 2, 3), (1, 2, 2), "same", 1),
]


@pytest.mark.parametrize("shape,kernel_shape,strides,padding,dilation_rate", CONV_CASES)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv_matches_direct_loops(shape, kernel_shape, strides, padding, dilation_rate, data_format):
    x = reference_input("float32", shape, seed=1)
    kernel = reference_input("float32", kernel_shape, seed=2)
    n = len(shape) - 2
    expected = reference_conv(x, kernel, (strides,) * n if isinstance(strides, int) else strides, padding,
                              (dilation_rate,) * n if isinstance(dilation_rate, int) else dilation_rate)
    if data_format == "channels_first":
        x, expected = channels_first(x), channels_first(expected)
    result = nn.conv(x, kernel, strides, padding, data_format, dilation_rate)
    assert_close(result, expected, "float32", rtol=1e-4, atol=1e-3)
    check_symbolic(nn.conv, x, kernel, strides, padding, data_format, dilation_rate)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES + ["int32", "int64"])
def test_conv_dtypes(dtype):
    x = reference_input(dtype, (1, 5, 5, 2), seed=3, low=-3, high=3)
    kernel = reference_input(dtype, (2, 2, 2, 3), seed=4, low=-3, high=3)
    expected = reference_conv(x, kernel, (1, 1), "valid", (1, 1))
    tolerance = {"float16": 1e-2, "bfloat16": 1e-1}.get(dtype)
    assert_close(nn.conv(x, kernel), expected.astype(np.float64 if tolerance is None else np.float32), dtype,
                 rtol=tolerance, atol=tolerance)
    check_symbolic(nn.conv, x, kernel)


def test_conv_promotes_mixed_dtypes_and_reads_python_lists():
    x = reference_input("float16", (1, 4, 2), seed=5)
    kernel = reference_input("float32", (2, 2, 1), seed=6)
    result = nn.conv(x, kernel)
    assert_close(result, reference_conv(x, kernel, (1,), "valid", (1,)), "float32", rtol=1e-3, atol=1e-3)
    assert_close(nn.conv(x.astype("float32").tolist(), kernel), to_numpy(result), "float32", rtol=1e-3)


def test_conv_default_data_format_is_image_data_format(monkeypatch):
    from k_backends import config

    x = reference_input("float32", (1, 2, 5, 5), seed=7)  # channels_first
    kernel = reference_input("float32", (3, 3, 2, 1), seed=8)
    monkeypatch.setattr(config, "image_data_format", lambda: "channels_first")
    expected = channels_first(reference_conv(np.moveaxis(x, 1, -1), kernel, (1, 1), "valid", (1, 1)))
    assert_close(nn.conv(x, kernel), expected, "float32", rtol=1e-4, atol=1e-4)


def test_conv_symbolic_keeps_unknown_dimensions():
    out = nn.conv(KerasTensor((None, None, 10, 3)), KerasTensor((3, 3, 3, 8)), strides=2, padding="same")
    assert out.shape == (None, None, 5, 8)
    out = nn.conv(KerasTensor((None, 3, 9)), KerasTensor((3, 3, 4)), data_format="channels_first")
    assert out.shape == (None, 4, 7)


@pytest.mark.parametrize("call,message", [
    (lambda: nn.conv(KerasTensor((1, 5, 5, 3)), KerasTensor((3, 3, 4, 2))),
     r"\(1, 5, 5, 3\).*\(3, 3, 4, 2\)"),
    (lambda: nn.conv(np.ones((1, 5, 5, 3)), np.ones((3, 3, 4, 2))), r"\(1, 5, 5, 3\).*\(3, 3, 4, 2\)"),
    (lambda: nn.conv(np.ones((1, 5, 5, 3)), np.ones((3, 3, 2))), "rank 4"),
    (lambda: nn.conv(np.ones((5, 3)), np.ones((3, 3, 2))), "rank 3, 4 or 5"),
    (lambda: nn.conv(np.ones((1, 5, 3)), np.ones((3, 3, 2)), padding="full"), "padding='full'"),
    (lambda: nn.conv(np.ones((1, 5, 3)), np.ones((3, 3, 2)), strides=(1, 2)), r"strides=\(1, 2\)"),
    (lambda: nn.conv(np.ones((1, 5, 3)), np.ones((3, 3, 2)), data_format="NHWC"), "data_format='NHWC'"),
    (lambda: nn.conv(np.ones((1, 9, 3)), np.ones((3, 3, 2)), strides=2, dilation_rate=2),
     "cannot be combined"),
])
def test_conv_rejects_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# -- depthwise and separable ------------------------------------------------------------------
def _depthwise_as_grouped(kernel):
    return kernel.reshape(*kernel.shape[:-2], 1, kernel.shape[-2] * kernel.shape[-1])


@pytest.mark.parametrize("shape,kernel_shape,strides,padding,dilation_rate", [
    ((2, 6, 5, 3), (3, 2, 3, 2), 1, "valid", 1),
    ((2, 6, 5, 3), (3, 3, 3, 1), 2, "same", 1),
    ((1, 7, 7, 2), (2, 2, 2, 3), 1, "same", 2),
    ((1, 7, 7, 2), (2, 3, 2, 2), (1, 2), "valid", 1),
    ((2, 8, 3), (3, 3, 2), 2, "same", 1),
    ((1, 4, 5, 4, 2), (2, 2, 2, 2, 2), 1, "same", 1),
])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_depthwise_conv_matches_direct_loops(shape, kernel_shape, strides, padding, dilation_rate,
                                            data_format):
    x = reference_input("float32", shape, seed=9)
    kernel = reference_input("float32", kernel_shape, seed=10)
    n = len(shape) - 2
    expected = reference_conv(x, _depthwise_as_grouped(kernel),
                              (strides,) * n if isinstance(strides, int) else strides, padding,
                              (dilation_rate,) * n if isinstance(dilation_rate, int) else dilation_rate)
    if data_format == "channels_first":
        x, expected = channels_first(x), channels_first(expected)
    result = nn.depthwise_conv(x, kernel, strides, padding, data_format, dilation_rate)
    assert_close(result, expected, "float32", rtol=1e-4, atol=1e-3)
    check_symbolic(nn.depthwise_conv, x, kernel, strides, padding, data_format, dilation_rate)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("padding,strides", [("valid", 1), ("same", 2)])
def test_separable_conv_is_depthwise_then_pointwise(data_format, padding, strides):
    x = reference_input("float32", (2, 6, 6, 3), seed=11)
    depthwise = reference_input("float32", (3, 3, 3, 2), seed=12)
    pointwise = reference_input("float32", (1, 1, 6, 4), seed=13)
    expected = reference_conv(reference_conv(x, _depthwise_as_grouped(depthwise), (strides,) * 2, padding,
                                             (1, 1)), pointwise, (1, 1), "valid", (1, 1))
    if data_format == "channels_first":
        x, expected = channels_first(x), channels_first(expected)
    result = nn.separable_conv(x, depthwise, pointwise, strides, padding, data_format)
    assert_close(result, expected, "float32", rtol=1e-4, atol=1e-2)
    check_symbolic(nn.separable_conv, x, depthwise, pointwise, strides, padding, data_format)


def test_depthwise_and_separable_reject_mismatched_kernels():
    with pytest.raises(ValueError, match=r"\(1, 5, 5, 3\).*\(3, 3, 2, 2\)"):
        nn.depthwise_conv(np.ones((1, 5, 5, 3)), np.ones((3, 3, 2, 2)))
    with pytest.raises(ValueError, match=r"\(None, 5, 5, 3\).*\(3, 3, 2, 2\)"):
        nn.depthwise_conv(KerasTensor((None, 5, 5, 3)), KerasTensor((3, 3, 2, 2)))
    with pytest.raises(ValueError, match="pointwise"):
        nn.separable_conv(np.ones((1, 5, 5, 3)), np.ones((3, 3, 3, 1)), np.ones((3, 3, 3, 2)))
    with pytest.raises(ValueError, match=r"\(1, 1, 5, 2\)"):
        nn.separable_conv(np.ones((1, 5, 5, 3)), np.ones((3, 3, 3, 2)), np.ones((1, 1, 5, 2)))


# -- conv_transpose ---------------------------------------------------------------------------
@pytest.mark.parametrize("shape,kernel_shape,strides,padding,output_padding,dilation_rate", [
    ((2, 5, 2), (3, 4, 2), 2, "valid", None, 1),
    ((2, 5, 2), (3, 4, 2), 2, "same", None, 1),
    ((2, 5, 2), (4, 3, 2), 2, "same", 1, 1),
    ((2, 5, 2), (2, 3, 2), 3, "valid", None, 1),  # kernel smaller than the stride: zeros at the end
    ((2, 5, 2), (3, 3, 2), 3, "same", 2, 1),
    ((1, 6, 2), (3, 2, 2), 1, "same", None, 2),
    ((1, 4, 3, 2), (3, 3, 3, 2), 2, "same", None, 1),
    ((1, 4, 3, 2), (2, 3, 2, 2), (2, 1), "valid", (1, 0), 1),
    ((1, 3, 2, 3, 2), (2, 2, 3, 2, 2), 2, "same", None, 1),
])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv_transpose_matches_scattered_kernels(shape, kernel_shape, strides, padding, output_padding,
                                                  dilation_rate, data_format):
    x = reference_input("float32", shape, seed=18)
    kernel = reference_input("float32", kernel_shape, seed=19)
    n = len(shape) - 2

    def per_dim(value):
        return (value,) * n if value is None or isinstance(value, int) else value

    expected = reference_conv_transpose(x, kernel, per_dim(strides), padding, per_dim(output_padding),
                                        per_dim(dilation_rate))
    if data_format == "channels_first":
        x, expected = channels_first(x), channels_first(expected)
    result = nn.conv_transpose(x, kernel, strides, padding, output_padding, data_format, dilation_rate)
    assert_close(result, expected, "float32", rtol=1e-4, atol=1e-3)
    check_symbolic(nn.conv_transpose, x, kernel, strides, padding, output_padding, data_format, dilation_rate)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64", "int32"])
def test_conv_transpose_dtypes(dtype):
    x = reference_input(dtype, (1, 3, 3, 2), seed=20, low=-3, high=3)
    kernel = reference_input(dtype, (2, 2, 3, 2), seed=21, low=-3, high=3)
    expected = reference_conv_transpose(x, kernel, (2, 2), "same", (None, None), (1, 1))
    tolerance = {"float16": 1e-2, "bfloat16": 1e-1}.get(dtype)
    assert_close(nn.conv_transpose(x, kernel, 2, "same"), expected, dtype, rtol=tolerance, atol=tolerance)
    check_symbolic(nn.conv_transpose, x, kernel, 2, "same")


def test_conv_transpose_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"\(1, 5, 3\).*\(3, 3, 2\)"):
        nn.conv_transpose(np.ones((1, 5, 3)), np.ones((3, 3, 2)))
    with pytest.raises(ValueError, match=r"\(None, 5, 3\).*\(3, 2, 4\)"):
        nn.conv_transpose(KerasTensor((None, 5, 3)), KerasTensor((3, 2, 4)))
    with pytest.raises(ValueError, match="output_padding=2"):
        nn.conv_transpose(np.ones((1, 5, 3)), np.ones((3, 2, 3)), strides=2, output_padding=2)
    assert nn.conv_transpose(KerasTensor((None, None, 3)), KerasTensor((3, 2, 3)), 2, "same").shape == (
        None, None, 2)


# -- pooling ----------------------------------------------------------------------------------
POOL_CASES = [
    # (input shape, pool_size, strides, padding)
    ((2, 6, 7, 3), 2, None, "valid"),
    ((2, 6, 7, 3), 3, 2, "same"),
    ((1, 5, 5, 2), (2, 3), (1, 2), "same"),
    ((2, 9, 2), 3, 2, "same"),
    ((1, 4, 5, 6, 2), (2, 2, 3), 1, "valid"),
]


@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize("shape,pool_size,strides,padding", POOL_CASES)
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_pool_matches_direct_loops(kind, shape, pool_size, strides, padding, data_format):
    op = nn.max_pool if kind == "max" else nn.average_pool
    x = reference_input("float32", shape, seed=14)
    n = len(shape) - 2
    size = (pool_size,) * n if isinstance(pool_size, int) else pool_size
    step = size if strides is None else (strides,) * n if isinstance(strides, int) else strides
    expected = reference_pool(x, size, step, padding, kind)
    if data_format == "channels_first":
        x, expected = channels_first(x), channels_first(expected)
    assert_close(op(x, pool_size, strides, padding, data_format), expected, "float32", rtol=1e-5, atol=1e-5)
    check_symbolic(op, x, pool_size, strides, padding, data_format)


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int32", "int64"] + FLOAT_DTYPES)
def test_max_pool_keeps_dtype(dtype):
    x = reference_input(dtype, (2, 5, 5, 2), seed=15, low=-20, high=20)
    expected = reference_pool(x, (2, 2), (2, 2), "same", "max").astype(x.dtype)
    assert_close(nn.max_pool(x, 2, padding="same"), expected, dtype)
    check_symbolic(nn.max_pool, x, 2, padding="same")


@pytest.mark.parametrize("dtype,result_dtype", [
    ("int32", "float32"), ("uint8", "float32"), ("int64", "float64"), ("bool", "float32"),
    ("float16", "float16"), ("bfloat16", "bfloat16"), ("float64", "float64"),
])
def test_average_pool_dtypes(dtype, result_dtype):
    x = reference_input(dtype, (1, 6, 5, 2), seed=16)
    expected = reference_pool(x.astype(np.float64), (3, 2), (2, 2), "same", "average")
    tolerance = {"float16": 2e-3, "bfloat16": 2e-2}.get(dtype, 1e-6)
    result = nn.average_pool(x, (3, 2), 2, "same")
    assert_close(result, expected, result_dtype, rtol=tolerance, atol=tolerance)
    check_symbolic(nn.average_pool, x, (3, 2), 2, "same")


def test_pool_symbolic_keeps_unknown_dimensions():
    assert nn.max_pool(KerasTensor((None, None, 9, 3)), 2).shape == (None, None, 4, 3)
    assert nn.average_pool(KerasTensor((None, 3, 9)), 3, 2, "same", "channels_first").shape == (None, 3, 5)


@pytest.mark.parametrize("op", [nn.max_pool, nn.average_pool])
def test_pool_rejects_bad_arguments(op):
    with pytest.raises(ValueError, match=r"pool_size=\(2, 2\)"):
        op(np.ones((1, 5, 3)), (2, 2))
    with pytest.raises(ValueError, match="padding='causal'"):
        op(np.ones((1, 5, 3)), 2, padding="causal")
    with pytest.raises(ValueError, match="rank 3, 4 or 5"):
        op(KerasTensor((5, 3)), 2)


@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize("shape,output_size,data_format", [
    ((2, 7, 5, 3), (3, 2), "channels_last"), ((2, 7, 5, 3), (3, 2), "channels_first"),
    ((2, 7, 5, 3), (7, 5), "channels_last"), ((1, 4, 6, 2), (6, 9), "channels_last"),
    ((2, 9, 2), 4, "channels_first"), ((1, 5, 4, 6, 2), (2, 3, 4), "channels_last"),
])
def test_adaptive_pool_matches_direct_loops(kind, shape, output_size, data_format):
    op = nn.adaptive_max_pool if kind == "max" else nn.adaptive_average_pool
    x = reference_input("float32", shape, seed=22)
    n = len(shape) - 2
    expected = reference_adaptive_pool(x, (output_size,) * n if isinstance(output_size, int) else output_size,
                                       kind)
    if data_format == "channels_first":
        x, expected = channels_first(x), channels_first(expected)
    assert_close(op(x, output_size, data_format), expected, "float32", rtol=1e-5, atol=1e-5)
    check_symbolic(op, x, output_size, data_format)


@pytest.mark.parametrize("dtype,max_dtype,average_dtype", [
    ("int32", "int32", "float32"), ("uint8", "uint8", "float32"), ("int64", "int64", "float64"),
    ("float16", "float16", "float16"), ("bfloat16", "bfloat16", "bfloat16"),
    ("float64", "float64", "float64"),
])
def test_adaptive_pool_dtypes(dtype, max_dtype, average_dtype):
    x = reference_input(dtype, (1, 5, 7, 2), seed=23)
    tolerance = {"float16": 2e-3, "bfloat16": 2e-2}.get(dtype, 1e-6)
    assert_close(nn.adaptive_max_pool(x, (2, 3)), reference_adaptive_pool(x, (2, 3), "max"), max_dtype)
    assert_close(nn.adaptive_average_pool(x, (2, 3)), reference_adaptive_pool(x, (2, 3), "average"),
                 average_dtype, rtol=tolerance, atol=tolerance)
    check_symbolic(nn.adaptive_average_pool, x, (2, 3))


def test_adaptive_pool_symbolic_shape_and_errors():
    assert nn.adaptive_max_pool(KerasTensor((None, None, None, 3)), (2, 4)).shape == (None, 2, 4, 3)
    assert nn.adaptive_average_pool(KerasTensor((None, 3, 9)), 5, "channels_first").shape == (None, 3, 5)
    with pytest.raises(ValueError, match=r"output_size=\(2, 2\)"):
        nn.adaptive_average_pool(np.ones((1, 5, 3)), (2, 2))
    with pytest.raises(ValueError, match="output_size=0"):
        nn.adaptive_max_pool(KerasTensor((1, 5, 3)), 0)


# -- gradients --------------------------------------------------------------------------------
def _backend_gradient(f, x):
    """d sum(f(x) * w) / dx by the backend's autodiff and by central differences (float64)."""
    weights = np.random.default_rng(0).uniform(-1, 1, size=to_numpy(f(x)).shape)
    if BACKEND == "jax":
        import jax
        import jax.numpy as jnp

        grad = np.asarray(jax.grad(lambda t: jnp.sum(f(t) * weights))(jnp.asarray(x)))
    elif BACKEND == "torch":
        import torch

        t = torch.tensor(x, device=k_backends.current().core.current_device(), requires_grad=True)
        (grad,) = torch.autograd.grad((f(t) * torch.as_tensor(weights, device=t.device)).sum(), t)
        grad = grad.cpu().numpy()
    else:
        import tensorflow as tf

        t = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(t)
            loss = tf.reduce_sum(f(t) * weights)
        grad = tape.gradient(loss, t).numpy()
    numeric = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = 1e-6
        numeric[i] = np.sum((to_numpy(f(x + step)) - to_numpy(f(x - step))) * weights) / 2e-6
    return grad, numeric


@pytest.mark.skipif(BACKEND == "numpy", reason="the numpy backend computes no gradients")
@pytest.mark.parametrize("name", ["conv", "depthwise_conv", "separable_conv", "conv_transpose", "max_pool",
                                  "average_pool", "adaptive_max_pool", "adaptive_average_pool"])
def test_gradients_match_finite_differences(name):
    rng = np.random.default_rng(17)
    kernel = rng.uniform(-1, 1, (2, 2, 2, 2))
    pointwise = rng.uniform(-1, 1, (1, 1, 4, 3))
    f = {
        "conv": lambda t: nn.conv(t, kernel, 2, "same"),
        "depthwise_conv": lambda t: nn.depthwise_conv(t, kernel, 1, "same"),
        "separable_conv": lambda t: nn.separable_conv(t, kernel, pointwise),
        "conv_transpose": lambda t: nn.conv_transpose(t, kernel, 2, "same"),
        "max_pool": lambda t: nn.max_pool(t, 2, 1, "same"),
        "average_pool": lambda t: nn.average_pool(t, 2, 2, "same"),
        "adaptive_max_pool": lambda t: nn.adaptive_max_pool(t, 2),
        "adaptive_average_pool": lambda t: nn.adaptive_average_pool(t, (2, 1)),
    }[name]
    x = rng.permutation(np.linspace(-1, 1, 1 * 3 * 3 * 2)).reshape(1, 3, 3, 2)  # no ties for max
    grad, numeric = _backend_gradient(f, x)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(BACKEND != "jax", reason="jax.jit is specific to the jax backend")
def test_pooling_gradients_under_jax_jit():
    import jax

    from k_ops import nn

    x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    for pool in (nn.max_pool, nn.average_pool):
        grad = jax.jit(jax.grad(lambda t, pool=pool: pool(t, 2, 2).sum()))(x)
        assert np.isfinite(np.asarray(grad)).all() and float(np.asarray(grad).sum()) == 4.0
