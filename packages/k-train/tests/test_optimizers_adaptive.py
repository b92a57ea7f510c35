"""SGD and the adaptive optimizers, step by step against NumPy references of Keras 3.15.1's update rules.

The references below restate each update in float64 NumPy, together with the shared
options in Keras's order: loss-scale unscaling, gradient accumulation (mean of the
window), clipping, decoupled weight decay, the optimizer's step, EMA and its overwrite.
"""

import numpy as np
import pytest

from k_backends.variables import Variable
from k_ops import core as kcore
from k_ops import numpy as knp
from k_train import optimizers
from k_train.optimizers.adaptive import SGD, Adadelta, Adagrad, Adam, Adamax, AdamW, Nadam, RMSprop

from conftest import BACKEND, assert_close, to_numpy

RNG = np.random.default_rng(7)
W0 = [RNG.normal(size=(3, 2)).astype("float32"), RNG.normal(size=(4,)).astype("float32")]
NAMES = ("kernel", "bias")
STEPS = 5
GRADS = [[RNG.normal(size=w.shape).astype("float32") for w in W0] for _ in range(STEPS)]
TOL = dict(rtol=2e-5, atol=2e-6)


# -- NumPy references --------------------------------------------------------------------
class RefOptimizer:
    """One optimizer's per-variable rule; `state` is that variable's slot dict."""

    def begin(self, t):
        pass


class RefSGD(RefOptimizer):
    def __init__(self, momentum=0.0, nesterov=False):
        self.momentum, self.nesterov = momentum, nesterov

    def step(self, w, g, s, lr, t):
        if not self.momentum:
            return w - lr * g
        s["m"] = self.momentum * s.get("m", 0.0) - lr * g
        return w + (self.momentum * s["m"] - lr * g if self.nesterov else s["m"])


class RefAdam(RefOptimizer):
    def __init__(self, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
        self.b1, self.b2, self.eps, self.amsgrad = beta_1, beta_2, epsilon, amsgrad

    def step(self, w, g, s, lr, t):
        m = s["m"] = self.b1 * s.get("m", 0.0) + (1 - self.b1) * g
        v = s["v"] = self.b2 * s.get("v", 0.0) + (1 - self.b2) * g * g
        if self.amsgrad:
            v = s["v_hat"] = np.maximum(s.get("v_hat", 0.0), v)
        m_hat, v_hat = m / (1 - self.b1 ** t), v / (1 - self.b2 ** t)
        # Keras folds the corrections into the step size, so epsilon is scaled by sqrt(1 - b2**t).
        return w - lr * m_hat / (np.sqrt(v_hat) + self.eps / np.sqrt(1 - self.b2 ** t))


class RefAdamax(RefOptimizer):
    def __init__(self, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.b1, self.b2, self.eps = beta_1, beta_2, epsilon

    def step(self, w, g, s, lr, t):
        m = s["m"] = self.b1 * s.get("m", 0.0) + (1 - self.b1) * g
        u = s["u"] = np.maximum(self.b2 * s.get("u", 0.0), np.abs(g))
        return w - lr / (1 - self.b1 ** t) * m / (u + self.eps)


class RefNadam(RefOptimizer):
    def __init__(self, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.b1, self.b2, self.eps = beta_1, beta_2, epsilon
        self.u_product = 1.0

    def mu(self, t):
        return self.b1 * (1 - 0.5 * 0.96 ** t)

    def begin(self, t):
        self.u_product *= self.mu(t)

    def step(self, w, g, s, lr, t):
        m = s["m"] = self.b1 * s.get("m", 0.0) + (1 - self.b1) * g
        v = s["v"] = self.b2 * s.get("v", 0.0) + (1 - self.b2) * g * g
        m_hat = (self.mu(t + 1) * m / (1 - self.u_product * self.mu(t + 1))
                 + (1 - self.mu(t)) * g / (1 - self.u_product))
        return w - lr * m_hat / (np.sqrt(v / (1 - self.b2 ** t)) + self.eps)


class RefRMSprop(RefOptimizer):
    def __init__(self, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
        self.rho, self.momentum, self.eps, self.centered = rho, momentum, epsilon, centered

    def step(self, w, g, s, lr, t):
        v = s["v"] = self.rho * s.get("v", 0.0) + (1 - self.rho) * g * g
        if self.centered:
            a = s["a"] = self.rho * s.get("a", 0.0) + (1 - self.rho) * g
            v = v - a * a
        increment = lr * g / np.sqrt(v + self.eps)
        if self.momentum:
            increment = s["m"] = self.momentum * s.get("m", 0.0) + increment
        return w - increment


class RefAdagrad(RefOptimizer):
    def __init__(self, initial_accumulator_value=0.1, epsilon=1e-7):
        self.init, self.eps = initial_accumulator_value, epsilon

    def step(self, w, g, s, lr, t):
        acc = s["acc"] = s.get("acc", self.init) + g * g
        return w - lr * g / np.sqrt(acc + self.eps)


class RefAdadelta(RefOptimizer):
    def __init__(self, rho=0.95, epsilon=1e-7):
        self.rho, self.eps = rho, epsilon

    def step(self, w, g, s, lr, t):
        acc_g = s["g"] = self.rho * s.get("g", 0.0) + (1 - self.rho) * g * g
        delta = -np.sqrt(s.get("d", 0.0) + self.eps) / np.sqrt(acc_g + self.eps) * g
        s["d"] = self.rho * s.get("d", 0.0) + (1 - self.rho) * delta * delta
        return w + lr * delta


def reference(rule, grads_seq=GRADS, learning_rate=0.1, weight_decay=None, decayed=(True, True),
              clipnorm=None, clipvalue=None, global_clipnorm=None, loss_scale_factor=None,
              accumulation=None, ema_momentum=None, ema_overwrite_frequency=None):
    """Final weights (and EMA averages) after `grads_seq`, in float64.

    EMA is restated for runs without accumulation only (with it, Keras numbers EMA steps by
    updates made, which the Optimizer base does not yet do).
    """
    assert not (accumulation and ema_momentum is not None)
    w = [x.astype("float64") for x in W0]
    states = [{} for _ in w]
    accumulated = [np.zeros_like(x) for x in w]
    average = None
    for it, grads in enumerate(grads_seq):
        # Keras numbers the steps by updates made: with accumulation, one per window.
        t = it // accumulation + 1 if accumulation else it + 1
        g = [x.astype("float64") for x in grads]
        if loss_scale_factor:
            g = [x / loss_scale_factor for x in g]
        lr = learning_rate(it) if callable(learning_rate) else learning_rate
        applies = True
        if accumulation:
            accumulated = [a + x for a, x in zip(accumulated, g, strict=True)]
            applies = (it + 1) % accumulation == 0
            g = [a / accumulation for a in accumulated]
        if applies:
            if clipvalue is not None:
                g = [np.clip(x, -clipvalue, clipvalue) for x in g]
            if clipnorm is not None:
                g = [x * min(1.0, clipnorm / np.linalg.norm(x)) for x in g]
            if global_clipnorm is not None:
                total = np.sqrt(sum(np.sum(x * x) for x in g))
                g = [x * min(1.0, global_clipnorm / total) for x in g]
            if weight_decay:
                w = [x - x * weight_decay * lr if d else x for x, d in zip(w, decayed, strict=True)]
            rule.begin(t)
            w = [rule.step(x, gi, s, lr, t) for x, gi, s in zip(w, g, states, strict=True)]
            accumulated = [np.zeros_like(x) for x in w]
        if ema_momentum is not None:
            average = [x.copy() for x in w] if average is None else \
                [ema_momentum * a + (1 - ema_momentum) * x for a, x in zip(average, w, strict=True)]
            if ema_overwrite_frequency and (it + 1) % ema_overwrite_frequency == 0:
                w = [a.copy() for a in average]
    return w, average


def run(optimizer, grads_seq=GRADS, grad_scale=1.0):
    variables = [Variable(w, name=n) for w, n in zip(W0, NAMES, strict=True)]
    for grads in grads_seq:
        optimizer.apply([kcore.convert_to_tensor(g * grad_scale) for g in grads], variables)
    return variables


def assert_weights(variables, expected):
    for v, e in zip(variables, expected, strict=True):
        assert_close(v.value, e, **TOL)


# -- every optimizer's rule ----------------------------------------------------------------
RULES = {
    "sgd": (lambda: SGD(0.1), lambda: RefSGD()),
    "sgd_momentum": (lambda: SGD(0.1, momentum=0.9), lambda: RefSGD(0.9)),
    "sgd_nesterov": (lambda: SGD(0.1, momentum=0.9, nesterov=True), lambda: RefSGD(0.9, True)),
    "adam": (lambda: Adam(0.1), lambda: RefAdam()),
    "adam_betas": (lambda: Adam(0.1, beta_1=0.5, beta_2=0.6, epsilon=1e-3),
                   lambda: RefAdam(0.5, 0.6, 1e-3)),
    "adam_amsgrad": (lambda: Adam(0.1, beta_2=0.5, amsgrad=True), lambda: RefAdam(beta_2=0.5, amsgrad=True)),
    "adamax": (lambda: Adamax(0.1, beta_2=0.7), lambda: RefAdamax(beta_2=0.7)),
    "nadam": (lambda: Nadam(0.1), lambda: RefNadam()),
    "nadam_betas": (lambda: Nadam(0.1, beta_1=0.8, beta_2=0.9, epsilon=1e-4),
                    lambda: RefNadam(0.8, 0.9, 1e-4)),
    "rmsprop": (lambda: RMSprop(0.1), lambda: RefRMSprop()),
    "rmsprop_momentum": (lambda: RMSprop(0.1, rho=0.8, momentum=0.5), lambda: RefRMSprop(0.8, 0.5)),
    "rmsprop_centered": (lambda: RMSprop(0.1, centered=True, momentum=0.3),
                         lambda: RefRMSprop(momentum=0.3, centered=True)),
    "adagrad": (lambda: Adagrad(0.1, initial_accumulator_value=0.3), lambda: RefAdagrad(0.3)),
    "adadelta": (lambda: Adadelta(0.1, rho=0.8, epsilon=1e-2), lambda: RefAdadelta(0.8, 1e-2)),
}


@pytest.mark.parametrize("case", sorted(RULES))
def test_update_rule_matches_numpy_reference_over_several_steps(case):
    make, make_reference = RULES[case]
    expected, _ = reference(make_reference())
    assert_weights(run(make()), expected)


def test_amsgrad_changes_adam_on_these_gradients():
    plain, _ = reference(RefAdam(beta_2=0.5))
    ams, _ = reference(RefAdam(beta_2=0.5, amsgrad=True))
    assert not np.allclose(plain[0], ams[0])


def test_adamw_decays_weights_by_default():
    optimizer = AdamW(0.1)
    assert optimizer.weight_decay == 0.004
    expected, _ = reference(RefAdam(), weight_decay=0.004)
    assert_weights(run(optimizer), expected)


@pytest.mark.parametrize("make, slots", [
    (lambda: SGD(), []),
    (lambda: SGD(momentum=0.9), ["momentum"]),
    (lambda: Adam(amsgrad=True), ["momentum", "velocity", "velocity_hat"]),
    (lambda: AdamW(), ["momentum", "velocity"]),
    (lambda: Adamax(), ["momentum", "norm"]),
    (lambda: Nadam(), ["momentum", "velocity"]),
    (lambda: RMSprop(momentum=0.9, centered=True), ["velocity", "momentum", "average_gradient"]),
    (lambda: Adagrad(), ["accumulator"]),
    (lambda: Adadelta(), ["accumulated_grad", "accumulated_delta_var"]),
])
def test_slots_are_named_as_keras_names_them(make, slots):
    optimizer = make()
    w = Variable(np.ones((2,), "float32"), name="w")
    optimizer.build([w])
    paths = [v.path for v in optimizer.variables]
    expected = [f"{optimizer.name}/iteration", f"{optimizer.name}/learning_rate"]
    expected += [f"{optimizer.name}/w_{s}" for s in slots]
    assert paths[:len(expected)] == expected
    assert len(paths) == len(expected) + isinstance(optimizer, Nadam)


def test_nadam_keeps_u_product_as_optimizer_state():
    optimizer = Nadam()
    run(optimizer, GRADS[:2])
    u_product = optimizer.variables[-1]
    assert u_product.shape == ()
    mu = [0.9 * (1 - 0.5 * 0.96 ** t) for t in (1, 2)]
    assert abs(float(to_numpy(u_product.value)) - mu[0] * mu[1]) < 1e-6


def test_adagrad_starts_accumulators_at_initial_value():
    optimizer = Adagrad(initial_accumulator_value=0.25)
    w = Variable(np.ones((3,), "float32"), name="w")
    optimizer.build([w])
    assert_close(optimizer.variables[-1].value, np.full((3,), 0.25))


# -- configs (hard-coded from Keras 3.15.1) ------------------------------------------------
BASE = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None, "use_ema": False,
        "ema_momentum": 0.99, "ema_overwrite_frequency": None, "loss_scale_factor": None,
        "gradient_accumulation_steps": None}
LR_001 = 0.0010000000474974513
ADAM_ARGS = {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07}
KERAS_CONFIGS = [
    (SGD, {"name": "sgd", "learning_rate": 0.009999999776482582, **BASE, "momentum": 0.0, "nesterov": False}),
    (Adam, {"name": "adam", "learning_rate": LR_001, **BASE, **ADAM_ARGS, "amsgrad": False}),
    (AdamW, {"name": "adam_w", "learning_rate": LR_001, **BASE, "weight_decay": 0.004, **ADAM_ARGS,
             "amsgrad": False}),
    (Adamax, {"name": "adamax", "learning_rate": LR_001, **BASE, **ADAM_ARGS}),
    (Nadam, {"name": "nadam", "learning_rate": LR_001, **BASE, **ADAM_ARGS}),
    (RMSprop, {"name": "rm_sprop", "learning_rate": LR_001, **BASE, "rho": 0.9, "momentum": 0.0,
               "epsilon": 1e-07, "centered": False}),
    (Adagrad, {"name": "adagrad", "learning_rate": LR_001, **BASE, "initial_accumulator_value": 0.1,
               "epsilon": 1e-07}),
    (Adadelta, {"name": "adadelta", "learning_rate": LR_001, **BASE, "rho": 0.95, "epsilon": 1e-07}),
]


@pytest.mark.parametrize("cls, expected", KERAS_CONFIGS, ids=lambda x: getattr(x, "__name__", ""))
def test_default_config_equals_keras(cls, expected):
    config = cls().get_config()
    assert config == expected
    assert list(config) == list(expected)
    assert cls.from_config(config).get_config() == expected


def test_config_round_trips_non_default_options():
    optimizer = RMSprop(learning_rate=0.5, rho=0.8, momentum=0.25, centered=True, clipnorm=1.0,
                        use_ema=True, ema_overwrite_frequency=3, gradient_accumulation_steps=2, name="opt")
    config = optimizer.get_config()
    assert config["centered"] is True and config["momentum"] == 0.25 and config["name"] == "opt"
    assert RMSprop.from_config(config).get_config() == config


@pytest.mark.parametrize("name, cls", [("sgd", SGD), ("adam", Adam), ("adamw", AdamW), ("adamax", Adamax),
                                       ("nadam", Nadam), ("rmsprop", RMSprop), ("adagrad", Adagrad),
                                       ("adadelta", Adadelta), ("Adam", Adam), ("RMSprop", RMSprop)])
def test_get_accepts_keras_names(name, cls):
    assert type(optimizers.get(name)) is cls


def test_serialize_round_trip_keeps_class_and_options():
    restored = optimizers.deserialize(optimizers.serialize(Adam(0.01, amsgrad=True)))
    assert type(restored) is Adam and restored.amsgrad is True


def test_invalid_arguments_are_refused_as_keras_refuses_them():
    with pytest.raises(ValueError, match="momentum"):
        SGD(momentum=1)  # an int, which Keras refuses too
    with pytest.raises(ValueError, match="momentum"):
        SGD(momentum=1.5)
    with pytest.raises(ValueError, match="weight_decay"):
        AdamW(weight_decay=None)


# -- the shared options, through SGD and Adam ------------------------------------------------
@pytest.mark.parametrize("exclude", ["names", "variables"])
def test_weight_decay_skips_excluded_variables(exclude):
    optimizer = Adam(0.1, weight_decay=0.2)
    variables = [Variable(w, name=n) for w, n in zip(W0, NAMES, strict=True)]
    if exclude == "names":
        optimizer.exclude_from_weight_decay(var_names=["bias"])
    else:
        optimizer.exclude_from_weight_decay(var_list=[variables[1]])
    for grads in GRADS:
        optimizer.apply([kcore.convert_to_tensor(g) for g in grads], variables)
    expected, _ = reference(RefAdam(), weight_decay=0.2, decayed=(True, False))
    assert_weights(variables, expected)


def test_weight_decay_applies_to_sgd():
    expected, _ = reference(RefSGD(0.5), weight_decay=0.3)
    assert_weights(run(SGD(0.1, momentum=0.5, weight_decay=0.3)), expected)


@pytest.mark.parametrize("option, value", [("clipnorm", 0.5), ("clipvalue", 0.3), ("global_clipnorm", 0.7)])
@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_clipping_options(option, value, name):
    make, rule = (SGD, RefSGD(0.9)) if name == "sgd" else (Adam, RefAdam())
    kwargs = {"momentum": 0.9} if name == "sgd" else {}
    expected, _ = reference(rule, **{option: value})
    assert_weights(run(make(0.1, **{option: value}, **kwargs)), expected)


@pytest.mark.parametrize("steps", [2, 3])
@pytest.mark.parametrize("name", ["sgd", "adam", "nadam"])
def test_gradient_accumulation_applies_the_window_mean(steps, name):
    grads = GRADS + GRADS[:1]
    make, rule = {"sgd": (lambda: SGD(0.1, momentum=0.9, gradient_accumulation_steps=steps), RefSGD(0.9)),
                  "adam": (lambda: Adam(0.1, gradient_accumulation_steps=steps), RefAdam()),
                  "nadam": (lambda: Nadam(0.1, gradient_accumulation_steps=steps), RefNadam())}[name]
    optimizer = make()
    variables = run(optimizer, grads)
    expected, _ = reference(rule, grads, accumulation=steps)
    assert_weights(variables, expected)
    assert int(to_numpy(optimizer.iterations.value)) == len(grads)


def test_gradient_accumulation_leaves_weights_until_the_window_ends():
    optimizer = SGD(0.1, gradient_accumulation_steps=3)
    variables = run(optimizer, GRADS[:2])
    assert_weights(variables, W0)
    run_more = [kcore.convert_to_tensor(g) for g in GRADS[2]]
    optimizer.apply(run_more, variables)
    mean = [(GRADS[0][i] + GRADS[1][i] + GRADS[2][i]) / 3 for i in range(2)]
    assert_weights(variables, [w - 0.1 * m for w, m in zip(W0, mean, strict=True)])


@pytest.mark.parametrize("overwrite", [None, 2])
@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_ema_tracks_and_overwrites_weights(overwrite, name):
    make, rule = (lambda **k: SGD(0.1, momentum=0.5, **k), RefSGD(0.5)) if name == "sgd" else \
        (lambda **k: Adam(0.1, **k), RefAdam())
    optimizer = make(use_ema=True, ema_momentum=0.8, ema_overwrite_frequency=overwrite)
    variables = run(optimizer)
    expected, average = reference(rule, ema_momentum=0.8, ema_overwrite_frequency=overwrite)
    assert_weights(variables, expected)
    optimizer.finalize_variable_values(variables)
    assert_weights(variables, average)


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_loss_scale_factor_unscales_gradients(name):
    make, rule = (lambda: SGD(0.1, momentum=0.9, loss_scale_factor=64.0), RefSGD(0.9)) if name == "sgd" else \
        (lambda: Adam(0.1, loss_scale_factor=64.0), RefAdam())
    expected, _ = reference(rule)
    assert_weights(run(make(), grad_scale=64.0), expected)


class HalvingSchedule:
    """A minimal LearningRateSchedule: `initial * 0.5**step`."""

    def __init__(self, initial):
        self.initial = initial

    def __call__(self, step):
        return self.initial * knp.power(0.5, kcore.cast(step, "float32"))

    def get_config(self):
        return {"initial": self.initial}


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_learning_rate_schedule_is_evaluated_at_each_step(name):
    schedule = HalvingSchedule(0.2)
    make, rule = (lambda: SGD(schedule, momentum=0.9), RefSGD(0.9)) if name == "sgd" else \
        (lambda: Adam(schedule), RefAdam())
    optimizer = make()
    expected, _ = reference(rule, learning_rate=lambda it: 0.2 * 0.5 ** it)
    assert_weights(run(optimizer), expected)
    assert abs(float(to_numpy(optimizer.learning_rate)) - 0.2 * 0.5 ** STEPS) < 1e-7
    config = optimizer.get_config()["learning_rate"]
    assert config["class_name"] == "HalvingSchedule" and config["config"] == {"initial": 0.2}


# -- compiled steps ------------------------------------------------------------------------
COMPILED = {
    "nadam_accumulation": (lambda: Nadam(0.1, gradient_accumulation_steps=2),
                           lambda: reference(RefNadam(), accumulation=2)),
    "adam_ema": (lambda: Adam(0.1, use_ema=True, ema_momentum=0.8, ema_overwrite_frequency=3),
                 lambda: reference(RefAdam(), ema_momentum=0.8, ema_overwrite_frequency=3)),
}


@pytest.mark.skipif(BACKEND != "jax", reason="jax.jit of stateless_apply")
@pytest.mark.parametrize("case", sorted(COMPILED))
def test_stateless_apply_under_jax_jit(case):
    import jax

    make, make_expected = COMPILED[case]
    optimizer = make()
    variables = [Variable(w, name=n) for w, n in zip(W0, NAMES, strict=True)]
    optimizer.build(variables)
    step = jax.jit(optimizer.stateless_apply)
    state = [v.value for v in optimizer.variables]
    weights = [v.value for v in variables]
    for grads in GRADS:
        weights, state = step(state, [kcore.convert_to_tensor(g) for g in grads], weights)
    expected, _ = make_expected()
    for w, e in zip(weights, expected, strict=True):
        assert_close(w, e, **TOL)
    assert_weights(variables, W0)  # the variables themselves are untouched
    assert int(to_numpy(state[0])) == STEPS


@pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.function")
@pytest.mark.parametrize("case", sorted(COMPILED))
def test_apply_inside_tf_function(case):
    import tensorflow as tf

    make, make_expected = COMPILED[case]
    optimizer = make()
    variables = [Variable(w, name=n) for w, n in zip(W0, NAMES, strict=True)]
    optimizer.build(variables)

    @tf.function
    def step(grads):
        optimizer.apply(grads, variables)

    for grads in GRADS:
        step([tf.constant(g) for g in grads])
    expected, _ = make_expected()
    assert_weights(variables, expected)
    assert int(to_numpy(optimizer.iterations.value)) == STEPS
