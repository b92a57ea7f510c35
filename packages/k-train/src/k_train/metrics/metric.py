"""`Metric`: state in backend variables, updated batch by batch, read with `result()`.

A metric's state lives in `Variable`s (`add_variable`), so it can be updated inside a
compiled training step; the `stateless_*` methods run it as a pure function of given
variable values (what a jitted jax step needs), through `StatelessScope`.
"""

import re

from k_backends import config, dtypes
from k_backends.variables import StatelessScope, Variable, name_scope
from k_layers import initializers
from k_layers.serialization import builtin
from k_ops import core as kcore
from k_ops import numpy as knp

__all__ = ["Metric", "Reduce", "Sum", "Mean", "MeanMetricWrapper"]


@builtin("keras.metrics")
@builtin("keras")
class Metric:
    """Base class of the metrics: implement `update_state(...)` and `result()`.

    Args:
        dtype: the dtype of the state and result (floatx by default).
        name: the metric's name (the snake-case class name by default).

    Example:
    >>> class Count(kappa.metrics.Metric):
    ...     def __init__(self, name="count", dtype=None):
    ...         super().__init__(name=name, dtype=dtype)
    ...         self.count = self.add_variable((), "zeros", name="count")
    ...     def update_state(self, values):
    ...         self.count.assign_add(kappa.ops.cast(kappa.ops.size(values), self.dtype))
    ...     def result(self):
    ...         return self.count.value
    """

    def __init__(self, dtype=None, name=None):
        self.name = name or re.sub(r"([a-z])([A-Z])", r"\1_\2", type(self).__name__).lower()
        self._dtype = dtypes.standardize_dtype(dtype if dtype is not None else config.floatx())
        self._variables = []

    @property
    def dtype(self):
        return self._dtype

    @property
    def variables(self):
        """The metric's state variables (its own and those of metrics it holds)."""
        result = list(self.__dict__.get("_variables", []))
        for value in self.__dict__.values():
            if isinstance(value, Metric):
                result.extend(value.variables)
        return result

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """Create a non-trainable state variable (path `metric_name/name`)."""
        if "_variables" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() before add_variable.")
        initializer = initializers.get(initializer)
        with name_scope(self.name.replace("/", "_")):
            variable = Variable(initializer, shape=tuple(shape), dtype=dtype or self._dtype, trainable=False,
                                aggregation=aggregation, name=name or "variable")
        self._variables.append(variable)
        return variable

    add_weight = add_variable

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state().")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result().")

    def reset_state(self):
        """Set every state variable back to zero."""
        for variable in self.variables:
            variable.assign(knp.zeros(variable.shape, dtype=variable.dtype))

    def __call__(self, *args, **kwargs):
        """Update with one batch and return the result so far."""
        self.update_state(*args, **kwargs)
        return self.result()

    # -- pure-function use (jitted steps) ----------------------------------------------
    def _scope(self, metric_variables):
        variables = self.variables
        if len(metric_variables) != len(variables):
            raise ValueError(f"Metric '{self.name}' has {len(variables)} variables; got "
                             f"{len(metric_variables)} values.")
        return StatelessScope(list(zip(variables, metric_variables, strict=True)))

    def stateless_update_state(self, metric_variables, *args, **kwargs):
        """The new variable values after `update_state(*args)`, leaving the metric unchanged."""
        with self._scope(metric_variables) as scope:
            self.update_state(*args, **kwargs)
        return [scope.get_current_value(v) for v in self.variables]

    def stateless_result(self, metric_variables):
        """`result()` computed from the given variable values."""
        with self._scope(metric_variables):
            return self.result()

    def stateless_reset_state(self):
        """The variable values after `reset_state()`, leaving the metric unchanged."""
        values = [v.value for v in self.variables]
        with self._scope(values) as scope:
            self.reset_state()
        return [scope.get_current_value(v) for v in self.variables]

    # -- configuration -----------------------------------------------------------------
    def get_config(self):
        return {"name": self.name, "dtype": self._dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


class Reduce(Metric):
    """Accumulate values (weighted) into a total, and a count when averaging."""

    def __init__(self, reduction, name, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if reduction not in ("sum", "mean"):
            raise ValueError(f"Reduce: reduction must be 'sum' or 'mean'; got {reduction!r}.")
        self.reduction = reduction
        self.total = self.add_variable((), "zeros", name="total")
        if reduction == "mean":
            self.count = self.add_variable((), "zeros", name="count")

    def update_state(self, values, sample_weight=None):
        """Add a batch: values are reduced to one per sample (the mean over other axes), weighted."""
        reduce = knp.sum if self.reduction == "sum" else knp.mean
        values, sample_weight = _samplewise(values, sample_weight, self._dtype, reduce)
        self.total.assign_add(knp.sum(values))
        if self.reduction == "mean":
            if sample_weight is not None:
                count = knp.sum(sample_weight)
            else:
                count = kcore.cast(kcore.shape(values)[0] if values.ndim else 1, self._dtype)
            self.count.assign_add(count)

    def result(self):
        if self.reduction == "sum":
            return self.total.value
        return knp.divide_no_nan(self.total.value, self.count.value)


def _samplewise(values, sample_weight, dtype, reduce):
    """Weight `values` and reduce them (with `reduce`: sum or mean) to one value per sample.

    A mask the values carry multiplies the weights. Values are first reduced to the
    weights' rank, weighted (the weights broadcast to them, which is what a mean's count
    then sums), then reduced to one value per sample; this is Keras's rule.
    """
    from k_layers.layer import get_mask
    from k_train.losses.loss import squeeze_or_expand_to_same_rank

    mask = get_mask(values)
    values = kcore.cast(kcore.convert_to_tensor(values), dtype)
    if sample_weight is not None:
        sample_weight = kcore.cast(kcore.convert_to_tensor(sample_weight), dtype)
        if mask is not None:
            mask, sample_weight = squeeze_or_expand_to_same_rank(kcore.cast(mask, dtype), sample_weight)
            sample_weight = sample_weight * mask
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        if values.ndim > sample_weight.ndim:
            values = reduce(values, axis=tuple(range(sample_weight.ndim, values.ndim)))
        sample_weight = knp.broadcast_to(sample_weight, kcore.shape(values))
        values = values * sample_weight
        if sample_weight.ndim > 1:
            sample_weight = reduce(sample_weight, axis=tuple(range(1, sample_weight.ndim)))
    if values.ndim > 1:
        values = reduce(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


@builtin("keras.metrics")
class Sum(Reduce):
    """The (weighted) sum of every value seen."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(reduction="sum", name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@builtin("keras.metrics")
class Mean(Reduce):
    """The (weighted) mean of every value seen.

    Example:
    >>> m = Mean()
    >>> m.update_state([1.0, 3.0]); m.update_state([5.0])
    >>> float(m.result())
    3.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(reduction="mean", name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@builtin("keras.metrics")
class MeanMetricWrapper(Mean):
    """The mean of `fn(y_true, y_pred, **kwargs)` over every sample seen (weighted)."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or "mean_metric_wrapper", dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        from k_layers.layer import get_mask
        from k_train.losses.loss import squeeze_or_expand_to_same_rank

        mask = get_mask(y_pred)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if mask is not None and sample_weight is not None:  # as Keras: a mask only scales given weights
            weights, mask = squeeze_or_expand_to_same_rank(kcore.cast(sample_weight, self._dtype),
                                                           kcore.cast(mask, self._dtype))
            sample_weight = weights * mask
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, **self._fn_kwargs}
        if type(self) is MeanMetricWrapper:
            from k_layers.serialization import serialize_keras_object

            config["fn"] = serialize_keras_object(self._fn)
        return config

    @classmethod
    def from_config(cls, config):
        if cls is MeanMetricWrapper and "fn" in config:
            from k_layers.serialization import deserialize_keras_object

            config = dict(config)
            config["fn"] = deserialize_keras_object(config["fn"])
        return cls(**config)
