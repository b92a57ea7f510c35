"""Tensors, conversion, variable storage and device placement on TensorFlow."""

import contextlib

import numpy as np
import tensorflow as tf

from k_backends import dtypes
from k_backends.inference import default_dtype
from k_backends.variables import Variable

_TF_DTYPES = {name: tf.as_dtype(name) for name in dtypes.ALLOWED_DTYPES}
_TENSOR_TYPES = (tf.Tensor, tf.Variable, tf.SparseTensor, tf.RaggedTensor)

# Wider dtypes to compute in where TF 2.21 has no kernel for an op on a small or unsigned dtype.
COMPUTE_DTYPES = {"bool": "int32", "uint8": "int32", "uint16": "int32", "int8": "int32",
          "int16": "int32", "uint32": "int64", "uint64": "int64"}


def _tf_dtype(dtype):
    return _TF_DTYPES[dtypes.standardize_dtype(dtype)]


def tensor_types():
    return _TENSOR_TYPES


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    if isinstance(x, tf.Tensor) and (dtype is None or x.dtype == _tf_dtype(dtype)):
        return x
    if isinstance(x, Variable):
        x = x.value
    if isinstance(x, tf.SparseTensor) and sparse is False:
        x = tf.sparse.to_dense(x)
    elif isinstance(x, tf.RaggedTensor) and ragged is False:
        x = x.to_tensor()
    elif isinstance(x, tf.Variable):
        x = tf.convert_to_tensor(x)
    elif not isinstance(x, _TENSOR_TYPES):
        return _from_values(x, dtype)
    if dtype is not None and x.dtype != _tf_dtype(dtype):
        # tf.convert_to_tensor(x, dtype) refuses to change a tensor's dtype; cast does.
        x = tf.cast(x, _tf_dtype(dtype))
    return x


def _from_values(x, dtype):
    """A tensor from Python scalars, NumPy values, or (nested) lists of them and of tensors."""
    dtype = _tf_dtype(default_dtype(x) if dtype is None else dtype)
    if isinstance(x, (list, tuple)) and _holds_tensors(x):
        # Stacking keeps symbolic tensors working inside tf.function.
        return tf.stack([convert_to_tensor(item, dtype) for item in x])
    # NumPy converts Python values that TF refuses (True to int8, 1.5 to int32) and
    # rejects those that TF would wrap around (300 to int8).
    return tf.constant(np.asarray(x, dtype=dtype.as_numpy_dtype))


def _holds_tensors(items):
    # isinstance rather than tf.is_tensor, which costs microseconds per item.
    return any(isinstance(i, _TENSOR_TYPES) or isinstance(i, Variable)
               or (isinstance(i, (list, tuple)) and _holds_tensors(i)) for i in items)


def variable_to_tensor(value, dtype=None, name=None, as_ref=False):
    """Conversion function that lets TF ops take a kappa `Variable` directly."""
    return tf.convert_to_tensor(value.value, dtype=dtype, name=name)


def convert_to_numpy(x):
    if isinstance(x, Variable):
        x = x.value
    if isinstance(x, tf.SparseTensor):
        x = tf.sparse.to_dense(x)
    elif isinstance(x, tf.RaggedTensor):
        x = x.to_tensor()
    if isinstance(x, (tf.Tensor, tf.Variable)):
        # .numpy() rather than np.asarray: the latter fails on 0-d bfloat16 tensors (TF 2.21).
        return np.asarray(x.numpy())
    return np.asarray(x)


def is_tensor(x):
    return tf.is_tensor(x)


def cast(x, dtype):
    return convert_to_tensor(x, dtype=dtype)


def shape(x):
    if not hasattr(x, "shape"):
        x = convert_to_tensor(x)
    static = tuple(x.shape)
    if None not in static or isinstance(x, tf.RaggedTensor):
        return static  # a ragged dimension has no single size
    dynamic = tf.shape(x)
    return tuple(dynamic[i] if d is None else d for i, d in enumerate(static))


def variable_storage(value, trainable, name):
    return tf.Variable(value, trainable=trainable, name=name)


def assign_storage(storage, value):
    storage.assign(value)
    return storage


def read_storage(storage):
    """A snapshot of the variable: later assigns do not change it.

    Reading (rather than handing out the tf.Variable) still lets a
    GradientTape trace the read back to the variable, and tf.function
    captures the variable and reads it at each call.
    """
    return storage.value()


@contextlib.contextmanager
def device_scope(device_name):
    kind, _, index = str(device_name).strip().lower().partition(":")
    spec = f"{kind.upper()}:{index or 0}"
    available = [d.name for d in tf.config.list_logical_devices()]
    if not any(name.endswith(f"/device:{spec}") for name in available):
        raise ValueError(f"device_scope: no device {device_name!r} here. "
                         f"Available devices: {available}.")
    with tf.device(spec):
        yield
