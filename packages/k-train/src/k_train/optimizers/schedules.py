"""`kappa.optimizers.schedules`: learning rates as functions of the optimizer's step count.

A schedule is called with the step (a Python int or the optimizer's int64 `iterations`
tensor) and returns the learning rate as a float tensor. Every formula is written with
k_ops and picks between regimes (warmup or decay, one boundary or the next) with
arithmetic and `where`, never with a Python `if` on the step, so a schedule traces once
under `jax.jit` or `tf.function` and serves every step. Only configuration values (such
as `staircase` or `t_mul == 1`) choose code paths.
"""

import math

from k_backends.config import floatx
from k_layers.serialization import builtin, builtin_objects, deserialize_keras_object, serialize_keras_object
from k_ops import core as kcore
from k_ops import numpy as knp

__all__ = ["LearningRateSchedule", "ExponentialDecay", "InverseTimeDecay", "PiecewiseConstantDecay",
           "PolynomialDecay", "CosineDecay", "CosineDecayRestarts", "serialize", "deserialize"]

NAMESPACE = "keras.optimizers.schedules"


def _float_step(step):
    """The step as a float tensor of the default float dtype."""
    return kcore.cast(kcore.convert_to_tensor(step), floatx())


def _as_float(value):
    return kcore.cast(kcore.convert_to_tensor(value), floatx())


@builtin(NAMESPACE)
class LearningRateSchedule:
    """Base class of the learning-rate schedules: implement `__call__(step)` and `get_config()`.

    An instance can be passed as an optimizer's `learning_rate`; the optimizer calls it
    with its step count before every update.

    Example:
    >>> class Halving(LearningRateSchedule):
    ...     def __call__(self, step):
    ...         return 0.1 * 0.5 ** kcore.cast(step, "float32")
    ...     def get_config(self):
    ...         return {}
    >>> round(float(Halving()(2)), 6)
    0.025
    """

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule {type(self).__name__!r} must override "
                                  "`__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(f"Learning rate schedule {type(self).__name__!r} must override "
                                  "`get_config()` to be serializable.")

    @classmethod
    def from_config(cls, config):
        """The schedule `get_config()` describes."""
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} {self.get_config()}>"


@builtin(NAMESPACE)
class ExponentialDecay(LearningRateSchedule):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: the rate is multiplied by `decay_rate` every this many steps.
        decay_rate: the factor applied per `decay_steps` steps.
        staircase: floor `step / decay_steps`, so the rate changes in steps.
        name: the schedule's name.

    Example:
    >>> round(float(ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)(10)), 6)
    0.05
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        progress = _float_step(step) / _as_float(self.decay_steps)
        if self.staircase:
            progress = knp.floor(progress)
        return _as_float(self.initial_learning_rate) * knp.power(_as_float(self.decay_rate), progress)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


@builtin(NAMESPACE)
class InverseTimeDecay(LearningRateSchedule):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: the step scale of the decay.
        decay_rate: how fast the rate falls.
        staircase: floor `step / decay_steps`, so the rate changes in steps.
        name: the schedule's name.

    Example:
    >>> round(float(InverseTimeDecay(0.1, decay_steps=10, decay_rate=1.0)(10)), 6)
    0.05
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        progress = _float_step(step) / _as_float(self.decay_steps)
        if self.staircase:
            progress = knp.floor(progress)
        return _as_float(self.initial_learning_rate) / (1.0 + _as_float(self.decay_rate) * progress)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


@builtin(NAMESPACE)
class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` while `step <= boundaries[0]`, `values[i]` while `boundaries[i-1] < step <= boundaries[i]`.

    Args:
        boundaries: increasing step numbers where the rate changes.
        values: the rates, one more than `boundaries`.
        name: the schedule's name.

    Example:
    >>> schedule = PiecewiseConstantDecay(boundaries=[100, 200], values=[1.0, 0.5, 0.1])
    >>> [round(float(schedule(s)), 6) for s in (100, 101, 500)]
    [1.0, 0.5, 0.1]
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError("PiecewiseConstantDecay expects one more value than boundaries; got "
                             f"boundaries={boundaries!r} (length {len(boundaries)}) and values={values!r} "
                             f"(length {len(values)}).")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        step = kcore.convert_to_tensor(step)
        values = [kcore.convert_to_tensor(v) for v in self.values]
        # Walk the boundaries in order: past boundary i, the rate is values[i + 1].
        result = values[0]
        for boundary, value in zip(self.boundaries, values[1:], strict=True):
            result = knp.where(knp.greater(step, boundary), value, result)
        return result

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


@builtin(NAMESPACE)
class PolynomialDecay(LearningRateSchedule):
    """From `initial_learning_rate` to `end_learning_rate` over `decay_steps`, along `(1 - t) ** power`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: the number of steps the decay takes.
        end_learning_rate: the rate after `decay_steps` steps.
        power: the polynomial's power (1.0 is linear).
        cycle: after `decay_steps`, restart the decay over the next multiple of
            `decay_steps` instead of staying at `end_learning_rate`.
        name: the schedule's name.

    Example:
    >>> round(float(PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.0)(5)), 6)
    0.05
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                 name="PolynomialDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        step = _float_step(step)
        decay_steps = _as_float(self.decay_steps)
        if self.cycle:
            # The decay spans the next multiple of decay_steps; at step 0 that multiple is 1, not 0.
            multiple = knp.maximum(knp.ceil(step / decay_steps), 1.0)
            decay_steps = decay_steps * multiple
        else:
            step = knp.minimum(step, decay_steps)
        start, end = _as_float(self.initial_learning_rate), _as_float(self.end_learning_rate)
        remaining = knp.power(1.0 - step / decay_steps, _as_float(self.power))
        return (start - end) * remaining + end

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


def _cosine_factor(fraction, alpha):
    """`(1 - alpha) * (1 + cos(pi * fraction)) / 2 + alpha`, for fraction in [0, 1]."""
    cosine = 0.5 * (1.0 + knp.cos(math.pi * fraction))
    return (1.0 - alpha) * cosine + alpha


@builtin(NAMESPACE)
class CosineDecay(LearningRateSchedule):
    """Cosine decay over `decay_steps` down to `alpha` times the peak, after an optional linear warmup.

    Without `warmup_target` the decay starts at `initial_learning_rate` at step 0 (and
    `warmup_steps` is unused). With it, the rate rises linearly from
    `initial_learning_rate` to `warmup_target` over `warmup_steps`, then decays from
    `warmup_target`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: the number of steps the cosine decay takes.
        alpha: the final rate as a fraction of the peak rate.
        name: the schedule's name.
        warmup_target: the rate reached at the end of the warmup; None for no warmup.
        warmup_steps: the length of the warmup.

    Example:
    >>> round(float(CosineDecay(0.1, decay_steps=10)(5)), 6)
    0.05
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay", warmup_target=None,
                 warmup_steps=0):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def __call__(self, step):
        step = _float_step(step)
        initial = _as_float(self.initial_learning_rate)
        decay_steps = _as_float(self.decay_steps)
        if self.warmup_target is None:
            fraction = knp.minimum(step, decay_steps) / decay_steps
            return initial * _cosine_factor(fraction, self.alpha)
        target = _as_float(self.warmup_target)
        warmup_steps = _as_float(self.warmup_steps)
        # max(.., 1) keeps the unused warmup branch finite when warmup_steps is 0.
        warmup = initial + (target - initial) * step / knp.maximum(warmup_steps, 1.0)
        fraction = knp.minimum(knp.maximum(step - warmup_steps, 0.0), decay_steps) / decay_steps
        decay = target * _cosine_factor(fraction, self.alpha)
        return knp.where(knp.less(step, warmup_steps), warmup, decay)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


@builtin(NAMESPACE)
class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): each period is `t_mul` times longer and `m_mul` times lower.

    Args:
        initial_learning_rate: the rate at step 0 (and the first restart's peak).
        first_decay_steps: the length of the first period.
        t_mul: each period's length relative to the previous one.
        m_mul: each period's peak rate relative to the previous one.
        alpha: the lowest rate of a period, as a fraction of `initial_learning_rate`.
        name: the schedule's name.

    Example:
    >>> schedule = CosineDecayRestarts(0.1, first_decay_steps=5)
    >>> round(float(schedule(5)), 6)  # the first restart
    0.1
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        periods = _float_step(step) / _as_float(self.first_decay_steps)
        t_mul = self._t_mul
        if t_mul == 1.0:
            restarts = knp.floor(periods)
            fraction = periods - restarts
        else:
            # Period i starts after (1 - t_mul**i) / (1 - t_mul) first-periods: invert that sum.
            restarts = knp.floor(knp.log(1.0 - periods * (1.0 - t_mul)) / math.log(t_mul))
            period_start = (1.0 - knp.power(_as_float(t_mul), restarts)) / (1.0 - t_mul)
            fraction = (periods - period_start) / knp.power(_as_float(t_mul), restarts)
        peak = knp.power(_as_float(self._m_mul), restarts)
        cosine = 0.5 * peak * (1.0 + knp.cos(math.pi * fraction))
        return _as_float(self.initial_learning_rate) * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate,
                "first_decay_steps": self.first_decay_steps, "t_mul": self._t_mul, "m_mul": self._m_mul,
                "alpha": self.alpha, "name": self.name}


def serialize(learning_rate_schedule):
    """A schedule as Keras 3's config dict (`module`, `class_name`, `config`, `registered_name`).

    Example:
    >>> serialize(ExponentialDecay(0.1, 10, 0.5))["class_name"]
    'ExponentialDecay'
    """
    return serialize_keras_object(learning_rate_schedule)


def deserialize(config, custom_objects=None):
    """The schedule a config describes (`{"class_name": ..., "config": {...}}`).

    Example:
    >>> deserialize({"class_name": "CosineDecay", "config": {"initial_learning_rate": 0.1,
    ...                                                     "decay_steps": 10}}).decay_steps
    10
    """
    return deserialize_keras_object(config, custom_objects=custom_objects,
                                    module_objects=builtin_objects(NAMESPACE))
