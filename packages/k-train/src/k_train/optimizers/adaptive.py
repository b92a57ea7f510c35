"""Keras 3's classic optimizers: SGD and the adaptive family (Adam and its kin, RMSprop, Adagrad, Adadelta).

Each class only says how one variable moves given its gradient (`update_step`) and which
slots it keeps (`build`); clipping, weight decay, accumulation, EMA and loss scaling come
from `Optimizer.apply`. The step used for bias corrections is `iterations + 1`, because
the base increments `iterations` after the update steps (with gradient accumulation,
the number of updates made so far, as in Keras).
"""

from k_layers import initializers
from k_layers.serialization import builtin
from k_ops import core as kcore
from k_ops import numpy as knp
from k_train.optimizers.optimizer import Optimizer

__all__ = ["SGD", "Adam", "AdamW", "Adamax", "Nadam", "RMSprop", "Adagrad", "Adadelta"]

NS = "keras.optimizers"


def _step(optimizer, dtype, offset=1):
    """The 1-based number of the update being made (`offset=1`), as a float of `dtype`.

    With gradient accumulation Keras counts updates, not calls: `iterations // steps`.
    """
    iterations = optimizer.iterations.value
    if optimizer.gradient_accumulation_steps:
        iterations = iterations // optimizer.gradient_accumulation_steps
    return kcore.cast(iterations + offset, dtype)


def _base_options(weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
                  ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name):
    return dict(weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
                ema_overwrite_frequency=ema_overwrite_frequency, loss_scale_factor=loss_scale_factor,
                gradient_accumulation_steps=gradient_accumulation_steps, name=name)


@builtin(NS, "sgd")
class SGD(Optimizer):
    """Gradient descent, with optional (Nesterov) momentum.

    With momentum: `m = momentum * m - lr * g`, then `w += m` (or, with `nesterov`,
    `w += momentum * m - lr * g`); without: `w -= lr * g`.

    Args:
        learning_rate: a float, a schedule or a callable of no arguments.
        momentum: a float in [0, 1]; 0 keeps no momentum slot.
        nesterov: use Nesterov momentum.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
        ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name:
            the options of `Optimizer`.

    Example:
    >>> w = kappa.Variable([1.0, 2.0])
    >>> _ = kappa.optimizers.SGD(learning_rate=0.1).apply([kappa.ops.ones((2,))], [w])
    >>> w.numpy()
    array([0.9, 1.9], dtype=float32)
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **_base_options(
            weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
            ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name), **kwargs)
        # Keras accepts only a float here (momentum=0 as an int is refused).
        if not isinstance(momentum, float) or not 0 <= momentum <= 1:
            raise ValueError(f"SGD: momentum must be a float in [0, 1]; got momentum={momentum!r}.")
        self.momentum = momentum
        self.nesterov = nesterov

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        if self.momentum != 0:
            for v in variables:
                self.add_variable_from_reference(v, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        step = gradient * learning_rate
        if self.momentum == 0:
            self.assign_sub(variable, step)
            return
        m = self.slot(variable, "momentum")
        momentum = kcore.cast(self.momentum, variable.dtype)
        self.assign(m, m.value * momentum - step)
        self.assign_add(variable, m.value * momentum - step if self.nesterov else m.value)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


@builtin(NS, "adam")
class Adam(Optimizer):
    """Adam: bias-corrected moving averages of the gradient and of its square.

    `m += (1 - beta_1) * (g - m)`, `v += (1 - beta_2) * (g**2 - v)`, then
    `w -= lr * sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (sqrt(v) + epsilon)`; with
    `amsgrad`, `v` is replaced by its running maximum.

    Args:
        learning_rate: a float, a schedule or a callable of no arguments.
        beta_1: decay of the gradient average.
        beta_2: decay of the squared-gradient average.
        epsilon: added to the denominator for stability.
        amsgrad: use the running maximum of `v` (AMSGrad).
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
        ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name:
            the options of `Optimizer`.

    Example:
    >>> w = kappa.Variable([1.0, 2.0])
    >>> _ = kappa.optimizers.Adam(learning_rate=0.1).apply([kappa.ops.ones((2,))], [w])
    >>> w.numpy().round(3)
    array([0.9, 1.9], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **_base_options(
            weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
            ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name), **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        for v in variables:
            self.add_variable_from_reference(v, "momentum")
            self.add_variable_from_reference(v, "velocity")
        if self.amsgrad:
            for v in variables:
                self.add_variable_from_reference(v, "velocity_hat")

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        t = _step(self, dtype)
        beta_1_power = knp.power(kcore.cast(self.beta_1, dtype), t)
        beta_2_power = knp.power(kcore.cast(self.beta_2, dtype), t)
        alpha = learning_rate * knp.sqrt(1 - beta_2_power) / (1 - beta_1_power)
        m, v = self.slot(variable, "momentum"), self.slot(variable, "velocity")
        self.assign_add(m, (gradient - m.value) * (1 - self.beta_1))
        self.assign_add(v, (knp.square(gradient) - v.value) * (1 - self.beta_2))
        if self.amsgrad:
            v_hat = self.slot(variable, "velocity_hat")
            self.assign(v_hat, knp.maximum(v_hat.value, v.value))
            v = v_hat
        self.assign_sub(variable, m.value * alpha / (knp.sqrt(v.value) + self.epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


@builtin(NS, "adamw")
class AdamW(Adam):
    """Adam with decoupled weight decay (`w -= w * weight_decay * lr` before each step).

    Args:
        learning_rate: a float, a schedule or a callable of no arguments.
        weight_decay: the decay rate (a number; required).
        beta_1, beta_2, epsilon, amsgrad: as in `Adam`.
        clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum, ema_overwrite_frequency,
        loss_scale_factor, gradient_accumulation_steps, name: the options of `Optimizer`.

    Example:
    >>> w = kappa.Variable([1.0, 2.0])
    >>> _ = kappa.optimizers.AdamW(learning_rate=0.1, weight_decay=0.5).apply([kappa.ops.zeros((2,))], [w])
    >>> w.numpy()
    array([0.95, 1.9 ], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if weight_decay is None:
            raise ValueError("AdamW: weight_decay must be a number; got weight_decay=None.")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
                         amsgrad=amsgrad, weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, use_ema=use_ema, ema_momentum=ema_momentum,
                         ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)


@builtin(NS, "adamax")
class Adamax(Optimizer):
    """Adamax: Adam with the infinity norm in place of the squared-gradient average.

    `m += (1 - beta_1) * (g - m)`, `u = max(beta_2 * u, |g|)`, then
    `w -= lr * m / ((1 - beta_1**t) * (u + epsilon))`.

    Args:
        learning_rate: a float, a schedule or a callable of no arguments.
        beta_1: decay of the gradient average.
        beta_2: decay of the infinity norm.
        epsilon: added to the denominator for stability.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
        ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name:
            the options of `Optimizer`.

    Example:
    >>> w = kappa.Variable([1.0, 2.0])
    >>> _ = kappa.optimizers.Adamax(learning_rate=0.1).apply([kappa.ops.ones((2,))], [w])
    >>> w.numpy().round(3)
    array([0.9, 1.9], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **_base_options(
            weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
            ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name), **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        for v in variables:
            self.add_variable_from_reference(v, "momentum")
            self.add_variable_from_reference(v, "norm")

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        beta_1_power = knp.power(kcore.cast(self.beta_1, dtype), _step(self, dtype))
        m, u = self.slot(variable, "momentum"), self.slot(variable, "norm")
        self.assign_add(m, (gradient - m.value) * (1 - self.beta_1))
        self.assign(u, knp.maximum(u.value * self.beta_2, knp.abs(gradient)))
        self.assign_sub(variable, learning_rate * m.value / ((1 - beta_1_power) * (u.value + self.epsilon)))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}


@builtin(NS, "nadam")
class Nadam(Optimizer):
    """Nadam: Adam with Nesterov momentum and Dozat's momentum schedule.

    The momentum schedule `mu_t = beta_1 * (1 - 0.5 * 0.96**t)` multiplies into a running
    product `u_product` (one optimizer variable, updated once per applied step); then
    `m_hat = mu_{t+1} * m / (1 - u_product * mu_{t+1}) + (1 - mu_t) * g / (1 - u_product)`,
    `v_hat = v / (1 - beta_2**t)` and `w -= lr * m_hat / (sqrt(v_hat) + epsilon)`.

    Args:
        learning_rate: a float, a schedule or a callable of no arguments.
        beta_1: decay of the gradient average.
        beta_2: decay of the squared-gradient average.
        epsilon: added to the denominator for stability.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
        ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name:
            the options of `Optimizer`.

    Example:
    >>> w = kappa.Variable([1.0, 2.0])
    >>> _ = kappa.optimizers.Nadam(learning_rate=0.1).apply([kappa.ops.ones((2,))], [w])
    >>> w.numpy().round(3)
    array([0.894, 1.894], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **_base_options(
            weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
            ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name), **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        for v in variables:
            self.add_variable_from_reference(v, "momentum")
            self.add_variable_from_reference(v, "velocity")
        dtype = variables[0].dtype if variables else "float32"
        self._u_product = self.add_variable((), initializer="ones", dtype=dtype, name="u_product")

    def _momentum_schedule(self, dtype, offset):
        return self.beta_1 * (1.0 - 0.5 * knp.power(kcore.cast(0.96, dtype), _step(self, dtype, offset)))

    def _update(self, grads, variables, learning_rate, apply_flag=None):
        # The product advances once per update, before the per-variable steps. On a
        # gradient-accumulation call that is discarded (apply_flag 0) the steps still run on
        # the advanced product (the old one may be exactly 1, and 1 - u_product would divide
        # by zero and poison the blend), then the product is put back.
        old = self._u_product.value
        self._u_product.assign(old * self._momentum_schedule(self._u_product.dtype, 1))
        super()._update(grads, variables, learning_rate, apply_flag=apply_flag)
        if apply_flag is not None:
            flag = kcore.cast(apply_flag, self._u_product.dtype)
            self._u_product.assign(old + flag * (self._u_product.value - old))

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        u_t = self._momentum_schedule(dtype, 1)
        u_t_1 = self._momentum_schedule(dtype, 2)
        u_product_t = kcore.cast(self._u_product.value, dtype)
        u_product_t_1 = u_product_t * u_t_1
        beta_2_power = knp.power(kcore.cast(self.beta_2, dtype), _step(self, dtype))
        m, v = self.slot(variable, "momentum"), self.slot(variable, "velocity")
        self.assign_add(m, (gradient - m.value) * (1 - self.beta_1))
        self.assign_add(v, (knp.square(gradient) - v.value) * (1 - self.beta_2))
        m_hat = u_t_1 * m.value / (1 - u_product_t_1) + (1 - u_t) * gradient / (1 - u_product_t)
        v_hat = v.value / (1 - beta_2_power)
        self.assign_sub(variable, m_hat * learning_rate / (knp.sqrt(v_hat) + self.epsilon))

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}


@builtin(NS, "rmsprop")
class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a moving root-mean-square of recent gradients.

    `v = rho * v + (1 - rho) * g**2`; the step is `lr * g / sqrt(v + epsilon)` (with
    `centered`, `v - a**2` replaces `v`, `a` being the moving average of `g`); with
    `momentum`, `m = momentum * m + step` and `w -= m`, else `w -= step`.

    Args:
        learning_rate: a float, a schedule or a callable of no arguments.
        rho: decay of the squared-gradient average.
        momentum: momentum of the steps; 0 keeps no momentum slot.
        epsilon: added inside the square root for stability.
        centered: normalize by the estimated variance instead of the second moment.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
        ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name:
            the options of `Optimizer`.

    Example:
    >>> w = kappa.Variable([1.0, 2.0])
    >>> _ = kappa.optimizers.RMSprop(learning_rate=0.1).apply([kappa.ops.ones((2,))], [w])
    >>> w.numpy().round(3)
    array([0.684, 1.684], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        # Keras names it by its snake case, "rm_sprop".
        super().__init__(learning_rate=learning_rate, **_base_options(
            weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
            ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name or "rm_sprop"),
            **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        for v in variables:
            self.add_variable_from_reference(v, "velocity")
        if self.momentum > 0:
            for v in variables:
                self.add_variable_from_reference(v, "momentum")
        if self.centered:
            for v in variables:
                self.add_variable_from_reference(v, "average_gradient")

    def update_step(self, gradient, variable, learning_rate):
        rho = self.rho
        velocity = self.slot(variable, "velocity")
        self.assign(velocity, rho * velocity.value + (1 - rho) * knp.square(gradient))
        denominator = velocity.value + self.epsilon
        if self.centered:
            average = self.slot(variable, "average_gradient")
            self.assign(average, rho * average.value + (1 - rho) * gradient)
            denominator = denominator - knp.square(average.value)
        increment = learning_rate * gradient / knp.sqrt(denominator)
        if self.momentum > 0:
            m = self.slot(variable, "momentum")
            self.assign(m, self.momentum * m.value + increment)
            self.assign_sub(variable, m.value)
        else:
            self.assign_sub(variable, increment)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


@builtin(NS, "adagrad")
class Adagrad(Optimizer):
    """Adagrad: per-parameter steps scaled by the root of the summed squared gradients.

    `acc += g**2`, then `w -= lr * g / sqrt(acc + epsilon)`.

    Args:
        learning_rate: a float, a schedule or a callable of no arguments.
        initial_accumulator_value: the accumulators' starting value.
        epsilon: added inside the square root for stability.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
        ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name:
            the options of `Optimizer`.

    Example:
    >>> w = kappa.Variable([1.0, 2.0])
    >>> _ = kappa.optimizers.Adagrad(learning_rate=0.1).apply([kappa.ops.ones((2,))], [w])
    >>> w.numpy().round(3)
    array([0.905, 1.905], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **_base_options(
            weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
            ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name), **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        initializer = initializers.Constant(self.initial_accumulator_value)
        for v in variables:
            self.add_variable_from_reference(v, "accumulator", initializer=initializer)

    def update_step(self, gradient, variable, learning_rate):
        accumulator = self.slot(variable, "accumulator")
        self.assign_add(accumulator, knp.square(gradient))
        self.assign_sub(variable, learning_rate * gradient / knp.sqrt(accumulator.value + self.epsilon))

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


@builtin(NS, "adadelta")
class Adadelta(Optimizer):
    """Adadelta: steps scaled by the ratio of moving RMS of past updates to that of gradients.

    `acc_g = rho * acc_g + (1 - rho) * g**2`,
    `delta = -sqrt(acc_d + epsilon) * g / sqrt(acc_g + epsilon)`,
    `acc_d = rho * acc_d + (1 - rho) * delta**2`, then `w += lr * delta`.

    Args:
        learning_rate: a float, a schedule or a callable of no arguments.
        rho: decay of both moving averages.
        epsilon: added inside the square roots for stability.
        weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
        ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name:
            the options of `Optimizer`.

    Example:
    >>> w = kappa.Variable([1.0, 2.0])
    >>> _ = kappa.optimizers.Adadelta(learning_rate=1.0).apply([kappa.ops.ones((2,))], [w])
    >>> w.numpy().round(4)
    array([0.9986, 1.9986], dtype=float32)
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **_base_options(
            weight_decay, clipnorm, clipvalue, global_clipnorm, use_ema, ema_momentum,
            ema_overwrite_frequency, loss_scale_factor, gradient_accumulation_steps, name), **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        for v in variables:
            self.add_variable_from_reference(v, "accumulated_grad")
            self.add_variable_from_reference(v, "accumulated_delta_var")

    def update_step(self, gradient, variable, learning_rate):
        rho = self.rho
        acc_grad = self.slot(variable, "accumulated_grad")
        acc_delta = self.slot(variable, "accumulated_delta_var")
        self.assign(acc_grad, rho * acc_grad.value + (1 - rho) * knp.square(gradient))
        delta = -knp.sqrt(acc_delta.value + self.epsilon) * gradient / knp.sqrt(acc_grad.value + self.epsilon)
        self.assign(acc_delta, rho * acc_delta.value + (1 - rho) * knp.square(delta))
        self.assign_add(variable, learning_rate * delta)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
