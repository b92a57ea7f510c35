"""Random draws: seeded by an int (same draws each call), a SeedGenerator, or the global seed."""

import contextlib

import numpy as np

from k_backends import dtypes
from k_backends.seed import SeedGenerator as SeedGenerator
from k_backends.seed import draw_seed
from k_backends.selection import current
from k_ops import shapes
from k_ops.dispatch import symbolic
from k_ops.symbolic import KerasTensor


def _check_shape(shape, op):
    try:
        dims = tuple(int(d) for d in shape)
    except TypeError:
        raise TypeError(f"{op} expected `shape` to be a tuple of ints; got shape={shape!r}.") from None
    if any(d < 0 for d in dims) or any(int(d) != d for d in shape):
        raise ValueError(f"{op} expected non-negative integer dims; got shape={shape!r}.")
    return dims


def _float_dtype(dtype, op):
    name = dtypes.standardize_dtype(dtype)
    if not dtypes.is_float_dtype(name):
        raise ValueError(f"{op} draws floats; got dtype={dtype!r}. Use randint for integers.")
    return name


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Draw from a normal distribution.

    Args:
        shape: output shape.
        mean: mean of the distribution.
        stddev: standard deviation.
        dtype: a float dtype; `floatx()` by default.
        seed: an int, a `SeedGenerator`, or None for the global generator.

    Example:
    >>> kappa.random.normal((2, 3), seed=1)
    """
    shape = _check_shape(shape, "normal")
    dtype = _float_dtype(dtype, "normal")
    return current().random.normal(shape, mean, stddev, dtype, draw_seed(seed))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Draw uniformly from `[minval, maxval)`; arguments as for `normal`."""
    shape = _check_shape(shape, "uniform")
    dtype = _float_dtype(dtype, "uniform")
    return current().random.uniform(shape, minval, maxval, dtype, draw_seed(seed))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Draw integers uniformly from `[minval, maxval)`; arguments as for `normal`."""
    shape = _check_shape(shape, "randint")
    name = dtypes.standardize_dtype(dtype)
    if not dtypes.is_int_dtype(name):
        raise ValueError(f"randint draws integers; got dtype={dtype!r}.")
    if maxval <= minval:
        raise ValueError(f"randint needs minval < maxval; got minval={minval}, maxval={maxval}.")
    return current().random.randint(shape, minval, maxval, name, draw_seed(seed))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Draw from a normal distribution, redrawing values beyond two `stddev`s of `mean`."""
    shape = _check_shape(shape, "truncated_normal")
    dtype = _float_dtype(dtype, "truncated_normal")
    return current().random.truncated_normal(shape, mean, stddev, dtype, draw_seed(seed))


# -- draws shaped by their parameters ------------------------------------------------------------
def _host_values(value):
    """`value` as a float64 NumPy array when it lives on the host (number, list, NumPy array).

    Backend tensors give None: checking their values would copy them from the device.
    """
    if isinstance(value, (int, float, np.number, np.ndarray, list, tuple)):
        try:
            return np.asarray(value, dtype="float64")
        except (TypeError, ValueError):
            raise TypeError(f"expected a number or an array of numbers; got {value!r:.80}.") from None
    return None


def _check_parameter(value, name, op, shape, condition, expectation):
    """Check that a distribution parameter broadcasts to `shape` and meets `condition` on the host."""
    param_shape = shapes.shape_of(value)
    fits = len(param_shape) <= len(shape)
    if fits:
        try:
            fits = shapes.broadcast_shapes(param_shape, shape) == tuple(shape)
        except ValueError:
            fits = False
    if not fits:
        raise ValueError(f"{op} expected `{name}` to broadcast to shape={tuple(shape)}; "
                         f"got {name} of shape {param_shape}.")
    try:
        values = _host_values(value)
    except TypeError as e:
        raise TypeError(f"{op} `{name}`: {e}") from None
    # `not all(...)` rather than `any(not ...)` so that NaN fails the check too.
    if values is not None and not np.all(condition(values)):
        raise ValueError(f"{op} expected `{name}` {expectation}; got {name}={value!r:.80}.")


def gamma(shape, alpha, dtype=None, seed=None):
    """Draw from a gamma distribution with shape parameter `alpha` and scale 1.

    Args:
        shape: output shape.
        alpha: the shape parameter (> 0), a number or an array that broadcasts to `shape`.
        dtype: a float dtype; `floatx()` by default.
        seed: an int, a `SeedGenerator`, or None for the global generator.

    Returns:
        A tensor of `shape`; its mean is `alpha`.

    Example:
    >>> kappa.random.gamma((2, 3), alpha=2.0, seed=1)
    """
    shape = _check_shape(shape, "gamma")
    dtype = _float_dtype(dtype, "gamma")
    _check_parameter(alpha, "alpha", "gamma", shape, lambda a: a > 0, "> 0")
    return current().random.gamma(shape, alpha, dtype, draw_seed(seed))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Draw the number of successes in `counts` trials that each succeed with `probabilities`.

    Args:
        shape: output shape.
        counts: the number of trials (a whole number >= 0), a number or an array that
            broadcasts to `shape`.
        probabilities: the success probability of one trial, in [0, 1]; a number or an
            array that broadcasts to `shape`.
        dtype: a float dtype (as in Keras); `floatx()` by default.
        seed: an int, a `SeedGenerator`, or None for the global generator.

    Returns:
        A tensor of `shape` holding whole numbers; its mean is `counts * probabilities`.

    Example:
    >>> kappa.random.binomial((4,), counts=10, probabilities=0.3, seed=1)
    """
    shape = _check_shape(shape, "binomial")
    dtype = _float_dtype(dtype, "binomial")
    _check_parameter(counts, "counts", "binomial", shape, lambda n: (n >= 0) & (n == np.floor(n)),
                     "to hold whole numbers >= 0")
    _check_parameter(probabilities, "probabilities", "binomial", shape, lambda p: (p >= 0) & (p <= 1),
                     "to be in [0, 1]")
    return current().random.binomial(shape, counts, probabilities, dtype, draw_seed(seed))


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Draw from a beta distribution on [0, 1].

    Args:
        shape: output shape.
        alpha: the first concentration (> 0), a number or an array that broadcasts to `shape`.
        beta: the second concentration (> 0), likewise.
        dtype: a float dtype; `floatx()` by default.
        seed: an int, a `SeedGenerator`, or None for the global generator.

    Returns:
        A tensor of `shape`; its mean is `alpha / (alpha + beta)`.

    Example:
    >>> kappa.random.beta((2, 3), alpha=2.0, beta=5.0, seed=1)
    """
    shape = _check_shape(shape, "beta")
    dtype = _float_dtype(dtype, "beta")
    _check_parameter(alpha, "alpha", "beta", shape, lambda a: a > 0, "> 0")
    _check_parameter(beta, "beta", "beta", shape, lambda b: b > 0, "> 0")
    return current().random.beta(shape, alpha, beta, dtype, draw_seed(seed))


# -- draws that take a tensor: each has a symbolic path, which draws nothing --------------------
# Their argument checks serve both paths; `@symbolic` names the op in a symbolic call's error,
# `_named` does so in an eager one.
@contextlib.contextmanager
def _named(op):
    try:
        yield
    except (TypeError, ValueError) as e:
        raise type(e)(f"{op}: {e}") from None


def _categorical_args(logits, num_samples, dtype):
    logits_shape = shapes.shape_of(logits)
    if len(logits_shape) != 2:
        raise ValueError(f"expected `logits` of shape (batch_size, num_classes); "
                         f"got logits of shape {logits_shape}.")
    if logits_shape[1] == 0:
        raise ValueError(f"expected at least one class; got logits of shape {logits_shape}.")
    if isinstance(num_samples, bool) or not hasattr(num_samples, "__index__") or int(num_samples) < 1:
        raise ValueError(f"expected `num_samples` to be a positive int; "
                         f"got num_samples={num_samples!r}.")
    name = dtypes.standardize_dtype(dtype)
    if not (dtypes.is_int_dtype(name) or dtypes.is_float_dtype(name)):
        raise ValueError(f"draws class indices as ints or floats, not {name}; got dtype={dtype!r}.")
    return logits_shape[0], int(num_samples), name


def _categorical_spec(logits, num_samples, dtype="int32", seed=None):
    batch, num_samples, dtype = _categorical_args(logits, num_samples, dtype)
    return KerasTensor((batch, num_samples), dtype)


@symbolic(_categorical_spec)
def categorical(logits, num_samples, dtype="int32", seed=None):
    """Draw class indices from the categorical distributions given by the rows of `logits`.

    Args:
        logits: a tensor of shape `(batch_size, num_classes)`; row `i` holds the
            unnormalized log-probabilities of distribution `i`.
        num_samples: how many indices to draw from each row.
        dtype: the output dtype, an int (`"int32"` by default) or float dtype.
        seed: an int, a `SeedGenerator`, or None for the global generator.

    Returns:
        A tensor of shape `(batch_size, num_samples)` of indices in `[0, num_classes)`.

    Example:
    >>> kappa.random.categorical([[0.0, 2.0, -1.0]], num_samples=5, seed=1)
    """
    with _named("categorical"):
        _, num_samples, dtype = _categorical_args(logits, num_samples, dtype)
    backend = current()
    logits = backend.core.convert_to_tensor(logits)
    if not dtypes.is_float_dtype(dtypes.standardize_dtype(logits.dtype)):
        logits = backend.core.cast(logits, dtypes.standardize_dtype(None))
    return backend.random.categorical(logits, num_samples, dtype, draw_seed(seed))


def _dropout_args(inputs, rate, noise_shape):
    dtype = shapes.standard_dtype(inputs)
    if not dtypes.is_float_dtype(dtype):
        raise ValueError(f"scales its inputs, so they must be floats; got inputs of dtype {dtype}.")
    if isinstance(rate, bool):
        raise TypeError(f"expected `rate` to be a float in [0, 1); got rate={rate!r}.")
    try:
        value = float(rate)
    except (TypeError, ValueError):
        raise TypeError(f"expected `rate` to be a float in [0, 1); got rate={rate!r:.80}.") from None
    if not 0.0 <= value < 1.0:
        raise ValueError(f"expected `rate` in [0, 1); got rate={rate!r}.")
    input_shape = shapes.shape_of(inputs)
    return value, _noise_shape(noise_shape, input_shape), input_shape, dtype


def _noise_shape(noise_shape, input_shape):
    """`noise_shape` with None dims filled from the inputs' shape, checked to broadcast to it."""
    if noise_shape is None:
        return input_shape
    if isinstance(noise_shape, (int, str)):
        raise TypeError(f"expected `noise_shape` to be a tuple; got noise_shape={noise_shape!r}.")
    dims = tuple(noise_shape)
    if len(dims) > len(input_shape):
        raise ValueError(f"expected `noise_shape` to broadcast to the inputs' shape {input_shape}; "
                         f"got noise_shape={noise_shape!r}.")
    aligned = input_shape[len(input_shape) - len(dims):]
    filled = []
    for d, size in zip(dims, aligned, strict=True):
        if d is None:
            filled.append(size)
            continue
        if isinstance(d, bool) or not hasattr(d, "__index__") or int(d) < 0:
            raise ValueError(f"expected `noise_shape` of non-negative ints or None; "
                             f"got noise_shape={noise_shape!r}.")
        if int(d) != 1 and size is not None and int(d) != size:
            raise ValueError(f"expected `noise_shape` to broadcast to the inputs' shape "
                             f"{input_shape}; got noise_shape={noise_shape!r}.")
        filled.append(int(d))
    return tuple(filled)


def _dropout_spec(inputs, rate, noise_shape=None, seed=None):
    _, _, input_shape, dtype = _dropout_args(inputs, rate, noise_shape)
    return KerasTensor(input_shape, dtype)


@symbolic(_dropout_spec)
def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zero each entry of `inputs` with probability `rate` and scale the rest by `1 / (1 - rate)`.

    The scaling keeps the expected value of every entry unchanged.

    Args:
        inputs: a float tensor.
        rate: the probability of dropping an entry, a float in [0, 1).
        noise_shape: the shape of the keep/drop mask, which broadcasts to the shape of
            `inputs` (a dimension of 1 drops whole slices); None dims take the inputs'
            size. The inputs' shape by default.
        seed: an int, a `SeedGenerator`, or None for the global generator.

    Returns:
        A tensor of the shape and dtype of `inputs`.

    Example:
    >>> kappa.random.dropout(kappa.ops.ones((2, 4)), rate=0.5, noise_shape=(1, 4), seed=1)
    """
    inputs = current().core.convert_to_tensor(inputs)
    with _named("dropout"):
        rate, noise_shape, _, _ = _dropout_args(inputs, rate, noise_shape)
    return current().random.dropout(inputs, rate, noise_shape, draw_seed(seed))


def _shuffle_args(x, axis):
    rank = len(shapes.shape_of(x))
    if rank == 0:
        raise ValueError("expected a tensor of rank >= 1; got a scalar.")
    return shapes.canonicalize_axis(axis, rank)


def _shuffle_spec(x, axis=0, seed=None):
    _shuffle_args(x, axis)
    return shapes.same_as_input(x)


@symbolic(_shuffle_spec)
def shuffle(x, axis=0, seed=None):
    """Reorder the slices of `x` along `axis` by one random permutation.

    Args:
        x: a tensor of rank >= 1.
        axis: the axis whose entries (slices of `x`) are permuted.
        seed: an int, a `SeedGenerator`, or None for the global generator.

    Returns:
        A tensor of the shape and dtype of `x`.

    Example:
    >>> kappa.random.shuffle(kappa.ops.arange(6), seed=1)  # 0..5 in some order
    """
    x = current().core.convert_to_tensor(x)
    with _named("shuffle"):
        axis = _shuffle_args(x, axis)
    return current().random.shuffle(x, axis, draw_seed(seed))
