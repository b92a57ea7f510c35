"""Attention, space/depth, unfold/fold, cdist and rearrange against NumPy references."""

import numpy as np
import pytest
from test_gradients import backend_gradient, numeric_gradient

import k_ops
from k_ops import einops, math, nn
from k_ops.symbolic import KerasTensor

from conftest import BACKEND, assert_close, check_symbolic, reference_input


# -- NumPy references ------------------------------------------------------------------
def _attention(q, k, v, bias=None, mask=None, scale=None, causal=False, cap=None):
    q, k, v = (np.asarray(t, "float64") for t in (q, k, v))
    group = q.shape[2] // k.shape[2]
    k, v = np.repeat(k, group, axis=2), np.repeat(v, group, axis=2)
    logits = np.einsum("btnh,bsnh->bnts", q, k) * (1 / np.sqrt(q.shape[-1]) if scale is None else scale)
    if cap is not None:
        logits = np.tanh(logits / cap) * cap
    if bias is not None:
        logits = logits + bias
    keep = np.ones(logits.shape, bool)
    if mask is not None:
        keep = keep & mask
    if causal:
        keep = keep & np.tril(np.ones(logits.shape[-2:], bool))
    logits = np.where(keep, logits, -1e30)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    return np.einsum("bnts,bsnh->btnh", p, v)


def _unfold(x, kernel, dilation=(1, 1), padding=(0, 0), stride=(1, 1)):
    n, c, h, w = x.shape
    x = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    oh = (x.shape[2] - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    ow = (x.shape[3] - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1
    out = np.zeros((n, c, kernel[0], kernel[1], oh, ow), x.dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            for a in range(oh):
                for b in range(ow):
                    out[:, :, i, j, a, b] = x[:, :, a * stride[0] + i * dilation[0],
                                              b * stride[1] + j * dilation[1]]
    return out.reshape(n, c * kernel[0] * kernel[1], oh * ow)


def _fold(cols, size, kernel, dilation=(1, 1), padding=(0, 0), stride=(1, 1)):
    n, ck, _ = cols.shape
    c = ck // (kernel[0] * kernel[1])
    hp, wp = size[0] + 2 * padding[0], size[1] + 2 * padding[1]
    oh = (hp - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    ow = (wp - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1
    cols = cols.reshape(n, c, kernel[0], kernel[1], oh, ow)
    out = np.zeros((n, c, hp, wp), cols.dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            for a in range(oh):
                for b in range(ow):
                    out[:, :, a * stride[0] + i * dilation[0], b * stride[1] + j * dilation[1]] += \
                        cols[:, :, i, j, a, b]
    return out[:, :, padding[0]:padding[0] + size[0], padding[1]:padding[1] + size[1]]


def _depth_to_space(x, b):
    n, h, w, c = x.shape
    return x.reshape(n, h, w, b, b, c // (b * b)).transpose(0, 1, 3, 2, 4, 5).reshape(n, h * b, w * b, -1)


# -- dot_product_attention ---------------------------------------------------------------
QKV = [reference_input("float32", s, seed=i, low=-1, high=1)
       for i, s in enumerate([(2, 3, 4, 8), (2, 5, 2, 8), (2, 5, 2, 6)])]


@pytest.mark.parametrize("kwargs", [
    {},
    {"scale": 0.3, "is_causal": True},
    {"bias": reference_input("float32", (2, 4, 3, 5), seed=7)},
    {"mask": reference_input("bool", (2, 1, 3, 5), seed=8), "is_causal": True},
    {"mask": np.zeros((3, 5), bool)},  # every key masked: uniform weights, no NaN
    {"attn_logits_soft_cap": 0.5, "flash_attention": False},
])
def test_dot_product_attention_values(kwargs):
    expected = _attention(*QKV, kwargs.get("bias"), kwargs.get("mask"), kwargs.get("scale"),
                          kwargs.get("is_causal", False), kwargs.get("attn_logits_soft_cap"))
    assert_close(nn.dot_product_attention(*QKV, **kwargs), expected, "float32", rtol=1e-4, atol=1e-5)
    check_symbolic(nn.dot_product_attention, *QKV, **kwargs)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
def test_dot_product_attention_dtypes(dtype):
    qkv = [t.astype("float64").astype(reference_input(dtype, (1,)).dtype) for t in QKV]
    result = k_ops.dot_product_attention(*qkv, is_causal=True)
    assert_close(result, _attention(*(t.astype("float64") for t in qkv), causal=True), dtype)


def test_dot_product_attention_errors():
    with pytest.raises(ValueError, match="flash_attention"):
        nn.dot_product_attention(*QKV, flash_attention=True)
    with pytest.raises(ValueError, match="divide"):
        nn.dot_product_attention(QKV[0], QKV[0][:, :, :3], QKV[0][:, :, :3])
    with pytest.raises(ValueError, match="rank 4"):
        nn.dot_product_attention(KerasTensor((3, 4, 8)), KerasTensor((2, 5, 2, 8)), KerasTensor((2, 5, 2, 6)))


# -- space / depth -----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["int32", "float32", "bool"])
def test_depth_to_space_and_back(dtype):
    x = reference_input(dtype, (2, 2, 3, 8))
    expected = _depth_to_space(x, 2)
    assert_close(nn.depth_to_space(x, 2), expected, dtype)
    assert_close(k_ops.space_to_depth(expected, 2), x, dtype)
    xc = x.transpose(0, 3, 1, 2)
    assert_close(nn.depth_to_space(xc, 2, data_format="channels_first"), expected.transpose(0, 3, 1, 2))
    assert_close(nn.space_to_depth(expected.transpose(0, 3, 1, 2), 2, "channels_first"), xc)
    check_symbolic(nn.depth_to_space, x, 2)
    check_symbolic(nn.space_to_depth, expected, 2)


def test_space_depth_errors():
    with pytest.raises(ValueError, match="divisible"):
        nn.depth_to_space(np.ones((1, 2, 2, 6)), 2)
    with pytest.raises(ValueError, match="divisible"):
        nn.space_to_depth(np.ones((1, 3, 4, 2)), 2)
    with pytest.raises(ValueError, match="data_format"):
        nn.space_to_depth(np.ones((1, 4, 4, 2)), 2, "NHWC")
    with pytest.raises(ValueError, match="block_size"):
        nn.depth_to_space(np.ones((1, 2, 2, 8)), 0)


# -- unfold / fold -----------------------------------------------------------------------
GEOMETRIES = [
    dict(kernel_size=2),
    dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=2),
]


def _pairs(g):
    def pair(v):
        return tuple(v) if isinstance(v, tuple) else (v, v)
    return (pair(g["kernel_size"]), pair(g.get("dilation", 1)), pair(g.get("padding", 0)),
            pair(g.get("stride", 1)))


@pytest.mark.parametrize("geometry", GEOMETRIES)
@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_unfold_fold(geometry, dtype):
    x = reference_input(dtype, (2, 3, 5, 6))
    cols = _unfold(x, *_pairs(geometry))
    assert_close(nn.unfold(x, **geometry), cols, dtype)
    assert_close(k_ops.fold(cols, (5, 6), **geometry), _fold(cols, (5, 6), *_pairs(geometry)), dtype)
    check_symbolic(nn.unfold, x, **geometry)
    check_symbolic(nn.fold, cols, (5, 6), **geometry)


def test_unfold_fold_errors():
    with pytest.raises(ValueError, match="rank-4"):
        nn.unfold(np.ones((3, 5, 5)), 2)
    with pytest.raises(ValueError, match="does not fit"):
        nn.unfold(np.ones((1, 1, 2, 2)), 3)
    with pytest.raises(ValueError, match="kernel_size"):
        nn.unfold(np.ones((1, 1, 4, 4)), (2, 0))
    with pytest.raises(ValueError, match="shape"):
        nn.fold(np.ones((1, 5, 9)), (4, 4), 2)


# -- cdist -------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype,out", [("float32", "float32"), ("float64", "float64"), ("int32", "float32"),
                                       ("float16", "float16")])
def test_cdist(dtype, out):
    x, y = reference_input(dtype, (2, 3, 4), seed=1), reference_input(dtype, (2, 5, 4), seed=2)
    xf, yf = x.astype("float64"), y.astype("float64")
    expected = np.sqrt(((xf[:, :, None] - yf[:, None]) ** 2).sum(-1))
    assert_close(math.cdist(x, y), expected, out)
    assert_close(k_ops.cdist(x[0], y[0]), expected[0], out)
    check_symbolic(math.cdist, x, y)
    with pytest.raises(ValueError, match="feature"):
        math.cdist(x, y[..., :3])


# -- rearrange ---------------------------------------------------------------------------
@pytest.mark.parametrize("pattern,lengths,reference", [
    ("b h w c -> b c h w", {}, lambda x: x.transpose(0, 3, 1, 2)),
    ("b h w c -> b (h w) c", {}, lambda x: x.reshape(2, 12, 5)),
    ("b h w c -> (b h) (w c)", {}, lambda x: x.reshape(6, 20)),
    ("b (h2 h) w c -> b h (h2 w) c", {"h2": 3}, lambda x: x.reshape(2, 3, 1, 4, 5).transpose(0, 2, 1, 3, 4)
     .reshape(2, 1, 12, 5)),
    ("b ... c -> c b ...", {}, lambda x: x.transpose(3, 0, 1, 2)),
    ("b h w c -> b h w c", {}, lambda x: x),
    ("b ... c -> b (...) c", {}, lambda x: x.reshape(2, 12, 5)),
])
def test_rearrange(pattern, lengths, reference):
    x = reference_input("float32", (2, 3, 4, 5))
    assert_close(einops.rearrange(x, pattern, **lengths), reference(x), "float32")
    xi = x.astype("int32")
    assert_close(k_ops.rearrange(xi, pattern, **lengths), reference(xi), "int32")
    check_symbolic(einops.rearrange, x, pattern, **lengths)


@pytest.mark.parametrize("pattern,lengths,match", [
    ("b h w c -> b h w", {}, "same axis names"),
    ("b h w -> b h w", {}, "names 3 axes"),
    ("b (h w) c d -> b h w c d", {}, "cannot infer"),
    ("b (h w) c d -> b h w c d", {"h": 2}, "cannot be split"),
    ("b h w c -> b (h (w c))", {}, "nested"),
    ("b h w c -> b h w 2 c", {}, "supports named axes"),
    ("b h w c", {}, "left -> right"),
    ("b h w c -> b h c w", {"z": 2}, "not in the pattern"),
])
def test_rearrange_errors(pattern, lengths, match):
    with pytest.raises(ValueError, match=match):
        einops.rearrange(np.ones((2, 3, 4, 5)), pattern, **lengths)


# -- gradients ---------------------------------------------------------------------------
@pytest.mark.skipif(BACKEND == "numpy", reason="the numpy backend computes no gradients")
@pytest.mark.parametrize("name", ["attention", "unfold", "fold", "cdist"])
def test_gradients(name):
    rng = np.random.default_rng(0)
    if name == "attention":
        k = rng.uniform(-1, 1, (1, 3, 1, 2))

        def f(q):
            return nn.dot_product_attention(q, k, k, is_causal=True)
        x = rng.uniform(-1, 1, (1, 2, 2, 2))
    elif name == "unfold":
        def f(t):
            return nn.unfold(t, 2, padding=1, stride=2)
        x = rng.uniform(-1, 1, (1, 1, 3, 3))
    elif name == "fold":
        def f(t):
            return nn.fold(t, (2, 3), 2)
        x = rng.uniform(-1, 1, (1, 4, 2))
    else:
        y = rng.uniform(-1, 1, (3, 2))

        def f(t):
            return math.cdist(t, y)
        x = rng.uniform(-1, 1, (1, 2))
    weights = rng.uniform(-1, 1, np.shape(np.asarray(k_ops.convert_to_numpy(f(x)))))
    np.testing.assert_allclose(backend_gradient(f, x, weights), numeric_gradient(f, x, weights),
                               rtol=1e-5, atol=1e-6)
