"""Attention, space/depth rearrangements and im2col/col2im, written once from the NumPy-family ops.

`dot_product_attention` computes in float32 for float16/bfloat16 inputs and casts back.
"""

import math

import numpy as np

from k_backends.inference import float_dtype, promoted
from k_backends.rules import attention as rules
from k_ops import numpy as knp
from k_ops import shapes
from k_ops.core import cast, convert_to_tensor
from k_ops.dispatch import symbolic
from k_ops.math import segment_sum
from k_ops.nn.activations import softmax
from k_ops.symbolic import KerasTensor

__all__ = ["dot_product_attention", "depth_to_space", "space_to_depth", "unfold", "fold"]


# -- dot-product attention -------------------------------------------------------------
def _attention_dtype(query, key, value):
    return float_dtype(promoted(query, key, value))


def _check_attention_args(flash_attention, attn_logits_soft_cap):
    if flash_attention not in (None, False):
        raise ValueError("dot_product_attention: flash_attention=True is not supported by kappa; "
                         f"pass None or False (got {flash_attention!r}).")
    if attn_logits_soft_cap is not None and not attn_logits_soft_cap > 0:
        raise ValueError(f"dot_product_attention expects attn_logits_soft_cap > 0 or None; "
                         f"got {attn_logits_soft_cap!r}.")


def _attention_spec(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                    flash_attention=None, attn_logits_soft_cap=None):
    _check_attention_args(flash_attention, attn_logits_soft_cap)
    q, k, v = (shapes.shape_of(t) for t in (query, key, value))
    rules.check_attention_shapes(q, k, v)
    return KerasTensor(q[:3] + v[3:], _attention_dtype(query, key, value))


@symbolic(_attention_spec)
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """softmax(query·keyᵀ · scale + bias, masked) · value, per head.

    Args:
        query: (batch, seq_q, heads, dim). key, value: (batch, seq_k, kv_heads, dim); kv_heads
            must divide heads (grouped-query attention: query head n reads kv head n // group).
        bias: added to the logits, broadcastable to (batch, heads, seq_q, seq_k).
        mask: bool, broadcastable to (batch, heads, seq_q, seq_k); True means attend.
        scale: multiplies the logits; default 1 / sqrt(dim).
        is_causal: mask out keys after each query position (lower-triangular).
        flash_attention: None or False (fused flash kernels are not used).
        attn_logits_soft_cap: if given, logits become cap * tanh(logits / cap) before bias and mask.

    Example:
        >>> q = kappa.ops.ones((1, 2, 1, 4))
        >>> kappa.ops.dot_product_attention(q, q, q).shape  # (1, 2, 1, 4)
    """
    _check_attention_args(flash_attention, attn_logits_soft_cap)
    query, key, value = (convert_to_tensor(t) for t in (query, key, value))
    rules.check_attention_shapes(*(shapes.shape_of(t) for t in (query, key, value)))
    dtype = _attention_dtype(query, key, value)
    compute = "float32" if dtype in ("float16", "bfloat16") else dtype
    query, key, value = (t if shapes.standard_dtype(t) == compute else cast(t, compute)
                         for t in (query, key, value))
    heads, kv_heads = shapes.shape_of(query)[2], shapes.shape_of(key)[2]
    if heads != kv_heads:
        key = knp.repeat(key, heads // kv_heads, axis=2)
        value = knp.repeat(value, heads // kv_heads, axis=2)
    if scale is None:
        scale = 1.0 / math.sqrt(shapes.shape_of(query)[-1])
    logits = knp.multiply(knp.einsum("btnh,bsnh->bnts", query, key), cast(scale, compute))
    if attn_logits_soft_cap is not None:
        cap = float(attn_logits_soft_cap)
        logits = knp.multiply(knp.tanh(knp.divide(logits, cap)), cap)
    if bias is not None:
        logits = knp.add(logits, cast(bias, compute))
    keep = None
    if mask is not None:
        keep = cast(mask, "bool")
    if is_causal:
        t, s = shapes.shape_of(logits)[-2:]
        causal = knp.tril(knp.ones((t, s), dtype="bool"))
        keep = causal if keep is None else knp.logical_and(keep, causal)
    if keep is not None:
        # A large finite negative (not -inf): a row with no key left gets uniform weights, not NaN.
        logits = knp.where(keep, logits, cast(-0.7 * float(np.finfo(compute).max), compute))
    weights = softmax(logits, axis=-1)
    out = knp.einsum("bnts,bsnh->btnh", weights, value)
    return out if compute == dtype else cast(out, dtype)


# -- space <-> depth -------------------------------------------------------------------
def _space_depth_args(op, x, block_size, data_format):
    block_size = rules.check_block_size(op, block_size)
    rules.check_data_format(op, data_format)
    x = convert_to_tensor(x) if not isinstance(x, KerasTensor) else x
    shape = shapes.shape_of(x)
    if len(shape) != 4:
        raise ValueError(f"{op} expects a rank-4 input; got shape {shape}.")
    if data_format == "channels_first":
        x = knp.transpose(x, (0, 2, 3, 1))
    return x, block_size, shapes.shape_of(x)


def _channels_back(x, data_format):
    return knp.transpose(x, (0, 3, 1, 2)) if data_format == "channels_first" else x


def _dim(d):
    return -1 if d is None else d


def depth_to_space(x, block_size, data_format="channels_last"):
    """Move blocks of channels into `block_size` x `block_size` spatial tiles (TensorFlow's DCR order).

    Example:
        >>> kappa.ops.depth_to_space(kappa.ops.ones((1, 2, 2, 8)), 2).shape  # (1, 4, 4, 2)
    """
    x, b, (n, h, w, c) = _space_depth_args("depth_to_space", x, block_size, data_format)
    if c is not None and c % (b * b):
        raise ValueError(f"depth_to_space needs channels divisible by block_size**2 = {b * b}; got {c}.")
    c_out = None if c is None else c // (b * b)
    x = knp.reshape(x, (_dim(n), h, w, b, b, c_out))
    x = knp.transpose(x, (0, 1, 3, 2, 4, 5))
    x = knp.reshape(x, (_dim(n), None if h is None else h * b, None if w is None else w * b, c_out))
    return _channels_back(x, data_format)


def space_to_depth(x, block_size, data_format="channels_last"):
    """Move `block_size` x `block_size` spatial tiles into channels (inverse of depth_to_space).

    Example:
        >>> kappa.ops.space_to_depth(kappa.ops.ones((1, 4, 4, 2)), 2).shape  # (1, 2, 2, 8)
    """
    x, b, (n, h, w, c) = _space_depth_args("space_to_depth", x, block_size, data_format)
    if (h is not None and h % b) or (w is not None and w % b):
        raise ValueError(f"space_to_depth needs height and width divisible by block_size={b}; "
                         f"got {h} x {w}.")
    x = knp.reshape(x, (_dim(n), h // b, b, w // b, b, c))
    x = knp.transpose(x, (0, 1, 3, 2, 4, 5))
    x = knp.reshape(x, (_dim(n), h // b, w // b, b * b * c))
    return _channels_back(x, data_format)


# -- im2col / col2im -------------------------------------------------------------------
def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks of a (N, C, H, W) image as columns: (N, C * kH * kW, L), as PyTorch's unfold.

    Example:
        >>> kappa.ops.unfold(kappa.ops.ones((1, 3, 4, 4)), 2).shape  # (1, 12, 9)
    """
    x = convert_to_tensor(x) if not isinstance(x, KerasTensor) else x
    shape = shapes.shape_of(x)
    if len(shape) != 4 or None in shape[1:]:
        raise ValueError(f"unfold expects a rank-4 (N, C, H, W) input with known C, H, W; got shape {shape}.")
    n, c, h, w = shape
    kernel, dilation, padding, stride, padded, blocks = rules.unfold_geometry(
        "unfold", (h, w), kernel_size, dilation, padding, stride)
    if any(padding):
        x = knp.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    x = knp.reshape(x, (_dim(n), c, padded[0] * padded[1]))
    x = knp.take(x, rules.patch_indices(kernel, dilation, stride, padded, blocks), axis=2)
    return knp.reshape(x, (_dim(n), c * kernel[0] * kernel[1], blocks[0] * blocks[1]))


def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum columns (N, C * kH * kW, L) back into a (N, C, H, W) image, as PyTorch's fold (col2im).

    Example:
        >>> cols = kappa.ops.ones((1, 12, 9))
        >>> kappa.ops.fold(cols, (4, 4), 2).shape  # (1, 3, 4, 4)
    """
    x = convert_to_tensor(x) if not isinstance(x, KerasTensor) else x
    shape = shapes.shape_of(x)
    size = rules.pair("fold", "output_size", output_size, 1)
    kernel, dilation, padding, stride, padded, blocks = rules.unfold_geometry(
        "fold", size, kernel_size, dilation, padding, stride)
    k, count = kernel[0] * kernel[1], blocks[0] * blocks[1]
    if len(shape) != 3 or shape[1] is None or shape[1] % k or shape[2] != count:
        raise ValueError(f"fold expects an input of shape (N, C * {k}, {count}) for output_size {size}, "
                         f"kernel_size {kernel}; got shape {shape}.")
    n, c = shape[0], shape[1] // k
    x = knp.transpose(knp.reshape(x, (_dim(n), c, k * count)), (2, 0, 1))
    ids = rules.patch_indices(kernel, dilation, stride, padded, blocks)
    x = segment_sum(x, ids, num_segments=padded[0] * padded[1])
    x = knp.reshape(knp.transpose(x, (1, 2, 0)), (_dim(n), c, padded[0], padded[1]))
    if any(padding):
        x = knp.get_item(x, (slice(None), slice(None), slice(padding[0], padding[0] + size[0]),
                             slice(padding[1], padding[1] + size[1])))
    return x
