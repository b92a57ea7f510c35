"""One-hot and multi-hot encodings, written once from the NumPy-family ops.

An index outside [0, num_classes) (negative ones included) encodes as all zeros.
Dense outputs only: `sparse=True` raises a ValueError.
"""

import operator

from k_backends import dtypes
from k_ops import numpy as knp
from k_ops import shapes
from k_ops.core import cast, convert_to_tensor
from k_ops.dispatch import symbolic
from k_ops.symbolic import KerasTensor

__all__ = ["one_hot", "multi_hot"]


def _check(x, num_classes, sparse):
    if sparse:
        raise ValueError("sparse=True is not supported: kappa's encodings are dense tensors.")
    try:
        num_classes = operator.index(num_classes)
    except TypeError:
        raise TypeError(f"num_classes must be an int; got {num_classes!r}.") from None
    if num_classes < 1:
        raise ValueError(f"num_classes must be at least 1; got {num_classes}.")
    name = shapes.standard_dtype(x)
    if not dtypes.is_int_dtype(name):
        raise TypeError(f"expected integer class indices; got dtype {name}.")
    return num_classes


def _out_dtype(dtype):
    return dtypes.standardize_dtype(dtype) if dtype is not None else dtypes.result_type(float)


def _one_hot_shape(shape, num_classes, axis):
    axis = shapes.canonicalize_axis(axis, len(shape) + 1)
    return shape[:axis] + (num_classes,) + shape[axis:]


def _one_hot_spec(x, num_classes, axis=-1, dtype=None, sparse=False):
    num_classes = _check(x, num_classes, sparse)
    return KerasTensor(_one_hot_shape(shapes.shape_of(x), num_classes, axis), _out_dtype(dtype))


def _multi_hot_arguments(num_classes, kwargs):
    if "num_tokens" in kwargs:
        if num_classes is not None:
            raise ValueError("pass num_classes or its old name num_tokens, not both.")
        num_classes = kwargs.pop("num_tokens")
    if kwargs:
        raise TypeError(f"unexpected keyword arguments {sorted(kwargs)}.")
    if num_classes is None:
        raise ValueError("multi_hot needs num_classes.")
    return num_classes


def _multi_hot_spec(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    num_classes = _check(inputs, _multi_hot_arguments(num_classes, dict(kwargs)), sparse)
    shape = shapes.shape_of(inputs)
    if not shape:
        raise ValueError("multi_hot needs inputs of rank 1 or more; got a scalar.")
    encoded = list(_one_hot_shape(shape, num_classes, axis))
    del encoded[1 if len(shape) > 1 else 0]
    return KerasTensor(tuple(encoded), _out_dtype(dtype))


@symbolic(_one_hot_spec)
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """Encode integer indices as one-hot vectors, the new axis of size `num_classes` at `axis`.

    Args:
        x: integer class indices; those outside [0, num_classes) give all-zero vectors.
        num_classes: the length of each one-hot vector.
        axis: where the new axis goes in the output (-1: last).
        dtype: the output dtype, `floatx()` by default.

    Example:
        >>> one_hot([0, 2], 3)  # [[1., 0., 0.], [0., 0., 1.]]
    """
    x = convert_to_tensor(x)
    num_classes = _check(x, num_classes, sparse)
    axis = shapes.canonicalize_axis(axis, len(shapes.shape_of(x)) + 1)
    classes = knp.arange(num_classes, dtype=shapes.standard_dtype(x))
    classes = knp.reshape(classes, (num_classes,) + (1,) * (len(shapes.shape_of(x)) - axis))
    return cast(knp.equal(knp.expand_dims(x, axis), classes), _out_dtype(dtype))


@symbolic(_multi_hot_spec)
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Encode groups of integer indices as vectors with a 1 at each index present.

    A rank-1 input is one group (output shape (num_classes,)); for a higher rank, axis 1
    holds each group's indices, as in Keras. `num_tokens` is accepted as an old name
    for `num_classes`.

    Example:
        >>> multi_hot([[0, 2], [1, 1]], 3)  # [[1., 0., 1.], [0., 1., 0.]]
    """
    num_classes = _multi_hot_arguments(num_classes, dict(kwargs))
    inputs = convert_to_tensor(inputs)
    if not shapes.shape_of(inputs):
        raise ValueError("multi_hot needs inputs of rank 1 or more; got a scalar.")
    encoded = one_hot(inputs, num_classes, axis=axis, dtype="int32", sparse=sparse)
    present = knp.max(encoded, axis=1 if len(shapes.shape_of(inputs)) > 1 else 0)
    return cast(present, _out_dtype(dtype))
