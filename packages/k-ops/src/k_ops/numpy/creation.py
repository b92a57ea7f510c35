"""Tensor creation and window functions.

Shapes are ints or tuples of ints, never KerasTensors (a symbolic tensor has
no values). Ops that make a tensor from a shape default to `floatx()`; the
`*_like` ops, `array`, `copy`, `diag`, `tril`, `triu`, `vander` and `meshgrid`
keep their input's dtype and work on KerasTensors symbolically.
"""

import math

from k_backends.inference import promoted
from k_backends.rules import creation as rules
from k_backends.selection import current
from k_ops import shapes
from k_ops.dispatch import symbolic
from k_ops.symbolic import KerasTensor, _holds_symbolic

__all__ = [
    "zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like",
    "array", "copy", "arange", "linspace", "logspace", "geomspace", "eye", "identity", "tri",
    "tril", "triu", "diag", "diagflat", "meshgrid", "vander",
    "bartlett", "blackman", "hamming", "hanning", "kaiser",
]


# -- specs -------------------------------------------------------------------
def _static_shape(shape):
    if isinstance(shape, KerasTensor) or (type(shape) in (list, tuple) and _holds_symbolic(shape)):
        raise TypeError(f"shape must be ints, not KerasTensors (a symbolic tensor has no values); "
                        f"got shape={shape!r}.")
    dims = rules.shape_arg(shape)
    return tuple(d if isinstance(d, int) else None for d in dims)


def _from_shape_spec(shape, dtype=None):
    return KerasTensor(_static_shape(shape), rules.creation_dtype(dtype))


def _check_fill(fill_shape, shape):
    try:
        fits = shapes.broadcast_shapes(fill_shape, shape) == tuple(shape)
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"fill_value of shape {fill_shape} does not broadcast to shape {shape}.")


def _full_spec(shape, fill_value, dtype=None):
    out = _static_shape(shape)
    _check_fill(shapes.shape_of(fill_value), out)
    return KerasTensor(out, rules.creation_dtype(dtype))


def _like_spec(x, dtype=None):
    return KerasTensor(shapes.shape_of(x), rules.like_dtype(x, dtype))


def _full_like_spec(x, fill_value, dtype=None):
    out = shapes.shape_of(x)
    _check_fill(shapes.shape_of(fill_value), out)
    return KerasTensor(out, rules.like_dtype(x, dtype))


def _arange_spec(start, stop=None, step=None, dtype=None):
    if dtype is None:
        dtype = promoted(*(v for v in (start, stop, step) if v is not None))
    return KerasTensor((None,), rules.creation_dtype(dtype))


def _spaced_shape(start, stop, num, axis):
    out = list(shapes.broadcast_shapes(shapes.shape_of(start), shapes.shape_of(stop)))
    out.insert(shapes.canonicalize_axis(axis, len(out) + 1), rules.num_arg(num))
    return tuple(out)


def _linspace_spec(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    dtype = rules.spaced_dtype(start, stop, dtype)
    samples = KerasTensor(_spaced_shape(start, stop, num, axis), dtype)
    if not retstep:
        return samples
    step_shape = shapes.broadcast_shapes(shapes.shape_of(start), shapes.shape_of(stop))
    return samples, KerasTensor(step_shape, rules.step_dtype(dtype))


def _logspace_spec(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    return KerasTensor(_spaced_shape(start, stop, num, axis), rules.spaced_dtype(start, stop, dtype))


def _geomspace_spec(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    return KerasTensor(_spaced_shape(start, stop, num, axis), rules.spaced_dtype(start, stop, dtype))


def _eye_spec(N, M=None, k=0, dtype=None):
    N, M, _ = rules.eye_args(N, M, k)
    return KerasTensor((N, M), rules.creation_dtype(dtype))


def _identity_spec(n, dtype=None):
    return _eye_spec(n, dtype=dtype)


def _triangular_spec(x, k=0):
    rules.check_triangular(shapes.shape_of(x), k)
    return shapes.same_as_input(x)


def _diag_spec(x, k=0):
    return KerasTensor(rules.diag_shape(shapes.shape_of(x), k), shapes.standard_dtype(x))


def _diagflat_spec(x, k=0):
    shape = shapes.shape_of(x)
    size = None if None in shape else math.prod(shape)
    return KerasTensor(rules.diag_shape((size,), k), shapes.standard_dtype(x))


def _meshgrid_spec(*x, indexing="xy"):
    indexing = rules.meshgrid_indexing(indexing)
    lengths = [None if None in shapes.shape_of(v) else math.prod(shapes.shape_of(v)) for v in x]
    out = rules.meshgrid_shape(lengths, indexing)
    return [KerasTensor(out, shapes.standard_dtype(v)) for v in x]


def _vander_spec(x, N=None, increasing=False):
    return KerasTensor(rules.vander_shape(shapes.shape_of(x), N), shapes.standard_dtype(x))


def _window_spec(x, *args):
    length = None if isinstance(x, KerasTensor) else rules.window_length(x)
    return KerasTensor((length,), rules.creation_dtype(None))


# -- from a shape -------------------------------------------------------------
@symbolic(_from_shape_spec)
def zeros(shape, dtype=None):
    """A tensor of zeros.

    Args:
        shape: an int or a tuple of ints.
        dtype: the dtype; `floatx()` when None.

    Example:
    >>> kappa.ops.zeros((2, 3), dtype="int32")
    """
    return current().numpy.zeros(rules.shape_arg(shape, "zeros"), dtype)


@symbolic(_from_shape_spec)
def ones(shape, dtype=None):
    """A tensor of ones; `dtype` defaults to `floatx()`."""
    return current().numpy.ones(rules.shape_arg(shape, "ones"), dtype)


@symbolic(_from_shape_spec)
def empty(shape, dtype=None):
    """A tensor whose values are not set (they may be anything); `dtype` defaults to `floatx()`."""
    return current().numpy.empty(rules.shape_arg(shape, "empty"), dtype)


@symbolic(_full_spec)
def full(shape, fill_value, dtype=None):
    """A tensor of `shape` filled with `fill_value` (a scalar, or values broadcasting to `shape`).

    As in Keras, `dtype` defaults to `floatx()`, whatever the type of `fill_value`.

    Example:
    >>> kappa.ops.full((2, 2), 7, dtype="int32")  # [[7, 7], [7, 7]]
    """
    return current().numpy.full(rules.shape_arg(shape, "full"), fill_value, dtype)


# -- like another tensor ------------------------------------------------------
@symbolic(_like_spec)
def zeros_like(x, dtype=None):
    """Zeros of `x`'s shape, and of `x`'s dtype unless `dtype` is given.

    Example:
    >>> kappa.ops.zeros_like(np.ones((2,), "int8"))  # [0, 0], int8
    """
    return current().numpy.zeros_like(x, dtype)


@symbolic(_like_spec)
def ones_like(x, dtype=None):
    """Ones of `x`'s shape, and of `x`'s dtype unless `dtype` is given."""
    return current().numpy.ones_like(x, dtype)


@symbolic(_like_spec)
def empty_like(x, dtype=None):
    """A tensor of `x`'s shape (and dtype unless `dtype` is given) whose values are not set."""
    return current().numpy.empty_like(x, dtype)


@symbolic(_full_like_spec)
def full_like(x, fill_value, dtype=None):
    """`fill_value` in `x`'s shape, cast to `x`'s dtype unless `dtype` is given."""
    return current().numpy.full_like(x, fill_value, dtype)


@symbolic(_like_spec)
def array(x, dtype=None):
    """A new tensor holding the values of `x` (a copy), of `dtype` when given.

    Example:
    >>> kappa.ops.array([1, 2])  # int32
    """
    return current().numpy.array(x, dtype)


@symbolic(shapes.same_as_input)
def copy(x):
    """A copy of `x`, of the same dtype."""
    return current().numpy.copy(x)


# -- ranges ---------------------------------------------------------------------
@symbolic(_arange_spec)
def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in `[start, stop)`, `step` apart; `arange(n)` counts from 0 to n - 1.

    Without `dtype`, the arguments decide: Python ints give int32, Python
    floats `floatx()`, tensors and NumPy scalars their own dtype.

    Example:
    >>> kappa.ops.arange(0, 1, 0.25)  # [0.0, 0.25, 0.5, 0.75], float32
    """
    return current().numpy.arange(start, stop, step, dtype)


@symbolic(_linspace_spec)
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` evenly spaced values from `start` to `stop` (included when `endpoint`).

    Args:
        start, stop: scalars or tensors (broadcast together); the samples
            run along a new axis at `axis`.
        num: the number of samples.
        endpoint: whether `stop` is the last sample.
        retstep: whether to return `(samples, step)`.
        dtype: the output dtype (integers round down); by default the
            promotion of start, stop and float.

    Example:
    >>> kappa.ops.linspace(0, 1, 5)  # [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    return current().numpy.linspace(start, stop, num, endpoint, retstep, dtype, axis)


@symbolic(_logspace_spec)
def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """`base ** linspace(start, stop, num, endpoint)`: values evenly spaced on a log scale.

    Example:
    >>> kappa.ops.logspace(0, 2, 3)  # [1.0, 10.0, 100.0]
    """
    return current().numpy.logspace(start, stop, num, endpoint, base, dtype, axis)


@symbolic(_geomspace_spec)
def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """A geometric progression from `start` to `stop` (which must not be zero and share a sign).

    Example:
    >>> kappa.ops.geomspace(1, 1000, 4)  # [1.0, 10.0, 100.0, 1000.0]
    """
    return current().numpy.geomspace(start, stop, num, endpoint, dtype, axis)


# -- matrices ---------------------------------------------------------------------
@symbolic(_eye_spec)
def eye(N, M=None, k=0, dtype=None):
    """An `N` x `M` matrix with ones on diagonal `k` (0: main, > 0: above, < 0: below), zeros elsewhere.

    Example:
    >>> kappa.ops.eye(2, 3, k=1)  # [[0, 1, 0], [0, 0, 1]], float32
    """
    return current().numpy.eye(N, M, k, dtype)


@symbolic(_identity_spec)
def identity(n, dtype=None):
    """The `n` x `n` identity matrix; `dtype` defaults to `floatx()`."""
    return eye(n, dtype=dtype)


@symbolic(_eye_spec)
def tri(N, M=None, k=0, dtype=None):
    """An `N` x `M` matrix with ones at and below diagonal `k`, zeros above.

    Example:
    >>> kappa.ops.tri(3, dtype="int32")  # [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    """
    return current().numpy.tri(N, M, k, dtype)


@symbolic(_triangular_spec)
def tril(x, k=0):
    """`x` with the values above diagonal `k` of its last two axes set to zero.

    Example:
    >>> kappa.ops.tril([[1, 2], [3, 4]])  # [[1, 0], [3, 4]]
    """
    return current().numpy.tril(x, k)


@symbolic(_triangular_spec)
def triu(x, k=0):
    """`x` with the values below diagonal `k` of its last two axes set to zero."""
    return current().numpy.triu(x, k)


@symbolic(_diag_spec)
def diag(x, k=0):
    """The `k`-th diagonal of a 2-D `x`, or a square matrix with 1-D `x` on its `k`-th diagonal.

    Example:
    >>> kappa.ops.diag([1, 2])  # [[1, 0], [0, 2]]
    """
    return current().numpy.diag(x, k)


@symbolic(_diagflat_spec)
def diagflat(x, k=0):
    """A square matrix with the flattened `x` on its `k`-th diagonal."""
    return current().numpy.diagflat(x, k)


@symbolic(_meshgrid_spec)
def meshgrid(*x, indexing="xy"):
    """Coordinate grids from 1-D tensors: a list of tensors, one per input, each of its dtype.

    With `indexing="xy"` (Cartesian) the first two output axes are swapped,
    as in NumPy: inputs of lengths (3, 4) give grids of shape (4, 3); with
    `"ij"` (matrix indexing) they give (3, 4).

    Example:
    >>> xs, ys = kappa.ops.meshgrid([1, 2, 3], [4, 5], indexing="ij")  # shapes (3, 2)
    """
    return current().numpy.meshgrid(*x, indexing=indexing)


@symbolic(_vander_spec)
def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of 1-D `x`: its columns are powers of `x`.

    Args:
        x: a 1-D tensor.
        N: the number of columns (powers 0 to N - 1); `len(x)` when None.
        increasing: whether powers increase from left to right (by default they decrease).

    Example:
    >>> kappa.ops.vander([1, 2, 3])  # [[1, 1, 1], [4, 2, 1], [9, 3, 1]]
    """
    return current().numpy.vander(x, N, increasing)


# -- windows ----------------------------------------------------------------------
@symbolic(_window_spec)
def bartlett(x):
    """The Bartlett (triangular) window of `x` points, in `floatx()`.

    Example:
    >>> kappa.ops.bartlett(5)  # [0.0, 0.5, 1.0, 0.5, 0.0]
    """
    return current().numpy.bartlett(x)


@symbolic(_window_spec)
def blackman(x):
    """The Blackman window of `x` points, in `floatx()`."""
    return current().numpy.blackman(x)


@symbolic(_window_spec)
def hamming(x):
    """The Hamming window of `x` points, in `floatx()`."""
    return current().numpy.hamming(x)


@symbolic(_window_spec)
def hanning(x):
    """The Hann window of `x` points, in `floatx()`."""
    return current().numpy.hanning(x)


@symbolic(_window_spec)
def kaiser(x, beta):
    """The Kaiser window of `x` points with shape parameter `beta`, in `floatx()`.

    Example:
    >>> kappa.ops.kaiser(4, 2.0)  # [0.439, 0.924, 0.924, 0.439]
    """
    return current().numpy.kaiser(x, beta)
