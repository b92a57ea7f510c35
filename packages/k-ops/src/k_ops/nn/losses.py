"""Cross-entropies, PSNR and `polar`, written once from the NumPy-family ops.

Probabilities are clipped to [epsilon(), 1 - epsilon()] before their log, as in Keras;
`from_logits=True` uses the stable forms (no probability is ever formed).
"""

from k_backends import config, dtypes
from k_backends.inference import float_dtype, promoted
from k_ops import numpy as knp
from k_ops import shapes
from k_ops.core import cast, convert_to_tensor
from k_ops.dispatch import symbolic
from k_ops.nn.activations import log_softmax
from k_ops.nn.encoding import one_hot
from k_ops.symbolic import KerasTensor

__all__ = ["binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
           "psnr", "polar"]


def _real_float(*values):
    for v in values:
        name = shapes.standard_dtype(v)
        if dtypes.is_complex_dtype(name) or name == "string":
            raise TypeError(f"expected real tensors; got dtype {name}.")
    return float_dtype(promoted(*values))


def _check_same_shape(target, output):
    t, o = shapes.shape_of(target), shapes.shape_of(output)
    if len(t) != len(o) or any(a is not None and b is not None and a != b for a, b in zip(t, o, strict=True)):
        raise ValueError(f"target and output must have the same shape; got {t} and {o}.")
    return o


def _as(x, dtype):
    x = convert_to_tensor(x)
    return x if shapes.standard_dtype(x) == dtype else cast(x, dtype)


def _clipped_log(probabilities):
    eps = config.epsilon()
    return knp.log(knp.clip(probabilities, eps, 1.0 - eps))


# -- specs ---------------------------------------------------------------------------
def _binary_spec(target, output, from_logits=False):
    return KerasTensor(_check_same_shape(target, output), _real_float(target, output))


def _categorical_spec(target, output, from_logits=False, axis=-1):
    shape = _check_same_shape(target, output)
    return KerasTensor(shapes.reduced_shape(shape, axis, False), _real_float(target, output))


def _sparse_target_shape(target_shape, output_shape, axis):
    axis = shapes.canonicalize_axis(axis, len(output_shape))
    if len(target_shape) == len(output_shape) and target_shape[-1] == 1:
        target_shape = target_shape[:-1]
    expected = output_shape[:axis] + output_shape[axis + 1:]
    if len(target_shape) != len(expected) or any(
            a is not None and b is not None and a != b for a, b in zip(target_shape, expected, strict=True)):
        raise ValueError(f"target must have output's shape without axis {axis} ({expected}); "
                         f"got target {target_shape}, output {output_shape}.")
    return expected


def _sparse_spec(target, output, from_logits=False, axis=-1):
    shape = _sparse_target_shape(shapes.shape_of(target), shapes.shape_of(output), axis)
    return KerasTensor(shape, _real_float(output))


def _psnr_spec(x1, x2, max_val):
    _check_same_shape(x1, x2)
    return KerasTensor((), _real_float(x1, x2))


def _polar_spec(abs_, angle):
    shape = shapes.broadcast_shapes(shapes.shape_of(abs_), shapes.shape_of(angle))
    return KerasTensor(shape, _complex_dtype(_real_float(abs_, angle)))


def _complex_dtype(real):
    return "complex128" if real == "float64" else "complex64"


# -- ops --------------------------------------------------------------------------------
@symbolic(_binary_spec)
def binary_crossentropy(target, output, from_logits=False):
    """Elementwise -(t log p + (1 - t) log(1 - p)), p = output or sigmoid(output) for logits.

    Example:
        >>> binary_crossentropy([1.0], [0.5])  # [0.6931]
    """
    dtype = _binary_spec(target, output).dtype
    target, output = _as(target, dtype), _as(output, dtype)
    if from_logits:
        # max(z, 0) - z t + log(1 + exp(-|z|)): exact and never overflows.
        stable = knp.log1p(knp.exp(knp.negative(knp.abs(output))))
        return knp.add(knp.subtract(knp.maximum(output, 0.0), knp.multiply(output, target)), stable)
    positive = knp.multiply(target, _clipped_log(output))
    negative = knp.multiply(knp.subtract(1.0, target), _clipped_log(knp.subtract(1.0, output)))
    return knp.negative(knp.add(positive, negative))


@symbolic(_categorical_spec)
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """-sum(t log p) along `axis`; p = output rescaled to sum to 1, or softmax(output) for logits.

    Example:
        >>> categorical_crossentropy([[0.0, 1.0]], [[0.25, 0.75]])  # [0.2877]
    """
    dtype = _categorical_spec(target, output, from_logits, axis).dtype
    target, output = _as(target, dtype), _as(output, dtype)
    if from_logits:
        log_probabilities = log_softmax(output, axis=axis)
    else:
        log_probabilities = _clipped_log(knp.divide(output, knp.sum(output, axis=axis, keepdims=True)))
    return knp.negative(knp.sum(knp.multiply(target, log_probabilities), axis=axis))


@symbolic(_sparse_spec)
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """`categorical_crossentropy` with integer class indices as targets.

    `target` has `output`'s shape without `axis` (a trailing axis of size 1 is dropped);
    an index outside the classes contributes a loss of 0.

    Example:
        >>> sparse_categorical_crossentropy([1], [[0.25, 0.75]])  # [0.2877]
    """
    target, output = convert_to_tensor(target), convert_to_tensor(output)
    target_shape, output_shape = shapes.shape_of(target), shapes.shape_of(output)
    _sparse_target_shape(target_shape, output_shape, axis)
    if len(target_shape) == len(output_shape):
        target = knp.squeeze(target, axis=-1)
    if not dtypes.is_int_dtype(shapes.standard_dtype(target)):
        target = cast(target, "int32")
    axis = shapes.canonicalize_axis(axis, len(output_shape))
    dtype = _real_float(output)
    labels = one_hot(target, output_shape[axis], axis=axis, dtype=dtype)
    return categorical_crossentropy(labels, _as(output, dtype), from_logits=from_logits, axis=axis)


@symbolic(_psnr_spec)
def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio in dB: 20 log10(max_val) - 10 log10(mean((x1 - x2)**2)).

    Example:
        >>> psnr([1.0, 2.0], [1.5, 2.0], 1.0)  # 9.0309
    """
    dtype = _psnr_spec(x1, x2, max_val).dtype
    x1, x2 = _as(x1, dtype), _as(x2, dtype)
    mse = knp.mean(knp.square(knp.subtract(x1, x2)))
    peak = knp.multiply(knp.log10(_as(max_val, dtype)), 20.0)
    return knp.subtract(peak, knp.multiply(knp.log10(mse), 10.0))


@symbolic(_polar_spec)
def polar(abs_, angle):
    """The complex number abs_ * (cos(angle) + i sin(angle)), elementwise.

    Example:
        >>> polar([2.0], [0.0])  # [2.+0.j]
    """
    real = _real_float(abs_, angle)
    abs_, angle = _as(abs_, real), _as(angle, real)
    complex_dtype = _complex_dtype(real)
    re = cast(knp.multiply(abs_, knp.cos(angle)), complex_dtype)
    im = cast(knp.multiply(abs_, knp.sin(angle)), complex_dtype)
    return knp.add(re, knp.multiply(im, 1j))
