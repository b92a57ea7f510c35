"""`Variable`: a named, assignable tensor held by the selected backend.

One class serves every backend. What differs (the framework object that
holds the value and how it is assigned) is asked of the backend's `core`
module, so `isinstance(v, Variable)` means the same thing everywhere.
"""

import threading

import numpy as np

from k_backends import dtypes
from k_backends.selection import current

AGGREGATIONS = ("none", "mean", "sum", "only_first_replica")
SYNCHRONIZATIONS = ("none", "on_write", "on_read", "auto")

_local = threading.local()


def _stack(name):
    stack = getattr(_local, name, None)
    if stack is None:
        stack = []
        setattr(_local, name, stack)
    return stack


class name_scope:
    """Context manager prefixing the `path` of variables created inside it.

    Example:
    >>> with name_scope("block"):
    ...     v = Variable(0.0, name="bias")
    >>> v.path
    'block/bias'
    """

    def __init__(self, name, **kwargs):
        if not isinstance(name, str) or not name:
            raise ValueError(f"name_scope expected a non-empty string; got name={name!r}.")
        self.name = name
        self.override_parent = kwargs.pop("override_parent", None)
        if kwargs:
            raise TypeError(f"name_scope got unexpected arguments: {sorted(kwargs)}.")

    def __enter__(self):
        stack = _stack("names")
        self._saved = list(stack)
        if self.override_parent is not None:
            stack[:] = [p for p in self.override_parent.split("/") if p]
        stack.append(self.name)
        return self

    def __exit__(self, *exc):
        _stack("names")[:] = self._saved


def current_path():
    """The `/`-joined names of the enclosing name scopes."""
    return "/".join(_stack("names"))


class AutocastScope:
    """Inside this scope, float variables created with `autocast=True` read as `dtype`.

    Layers use it to run a float32 variable in a float16 computation without
    keeping a second copy.
    """

    def __init__(self, dtype):
        self.dtype = None if dtype is None else dtypes.standardize_dtype(dtype)
        if self.dtype is not None and not dtypes.is_float_dtype(self.dtype):
            raise ValueError(f"AutocastScope expected a float dtype; got dtype={dtype!r}.")

    def __enter__(self):
        _stack("autocast").append(self.dtype)
        return self

    def __exit__(self, *exc):
        _stack("autocast").pop()


class StatelessScope:
    """Inside this scope variables are read from `state_mapping` and never changed.

    Assignments are recorded instead of applied; read them back with
    `get_current_value(variable)`. This is how a layer or a training step
    becomes a pure function of its variables (what `jax.jit` needs), and how a
    `SeedGenerator` advances inside a jitted function.

    Args:
        state_mapping: pairs `(variable, value)` giving the values to read.
        collect_losses: whether layers record `add_loss` values here (see `losses`).
        initialize_variables: whether variables created inside still get
            their initial value (a layer built inside the scope needs one).

    Example:
    >>> with StatelessScope([(v, new_value)]) as scope:
    ...     v.assign_add(1.0)
    >>> scope.get_current_value(v)  # new_value + 1; v itself is unchanged
    """

    def __init__(self, state_mapping=None, collect_losses=False, initialize_variables=True):
        self.collect_losses = bool(collect_losses)
        self.initialize_variables = bool(initialize_variables)
        self.losses = []
        self._values = {}
        for pair in state_mapping or ():
            if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and isinstance(pair[0], Variable)):
                raise ValueError("StatelessScope expected state_mapping as (Variable, value) pairs; "
                                 f"got {pair!r}.")
            variable, value = pair
            value = current().core.convert_to_tensor(value, dtype=variable._dtype)
            if tuple(current().core.shape(value)) != variable.shape:
                raise ValueError(f"StatelessScope: the value for variable {variable.path!r} has shape "
                                 f"{tuple(current().core.shape(value))}, expected {variable.shape}.")
            self._values[id(variable)] = value

    def add_update(self, variable, value):
        self._values[id(variable)] = value

    def get_current_value(self, variable):
        """The value `variable` has in this scope (None if it was neither mapped nor assigned)."""
        return self._values.get(id(variable))

    def add_loss(self, loss):
        self.losses.append(loss)

    def __enter__(self):
        _stack("stateless").append(self)
        return self

    def __exit__(self, *exc):
        _stack("stateless").pop()


def stateless_scope():
    """The innermost active `StatelessScope`, or None."""
    stack = getattr(_local, "stateless", None)
    return stack[-1] if stack else None


def in_stateless_scope():
    return stateless_scope() is not None


def autocast_dtype():
    stack = getattr(_local, "autocast", None)
    return stack[-1] if stack else None


class Variable:
    """A mutable tensor with a name, a dtype and a trainable flag.

    Args:
        initializer: the initial value (array-like) or a callable
            `initializer(shape, dtype)` that makes it; a callable needs `shape`.
        shape: the variable's shape; inferred from a value when omitted.
        dtype: dtype name; inferred from a value, `floatx()` for callables.
        trainable: whether training updates it.
        autocast: whether it reads as the compute dtype inside an `AutocastScope`.
        aggregation: how replicas combine it: "none", "mean", "sum", "only_first_replica".
        synchronization: "none", "on_write", "on_read" or "auto".
        name: its name (no "/"); `path` prefixes the enclosing name scopes.
        layout: a distribution layout, kept for the distribution API.

    Example:
    >>> v = Variable([1.0, 2.0], name="w")
    >>> v.assign_add([1.0, 1.0])
    >>> v.numpy().tolist()
    [2.0, 3.0]
    """

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, autocast=True,
                 aggregation="none", synchronization="auto", name=None, layout=None, **kwargs):
        if kwargs:
            raise TypeError(f"Variable got unexpected arguments: {sorted(kwargs)}.")
        name = name or "variable"
        if not isinstance(name, str) or "/" in name:
            raise ValueError(f"Variable name must be a string without '/'; got name={name!r}.")
        if aggregation not in AGGREGATIONS:
            raise ValueError(f"Variable aggregation must be one of {AGGREGATIONS}; "
                             f"got aggregation={aggregation!r}.")
        if synchronization not in SYNCHRONIZATIONS:
            raise ValueError(f"Variable synchronization must be one of {SYNCHRONIZATIONS}; "
                             f"got synchronization={synchronization!r}.")
        self.name = name
        scope = current_path()
        self.path = f"{scope}/{name}" if scope else name
        self.autocast = bool(autocast)
        self.aggregation = aggregation
        self.synchronization = synchronization
        self.layout = layout
        self._trainable = bool(trainable)
        core = current().core
        if callable(initializer):
            if shape is None:
                raise ValueError(f"Variable {self.path!r}: a callable initializer needs `shape`.")
            value = initializer(tuple(shape), dtypes.standardize_dtype(dtype))
        else:
            value = initializer
        value = core.convert_to_tensor(value, dtype=dtype)
        if shape is not None and tuple(core.shape(value)) != tuple(shape):
            raise ValueError(f"Variable {self.path!r}: initial value has shape "
                             f"{tuple(core.shape(value))}, expected shape={tuple(shape)}.")
        self._shape = tuple(int(d) for d in core.shape(value))
        self._dtype = dtypes.standardize_dtype(value.dtype)
        self._storage = core.variable_storage(value, self._trainable, self.name)

    # -- state -----------------------------------------------------------
    @property
    def value(self):
        """The current value as a backend tensor (cast inside an AutocastScope)."""
        core = current().core
        scope = stateless_scope()
        value = scope.get_current_value(self) if scope is not None else None
        if value is None:
            value = core.read_storage(self._storage)
        target = autocast_dtype() if self.autocast else None
        if target is not None and target != self._dtype and dtypes.is_float_dtype(self._dtype):
            return core.cast(value, target)
        return value

    def assign(self, value):
        """Replace the value; `value` must have the variable's shape."""
        core = current().core
        value = core.convert_to_tensor(value, dtype=self._dtype)
        shape = tuple(core.shape(value))
        if shape != self._shape:
            raise ValueError(f"Cannot assign a value of shape {shape} to variable "
                             f"{self.path!r} of shape {self._shape}.")
        scope = stateless_scope()
        if scope is not None:
            scope.add_update(self, value)
            return value
        self._storage = core.assign_storage(self._storage, value)
        return self._storage

    def assign_add(self, value):
        """Add `value` to the variable in place."""
        return self.assign(current().numpy.add(self.value, value))

    def assign_sub(self, value):
        """Subtract `value` from the variable in place."""
        return self.assign(current().numpy.subtract(self.value, value))

    @property
    def dtype(self):
        target = autocast_dtype() if self.autocast else None
        if target is not None and dtypes.is_float_dtype(self._dtype):
            return target
        return self._dtype

    @property
    def shape(self):
        return self._shape

    @property
    def ndim(self):
        return len(self._shape)

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        set_trainable = getattr(current().core, "set_storage_trainable", None)
        if set_trainable is not None:
            set_trainable(self._storage, self._trainable)

    def numpy(self):
        """The value as a NumPy array (a copy)."""
        return np.array(current().core.convert_to_numpy(self.value))

    def __array__(self, dtype=None, copy=None):
        array = current().core.convert_to_numpy(self.value)
        return array if dtype is None else array.astype(dtype)

    def __repr__(self):
        return (f"<Variable path={self.path}, shape={self._shape}, dtype={self._dtype}, "
                f"value={self.numpy()}>")

    def __len__(self):
        if not self._shape:
            raise TypeError("len() of a 0-d Variable")
        return self._shape[0]

    def __bool__(self):
        return bool(self.numpy())

    def __float__(self):
        return float(self.numpy())

    def __int__(self):
        return int(self.numpy())

    def __index__(self):
        return int(self.numpy())

    # Variables are keyed by identity (== is elementwise, as for arrays).
    __hash__ = object.__hash__
    # Makes `ndarray @ variable` call our reflected operator, so promotion is kappa's.
    __array_priority__ = 100

    def __getitem__(self, key):
        # NumPy's indexing on every backend (masks and integer arrays included).
        return current().numpy.get_item(self.value, key)

    def __iter__(self):
        return iter(self.value)

    # -- framework interop -----------------------------------------------
    def __jax_array__(self):
        return self.value

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        def unwrap(x):
            if isinstance(x, Variable):
                return x.value
            if isinstance(x, (list, tuple)):
                return type(x)(unwrap(i) for i in x)
            return x
        return func(*unwrap(args), **{k: unwrap(v) for k, v in (kwargs or {}).items()})

    # -- operators: the backend's ops, so promotion matches k-ops --------
    def _binary(name, reflected=False):
        def method(self, other):
            op = getattr(current().numpy, name)
            return op(other, self.value) if reflected else op(self.value, other)
        method.__name__ = name
        return method

    __add__, __radd__ = _binary("add"), _binary("add", True)
    __sub__, __rsub__ = _binary("subtract"), _binary("subtract", True)
    __mul__, __rmul__ = _binary("multiply"), _binary("multiply", True)
    __truediv__, __rtruediv__ = _binary("divide"), _binary("divide", True)
    __floordiv__, __rfloordiv__ = _binary("floor_divide"), _binary("floor_divide", True)
    __mod__, __rmod__ = _binary("mod"), _binary("mod", True)
    __pow__, __rpow__ = _binary("power"), _binary("power", True)
    __matmul__, __rmatmul__ = _binary("matmul"), _binary("matmul", True)
    __and__, __rand__ = _binary("bitwise_and"), _binary("bitwise_and", True)
    __or__, __ror__ = _binary("bitwise_or"), _binary("bitwise_or", True)
    __xor__, __rxor__ = _binary("bitwise_xor"), _binary("bitwise_xor", True)
    __eq__ = _binary("equal")
    __ne__ = _binary("not_equal")
    __lt__ = _binary("less")
    __le__ = _binary("less_equal")
    __gt__ = _binary("greater")
    __ge__ = _binary("greater_equal")
    del _binary

    def __neg__(self):
        return current().numpy.negative(self.value)

    def __pos__(self):
        return self.value

    def __abs__(self):
        return current().numpy.absolute(self.value)

    def __invert__(self):
        return current().numpy.bitwise_invert(self.value)
