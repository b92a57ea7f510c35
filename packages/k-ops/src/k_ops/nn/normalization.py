"""Moments and normalizations, written once from the NumPy-family ops.

All of them compute in floats (ints become `floatx()`); float16 and bfloat16 inputs are
reduced in float32 and the result cast back, as Keras does.
"""

from k_backends import config, dtypes
from k_backends.inference import dtype_of, float_dtype
from k_ops import numpy as knp
from k_ops import shapes
from k_ops.core import cast, convert_to_tensor, stop_gradient
from k_ops.dispatch import symbolic
from k_ops.symbolic import KerasTensor

__all__ = ["moments", "batch_normalization", "normalize", "rms_normalization", "layer_normalization"]

_HALF = ("float16", "bfloat16")


def _require_real(x):
    name = shapes.standard_dtype(x)
    if dtypes.is_complex_dtype(name) or name == "string":
        raise TypeError(f"expected a real tensor; got dtype {name}.")
    return float_dtype(dtype_of(x))


def _compute(x):
    """`x` in the dtype to compute in, and the dtype of the result."""
    out = _require_real(x)
    x = convert_to_tensor(x)
    compute = "float32" if out in _HALF else out
    return (x if shapes.standard_dtype(x) == compute else cast(x, compute)), out


def _axes(axis, ndim, name="axis"):
    if isinstance(axis, (list, tuple)) and not axis:
        raise ValueError(f"{name} must name at least one axis; got {axis!r}.")
    return shapes.canonicalize_axes(axis, ndim)


def _check_epsilon(epsilon, default):
    if epsilon is None:
        return default
    if not isinstance(epsilon, (int, float)) or isinstance(epsilon, bool) or epsilon < 0:
        raise ValueError(f"epsilon must be a non-negative number; got epsilon={epsilon!r}.")
    return epsilon


# -- specs -------------------------------------------------------------------------
def _moments_spec(x, axes, keepdims=False, synchronized=False):
    out = _require_real(x)
    shape = shapes.shape_of(x)
    reduced = shapes.reduced_shape(shape, _axes(axes, len(shape), "axes"), keepdims)
    return KerasTensor(reduced, out), KerasTensor(reduced, out)


def _same_shape_float_spec(x, *args, axis=-1, **kwargs):
    out = _require_real(x)
    shape = shapes.shape_of(x)
    _axes(axis, len(shape))
    return KerasTensor(shape, out)


def _batch_normalization_spec(x, mean, variance, axis, offset=None, scale=None, epsilon=0.001):
    out = _require_real(x)
    shape = shapes.shape_of(x)
    axis = shapes.canonicalize_axis(axis, len(shape))
    for name, value in (("mean", mean), ("variance", variance), ("offset", offset), ("scale", scale)):
        if value is not None:
            _check_channel_vector(name, shapes.shape_of(value), shape, axis)
    return KerasTensor(shape, out)


def _check_channel_vector(name, vector_shape, shape, axis):
    known = None not in (vector_shape[:1] or (None,)) + (shape[axis],)
    if len(vector_shape) != 1 or known and vector_shape[0] != shape[axis]:
        raise ValueError(f"{name} must have shape ({shape[axis]},), the size of axis {axis} of x "
                         f"{shape}; got {vector_shape}.")


def _normalize_spec(x, axis=-1, order=2, epsilon=None):
    _check_order(order)
    return _same_shape_float_spec(x, axis=axis)


def _check_order(order):
    if isinstance(order, bool) or not isinstance(order, (int, float)) or order < 1:
        raise ValueError(f"order must be a number >= 1 (or inf); got order={order!r}.")


def _rms_spec(x, scale=None, axis=-1, epsilon=None):
    return _same_shape_float_spec(x, axis=axis)


def _layer_spec(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    return _same_shape_float_spec(x, axis=axis)


# -- ops ----------------------------------------------------------------------------
@symbolic(_moments_spec)
def moments(x, axes, keepdims=False, synchronized=False):
    """The mean and variance of `x` over `axes`, as a pair.

    `synchronized` (averaging across devices) is accepted and ignored: there is one device.

    Example:
        >>> moments([1.0, 2.0, 3.0], axes=[0])  # (2.0, 0.6667)
    """
    x, out = _compute(x)
    axes = _axes(axes, len(shapes.shape_of(x)), "axes")
    mean = knp.mean(x, axis=axes, keepdims=True)
    variance = knp.mean(knp.square(knp.subtract(x, stop_gradient(mean))), axis=axes, keepdims=keepdims)
    if not keepdims:
        mean = knp.squeeze(mean, axis=axes)
    return cast(mean, out), cast(variance, out)


@symbolic(_batch_normalization_spec)
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=0.001):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset, the vectors lying along `axis`.

    Args:
        mean, variance, offset, scale: vectors of the size of `x`'s `axis` (offset and scale optional).
        axis: the feature axis of `x`.
    """
    _batch_normalization_spec(x, mean, variance, axis, offset, scale, epsilon)
    x, out = _compute(x)
    ndim = len(shapes.shape_of(x))
    axis = shapes.canonicalize_axis(axis, ndim)
    along = [1] * ndim
    along[axis] = -1

    def vector(v):
        return knp.reshape(cast(convert_to_tensor(v), shapes.standard_dtype(x)), tuple(along))

    inverse = knp.divide(1.0, knp.sqrt(knp.add(vector(variance), epsilon)))
    if scale is not None:
        inverse = knp.multiply(inverse, vector(scale))
    y = knp.multiply(knp.subtract(x, vector(mean)), inverse)
    if offset is not None:
        y = knp.add(y, vector(offset))
    return cast(y, out)


@symbolic(_normalize_spec)
def normalize(x, axis=-1, order=2, epsilon=None):
    """x divided by its `order`-norm along `axis`, the norm floored at `epsilon` (default `epsilon()`).

    Example:
        >>> normalize([[3.0, 4.0]])  # [[0.6, 0.8]]
    """
    _check_order(order)
    epsilon = _check_epsilon(epsilon, config.epsilon())
    x, out = _compute(x)
    axes = _axes(axis, len(shapes.shape_of(x)))
    magnitude = knp.abs(x)
    if order == float("inf"):
        norm = knp.max(magnitude, axis=axes, keepdims=True)
    elif order == 1:
        norm = knp.sum(magnitude, axis=axes, keepdims=True)
    elif order == 2:
        norm = knp.sqrt(knp.sum(knp.square(x), axis=axes, keepdims=True))
    else:
        norm = knp.power(knp.sum(knp.power(magnitude, order), axis=axes, keepdims=True), 1.0 / order)
    return cast(knp.divide(x, knp.maximum(norm, epsilon)), out)


@symbolic(_rms_spec)
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """x / sqrt(mean(x**2 over axis) + epsilon) * scale; `epsilon` defaults to `epsilon()`.

    Example:
        >>> rms_normalization([[3.0, 4.0]])  # [[0.8485, 1.1314]]
    """
    epsilon = _check_epsilon(epsilon, config.epsilon())
    x, out = _compute(x)
    axes = _axes(axis, len(shapes.shape_of(x)))
    mean_square = knp.mean(knp.square(x), axis=axes, keepdims=True)
    y = knp.divide(x, knp.sqrt(knp.add(mean_square, epsilon)))
    if scale is not None:
        y = knp.multiply(y, cast(convert_to_tensor(scale), shapes.standard_dtype(x)))
    return cast(y, out)


@symbolic(_layer_spec)
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """(x - mean) / sqrt(variance + epsilon) * gamma + beta, the moments taken over `axis`.

    `epsilon` defaults to 1e-5; extra keyword arguments (Keras's `rms_scaling`) are accepted:
    `rms_scaling=True` gives `rms_normalization(x, gamma, axis, epsilon)`.

    Example:
        >>> layer_normalization([[1.0, 3.0]])  # [[-1., 1.]] (up to epsilon)
    """
    unknown = set(kwargs) - {"rms_scaling"}
    if unknown:
        raise TypeError(f"unexpected keyword arguments {sorted(unknown)}.")
    epsilon = _check_epsilon(epsilon, 1e-5)
    if kwargs.get("rms_scaling"):
        return rms_normalization(x, gamma, axis, epsilon)
    x, out = _compute(x)
    axes = _axes(axis, len(shapes.shape_of(x)))
    mean = knp.mean(x, axis=axes, keepdims=True)
    centred = knp.subtract(x, mean)
    variance = knp.mean(knp.square(centred), axis=axes, keepdims=True)
    y = knp.divide(centred, knp.sqrt(knp.add(variance, epsilon)))
    if gamma is not None:
        y = knp.multiply(y, cast(convert_to_tensor(gamma), shapes.standard_dtype(x)))
    if beta is not None:
        y = knp.add(y, cast(convert_to_tensor(beta), shapes.standard_dtype(x)))
    return cast(y, out)
