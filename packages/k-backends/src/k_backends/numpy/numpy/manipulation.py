"""Shape manipulation, joining and splitting on NumPy."""

import numpy as np

from k_backends.inference import promoted
from k_backends.numpy.core import convert_to_tensor, to_numpy_dtype
from k_backends.rules import manipulation as rules

__all__ = [
    "reshape", "transpose", "swapaxes", "moveaxis", "expand_dims", "squeeze", "broadcast_to",
    "size", "view", "concatenate", "stack", "split", "array_split", "repeat", "tile", "pad",
    "flip", "roll", "rot90", "unravel_index",
]


def _array(x):
    return x if isinstance(x, np.ndarray) else convert_to_tensor(x)


def reshape(x, newshape):
    x = _array(x)
    try:
        return x.reshape(newshape)
    except (TypeError, ValueError):
        rules.reshape_shape(x.shape, newshape)  # raises kappa's message, naming both shapes
        raise


def transpose(x, axes=None):
    x = _array(x)
    try:
        return np.transpose(x, axes)
    except (TypeError, ValueError):
        rules.transpose_perm(x.shape, axes)  # raises kappa's message
        raise


def swapaxes(x, axis1, axis2):
    return np.swapaxes(_array(x), axis1, axis2)


def moveaxis(x, source, destination):
    x = _array(x)
    return x.transpose(rules.moveaxis_perm(x.shape, source, destination))


def expand_dims(x, axis):
    x = _array(x)
    return x.reshape(rules.expand_dims_shape(x.shape, axis))


def squeeze(x, axis=None):
    x = _array(x)
    return x.reshape(rules.squeeze_shape(x.shape, axis))


def broadcast_to(x, shape):
    x = _array(x)
    return np.broadcast_to(x, rules.broadcast_to_shape(x.shape, shape))


def size(x):
    return np.asarray(_array(x).size, np.int32)


def view(x, dtype=None):
    x = _array(x)
    if dtype is None:
        return x
    rules.view_shape(x.shape, x.dtype, dtype)  # validates, with kappa's message
    if not x.flags.c_contiguous:
        x = x.copy()  # not np.ascontiguousarray, which turns a scalar into shape (1,)
    return x.view(to_numpy_dtype(dtype))


def _joined(xs):
    if xs and all(type(x) is np.ndarray and x.dtype == xs[0].dtype for x in xs):
        return xs  # the common case, already one dtype: nothing to convert
    dtype = promoted(*xs)
    return [convert_to_tensor(x, dtype) for x in xs]


def concatenate(xs, axis=0):
    return np.concatenate(_joined(xs), axis=axis)


def stack(x, axis=0):
    return np.stack(_joined(x), axis=axis)


def _pieces(x, indices_or_sections, axis, even):
    x = _array(x)
    bounds = rules.split_bounds(x.shape, indices_or_sections, axis, even)
    lead = (slice(None),) * rules.axis_in(axis, x.ndim)
    return [x[lead + (slice(start, stop),)] for start, stop in bounds]


def split(x, indices_or_sections, axis=0):
    return _pieces(x, indices_or_sections, axis, even=True)


def array_split(x, indices_or_sections, axis=0):
    return _pieces(x, indices_or_sections, axis, even=False)


def repeat(x, repeats, axis=None):
    x = _array(x)
    rules.repeat_shape(x.shape, repeats, axis)
    return np.repeat(x, repeats, axis=axis)


def tile(x, repeats):
    x = _array(x)
    return np.tile(x, rules.tile_reps(x.shape, repeats))


def pad(x, pad_width, mode="constant", constant_values=None):
    x = _array(x)
    rules.check_pad_mode(mode, constant_values)
    widths = rules.pad_widths(pad_width, x.ndim)
    if mode in ("constant", "empty"):
        return np.pad(x, widths, constant_values=rules.pad_fill(constant_values, x.dtype))
    for axis, (before, after) in enumerate(widths):
        if before or after:
            x = np.take(x, rules.pad_source_indices(x.shape[axis], before, after, mode), axis=axis)
    return x


def flip(x, axis=None):
    x = _array(x)
    return np.flip(x, axis if axis is None else rules.axes_in(axis, x.ndim, x.shape))


def roll(x, shift, axis=None):
    x = _array(x)
    shifts, axes = rules.roll_args(x.shape, shift, axis)
    return np.roll(x, shifts, axes)


def rot90(array, k=1, axes=(0, 1)):
    array = _array(array)
    k, axes = rules.rot90_plan(array.shape, k, axes)
    return np.rot90(array, k, axes)


def unravel_index(indices, shape):
    indices = _array(indices)
    dtype = rules.unravel_dtype(indices.dtype)
    return tuple(np.asarray(c, dtype) for c in np.unravel_index(indices, rules.unravel_shape(shape)))
