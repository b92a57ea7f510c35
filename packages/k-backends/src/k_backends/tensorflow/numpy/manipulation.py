"""Shape manipulation, joining and splitting on TensorFlow.

Shapes may be partly unknown inside a `tf.function`; the rules then read
the static shape (None for unknown) and the ops take sizes from `tf.shape`.
"""

import tensorflow as tf

from k_backends.inference import promoted
from k_backends.rules import manipulation as rules
from k_backends.tensorflow.core import convert_to_tensor

__all__ = [
    "reshape", "transpose", "swapaxes", "moveaxis", "expand_dims", "squeeze", "broadcast_to",
    "size", "view", "concatenate", "stack", "split", "array_split", "repeat", "tile", "pad",
    "flip", "roll", "rot90", "unravel_index",
]

# TF 2.21 has no Tile kernel (behind tile and repeat) for uint16; its int16 twin moves the same bits.
_SIGNED_TWINS = {tf.uint16: tf.int16}


def _tensor(x):
    return x if isinstance(x, tf.Tensor) else convert_to_tensor(x)


def _shape(x):
    return tuple(x.shape)


def _via_signed_twin(func, x, *args):
    twin = _SIGNED_TWINS.get(x.dtype)
    if twin is None:
        return func(x, *args)
    return tf.bitcast(func(tf.bitcast(x, twin), *args), x.dtype)


_SHAPE_ERRORS = (tf.errors.InvalidArgumentError, TypeError, ValueError)


def reshape(x, newshape):
    x = _tensor(x)
    try:
        return tf.reshape(x, newshape)
    except _SHAPE_ERRORS:
        rules.reshape_shape(_shape(x), newshape)  # raises kappa's message, naming both shapes
        raise


def transpose(x, axes=None):
    x = _tensor(x)
    try:
        return tf.transpose(x, axes)
    except _SHAPE_ERRORS:
        rules.transpose_perm(_shape(x), axes)  # raises kappa's message
        raise


def swapaxes(x, axis1, axis2):
    x = _tensor(x)
    perm = list(range(x.shape.rank))
    a = rules.axis_in(axis1, len(perm), _shape(x), "axis1")
    b = rules.axis_in(axis2, len(perm), _shape(x), "axis2")
    perm[a], perm[b] = perm[b], perm[a]
    return tf.transpose(x, perm)


def moveaxis(x, source, destination):
    x = _tensor(x)
    return tf.transpose(x, rules.moveaxis_perm(_shape(x), source, destination))


def expand_dims(x, axis):
    x = _tensor(x)
    for a in rules.expand_dims_axes(_shape(x), axis):
        x = tf.expand_dims(x, a)
    return x


def squeeze(x, axis=None):
    x = _tensor(x)
    axes = rules.squeeze_axes(_shape(x), axis)
    return tf.squeeze(x, axes) if axes else x


def broadcast_to(x, shape):
    x = _tensor(x)
    rules.broadcast_to_shape(_shape(x), shape)
    return tf.broadcast_to(x, shape)


def size(x):
    return tf.size(_tensor(x), out_type=tf.int32)


def _bitcast(x, dtype):
    # tf.bitcast refuses bool; a bool's byte is 0 or 1, which a cast to or from uint8 keeps.
    if x.dtype == tf.bool:
        x = tf.cast(x, tf.uint8)
    if dtype == tf.bool:
        return tf.cast(tf.bitcast(x, tf.uint8), tf.bool)
    return tf.bitcast(x, dtype)


def view(x, dtype=None):
    x = _tensor(x)
    if dtype is None:
        return x
    static = rules.view_shape(_shape(x), x.dtype, dtype)
    old, new = rules.itemsize(x.dtype), rules.itemsize(dtype)
    target = tf.as_dtype(dtype)
    if old == new:
        return _bitcast(x, target)
    dims = tf.unstack(tf.shape(x))
    if old > new:  # each item becomes several: bitcast adds an axis, folded into the last
        out = _bitcast(x, target)
        return tf.ensure_shape(tf.reshape(out, tf.stack(dims[:-1] + [-1])), static)
    # Several items become one: group them in a new last axis, which bitcast consumes.
    grouped = tf.reshape(x, tf.stack(dims[:-1] + [-1, new // old]))
    return tf.ensure_shape(_bitcast(grouped, target), static)


def _joined(xs):
    if xs and all(isinstance(x, tf.Tensor) and x.dtype == xs[0].dtype for x in xs):
        return xs  # the common case, already one dtype: nothing to convert
    dtype = promoted(*xs)
    return [convert_to_tensor(x, dtype) for x in xs]


def concatenate(xs, axis=0):
    return tf.concat(_joined(xs), axis=axis)


def stack(x, axis=0):
    return tf.stack(_joined(x), axis=axis)


def _pieces(x, indices_or_sections, axis, even):
    x = _tensor(x)
    bounds = rules.split_bounds(_shape(x), indices_or_sections, axis, even)
    axis = rules.axis_in(axis, x.shape.rank)
    size = x.shape[axis]
    if size is None:  # unknown until run: only a number of sections can apply
        n = len(bounds)
        total = tf.shape(x)[axis]
        sizes = n if even else total // n + tf.cast(tf.range(n) < total % n, tf.int32)
        return tf.split(x, sizes, num=n, axis=axis)
    if rules.is_tiling(bounds, size):
        return tf.split(x, [stop - start for start, stop in bounds], axis=axis)
    lead = (slice(None),) * axis
    return [x[lead + (slice(start, stop),)] for start, stop in bounds]


def split(x, indices_or_sections, axis=0):
    return _pieces(x, indices_or_sections, axis, even=True)


def array_split(x, indices_or_sections, axis=0):
    return _pieces(x, indices_or_sections, axis, even=False)


def repeat(x, repeats, axis=None):
    x = _tensor(x)
    if not tf.is_tensor(repeats):
        rules.repeat_shape(_shape(x), repeats, axis)
    return _via_signed_twin(lambda a: tf.repeat(a, repeats, axis=axis), x)


def tile(x, repeats):
    x = _tensor(x)
    reps = rules.tile_reps(_shape(x), repeats)
    x = tf.reshape(x, tf.concat([tf.ones([len(reps) - x.shape.rank], tf.int32), tf.shape(x)], 0))
    return _via_signed_twin(tf.tile, x, reps)


def pad(x, pad_width, mode="constant", constant_values=None):
    x = _tensor(x)
    rules.check_pad_mode(mode, constant_values)
    widths = rules.pad_widths(pad_width, x.shape.rank)
    if mode in ("constant", "empty"):
        fill = convert_to_tensor(rules.pad_fill(constant_values, x.dtype), x.dtype)
        return tf.pad(x, widths, constant_values=fill)
    for axis, (before, after) in enumerate(widths):
        if before or after:
            if x.shape[axis] is None:
                raise ValueError(f"pad with mode={mode!r} needs a known size on axis {axis}; got "
                                 f"shape {_shape(x)}.")
            x = tf.gather(x, rules.pad_source_indices(x.shape[axis], before, after, mode), axis=axis)
    return x


def flip(x, axis=None):
    x = _tensor(x)
    axes = range(x.shape.rank) if axis is None else rules.axes_in(axis, x.shape.rank, _shape(x))
    return tf.reverse(x, list(axes))


def roll(x, shift, axis=None):
    x = _tensor(x)
    shifts, axes = rules.roll_args(_shape(x), shift, axis)
    if axes is None:
        return tf.reshape(tf.roll(tf.reshape(x, [-1]), shifts, 0), tf.shape(x))
    return tf.roll(x, shifts, axes)


def rot90(array, k=1, axes=(0, 1)):
    array = _tensor(array)
    k, (a0, a1) = rules.rot90_plan(_shape(array), k, axes)
    if k == 0:
        return array
    if k == 2:
        return tf.reverse(array, [a0, a1])
    perm = list(range(array.shape.rank))
    perm[a0], perm[a1] = a1, a0
    if k == 1:  # the last column becomes the first row
        return tf.transpose(tf.reverse(array, [a1]), perm)
    return tf.reverse(tf.transpose(array, perm), [a1])


def unravel_index(indices, shape):
    indices = _tensor(indices)
    dtype = rules.unravel_dtype(indices.dtype)
    remaining = tf.cast(indices, tf.int64)
    coords = []
    for dim in reversed(rules.unravel_shape(shape)):
        coords.append(tf.cast(remaining % dim, dtype))
        remaining //= dim
    return tuple(reversed(coords))
