"""Core ops: conversion between tensors, NumPy and Python, and dtype queries."""

from k_backends import dtypes
from k_backends.selection import current


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """Convert `x` (array-like, scalar, Variable or tensor) to a backend tensor.

    Args:
        x: the value.
        dtype: target dtype; inferred when None (Python floats become `floatx()`,
            Python ints `int32`, arrays keep theirs).
        sparse: whether to keep a sparse input sparse (None: keep as is).
        ragged: whether to keep a ragged input ragged (None: keep as is).

    Example:
    >>> kappa.ops.convert_to_tensor([1, 2]).dtype  # int32 on every backend
    """
    if dtype is not None:
        dtype = dtypes.standardize_dtype(dtype)
    return current().core.convert_to_tensor(x, dtype=dtype, sparse=sparse, ragged=ragged)


def convert_to_numpy(x):
    """Return `x` as a NumPy array (copying from the device if needed)."""
    return current().core.convert_to_numpy(x)


def is_tensor(x):
    """Whether `x` is a tensor of the selected backend (not a NumPy array or a scalar)."""
    return current().core.is_tensor(x)


def cast(x, dtype):
    """Cast `x` to `dtype`.

    Example:
    >>> kappa.ops.cast([1.7, -1.7], "int32")  # [1, -1]
    """
    return current().core.cast(x, dtypes.standardize_dtype(dtype))


def shape(x):
    """The shape of `x` as a tuple; a dimension is an int when known statically."""
    if hasattr(x, "shape") and not current().core.is_tensor(x):
        return tuple(x.shape)
    return current().core.shape(x)


def dtype(x):
    """The standardized dtype name of `x`, such as `"float32"`."""
    if isinstance(x, (bool, int, float, complex)):
        return dtypes.result_type(type(x))
    return dtypes.standardize_dtype(x.dtype)


def result_type(*dtypes_):
    """The dtype of combining `dtypes_` by kappa's (Keras 3's) promotion rules."""
    return dtypes.result_type(*dtypes_)
