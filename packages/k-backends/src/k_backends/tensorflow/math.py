"""Math ops beyond NumPy on TensorFlow: FFTs, segment reductions, top-k, special functions."""

import tensorflow as tf

from k_backends.inference import float_dtype, promoted
from k_backends.rules import math as rules
from k_backends.tensorflow.core import convert_to_tensor

__all__ = [
    "logsumexp", "erf", "erfc", "erfinv", "rsqrt", "top_k",
    "segment_sum", "segment_max", "segment_min", "segment_prod",
    "fft", "fft2", "ifft2", "rfft", "irfft", "view_as_complex", "view_as_real",
]

_HALF = (tf.float16, tf.bfloat16)


def _float_unary(tf_func):
    """An op on floats: ints and bools become floatx; float16/bfloat16 compute in float32
    (some of these kernels, e.g. erfinv, have no half versions)."""
    def op(x):
        x = convert_to_tensor(x)
        dtype = float_dtype(x.dtype.name)
        if dtype in ("float16", "bfloat16"):
            return tf.cast(tf_func(tf.cast(x, tf.float32)), dtype)
        return tf_func(tf.cast(x, dtype))
    op.__name__ = tf_func.__name__
    return op


erf = _float_unary(tf.math.erf)
erfc = _float_unary(tf.math.erfc)
erfinv = _float_unary(tf.math.erfinv)
rsqrt = _float_unary(tf.math.rsqrt)


def top_k(x, k, sorted=True):
    x = convert_to_tensor(x)
    k = rules.check_top_k(tuple(x.shape), k)
    # tf.math.top_k has no bool kernel (uint8 orders bools the same way) and is always sorted here,
    # so every backend returns the same order.
    keys = tf.cast(x, tf.uint8) if x.dtype == tf.bool else x
    values, indices = tf.math.top_k(keys, k, sorted=True)
    return tf.cast(values, x.dtype), tf.cast(indices, tf.int32)


def _segment_reduce(tf_op, empty):
    def op(data, segment_ids, num_segments=None, sorted=False):
        data = convert_to_tensor(data)
        ids = tf.cast(convert_to_tensor(segment_ids), tf.int32)
        rules.check_segment_ids(tuple(data.shape), tuple(ids.shape), num_segments)
        if num_segments is None:
            num_segments = tf.reduce_max(ids) + 1 if ids.shape[0] != 0 else 0
        # Ids outside [0, num_segments) are dropped, as on the other backends
        # (unsorted_segment_* would drop negative ids but reject ids that are too large).
        kept = tf.logical_and(ids >= 0, ids < num_segments)
        data, ids = tf.boolean_mask(data, kept), tf.boolean_mask(ids, kept)
        out = tf_op(data, ids, num_segments)
        if empty is None or not out.dtype.is_floating:
            return out
        # unsorted_segment_max/min fill empty segments with the dtype's finite extreme; floats
        # get -inf/inf like the other backends.
        count = tf.math.unsorted_segment_sum(tf.ones_like(ids), ids, num_segments)
        count = tf.reshape(count, [-1] + [1] * (len(data.shape) - 1))
        return tf.where(count > 0, out, tf.cast(empty, out.dtype))
    return op


segment_sum = _segment_reduce(tf.math.unsorted_segment_sum, None)
segment_max = _segment_reduce(tf.math.unsorted_segment_max, -float("inf"))
segment_min = _segment_reduce(tf.math.unsorted_segment_min, float("inf"))
segment_prod = _segment_reduce(tf.math.unsorted_segment_prod, None)


def _complex(x, rank, op):
    """The (real, imag) pair `x` as one complex tensor, and the float dtype of the result."""
    rules.check_complex_pair(x, op)
    real, imag = convert_to_tensor(x[0]), convert_to_tensor(x[1])
    rules.check_pair_shapes(real.shape, imag.shape, rank, op)
    dtype = float_dtype(promoted(real, imag))
    compute = tf.float64 if dtype == "float64" else tf.float32  # halves have no complex type
    return tf.complex(tf.cast(real, compute), tf.cast(imag, compute)), dtype


def _pair(c, dtype):
    return tf.cast(tf.math.real(c), dtype), tf.cast(tf.math.imag(c), dtype)


def fft(x):
    c, dtype = _complex(x, 1, "fft")
    return _pair(tf.signal.fft(c), dtype)


def fft2(x):
    c, dtype = _complex(x, 2, "fft2")
    return _pair(tf.signal.fft2d(c), dtype)


def ifft2(x):
    c, dtype = _complex(x, 2, "ifft2")
    return _pair(tf.signal.ifft2d(c), dtype)


def rfft(x, fft_length=None):
    x = convert_to_tensor(x)
    dtype = float_dtype(x.dtype.name)
    x = tf.cast(x, tf.float64 if dtype == "float64" else tf.float32)
    n = rules.rfft_length(x.shape[-1], fft_length)
    return _pair(tf.signal.rfft(x, fft_length=[n]), dtype)


def irfft(x, fft_length=None):
    c, dtype = _complex(x, 1, "irfft")
    n = rules.irfft_length(c.shape[-1], fft_length)
    return tf.cast(tf.signal.irfft(c, fft_length=[n]), dtype)


def view_as_complex(x):
    x = convert_to_tensor(x)
    rules.check_last_dimension_is_two(tuple(x.shape))
    dtype = rules.complex_dtype_of(x.dtype.name)
    parts = tf.cast(x, tf.float64 if dtype == "complex128" else tf.float32)
    return tf.complex(parts[..., 0], parts[..., 1])


def view_as_real(x):
    x = convert_to_tensor(x)
    rules.real_dtype_of(x.dtype.name)
    return tf.stack([tf.math.real(x), tf.math.imag(x)], axis=-1)


def logsumexp(x, axis=None, keepdims=False):
    x = convert_to_tensor(x)
    dtype = float_dtype(x.dtype.name)
    compute = "float32" if dtype in ("float16", "bfloat16") else dtype
    return tf.cast(tf.reduce_logsumexp(tf.cast(x, compute), axis=axis, keepdims=keepdims), dtype)
