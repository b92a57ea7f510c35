"""`Optimizer`: turns gradients into variable updates, with Keras 3's shared options.

`apply(grads, variables)` runs, in order: loss-scale unscaling, clipping (clipvalue,
clipnorm, global_clipnorm), gradient accumulation, decoupled weight decay, the
optimizer's own `update_step` per variable, the variables' constraints, the step count
and the exponential moving average. Every piece is written with k_ops and `assign`, so it
runs eagerly, inside `tf.function`, and as a pure function of its state under `jax.jit`
(`stateless_apply`). Conditions (accumulation, EMA overwrite) are arithmetic selections,
not Python branches, so one traced step serves every iteration.
"""

import re

from k_backends.variables import StatelessScope, Variable, name_scope
from k_layers import initializers
from k_layers.layer import _snake_case
from k_layers.serialization import builtin, deserialize_keras_object, serialize_keras_object
from k_ops import core as kcore
from k_ops import numpy as knp

__all__ = ["Optimizer"]


def _or(value, default):
    return default if value is None else value


def _non_negative(value):
    return not isinstance(value, bool) and isinstance(value, (int, float)) and value >= 0


def _is_schedule(value):
    return callable(value) and hasattr(value, "get_config") and not isinstance(value, Variable)


@builtin("keras.optimizers")
@builtin("keras")
class Optimizer:
    """Base class of the optimizers: implement `build(variables)` and `update_step(grad, variable, lr)`.

    Args:
        learning_rate: a float, a `LearningRateSchedule` or a callable of no arguments.
        weight_decay: decoupled weight decay: `variable -= variable * weight_decay * lr`.
        clipnorm: clip each gradient to this L2 norm.
        clipvalue: clip each gradient's values to [-clipvalue, clipvalue].
        global_clipnorm: clip all gradients together to this global L2 norm.
        use_ema: keep an exponential moving average of the variables.
        ema_momentum: the average's momentum.
        ema_overwrite_frequency: every this many steps, copy the average into the variables.
        loss_scale_factor: gradients are divided by it (the loss was multiplied by it).
        gradient_accumulation_steps: apply the mean of this many steps' gradients at once.
        name: the optimizer's name.
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        kwargs.pop("decay", None)
        if kwargs:
            raise TypeError(f"{type(self).__name__} got unexpected arguments: {sorted(kwargs)}.")
        if sum(v is not None for v in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Give at most one of clipnorm, clipvalue and global_clipnorm; got "
                             f"clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}.")
        for arg, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                           ("global_clipnorm", global_clipnorm), ("weight_decay", weight_decay),
                           ("loss_scale_factor", loss_scale_factor)):
            if value is not None and not _non_negative(value):
                raise ValueError(f"{type(self).__name__}: {arg} must be a number >= 0; got {arg}={value!r}.")
        if not 0 <= ema_momentum <= 1:
            raise ValueError(f"{type(self).__name__}: ema_momentum must be in [0, 1]; got {ema_momentum}.")
        if gradient_accumulation_steps is not None and (not isinstance(gradient_accumulation_steps, int)
                                                        or gradient_accumulation_steps < 2):
            raise ValueError(f"{type(self).__name__}: gradient_accumulation_steps must be an int >= 2; got "
                             f"{gradient_accumulation_steps!r}.")
        self.name = name or _snake_case(type(self).__name__)
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.use_ema = bool(use_ema)
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        self.built = False
        self._variables = []
        self._slots = {}  # (id(variable), slot name) -> slot variable
        self._exclude_names = ()
        self._exclude_ids = set()
        with name_scope(self.name):
            self._iterations = Variable(0, dtype="int64", trainable=False, name="iteration")
        self._variables.append(self._iterations)
        self._schedule = None
        if callable(learning_rate) and not isinstance(learning_rate, Variable):
            # A schedule (or callable) is the rate; as in Keras there is no learning-rate variable.
            self._schedule = learning_rate
            self._learning_rate = None
        else:
            if not _non_negative(learning_rate):
                raise ValueError(f"{type(self).__name__}: learning_rate must be a number >= 0, a schedule "
                                 f"or a callable; got learning_rate={learning_rate!r}.")
            with name_scope(self.name):
                self._learning_rate = Variable(float(learning_rate), dtype="float32", trainable=False,
                                               name="learning_rate")
            self._variables.append(self._learning_rate)

    # -- state ------------------------------------------------------------------------
    @property
    def iterations(self):
        """The step counter (the number of `apply` calls)."""
        return self._iterations

    def _update_count(self):
        """The number of updates made: calls divided by gradient_accumulation_steps when accumulating
        (what Keras reports as `iterations` then; schedules and the moving average count these)."""
        if self.gradient_accumulation_steps:
            return self._iterations.value // self.gradient_accumulation_steps
        return self._iterations.value

    @property
    def variables(self):
        """All optimizer state: the step count, the learning rate (unless a schedule) and the slots."""
        return list(self._variables)

    @property
    def learning_rate(self):
        """The current learning rate (a schedule is evaluated at the current step)."""
        return self._current_learning_rate()

    @learning_rate.setter
    def learning_rate(self, value):
        if _is_schedule(value):
            self._schedule = value
            return
        if self._schedule is not None:
            raise TypeError(f"{self.name}: the learning rate is a schedule or callable and cannot be set "
                            "to a number.")
        self._learning_rate.assign(kcore.cast(value, "float32"))

    def _current_learning_rate(self):
        if self._schedule is None:
            return self._learning_rate.value
        if _is_schedule(self._schedule):
            return kcore.cast(self._schedule(self._update_count()), "float32")
        return kcore.cast(self._schedule(), "float32")

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="none", name=None):
        """Create an optimizer variable (non-trainable, path `optimizer_name/name`)."""
        initializer = initializers.get(initializer)
        with name_scope(self.name):
            variable = Variable(initializer, shape=tuple(shape), dtype=dtype or "float32", trainable=False,
                                aggregation=aggregation, name=name or "variable")
        self._variables.append(variable)
        return variable

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """A slot variable shaped like `reference_variable`, named `<its path>_<name>`."""
        base = reference_variable.path.replace("/", "_")
        variable = self.add_variable(reference_variable.shape, initializer=initializer,
                                     dtype=reference_variable.dtype, name=f"{base}_{name}" if name else base)
        self._slots[(id(reference_variable), name)] = variable
        return variable

    def slot(self, variable, name):
        """The slot variable `name` made for `variable` in `build`."""
        return self._slots[(id(variable), name)]

    def build(self, variables):
        """Create the slots every optimizer needs (accumulators, EMA); subclasses add theirs."""
        self._built_for = list(variables)
        if self.use_ema:
            for v in variables:
                self.add_variable_from_reference(v, "average", initializer="zeros")._ema_of = v
        if self.gradient_accumulation_steps:
            for v in variables:
                self.add_variable_from_reference(v, "gradient_accumulator")
        self.built = True

    # -- the update --------------------------------------------------------------------
    def assign(self, variable, value):
        variable.assign(value)

    def assign_add(self, variable, value):
        variable.assign(variable.value + value)

    def assign_sub(self, variable, value):
        variable.assign(variable.value - value)

    def scale_loss(self, loss):
        """The loss multiplied by `loss_scale_factor` (gradients are divided back in `apply`)."""
        return loss * self.loss_scale_factor if self.loss_scale_factor is not None else loss

    def update_step(self, gradient, variable, learning_rate):
        raise NotImplementedError(f"{type(self).__name__} must implement update_step().")

    def apply_gradients(self, grads_and_vars):
        """Apply `[(gradient, variable), ...]` (Keras 2 / TF style)."""
        grads, variables = zip(*grads_and_vars, strict=True) if grads_and_vars else ((), ())
        return self.apply(list(grads), list(variables))

    def apply(self, grads, trainable_variables=None):
        """Update `trainable_variables` with `grads` (the same order); returns the step count."""
        if trainable_variables is None:
            if not self.built:
                raise ValueError(f"{self.name}: call apply(grads, trainable_variables) the first time (or "
                                 "build(variables)).")
            trainable_variables = self._built_for
        grads, trainable_variables = list(grads), list(trainable_variables)
        if len(grads) != len(trainable_variables):
            raise ValueError(f"{self.name}: got {len(grads)} gradients for {len(trainable_variables)} "
                             "variables.")
        if not self.built:
            self.build(trainable_variables)
        pairs = [(g, v) for g, v in zip(grads, trainable_variables, strict=True) if g is not None]
        if not pairs:
            return self._iterations.value
        grads = [kcore.convert_to_tensor(g) for g, _ in pairs]
        variables = [v for _, v in pairs]
        if self.loss_scale_factor is not None:
            grads = [g / self.loss_scale_factor for g in grads]
        learning_rate = self._current_learning_rate()
        if self.gradient_accumulation_steps:
            self._accumulate_and_update(grads, variables, learning_rate)
        else:
            self._update(grads, variables, learning_rate)
        self._iterations.assign(self._iterations.value + 1)
        if self.use_ema:
            self._update_ema(variables)
        return self._iterations.value

    def _update(self, grads, variables, learning_rate, apply_flag=None):
        """One optimizer step; with `apply_flag` (a 0/1 tensor) the changes are kept only when it is 1."""
        before = None
        if apply_flag is not None:
            before = [v.value for v in variables] + [s.value for s in self._slot_list(variables)]
        grads = self._clip(grads)
        self._apply_weight_decay(variables, learning_rate)
        for g, v in zip(grads, variables, strict=True):
            self.update_step(kcore.cast(g, v.dtype), v, kcore.cast(learning_rate, v.dtype))
            constraint = getattr(v, "constraint", None)
            if constraint is not None:
                v.assign(constraint(v.value))
        if apply_flag is not None:  # a selection, so an inf in a discarded update cannot leak
            keep = knp.greater(apply_flag, 0)
            for var, old in zip(variables + self._slot_list(variables), before, strict=True):
                var.assign(knp.where(keep, var.value, old))

    def _slot_list(self, variables):
        ids = {id(v) for v in variables}
        skip = ("average", "gradient_accumulator")
        return [slot for (vid, name), slot in self._slots.items() if vid in ids and name not in skip]

    def _accumulate_and_update(self, grads, variables, learning_rate):
        steps = self.gradient_accumulation_steps
        accumulators = [self.slot(v, "gradient_accumulator") for v in variables]
        is_update = kcore.cast(knp.equal((self._iterations.value + 1) % steps, 0), "float32")
        for acc, g in zip(accumulators, grads, strict=True):
            acc.assign(acc.value + kcore.cast(g, acc.dtype))
        mean_grads = [acc.value / steps for acc in accumulators]
        self._update(mean_grads, variables, learning_rate, apply_flag=is_update)
        for acc in accumulators:
            acc.assign(acc.value * (1.0 - kcore.cast(is_update, acc.dtype)))

    def _clip(self, grads):
        if self.clipvalue is not None:
            grads = [knp.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        if self.clipnorm is not None:
            grads = [self._clip_by_norm(g, self.clipnorm) for g in grads]
        if self.global_clipnorm is not None:
            total = knp.sqrt(sum(knp.sum(knp.square(kcore.cast(g, "float32"))) for g in grads))
            scale = knp.minimum(1.0, self.global_clipnorm / knp.maximum(total, 1e-12))
            grads = [g * kcore.cast(scale, g.dtype) for g in grads]
        return grads

    @staticmethod
    def _clip_by_norm(g, clipnorm):
        norm = knp.sqrt(knp.sum(knp.square(g)))
        return g * kcore.cast(knp.minimum(1.0, clipnorm / knp.maximum(norm, 1e-12)), g.dtype)

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Skip weight decay for these variables, or variables whose path contains one of `var_names`."""
        if self.built:
            raise ValueError(f"{self.name}: exclude_from_weight_decay must be called before the optimizer "
                             "is built (its first apply).")
        self._exclude_ids |= {id(v) for v in var_list or ()}
        self._exclude_names = tuple(var_names or ())

    def _use_weight_decay(self, variable):
        if id(variable) in self._exclude_ids:
            return False
        return not any(re.search(name, variable.path) for name in self._exclude_names)

    def _apply_weight_decay(self, variables, learning_rate):
        if not self.weight_decay:
            return
        for v in variables:
            if self._use_weight_decay(v):
                wd = kcore.cast(self.weight_decay, v.dtype) * kcore.cast(learning_rate, v.dtype)
                v.assign(v.value - v.value * wd)

    def _update_ema(self, variables):
        momentum = self.ema_momentum
        for v in variables:
            average = self.slot(v, "average")
            first = kcore.cast(knp.equal(self._update_count(), 1), v.dtype)
            blended = average.value * momentum + v.value * (1.0 - momentum)
            average.assign(first * v.value + (1.0 - first) * blended)
        if self.ema_overwrite_frequency:
            step = self._update_count() % self.ema_overwrite_frequency
            overwrite = kcore.cast(knp.equal(step, 0), "float32")
            for v in variables:
                flag = kcore.cast(overwrite, v.dtype)
                v.assign(flag * self.slot(v, "average").value + (1.0 - flag) * v.value)

    def finalize_variable_values(self, var_list):
        """At the end of training, copy the moving averages into the variables (when use_ema)."""
        if self.use_ema:
            for v in var_list:
                v.assign(self.slot(v, "average").value)

    # -- pure-function use (jitted steps) ----------------------------------------------
    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        """New `(trainable_values, optimizer_values)` after one step, leaving every variable unchanged.

        `trainable_variables` are values in the order of the variables the optimizer was built for.
        """
        if not self.built:
            raise ValueError(f"{self.name}: build(variables) before stateless_apply.")
        variables = self._built_for
        state = self.variables
        mapping = list(zip(state, optimizer_variables, strict=True)) + \
            list(zip(variables, trainable_variables, strict=True))
        with StatelessScope(mapping) as scope:
            self.apply(grads, variables)
        new_trainable = [scope.get_current_value(v) for v in variables]
        new_state = [_or(scope.get_current_value(v), old) for v, old in zip(state, optimizer_variables,
                                                                           strict=True)]
        return new_trainable, new_state

    # -- configuration -----------------------------------------------------------------
    def get_config(self):
        if self._schedule is not None and _is_schedule(self._schedule):
            learning_rate = serialize_keras_object(self._schedule)
        else:
            learning_rate = float(kcore.convert_to_numpy(self._current_learning_rate()))
        return {"name": self.name, "learning_rate": learning_rate, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = deserialize_keras_object(config["learning_rate"],
                                                               custom_objects=custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"

