"""Random draws: seeded by an int (same draws each call), a SeedGenerator, or the global seed."""

from k_backends import dtypes
from k_backends.seed import SeedGenerator as SeedGenerator
from k_backends.seed import draw_seed
from k_backends.selection import current


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
