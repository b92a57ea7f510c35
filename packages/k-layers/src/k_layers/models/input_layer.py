"""`Input` and `InputLayer`: where a Functional model's symbolic tensors start."""

from k_backends import config, dtypes
from k_layers.layer import Layer
from k_layers.serialization import builtin
from k_ops.symbolic import KerasTensor, Node

__all__ = ["InputLayer", "Input"]


@builtin("keras.layers")
class InputLayer(Layer):
    """A layer with no computation that owns a model input (made by `Input`).

    Args:
        shape: the shape without the batch dimension.
        batch_size: a fixed batch size (None: any).
        dtype: the input dtype (floatx by default).
        batch_shape: the full shape with the batch dimension (instead of shape/batch_size).
        input_tensor: an existing KerasTensor to use as the input.
        sparse, ragged: whether the input is sparse / ragged.
        optional: whether the input may be None.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None,
                 input_tensor=None, optional=False, name=None, **kwargs):
        kwargs.pop("input_shape", None)
        super().__init__(name=name, **kwargs)
        if shape is not None and batch_shape is not None:
            raise ValueError(f"InputLayer '{self.name}': give shape or batch_shape, not both "
                             f"(shape={shape}, batch_shape={batch_shape}).")
        if input_tensor is not None:
            if not isinstance(input_tensor, KerasTensor):
                raise TypeError(f"InputLayer '{self.name}': input_tensor must be a KerasTensor; got "
                                f"{type(input_tensor).__name__}.")
            batch_shape = input_tensor.shape
            dtype = dtype or input_tensor.dtype
        if batch_shape is None:
            if shape is None:
                raise ValueError(f"InputLayer '{self.name}': give the input's shape (or batch_shape).")
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size, *tuple(shape))
        self._batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self._input_dtype = dtypes.standardize_dtype(dtype or config.floatx())
        self.sparse = bool(sparse)
        self.ragged = bool(ragged)
        self.optional = bool(optional)
        self.built = True
        tensor = input_tensor if input_tensor is not None else KerasTensor(
            self._batch_shape, self._input_dtype, sparse=self.sparse, ragged=self.ragged, name=self.name)
        Node(self, (), {}, [tensor])
        self.output_tensor = tensor

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def dtype(self):
        return self._input_dtype

    def call(self):
        return self.output_tensor

    def get_config(self):
        return {"batch_shape": self._batch_shape, "dtype": self._input_dtype, "sparse": self.sparse,
                "ragged": self.ragged, "name": self.name, "optional": self.optional}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None, name=None,
          tensor=None, optional=False):
    """A symbolic input for a Functional model: `x = Input((28, 28, 1))`.

    `shape` excludes the batch dimension; `batch_shape` includes it.

    Example:
    >>> inputs = kappa.Input((3,))
    >>> outputs = kappa.layers.Dense(2)(inputs)
    >>> model = kappa.Model(inputs, outputs)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse, ragged=ragged,
                       batch_shape=batch_shape, input_tensor=tensor, optional=optional, name=name)
    return layer.output_tensor
