"""Symbolic tensors: a shape and a dtype standing for values not computed yet.

Every op called with a `KerasTensor` returns `KerasTensor`s of the right
shape and dtype and computes nothing. Functional models are built this way,
and graph exporters walk the result.
"""

import itertools

from k_backends import dtypes

_names = itertools.count(1)


class KerasTensor:
    """A symbolic tensor: a shape (None for an unknown dimension) and a dtype.

    Args:
        shape: tuple of ints or None.
        dtype: dtype name; float32 by default.
        sparse: whether it stands for a sparse tensor.
        ragged: whether it stands for a ragged tensor.
        record_history: whether layers record how it was made (Functional API).
        name: a name; one is made up when omitted.

    Example:
    >>> x = KerasTensor((None, 3))
    >>> kappa.ops.matmul(x, kappa.ops.ones((3, 4))).shape
    (None, 4)
    """

    # How it was made, for the Functional API: (operation, node_index, tensor_index), set by Node.
    _keras_history = None
    _keras_node = None
    # Its mask (a KerasTensor), set by layers that produce or propagate one.
    _keras_mask = None

    def __init__(self, shape, dtype="float32", sparse=False, ragged=False, record_history=True,
                 name=None, **kwargs):
        if kwargs:
            raise TypeError(f"KerasTensor got unexpected arguments: {sorted(kwargs)}.")
        self._shape = standardize_shape(shape)
        self._dtype = dtypes.standardize_dtype(dtype)
        self.sparse = bool(sparse)
        self.ragged = bool(ragged)
        self.record_history = record_history
        self.name = name or f"keras_tensor_{next(_names)}"

    @property
    def shape(self):
        return self._shape

    @property
    def dtype(self):
        return self._dtype

    @property
    def ndim(self):
        return len(self._shape)

    def reshape(self, newshape):
        from k_ops import numpy as knp

        return knp.reshape(self, newshape)

    def squeeze(self, axis=None):
        from k_ops import numpy as knp

        return knp.squeeze(self, axis=axis)

    def __repr__(self):
        return f"<KerasTensor shape={self._shape}, dtype={self._dtype}, name={self.name}>"

    def _no_values(self, what):
        raise TypeError(f"{what} needs values, but a KerasTensor is symbolic (shape={self._shape}, "
                        f"dtype={self._dtype}): it stands for a tensor not computed yet. Call the op "
                        "or model on real tensors instead.")

    def __array__(self, dtype=None, copy=None):
        self._no_values("Converting to a NumPy array")

    def numpy(self):
        self._no_values("numpy()")

    def __bool__(self):
        self._no_values("Using a KerasTensor as a Python bool")

    def __len__(self):
        if not self._shape or self._shape[0] is None:
            raise TypeError(f"len() of a KerasTensor needs a known first dimension; shape={self._shape}.")
        return self._shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    __hash__ = object.__hash__
    # NumPy arrays hand binary operators over to ours (`ndarray + KerasTensor`).
    __array_ufunc__ = None

    def __getitem__(self, key):
        from k_ops import numpy as knp

        return knp.get_item(self, key)

    # Operators are the public ops, so symbolic results follow the same rules as eager ones.
    def _operator(name, reflected=False):
        def method(self, other):
            from k_ops import numpy as knp

            op = getattr(knp, name)
            return op(other, self) if reflected else op(self, other)
        method.__name__ = name
        return method

    __add__, __radd__ = _operator("add"), _operator("add", True)
    __sub__, __rsub__ = _operator("subtract"), _operator("subtract", True)
    __mul__, __rmul__ = _operator("multiply"), _operator("multiply", True)
    __truediv__, __rtruediv__ = _operator("true_divide"), _operator("true_divide", True)
    __floordiv__, __rfloordiv__ = _operator("floor_divide"), _operator("floor_divide", True)
    __mod__, __rmod__ = _operator("mod"), _operator("mod", True)
    __pow__, __rpow__ = _operator("power"), _operator("power", True)
    __matmul__, __rmatmul__ = _operator("matmul"), _operator("matmul", True)
    __and__, __rand__ = _operator("bitwise_and"), _operator("bitwise_and", True)
    __or__, __ror__ = _operator("bitwise_or"), _operator("bitwise_or", True)
    __xor__, __rxor__ = _operator("bitwise_xor"), _operator("bitwise_xor", True)
    __eq__ = _operator("equal")
    __ne__ = _operator("not_equal")
    __lt__ = _operator("less")
    __le__ = _operator("less_equal")
    __gt__ = _operator("greater")
    __ge__ = _operator("greater_equal")
    del _operator

    def __neg__(self):
        from k_ops import numpy as knp

        return knp.negative(self)

    def __pos__(self):
        return self

    def __abs__(self):
        from k_ops import numpy as knp

        return knp.absolute(self)

    def __invert__(self):
        from k_ops import numpy as knp

        return knp.bitwise_invert(self)


def standardize_shape(shape):
    """`shape` as a tuple of ints and Nones, or a clear error."""
    if isinstance(shape, int) or shape is None or isinstance(shape, str):
        raise ValueError(f"A shape must be a tuple of ints or None; got shape={shape!r}.")
    try:
        dims = tuple(shape)
    except TypeError:
        raise ValueError(f"A shape must be a tuple of ints or None; got shape={shape!r}.") from None
    out = []
    for d in dims:
        if d is None:
            out.append(None)
            continue
        if isinstance(d, bool) or not hasattr(d, "__index__") or int(d) < 0:
            raise ValueError(f"A shape's dimensions must be non-negative ints or None; got shape={shape!r}.")
        out.append(int(d))
    return tuple(out)


def is_keras_tensor(x):
    """Whether `x` is a symbolic `KerasTensor`."""
    return isinstance(x, KerasTensor)


def any_symbolic(args, kwargs=None):
    """Whether a KerasTensor appears among `args` or `kwargs` values (one level of lists)."""
    for a in args:
        if isinstance(a, KerasTensor) or (type(a) in (list, tuple) and _holds_symbolic(a)):
            return True
    if kwargs:
        for a in kwargs.values():
            if isinstance(a, KerasTensor) or (type(a) in (list, tuple) and _holds_symbolic(a)):
                return True
    return False


def _holds_symbolic(items):
    for a in items:
        if isinstance(a, KerasTensor) or (type(a) in (list, tuple) and _holds_symbolic(a)):
            return True
    return False


# -- the Functional API's graph ----------------------------------------------------
def flatten(structure):
    """The leaves of nested lists, tuples and dicts (dict values in key order of insertion)."""
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in flatten(item)]
    if isinstance(structure, dict):
        return [leaf for item in structure.values() for leaf in flatten(item)]
    return [structure]


class Node:
    """One call of an operation (a public op or a layer) on symbolic tensors.

    Creating a Node stamps each output KerasTensor with `_keras_history =
    (operation, node_index, tensor_index)`; a Functional model walks these
    back from its outputs to its inputs. Layers keep their nodes in
    `_inbound_nodes`; ops keep none (their node_index is 0).
    """

    def __init__(self, operation, call_args=(), call_kwargs=None, outputs=None):
        self.operation = operation
        self.call_args = tuple(call_args)
        self.call_kwargs = dict(call_kwargs or {})
        self.outputs = [t for t in flatten(outputs) if isinstance(t, KerasTensor)]
        self.input_tensors = [t for t in flatten((self.call_args, self.call_kwargs))
                              if isinstance(t, KerasTensor)]
        nodes = getattr(operation, "_inbound_nodes", None)
        index = 0
        if nodes is not None:
            index = len(nodes)
            nodes.append(self)
        self.node_index = index
        for i, tensor in enumerate(self.outputs):
            tensor._keras_history = (operation, index, i)
            tensor._keras_node = self

    @property
    def parent_nodes(self):
        """The nodes that made this node's input tensors."""
        parents = []
        for tensor in self.input_tensors:
            node = tensor._keras_node
            if node is not None and node not in parents:
                parents.append(node)
        return parents


def records_history(args, kwargs):
    """Whether a call on these arguments joins the Functional graph (an input has a history)."""
    for tensor in flatten((args, kwargs)):
        if isinstance(tensor, KerasTensor) and tensor.record_history and tensor._keras_node is not None:
            return True
    return False
