"""Activation functions, written once from the NumPy-family ops (no backend functions).

Every activation but `relu` and `hard_tanh` computes in floats: bool and int inputs
become `floatx()`, floats keep their dtype. `relu` and `hard_tanh` keep an int
input's dtype (bools become floatx). The forms are the numerically stable ones
(`softplus` never overflows, `log_softmax` never takes the log of 0 for finite inputs).
"""

import math

from k_backends import dtypes
from k_backends.inference import dtype_of, float_dtype
from k_ops import numpy as knp
from k_ops import shapes
from k_ops.core import cast, convert_to_tensor, stop_gradient
from k_ops.dispatch import symbolic
from k_ops.math import erf
from k_ops.symbolic import KerasTensor

__all__ = [
    "relu", "relu6", "sigmoid", "softplus", "softsign", "silu", "swish", "log_sigmoid", "leaky_relu",
    "hard_sigmoid", "hard_silu", "hard_swish", "elu", "selu", "gelu", "celu", "glu", "hard_tanh",
    "hard_shrink", "soft_shrink", "tanh_shrink", "threshold", "squareplus", "sparse_plus",
    "sparse_sigmoid", "softmax", "log_softmax", "sparsemax",
]

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


# -- dtype rules and specs ---------------------------------------------------------
def _require_real(x):
    name = shapes.standard_dtype(x)
    if dtypes.is_complex_dtype(name) or name == "string":
        raise TypeError(f"expected a real tensor; got dtype {name}.")
    return name


def _int_keeping_dtype(x):
    name = _require_real(x)
    return name if dtypes.is_int_dtype(name) or dtypes.is_float_dtype(name) else float_dtype(name)


def _float_spec(x, *args, **kwargs):
    _require_real(x)
    return shapes.float_of_input(x)


def _int_keeping_spec(x):
    return KerasTensor(shapes.shape_of(x), _int_keeping_dtype(x))


def _float(x):
    """`x` as a tensor of the float dtype an activation computes in."""
    _require_real(x)
    x = convert_to_tensor(x)
    dtype = float_dtype(dtype_of(x))
    return x if shapes.standard_dtype(x) == dtype else cast(x, dtype)


def _axis_spec(x, axis=-1):
    shape = shapes.shape_of(x)
    _check_axes(axis, len(shape))
    return _float_spec(x)


def _check_axes(axis, ndim):
    if isinstance(axis, (list, tuple)):
        if not axis:
            raise ValueError("axis must name at least one axis; got an empty tuple.")
        return shapes.canonicalize_axes(tuple(axis), ndim)
    return (shapes.canonicalize_axis(axis, ndim),)


def _glu_spec(x, axis=-1):
    _require_real(x)
    shape = list(shapes.shape_of(x))
    axis = _check_glu(shape, axis)
    if shape[axis] is not None:
        shape[axis] //= 2
    return KerasTensor(tuple(shape), float_dtype(dtype_of(x)))


def _check_glu(shape, axis):
    axis = shapes.canonicalize_axis(axis, len(shape))
    if shape[axis] is not None and shape[axis] % 2:
        raise ValueError(f"glu splits axis {axis} in two halves, so its size must be even; "
                         f"got shape {tuple(shape)}.")
    return axis


# -- piecewise-linear ------------------------------------------------------------------
@symbolic(_int_keeping_spec)
def relu(x):
    """max(x, 0), elementwise. Int inputs keep their dtype.

    Example:
        >>> relu([-1.0, 0.0, 2.0])  # [0., 0., 2.]
    """
    x = convert_to_tensor(x)
    x = cast(x, _int_keeping_dtype(x)) if shapes.standard_dtype(x) == "bool" else x
    return knp.maximum(x, 0)


@symbolic(_float_spec)
def relu6(x):
    """min(max(x, 0), 6), elementwise."""
    return knp.clip(_float(x), 0.0, 6.0)


@symbolic(_float_spec)
def leaky_relu(x, negative_slope=0.2):
    """x where x >= 0, else `negative_slope * x`."""
    x = _float(x)
    return knp.where(knp.greater_equal(x, 0), x, knp.multiply(x, negative_slope))


@symbolic(_int_keeping_spec)
def hard_tanh(x):
    """clip(x, -1, 1), elementwise. Int inputs keep their dtype."""
    x = convert_to_tensor(x)
    dtype = _int_keeping_dtype(x)
    x = x if shapes.standard_dtype(x) == dtype else cast(x, dtype)
    if dtype.startswith("uint"):
        return knp.minimum(x, 1)
    return knp.clip(x, -1, 1)


@symbolic(_float_spec)
def hard_sigmoid(x):
    """relu6(x + 3) / 6: a piecewise-linear sigmoid."""
    return knp.divide(relu6(knp.add(_float(x), 3.0)), 6.0)


@symbolic(_float_spec)
def hard_silu(x):
    """x * hard_sigmoid(x)."""
    x = _float(x)
    return knp.multiply(x, hard_sigmoid(x))


hard_swish = hard_silu


@symbolic(_float_spec)
def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    x = _float(x)
    return knp.where(knp.greater(knp.abs(x), threshold), x, knp.zeros_like(x))


@symbolic(_float_spec)
def soft_shrink(x, threshold=0.5):
    """x - threshold above `threshold`, x + threshold below `-threshold`, else 0."""
    x = _float(x)
    zero = knp.zeros_like(x)
    return knp.where(knp.greater(x, threshold), knp.subtract(x, threshold),
                     knp.where(knp.less(x, -threshold), knp.add(x, threshold), zero))


@symbolic(_float_spec)
def threshold(x, threshold, default_value):
    """x where x > threshold, else `default_value`."""
    x = _float(x)
    return knp.where(knp.greater(x, threshold), x, knp.full_like(x, default_value))


@symbolic(_float_spec)
def sparse_plus(x):
    """0 for x <= -1, x for x >= 1, (x + 1)**2 / 4 between: a smooth-enough relu."""
    x = _float(x)
    middle = knp.divide(knp.square(knp.add(x, 1.0)), 4.0)
    return knp.where(knp.less_equal(x, -1.0), knp.zeros_like(x),
                     knp.where(knp.greater_equal(x, 1.0), x, middle))


@symbolic(_float_spec)
def sparse_sigmoid(x):
    """0 for x <= -1, 1 for x >= 1, (x + 1) / 2 between."""
    return knp.clip(knp.multiply(knp.add(_float(x), 1.0), 0.5), 0.0, 1.0)


# -- smooth ---------------------------------------------------------------------------
@symbolic(_float_spec)
def sigmoid(x):
    """1 / (1 + exp(-x)), elementwise.

    Example:
        >>> sigmoid([0.0])  # [0.5]
    """
    x = _float(x)
    # exp of -|x| never overflows; the two halves are exact mirrors of each other.
    e = knp.exp(knp.negative(knp.abs(x)))
    positive = knp.divide(1.0, knp.add(e, 1.0))
    return knp.where(knp.greater_equal(x, 0), positive, knp.subtract(1.0, positive))


@symbolic(_float_spec)
def softplus(x):
    """log(1 + exp(x)), computed as max(x, 0) + log1p(exp(-|x|)) so it never overflows."""
    x = _float(x)
    return knp.add(knp.maximum(x, 0.0), knp.log1p(knp.exp(knp.negative(knp.abs(x)))))


@symbolic(_float_spec)
def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return knp.negative(softplus(knp.negative(_float(x))))


@symbolic(_float_spec)
def softsign(x):
    """x / (1 + |x|)."""
    x = _float(x)
    return knp.divide(x, knp.add(knp.abs(x), 1.0))


@symbolic(_float_spec)
def silu(x):
    """x * sigmoid(x) (also named swish)."""
    x = _float(x)
    return knp.multiply(x, sigmoid(x))


swish = silu


def _exp_minus_one_below_zero(x):
    # expm1 of min(x, 0) so the unused branch of a `where` never overflows (no inf * 0 gradients).
    return knp.expm1(knp.minimum(x, 0.0))


@symbolic(_float_spec)
def elu(x, alpha=1.0):
    """x for x > 0, else alpha * (exp(x) - 1)."""
    x = _float(x)
    return knp.where(knp.greater(x, 0), x, knp.multiply(_exp_minus_one_below_zero(x), alpha))


@symbolic(_float_spec)
def selu(x):
    """scale * elu(x, alpha) with the self-normalizing constants (alpha ~1.6733, scale ~1.0507)."""
    return knp.multiply(elu(x, _SELU_ALPHA), _SELU_SCALE)


@symbolic(_float_spec)
def celu(x, alpha=1.0):
    """max(x, 0) + alpha * min(exp(x / alpha) - 1, 0)."""
    x = _float(x)
    negative = knp.multiply(_exp_minus_one_below_zero(knp.divide(x, alpha)), alpha)
    return knp.add(knp.maximum(x, 0.0), negative)


@symbolic(_float_spec)
def gelu(x, approximate=True):
    """x * Phi(x), Phi the standard normal CDF; `approximate=True` uses the tanh approximation.

    Example:
        >>> gelu([1.0], approximate=False)  # [0.8413]
    """
    x = _float(x)
    if approximate:
        inner = knp.multiply(knp.add(x, knp.multiply(knp.power(x, 3), 0.044715)), math.sqrt(2 / math.pi))
        return knp.multiply(knp.multiply(x, 0.5), knp.add(knp.tanh(inner), 1.0))
    return knp.multiply(knp.multiply(x, 0.5), knp.add(erf(knp.multiply(x, 1 / math.sqrt(2))), 1.0))


@symbolic(_float_spec)
def tanh_shrink(x):
    """x - tanh(x)."""
    x = _float(x)
    return knp.subtract(x, knp.tanh(x))


@symbolic(_float_spec)
def squareplus(x, b=4):
    """(x + sqrt(x**2 + b)) / 2: a smooth relu; `b` >= 0 sets the curvature at 0."""
    if not isinstance(b, KerasTensor) and isinstance(b, (int, float)) and b < 0:
        raise ValueError(f"squareplus needs b >= 0; got b={b}.")
    x = _float(x)
    return knp.multiply(knp.add(x, knp.sqrt(knp.add(knp.square(x), b))), 0.5)


@symbolic(_glu_spec)
def glu(x, axis=-1):
    """a * sigmoid(b), where a and b are the two halves of `x` along `axis` (its size must be even)."""
    x = _float(x)
    _check_glu(list(shapes.shape_of(x)), axis)
    a, b = knp.split(x, 2, axis=axis)
    return knp.multiply(a, sigmoid(b))


# -- along an axis --------------------------------------------------------------------
@symbolic(_axis_spec)
def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis` (an int or a tuple of ints), shifted by the max for stability.

    Example:
        >>> softmax([0.0, 0.0])  # [0.5, 0.5]
    """
    x = _float(x)
    axes = _check_axes(axis, len(shapes.shape_of(x)))
    e = knp.exp(knp.subtract(x, stop_gradient(knp.max(x, axis=axes, keepdims=True))))
    return knp.divide(e, knp.sum(e, axis=axes, keepdims=True))


@symbolic(_axis_spec)
def log_softmax(x, axis=-1):
    """x - logsumexp(x) along `axis` (an int or a tuple of ints), computed stably."""
    x = _float(x)
    axes = _check_axes(axis, len(shapes.shape_of(x)))
    shifted = knp.subtract(x, stop_gradient(knp.max(x, axis=axes, keepdims=True)))
    return knp.subtract(shifted, knp.log(knp.sum(knp.exp(shifted), axis=axes, keepdims=True)))


@symbolic(_axis_spec)
def sparsemax(x, axis=-1):
    """The Euclidean projection of `x` onto the probability simplex along `axis`: sparse probabilities.

    Example:
        >>> sparsemax([1.0, 3.0])  # [0., 1.]
    """
    x = _float(x)
    (axis,) = _check_axes(axis, len(shapes.shape_of(x)))
    z = knp.moveaxis(x, axis, -1)
    n = shapes.shape_of(z)[-1]
    ranked = knp.flip(knp.sort(z, axis=-1), axis=-1)
    k = knp.arange(1, n + 1, dtype=shapes.standard_dtype(z))
    cumulative = knp.cumsum(ranked, axis=-1)
    # The support is the k largest entries with 1 + k * z_(k) > sum of the k largest.
    in_support = knp.greater(knp.add(knp.multiply(ranked, k), 1.0), cumulative)
    support = knp.sum(cast(in_support, shapes.standard_dtype(z)), axis=-1, keepdims=True)
    total = knp.sum(knp.where(in_support, ranked, knp.zeros_like(ranked)), axis=-1, keepdims=True)
    tau = knp.divide(knp.subtract(total, 1.0), support)
    return knp.moveaxis(knp.maximum(knp.subtract(z, tau), 0.0), -1, axis)
