"""Tensor creation and window functions on TensorFlow.

Shapes may hold dynamic dimensions (scalar tensors inside `tf.function`).
Where TF 2.21 has no kernel for a dtype, values are computed in the wider
type of `COMPUTE_DTYPES` and cast back. The windows are computed in float64
from their formulas (TF has no Bartlett or Blackman window) and cast to floatx.
"""

import math

import tensorflow as tf

from k_backends import config
from k_backends.rules import creation as rules
from k_backends.tensorflow.core import COMPUTE_DTYPES, _tf_dtype, convert_to_tensor

__all__ = [
    "zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like",
    "array", "copy", "arange", "linspace", "logspace", "geomspace", "eye", "tri", "tril", "triu",
    "diag", "diagflat", "meshgrid", "vander", "bartlett", "blackman", "hamming", "hanning", "kaiser",
]


def _dtype(dtype):
    return _tf_dtype(rules.creation_dtype(dtype))


def zeros(shape, dtype=None):
    return tf.zeros(shape, _dtype(dtype))


def ones(shape, dtype=None):
    return tf.ones(shape, _dtype(dtype))


def empty(shape, dtype=None):
    # TF has no uninitialized tensors.
    return tf.zeros(shape, _dtype(dtype))


def full(shape, fill_value, dtype=None):
    fill = convert_to_tensor(fill_value, rules.creation_dtype(dtype))
    if fill.shape.rank == 0:
        return tf.fill(shape, fill)
    return tf.broadcast_to(fill, shape)


def _like(x, dtype):
    """`x`'s shape (dynamic where unknown) and the output dtype."""
    if not (hasattr(x, "shape") and hasattr(x, "dtype")):
        x = convert_to_tensor(x)
    shape = x.shape
    if isinstance(x, tf.Tensor) and not shape.is_fully_defined():
        shape = tf.shape(x)
    return shape, _tf_dtype(rules.like_dtype(x, dtype))


def zeros_like(x, dtype=None):
    return tf.zeros(*_like(x, dtype))


def ones_like(x, dtype=None):
    return tf.ones(*_like(x, dtype))


def empty_like(x, dtype=None):
    return tf.zeros(*_like(x, dtype))


def full_like(x, fill_value, dtype=None):
    shape, dtype = _like(x, dtype)
    return full(shape, fill_value, dtype)


def array(x, dtype=None):
    # TF tensors are immutable: a converted tensor never shares writable memory with `x`.
    return convert_to_tensor(x, None if dtype is None else rules.creation_dtype(dtype))


def copy(x):
    return tf.identity(convert_to_tensor(x))


def arange(start, stop=None, step=None, dtype=None):
    start, step, length, dtype = rules.arange_plan(start, stop, step, dtype)
    if isinstance(start, int) and isinstance(step, int) and dtype.startswith(("int", "uint")):
        compute = COMPUTE_DTYPES.get(dtype, dtype)
        return tf.cast(tf.range(start, start + step * length, step, dtype=compute), dtype)
    compute = "float64" if dtype == "float64" or not dtype.startswith(("float", "bfloat")) else "float32"
    return tf.cast(tf.range(length, dtype=compute) * step + start, dtype)


def _spaced(start, stop, num, endpoint, compute):
    """NumPy's linspace with the samples along a new first axis: `(samples, step)`."""
    start, stop = _broadcast(convert_to_tensor(start, compute), convert_to_tensor(stop, compute))
    div = num - 1 if endpoint else num
    delta = stop - start
    positions = tf.reshape(tf.range(num, dtype=compute), [-1] + [1] * start.shape.rank)
    if div > 0:
        step = delta / div
        samples = positions * step + start
    else:
        step = tf.fill(tf.shape(delta), tf.constant(math.nan, compute))
        samples = positions * delta + start
    if endpoint and num > 1:
        samples = tf.concat([samples[:-1], stop[None]], axis=0)
    return samples, step


def _broadcast(a, b):
    """`a` and `b` broadcast to their common shape (known only when the graph runs, if need be)."""
    static = tf.broadcast_static_shape(a.shape, b.shape)
    shape = static if static.is_fully_defined() else tf.broadcast_dynamic_shape(tf.shape(a), tf.shape(b))
    return tf.broadcast_to(a, shape), tf.broadcast_to(b, shape)


def _move_first_axis(x, axis):
    if axis == 0:
        return x
    perm = list(range(1, x.shape.rank))
    perm.insert(axis, 0)
    return tf.transpose(x, perm)


def _spaced_args(start, stop, num, dtype, axis, op):
    dtype = rules.spaced_dtype(start, stop, dtype)
    num = rules.num_arg(num, op)
    ndim = max(_rank(start), _rank(stop))
    axis = rules.spaced_axis(axis, ndim, op)
    return dtype, num, axis, rules.spaced_compute_dtype(start, stop, dtype)


def _rank(x):
    return convert_to_tensor(x).shape.rank if not hasattr(x, "shape") else len(x.shape)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    dtype, num, axis, compute = _spaced_args(start, stop, num, dtype, axis, "linspace")
    samples, step = _spaced(start, stop, num, endpoint, compute)
    samples = _move_first_axis(samples, axis)
    if dtype.startswith(("int", "uint", "bool")):
        samples = tf.floor(samples)
    if retstep:
        return tf.cast(samples, dtype), tf.cast(step, rules.step_dtype(dtype))
    return tf.cast(samples, dtype)


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    dtype, num, axis, compute = _spaced_args(start, stop, num, dtype, axis, "logspace")
    samples, _ = _spaced(start, stop, num, endpoint, compute)
    out = tf.pow(convert_to_tensor(base, compute), samples)
    return tf.cast(_move_first_axis(out, axis), dtype)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    rules.check_geomspace_ends(start, stop)
    dtype, num, axis, compute = _spaced_args(start, stop, num, dtype, axis, "geomspace")
    start, stop = _broadcast(convert_to_tensor(start, compute), convert_to_tensor(stop, compute))
    # As NumPy: run the sequence between |start| and stop * sign(start) on a log scale, pin the
    # ends to the exact values, and give the sign back.
    sign = tf.sign(start)
    start, stop = start * sign, stop * sign
    log10 = math.log(10.0)
    out, _ = _spaced(tf.math.log(start) / log10, tf.math.log(stop) / log10, num, endpoint, compute)
    out = tf.pow(tf.constant(10.0, compute), out)
    if num > 0:
        pieces = [start[None], out[1:num - 1 if endpoint and num > 1 else num]]
        if endpoint and num > 1:
            pieces.append(stop[None])
        out = tf.concat(pieces, axis=0)
    return tf.cast(_move_first_axis(out * sign, axis), dtype)


def _offsets(N, M):
    """The column minus row index of every position of an N x M matrix."""
    return tf.range(M)[None, :] - tf.range(N)[:, None]


def eye(N, M=None, k=0, dtype=None):
    N, M, k = rules.eye_args(N, M, k, "eye")
    return tf.cast(tf.equal(_offsets(N, M), k), _dtype(dtype))


def tri(N, M=None, k=0, dtype=None):
    N, M, k = rules.eye_args(N, M, k, "tri")
    return tf.cast(_offsets(N, M) <= k, _dtype(dtype))


def _triangle(x, k, keep, op):
    x = convert_to_tensor(x)
    rules.check_triangular(x.shape, k, op)
    dims = tf.shape(x)
    mask = keep(_offsets(dims[-2], dims[-1]), k)
    return tf.where(mask, x, tf.zeros_like(x))


def tril(x, k=0):
    return _triangle(x, k, tf.less_equal, "tril")


def triu(x, k=0):
    return _triangle(x, k, tf.greater_equal, "triu")


def diag(x, k=0):
    x = convert_to_tensor(x)
    shape = rules.diag_shape(x.shape, k, "diag")
    if x.shape.rank == 1:
        return tf.linalg.diag(x, k=k)
    if shape[0] == 0:  # TF rejects a diagonal outside the matrix; NumPy gives it empty
        return tf.zeros((0,), x.dtype)
    return tf.linalg.diag_part(x, k=k)


def diagflat(x, k=0):
    return tf.linalg.diag(tf.reshape(convert_to_tensor(x), [-1]), k=rules.int_arg(k, "k", "diagflat"))


def meshgrid(*x, indexing="xy"):
    indexing = rules.meshgrid_indexing(indexing, "meshgrid")
    vectors = [tf.reshape(convert_to_tensor(v), [-1]) for v in x]
    lengths = [tf.shape(v)[0] if v.shape[0] is None else v.shape[0] for v in vectors]
    shape = rules.meshgrid_shape(lengths, indexing)
    axes = list(range(len(vectors)))
    if indexing == "xy" and len(axes) > 1:
        axes[0], axes[1] = 1, 0
    grids = []
    for v, axis in zip(vectors, axes, strict=True):
        view = [1] * len(vectors)
        view[axis] = -1
        grids.append(tf.broadcast_to(tf.reshape(v, view), shape))
    return grids


def vander(x, N=None, increasing=False):
    x = convert_to_tensor(x)
    _, N = rules.vander_shape(x.shape, N, "vander")
    dtype = x.dtype.name
    compute = COMPUTE_DTYPES.get(dtype, dtype)
    powers = tf.range(N, dtype=compute)
    if not increasing:
        powers = tf.reverse(powers, [0])
    return tf.cast(tf.pow(tf.cast(x, compute)[:, None], powers), dtype)


def _symmetric_positions(M):
    """n / (M - 1) for n = 1 - M, 3 - M, ..., M - 1: positions across the window in [-1, 1]."""
    return tf.range(1 - M, M, 2, dtype="float64") / (M - 1)


def _cosine_window(coefficients, op):
    def window(x):
        M = rules.window_length(x, op)
        if M <= 1:
            return tf.ones((M,), config.floatx())
        n = _symmetric_positions(M)
        out = sum(c * tf.cos(i * math.pi * n) for i, c in enumerate(coefficients))
        return tf.cast(out, config.floatx())
    window.__name__ = op
    return window


# Sums of cosines: coefficient i multiplies cos(i * pi * n / (M - 1)), n centred on the window.
blackman = _cosine_window((0.42, 0.5, 0.08), "blackman")
hamming = _cosine_window((0.54, 0.46), "hamming")
hanning = _cosine_window((0.5, 0.5), "hanning")


def bartlett(x):
    M = rules.window_length(x, "bartlett")
    if M <= 1:
        return tf.ones((M,), config.floatx())
    return tf.cast(1.0 - tf.abs(_symmetric_positions(M)), config.floatx())


def kaiser(x, beta):
    M = rules.window_length(x, "kaiser")
    if M <= 1:
        return tf.ones((M,), config.floatx())
    beta = tf.cast(beta, "float64")
    n = _symmetric_positions(M)
    out = tf.math.bessel_i0(beta * tf.sqrt(1.0 - n * n)) / tf.math.bessel_i0(beta)
    return tf.cast(out, config.floatx())
