"""Adafactor, Ftrl, Lamb, Lion, Muon, ScheduleFreeAdamW; LossScaleOptimizer, MultiOptimizer; `legacy`.

The first six are `Optimizer` subclasses with Keras 3's arguments, slot names and update
rules. `LossScaleOptimizer` and `MultiOptimizer` wrap other optimizers: their `variables`
are their own followed by the inner optimizers', and their `stateless_apply` maps all of
them. The dynamic loss scale skips a step on non-finite gradients with selections
(`where`), not Python branches, so one traced step serves every case.
"""

import re
import types
from collections.abc import MutableMapping

from k_backends.variables import StatelessScope
from k_layers import initializers
from k_layers.serialization import builtin, builtin_objects, deserialize_keras_object, serialize_keras_object
from k_ops import core as kcore
from k_ops import numpy as knp
from k_train.optimizers.optimizer import Optimizer

__all__ = ["Adafactor", "Ftrl", "Lamb", "Lion", "Muon", "ScheduleFreeAdamW", "LossScaleOptimizer",
           "MultiOptimizer", "OptimizerMap", "legacy"]

NS = "keras.optimizers"


def _rms(x):
    return knp.sqrt(knp.mean(knp.square(x)))


def _deserialize_optimizer(config, custom_objects=None):
    return deserialize_keras_object(config, custom_objects=custom_objects, module_objects=builtin_objects(NS))


@builtin(NS, "adafactor")
class Adafactor(Optimizer):
    """Adafactor: Adam-like steps with a factored second moment (row and column means) for matrices.

    Args:
        learning_rate: the base step size (capped at `1 / sqrt(step)`).
        beta_2_decay: the second-moment decay is `1 - step ** beta_2_decay`.
        epsilon_1: added to the squared gradients.
        epsilon_2: the smallest RMS of a variable used to scale its step.
        clip_threshold: updates are divided by `max(1, rms(update) / clip_threshold)`.
        relative_step: cap the learning rate at `1 / sqrt(step)` (Keras 3 always caps it, so
            this only travels in the config).
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
        ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name: see `Optimizer`.

    Slots: for a variable of rank >= 2 a row mean `r` (shape[:-1]) and a column mean `c`
    (shape[:-2] + shape[-1:]), both named after the variable, and "velocity".

    Example:
    >>> opt = Adafactor(learning_rate=0.01)
    """

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=0.001,
                 clip_threshold=1.0, relative_step=True, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        for v in variables:
            shape = tuple(v.shape)
            # Keras keeps unused scalar placeholders for vectors; they are kept so the
            # variable list (and saved weights) line up with Keras's.
            r_shape, c_shape = (shape[:-1], shape[:-2] + shape[-1:]) if len(shape) >= 2 else ((), ())
            for slot, slot_shape in (("r", r_shape), ("c", c_shape)):
                self._slots[(id(v), slot)] = self.add_variable(slot_shape, dtype=v.dtype, name=v.name)
            self.add_variable_from_reference(v, "velocity")

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        step = kcore.cast(self.iterations.value + 1, dtype)
        rho = knp.minimum(learning_rate, 1.0 / knp.sqrt(step))
        alpha = knp.maximum(kcore.cast(self.epsilon_2, dtype), _rms(variable.value)) * rho
        grad_sq = knp.square(gradient) + self.epsilon_1
        beta_2 = 1.0 - knp.power(step, self.beta_2_decay)
        v = self.slot(variable, "velocity")
        if len(variable.shape) >= 2:
            r, c = self.slot(variable, "r"), self.slot(variable, "c")
            self.assign(r, beta_2 * r.value + (1.0 - beta_2) * knp.mean(grad_sq, axis=-1))
            self.assign(c, beta_2 * c.value + (1.0 - beta_2) * knp.mean(grad_sq, axis=-2))
            row = r.value / knp.mean(r.value, axis=-1, keepdims=True)
            self.assign(v, knp.expand_dims(row, -1) * knp.expand_dims(c.value, -2))
        else:
            self.assign(v, beta_2 * v.value + (1.0 - beta_2) * grad_sq)
        update = gradient / knp.sqrt(v.value)
        update = update / knp.maximum(1.0, _rms(update) / self.clip_threshold)
        self.assign_sub(variable, alpha * update)

    def get_config(self):
        return {**super().get_config(), "beta_2_decay": self.beta_2_decay, "epsilon_1": self.epsilon_1,
                "epsilon_2": self.epsilon_2, "clip_threshold": self.clip_threshold,
                "relative_step": self.relative_step}


@builtin(NS, "ftrl")
class Ftrl(Optimizer):
    """FTRL-Proximal ("follow the regularized leader"), with L1, L2 and L2-shrinkage terms.

    Args:
        learning_rate: the step size.
        learning_rate_power: <= 0; the per-coordinate rate falls as `accumulator ** power`.
        initial_accumulator_value: >= 0; the accumulator's starting value.
        l1_regularization_strength, l2_regularization_strength: >= 0.
        l2_shrinkage_regularization_strength: >= 0; an L2 penalty applied through the gradient.
        beta: added to the L2 term as `beta / (2 * learning_rate)`.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
        ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name: see `Optimizer`.

    Slots: "accumulator", "linear".

    Example:
    >>> opt = Ftrl(learning_rate=0.1, l1_regularization_strength=0.01)
    """

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        for arg, value in (("initial_accumulator_value", initial_accumulator_value),
                           ("l1_regularization_strength", l1_regularization_strength),
                           ("l2_regularization_strength", l2_regularization_strength),
                           ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength)):
            if value < 0.0:
                raise ValueError(f"Ftrl: {arg} must be >= 0; got {arg}={value}.")
        if learning_rate_power > 0.0:
            raise ValueError(f"Ftrl: learning_rate_power must be <= 0; got "
                             f"learning_rate_power={learning_rate_power}.")
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        start = initializers.Constant(self.initial_accumulator_value)
        for v in variables:
            self.add_variable_from_reference(v, "accumulator", initializer=start)
            self.add_variable_from_reference(v, "linear")

    def update_step(self, gradient, variable, learning_rate):
        accum, linear = self.slot(variable, "accumulator"), self.slot(variable, "linear")
        power = -self.learning_rate_power
        l2 = self.l2_regularization_strength + self.beta / (2.0 * learning_rate)
        shrunk_grad = gradient + 2 * self.l2_shrinkage_regularization_strength * variable.value
        new_accum = accum.value + knp.square(gradient)
        sigma = (knp.power(new_accum, power) - knp.power(accum.value, power)) / learning_rate
        self.assign_add(linear, shrunk_grad - sigma * variable.value)
        quadratic = knp.power(new_accum, power) / learning_rate + 2 * l2
        l1 = self.l1_regularization_strength
        self.assign(variable, (knp.clip(linear.value, -l1, l1) - linear.value) / quadratic)
        self.assign(accum, new_accum)

    def get_config(self):
        return {**super().get_config(), "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
                "beta": self.beta}


@builtin(NS)
class Lamb(Optimizer):
    """LAMB: Adam's step rescaled per variable by `||variable|| / ||step||` (layer-wise trust ratio).

    Args:
        learning_rate: the step size.
        beta_1, beta_2: decay rates of the first and second moments.
        epsilon: added to the second moment's square root.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
        ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name: see `Optimizer`.

    Slots: "momentum", "velocity".

    Example:
    >>> opt = Lamb(learning_rate=0.01)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-07, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        for v in variables:
            self.add_variable_from_reference(v, "momentum")
            self.add_variable_from_reference(v, "velocity")

    def update_step(self, gradient, variable, learning_rate):
        step = kcore.cast(self.iterations.value + 1, variable.dtype)
        m, v = self.slot(variable, "momentum"), self.slot(variable, "velocity")
        self.assign_add(m, (gradient - m.value) * (1 - self.beta_1))
        self.assign_add(v, (knp.square(gradient) - v.value) * (1 - self.beta_2))
        m_hat = m.value / (1.0 - knp.power(kcore.cast(self.beta_1, variable.dtype), step))
        v_hat = v.value / (1.0 - knp.power(kcore.cast(self.beta_2, variable.dtype), step))
        update = m_hat / (knp.sqrt(v_hat) + self.epsilon)
        w_norm = knp.sqrt(knp.sum(knp.square(variable.value)))
        u_norm = knp.sqrt(knp.sum(knp.square(update)))
        # The trust ratio is 1 when either norm is zero (a fresh zero variable, a zero step).
        safe_u_norm = knp.where(u_norm > 0, u_norm, 1.0)
        ratio = knp.where(knp.logical_and(w_norm > 0, u_norm > 0), w_norm / safe_u_norm, 1.0)
        self.assign_sub(variable, ratio * learning_rate * update)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


@builtin(NS, "lion")
class Lion(Optimizer):
    """Lion: steps of `learning_rate * sign(interpolated momentum)`.

    Args:
        learning_rate: the step size.
        beta_1: in (0, 1]; mixes momentum and gradient for the step's sign.
        beta_2: the momentum's decay rate.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
        ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name: see `Optimizer`.

    Slots: "momentum".

    Example:
    >>> opt = Lion(learning_rate=1e-4)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(f"Lion: beta_1 must be in (0, 1] (at 0 Lion is SignSGD); got beta_1={beta_1}.")
        self.beta_1, self.beta_2 = beta_1, beta_2

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        for v in variables:
            self.add_variable_from_reference(v, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        m = self.slot(variable, "momentum")
        direction = knp.sign(m.value * self.beta_1 + gradient * (1.0 - self.beta_1))
        self.assign_sub(variable, learning_rate * direction)
        self.assign(m, m.value * self.beta_2 + gradient * (1.0 - self.beta_2))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2}


@builtin(NS, "muon")
class Muon(Optimizer):
    """Muon: momentum orthogonalized by Newton-Schulz iterations for 2-D weights, AdamW for the rest.

    A variable takes the AdamW path when it is not exactly 2-D, when `exclude_embeddings`
    and its path contains "embedding", or when its path matches a regex of `exclude_layers`.

    Args:
        learning_rate: the step size (the AdamW path uses `learning_rate * adam_lr_ratio`).
        adam_beta_1, adam_beta_2: the AdamW path's moment decay rates.
        adam_weight_decay: the AdamW path's decoupled weight decay.
        epsilon: the AdamW path's epsilon.
        weight_decay: the Muon path's decoupled weight decay.
        clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum, ema_overwrite_frequency,
        loss_scale_factor, gradient_accumulation_steps, name: see `Optimizer`.
        exclude_layers: regexes of variable paths that take the AdamW path.
        exclude_embeddings: embeddings take the AdamW path.
        muon_a, muon_b, muon_c: the quintic Newton-Schulz coefficients.
        adam_lr_ratio: the AdamW path's learning-rate multiplier.
        momentum: the Muon path's momentum.
        ns_steps: Newton-Schulz iterations.
        nesterov: use Nesterov momentum on the Muon path.
        rms_rate: the Muon step is scaled by `sqrt(max(rows, cols)) * rms_rate` (None: unscaled).

    Slots: "momentum" for every variable, "velocity" for the AdamW ones.

    Example:
    >>> opt = Muon(learning_rate=0.02, exclude_layers=["head"])
    """

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999, adam_weight_decay=0.004,
                 epsilon=1e-07, weight_decay=0.004, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, exclude_layers=None, exclude_embeddings=True,
                 muon_a=3.4445, muon_b=-4.775, muon_c=2.0315, adam_lr_ratio=1, momentum=0.95, ns_steps=5,
                 nesterov=True, rms_rate=0.2, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.adam_beta_1, self.adam_beta_2, self.epsilon = adam_beta_1, adam_beta_2, epsilon
        self.muon_a, self.muon_b, self.muon_c = muon_a, muon_b, muon_c
        self.adam_lr_ratio = adam_lr_ratio
        self.momentum = momentum
        self.ns_steps = ns_steps
        self.nesterov = nesterov
        self.exclude_embeddings = exclude_embeddings
        self.exclude_layers = exclude_layers or []
        self.adam_weight_decay = adam_weight_decay
        self.rms_rate = rms_rate

    def _should_use_adamw(self, variable):
        if len(variable.shape) != 2:
            return True
        if self.exclude_embeddings and "embedding" in variable.path.lower():
            return True
        return any(re.search(pattern, variable.path) for pattern in self.exclude_layers)

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        for v in variables:
            self.add_variable_from_reference(v, "momentum")
            if self._should_use_adamw(v):
                self.add_variable_from_reference(v, "velocity")

    def update_step(self, gradient, variable, learning_rate):
        m = self.slot(variable, "momentum")
        if self._should_use_adamw(variable):
            self._adamw_step(gradient, variable, learning_rate * self.adam_lr_ratio, m,
                             self.slot(variable, "velocity"))
        else:
            self._muon_step(gradient, variable, learning_rate, m)

    def _muon_step(self, gradient, variable, learning_rate, m):
        self.assign(m, m.value * self.momentum + gradient)
        direction = gradient + self.momentum * m.value if self.nesterov else m.value
        update = learning_rate * self.zeropower_via_newtonschulz5(direction, self.ns_steps)
        if self.rms_rate is not None:
            rows, cols = variable.shape[0], variable.shape[1]
            update = update * (float(max(rows, cols)) ** 0.5 * self.rms_rate)
        self.assign_sub(variable, update)

    def _adamw_step(self, gradient, variable, learning_rate, m, v):
        step = kcore.cast(self.iterations.value + 1, variable.dtype)
        beta_1_power = knp.power(kcore.cast(self.adam_beta_1, variable.dtype), step)
        beta_2_power = knp.power(kcore.cast(self.adam_beta_2, variable.dtype), step)
        alpha = learning_rate * knp.sqrt(1 - beta_2_power) / (1 - beta_1_power)
        self.assign_add(m, (gradient - m.value) * (1 - self.adam_beta_1))
        self.assign_add(v, (knp.square(gradient) - v.value) * (1 - self.adam_beta_2))
        self.assign_sub(variable, m.value * alpha / (knp.sqrt(v.value) + self.epsilon))

    def zeropower_via_newtonschulz5(self, x, steps):
        """An approximately orthogonal matrix with `x`'s singular vectors (quintic Newton-Schulz)."""
        if len(x.shape) < 2:
            raise ValueError(f"Muon: Newton-Schulz needs at least 2 dimensions; got shape={tuple(x.shape)}.")
        wide = x.shape[-2] > x.shape[-1]
        # Iterate on the short side (X X^T is the small Gram matrix).
        if wide:
            x = knp.swapaxes(x, -1, -2)
        x = x / (knp.sqrt(knp.sum(knp.square(x), axis=(-2, -1), keepdims=True)) + 1e-7)
        for _ in range(steps):
            gram = knp.matmul(x, knp.swapaxes(x, -1, -2))
            poly = self.muon_b * gram + self.muon_c * knp.matmul(gram, gram)
            x = self.muon_a * x + knp.matmul(poly, x)
        return knp.swapaxes(x, -1, -2) if wide else x

    def _apply_weight_decay(self, variables, learning_rate):
        # Each path has its own decay rate (weight_decay for Muon, adam_weight_decay for AdamW).
        for v in variables:
            if not self._use_weight_decay(v):
                continue
            rate = self.adam_weight_decay if self._should_use_adamw(v) else self.weight_decay
            if rate is None:
                continue
            v.assign(v.value - v.value * kcore.cast(rate, v.dtype) * kcore.cast(learning_rate, v.dtype))

    def get_config(self):
        return {**super().get_config(), "adam_beta_1": self.adam_beta_1, "adam_beta_2": self.adam_beta_2,
                "epsilon": self.epsilon, "exclude_layers": self.exclude_layers, "muon_a": self.muon_a,
                "muon_b": self.muon_b, "muon_c": self.muon_c, "adam_lr_ratio": self.adam_lr_ratio,
                "momentum": self.momentum, "ns_steps": self.ns_steps, "nesterov": self.nesterov,
                "exclude_embeddings": self.exclude_embeddings, "adam_weight_decay": self.adam_weight_decay,
                "rms_rate": self.rms_rate}


@builtin(NS, "schedulefreeadamw")
class ScheduleFreeAdamW(Optimizer):
    """Schedule-free AdamW: Adam steps on a base sequence `z`, variables interpolate `z` and its average.

    The variables hold the interpolation `y = (1 - beta_1) z + beta_1 x`, where `x` is the
    running uniform average of `z`; no learning-rate schedule is needed.

    Args:
        learning_rate: the step size.
        beta_1: the interpolation weight.
        beta_2: the second moment's decay rate.
        epsilon: added to the second moment's square root.
        warmup_steps: the learning rate ramps up linearly over this many steps.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
        ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name: see `Optimizer`.

    Slots: "momentum" (the sequence `z`, starting at the variable), "velocity".

    Example:
    >>> opt = ScheduleFreeAdamW(learning_rate=0.0025, warmup_steps=100)
    """

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-08, warmup_steps=0,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.warmup_steps = warmup_steps

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        for v in variables:
            self.add_variable_from_reference(v, "momentum").assign(v.value)
            self.add_variable_from_reference(v, "velocity")

    def update_step(self, gradient, variable, learning_rate):
        step = kcore.cast(self.iterations.value + 1, variable.dtype)
        if self.warmup_steps > 0:
            learning_rate = learning_rate * knp.minimum(step / self.warmup_steps, 1.0)
        z, v = self.slot(variable, "momentum"), self.slot(variable, "velocity")
        z_old = z.value
        self.assign_add(v, (knp.square(gradient) - v.value) * (1 - self.beta_2))
        bias_correction = 1 - knp.power(kcore.cast(self.beta_2, variable.dtype), step)
        self.assign_sub(z, learning_rate * gradient / (knp.sqrt(v.value / bias_correction) + self.epsilon))
        weight = 1.0 / step
        x_old = (variable.value - (1 - self.beta_1) * z_old) / self.beta_1
        x_new = (1 - weight) * x_old + weight * z.value
        self.assign(variable, (1 - self.beta_1) * z.value + self.beta_1 * x_new)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "warmup_steps": self.warmup_steps}


class _WrappingOptimizer(Optimizer):
    """An optimizer whose state includes inner optimizers' variables (after its own)."""

    def _inner(self):
        raise NotImplementedError

    @property
    def variables(self):
        return list(self._variables) + [v for opt in self._inner() for v in opt.variables]

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        """New `(trainable_values, optimizer_values)` after a step; the latter follow `variables`."""
        if not self.built:
            raise ValueError(f"{self.name}: build(variables) before stateless_apply.")
        state = self.variables
        mapping = list(zip(state, optimizer_variables, strict=True)) + \
            list(zip(self._built_for, trainable_variables, strict=True))
        with StatelessScope(mapping) as scope:
            self.apply(grads, self._built_for)
        return ([scope.get_current_value(v) for v in self._built_for],
                [scope.get_current_value(v) for v in state])


_OWN_DEFAULTS = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
                 "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
                 "loss_scale_factor": None, "gradient_accumulation_steps": None}


@builtin(NS, "lossscaleoptimizer")
class LossScaleOptimizer(_WrappingOptimizer):
    """Dynamic loss scaling around another optimizer (for float16 training).

    Multiply the loss by `scale_loss(loss)` before differentiating; `apply` divides the
    gradients by the scale. When a gradient holds inf or NaN the step is skipped (the
    variables and the inner optimizer's state are kept) and the scale halves; after
    `dynamic_growth_steps` finite steps in a row it doubles.

    Args:
        inner_optimizer: the `Optimizer` that makes the steps.
        initial_scale: the starting loss scale.
        dynamic_growth_steps: finite steps between doublings of the scale.
        name: the optimizer's name.

    Variables: its own ("iteration", "learning_rate", then after building "step_counter" and
    "dynamic_scale"), followed by the inner optimizer's.

    Example:
    >>> opt = LossScaleOptimizer(kappa.optimizers.SGD(0.1), initial_scale=1024.0)
    """

    def __init__(self, inner_optimizer, initial_scale=2.0**15, dynamic_growth_steps=2000, name=None,
                 **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer no longer supports dynamic=False; set loss_scale_factor on "
                             "the inner optimizer for a fixed scale.")
        for arg, default in _OWN_DEFAULTS.items():
            if arg in kwargs and kwargs.pop(arg) != default:
                raise ValueError(f"LossScaleOptimizer does not take {arg}; set it on the inner_optimizer.")
        if kwargs:
            raise ValueError(f"LossScaleOptimizer got unsupported arguments: {sorted(kwargs)}.")
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError(f"LossScaleOptimizer: inner_optimizer must be an Optimizer; got "
                            f"{inner_optimizer!r}.")
        super().__init__(learning_rate=0.0, name=name)
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        self.inner_optimizer.loss_scale_factor = None

    def _inner(self):
        return [self.inner_optimizer]

    def build(self, variables):
        if self.built:
            return
        self.step_counter = self.add_variable((), dtype="int64", name="step_counter")
        self.dynamic_scale = self.add_variable((), initializer=initializers.Constant(self.initial_scale),
                                               dtype="float32", name="dynamic_scale")
        self.inner_optimizer.build(variables)
        super().build(variables)

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    def scale_loss(self, loss):
        """`loss` times the current scale (the initial scale before the first step)."""
        scale = self.dynamic_scale.value if self.built else self.initial_scale
        return knp.multiply(loss, scale)

    def check_finite(self, grads):
        """A boolean tensor: every gradient (None ones skipped) is finite."""
        flags = [knp.all(knp.isfinite(g)) for g in grads if g is not None]
        return knp.all(knp.stack(flags)) if flags else kcore.convert_to_tensor(True)

    def apply(self, grads, trainable_variables=None):
        """Unscale `grads` and step the inner optimizer, or skip the step on non-finite gradients."""
        if trainable_variables is None:
            if not self.built:
                raise ValueError(f"{self.name}: call apply(grads, trainable_variables) the first time (or "
                                 "build(variables)).")
            trainable_variables = self._built_for
        trainable_variables = list(trainable_variables)
        if not self.built:
            self.build(trainable_variables)
        grads = [None if g is None else kcore.convert_to_tensor(g) for g in grads]
        finite = self.check_finite(grads)
        scale = self.dynamic_scale.value
        # Non-finite gradients become zeros so the (discarded) inner step stays finite.
        unscaled = [None if g is None else
                    knp.where(finite, g / kcore.cast(scale, g.dtype), knp.zeros_like(g)) for g in grads]
        kept = list(trainable_variables) + self.inner_optimizer.variables
        before = [v.value for v in kept]
        self.inner_optimizer.apply(unscaled, trainable_variables)
        for variable, old in zip(kept, before, strict=True):
            variable.assign(knp.where(finite, variable.value, old))
        counter = self.step_counter.value
        grow = knp.logical_and(finite, knp.equal(counter, self.dynamic_growth_steps - 1))
        self.step_counter.assign(knp.where(knp.logical_and(finite, knp.logical_not(grow)), counter + 1,
                                                knp.zeros_like(counter)))
        factor = knp.where(grow, 2.0, knp.where(finite, 1.0, 0.5))
        self.dynamic_scale.assign(scale * kcore.cast(factor, "float32"))
        return self.iterations.value

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self):
        return {"name": self.name, "inner_optimizer": serialize_keras_object(self.inner_optimizer),
                "initial_scale": self.initial_scale, "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        inner = _deserialize_optimizer(config.pop("inner_optimizer"), custom_objects)
        return cls(inner, **config)


@builtin(NS, "optimizermap")
class OptimizerMap(MutableMapping):
    """Which optimizer updates which variable: regexes of variable paths -> optimizers, and a default.

    A key equal to the path wins; otherwise the one key whose regex fully matches the path
    (two matches are an error); otherwise `default_optimizer`. Calling the map on a
    variable returns its optimizer.

    Args:
        default_optimizer: the optimizer of variables no key matches.
        optimizer_map: `{path regex: optimizer}`.

    Example:
    >>> routes = OptimizerMap(kappa.optimizers.Adam(), {".*bias": kappa.optimizers.SGD()})
    """

    def __init__(self, default_optimizer, optimizer_map=None):
        if not isinstance(default_optimizer, Optimizer):
            raise TypeError(f"OptimizerMap: default_optimizer must be an Optimizer; got "
                            f"{default_optimizer!r}.")
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise TypeError(f"OptimizerMap: optimizer_map must be a dict; got {optimizer_map!r}.")
        self._default_optimizer = default_optimizer
        self._optimizer_map = {}
        for key, optimizer in (optimizer_map or {}).items():
            self[key] = optimizer

    @property
    def default_optimizer(self):
        return self._default_optimizer

    def __getitem__(self, path):
        if path in self._optimizer_map:
            return self._optimizer_map[path]
        matches = [key for key in self._optimizer_map if re.fullmatch(key, path)]
        if len(matches) > 1:
            raise ValueError(f"OptimizerMap: variable {path!r} matches several keys: {matches}.")
        return self._optimizer_map[matches[0]] if matches else self._default_optimizer

    def __setitem__(self, key, optimizer):
        if not isinstance(key, str):
            raise ValueError(f"OptimizerMap: keys are path regexes (strings); got {key!r}.")
        if key in self._optimizer_map:
            raise ValueError(f"OptimizerMap: {key!r} already maps to {self._optimizer_map[key]!r}.")
        if not isinstance(optimizer, Optimizer):
            raise ValueError(f"OptimizerMap: {key!r} must map to an Optimizer; got {optimizer!r}.")
        if isinstance(optimizer, (LossScaleOptimizer, MultiOptimizer)):
            raise ValueError(f"OptimizerMap: {key!r} cannot map to a {type(optimizer).__name__}.")
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key):
        del self._optimizer_map[key]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable):
        return self[variable.path]

    def get_config(self):
        return {"default_optimizer": serialize_keras_object(self._default_optimizer),
                "optimizer_map": serialize_keras_object(self._optimizer_map)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        default = _deserialize_optimizer(config["default_optimizer"], custom_objects)
        routes = {key: _deserialize_optimizer(value, custom_objects)
                  for key, value in (config.get("optimizer_map") or {}).items()}
        return cls(default, routes)


@builtin(NS, "multioptimizer")
class MultiOptimizer(_WrappingOptimizer):
    """Several optimizers, each updating the variables `optimizer_map` routes to it.

    Args:
        optimizer_map: an `OptimizerMap` (or any callable from a variable to its optimizer).
        loss_scale_factor: given to every inner optimizer.
        name: the optimizer's name.

    Example:
    >>> opt = MultiOptimizer(OptimizerMap(kappa.optimizers.Adam(), {".*bias": kappa.optimizers.SGD()}))
    """

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        self._inner_optimizers = []
        super().__init__(learning_rate=0.0, loss_scale_factor=loss_scale_factor, name=name)
        self._optimizer_map = optimizer_map
        candidates = list(optimizer_map.values()) if hasattr(optimizer_map, "values") else []
        default = getattr(optimizer_map, "default_optimizer", None)
        for opt in [*candidates, *([default] if default is not None else [])]:
            self._add_inner(opt)

    def _add_inner(self, opt):
        if not any(opt is known for known in self._inner_optimizers):
            opt.loss_scale_factor = self.loss_scale_factor
            self._inner_optimizers.append(opt)

    def _inner(self):
        return self._inner_optimizers

    @property
    def optimizers(self):
        return list(self._inner_optimizers)

    @property
    def loss_scale_factor(self):
        return getattr(self, "_loss_scale_factor", None)

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        self._loss_scale_factor = value
        for opt in getattr(self, "_inner_optimizers", ()):
            opt.loss_scale_factor = value

    @property
    def learning_rate(self):
        raise AttributeError("MultiOptimizer has no single learning rate; use its sub-optimizers' "
                             "(`optimizers`).")

    @learning_rate.setter
    def learning_rate(self, value):
        raise AttributeError("MultiOptimizer has no single learning rate; set its sub-optimizers' "
                             "(`optimizers`).")

    def _index_of(self, opt):
        return next(i for i, known in enumerate(self._inner_optimizers) if known is opt)

    def build(self, variables):
        if self.built:
            return
        self._route = {}
        for v in variables:
            opt = self._optimizer_map(v)
            if not isinstance(opt, Optimizer):
                raise ValueError(f"MultiOptimizer: the optimizer for {v.path!r} is not an Optimizer: "
                                 f"{opt!r}.")
            if isinstance(opt, (LossScaleOptimizer, MultiOptimizer)):
                raise ValueError(f"MultiOptimizer: {v.path!r} is routed to a {type(opt).__name__}, which "
                                 "cannot be nested in a MultiOptimizer.")
            self._add_inner(opt)
            self._route[id(v)] = self._index_of(opt)
        for i, opt in enumerate(self._inner_optimizers):
            routed = [v for v in variables if self._route[id(v)] == i]
            if routed:
                opt.build(routed)
        super().build(variables)

    def _split(self, variables, values=None):
        groups = [([], []) for _ in self._inner_optimizers]
        for i, v in enumerate(variables):
            index = self._route.get(id(v))
            if index is None:
                raise ValueError(f"MultiOptimizer: {v.path!r} is not among the variables it was built for.")
            groups[index][0].append(v)
            groups[index][1].append(None if values is None else values[i])
        return groups

    def apply(self, grads, trainable_variables=None):
        """Hand each sub-optimizer the gradients of its variables; returns the step count."""
        if trainable_variables is None:
            if not self.built:
                raise ValueError(f"{self.name}: call apply(grads, trainable_variables) the first time (or "
                                 "build(variables)).")
            trainable_variables = self._built_for
        grads, trainable_variables = list(grads), list(trainable_variables)
        if not self.built:
            self.build(trainable_variables)
        if len(grads) != len(trainable_variables):
            raise ValueError(f"{self.name}: got {len(grads)} gradients for {len(trainable_variables)} "
                             "variables.")
        for opt, (variables, sub_grads) in zip(self._inner_optimizers,
                                               self._split(trainable_variables, grads), strict=True):
            if variables:
                opt.apply(sub_grads, variables)
        self._iterations.assign(self._iterations.value + 1)
        return self._iterations.value

    def finalize_variable_values(self, var_list):
        for opt, (variables, _) in zip(self._inner_optimizers, self._split(var_list), strict=True):
            if variables:
                opt.finalize_variable_values(variables)

    def get_config(self):
        return {"optimizer_map": serialize_keras_object(self._optimizer_map),
                "loss_scale_factor": self.loss_scale_factor, "name": self.name}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        routes = config["optimizer_map"]
        if isinstance(routes, dict) and routes.get("class_name") == "OptimizerMap":
            config["optimizer_map"] = OptimizerMap.from_config(routes["config"], custom_objects)
        else:
            config["optimizer_map"] = deserialize_keras_object(routes, custom_objects=custom_objects,
                                                               module_objects=builtin_objects(NS))
        return cls(**config)


def _legacy_class(name):
    def __init__(self, *args, **kwargs):
        raise ImportError(
            f"kappa.optimizers.legacy.{name}: legacy (Keras 2) optimizers are not supported, as in Keras 3. "
            f"Use kappa.optimizers.{name} instead (its arguments are Keras 3's); to keep a Keras 2 "
            "optimizer, install `tf_keras` and use it with tf.keras.")
    return type(name, (), {"__init__": __init__, "__module__": "kappa.optimizers.legacy",
                           "__doc__": f"Keras 2's `{name}`: unsupported; creating one raises ImportError."})


legacy = types.ModuleType("kappa.optimizers.legacy", "Keras 2's optimizers: unsupported, as in Keras 3 "
                          "(creating one raises ImportError).")
for _name in ("Adagrad", "Adam", "Ftrl", "Optimizer", "RMSprop", "SGD"):
    setattr(legacy, _name, _legacy_class(_name))
legacy.__all__ = ["Adagrad", "Adam", "Ftrl", "Optimizer", "RMSprop", "SGD"]
del _name
