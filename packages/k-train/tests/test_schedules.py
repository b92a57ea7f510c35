"""Learning-rate schedules against NumPy formulas, Keras 3.15.1's configs, and inside an optimizer."""

import math

import numpy as np
import pytest

from k_backends.variables import Variable
from k_ops import core as kcore
from k_train.optimizers import schedules as S
from k_train.optimizers.optimizer import Optimizer

from conftest import BACKEND, assert_close

STEPS = [0, 1, 3, 4, 5, 7, 10, 11, 12, 15, 30, 100]


# -- NumPy references (float64) -------------------------------------------------------
def ref_exponential(lr, decay_steps, rate, staircase=False):
    def f(step):
        p = step / decay_steps
        return lr * rate ** (math.floor(p) if staircase else p)
    return f


def ref_inverse_time(lr, decay_steps, rate, staircase=False):
    def f(step):
        p = step / decay_steps
        return lr / (1 + rate * (math.floor(p) if staircase else p))
    return f


def ref_piecewise(boundaries, values):
    def f(step):
        for b, v in zip(boundaries, values, strict=False):
            if step <= b:
                return v
        return values[-1]
    return f


def ref_polynomial(lr, decay_steps, end=0.0001, power=1.0, cycle=False):
    def f(step):
        steps = decay_steps
        if cycle:
            steps = decay_steps * max(1, math.ceil(step / decay_steps))
        else:
            step = min(step, decay_steps)
        return (lr - end) * (1 - step / steps) ** power + end
    return f


def ref_cosine(lr, decay_steps, alpha=0.0, warmup_target=None, warmup_steps=0):
    def decayed(peak, t):
        t = min(t, decay_steps)
        return peak * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * t / decay_steps)) + alpha)

    def f(step):
        if warmup_target is None:
            return decayed(lr, step)
        if step < warmup_steps:
            return lr + (warmup_target - lr) * step / warmup_steps
        return decayed(warmup_target, step - warmup_steps)
    return f


def ref_restarts(lr, first, t_mul=2.0, m_mul=1.0, alpha=0.0):
    def f(step):
        # Walk the periods one by one.
        start, length, peak = 0.0, float(first), 1.0
        while step >= start + length:
            start, length, peak = start + length, length * t_mul, peak * m_mul
        fraction = (step - start) / length
        return lr * ((1 - alpha) * peak * 0.5 * (1 + math.cos(math.pi * fraction)) + alpha)
    return f


CASES = {
    "exponential": (lambda: S.ExponentialDecay(0.1, 10, 0.5), ref_exponential(0.1, 10, 0.5)),
    "exponential_staircase": (lambda: S.ExponentialDecay(0.1, 4, 0.9, staircase=True),
                              ref_exponential(0.1, 4, 0.9, staircase=True)),
    "inverse_time": (lambda: S.InverseTimeDecay(0.1, 10, 0.5), ref_inverse_time(0.1, 10, 0.5)),
    "inverse_time_staircase": (lambda: S.InverseTimeDecay(0.2, 4, 2.0, staircase=True),
                               ref_inverse_time(0.2, 4, 2.0, staircase=True)),
    "piecewise": (lambda: S.PiecewiseConstantDecay([3, 7, 11], [1.0, 0.5, 0.1, 0.01]),
                  ref_piecewise([3, 7, 11], [1.0, 0.5, 0.1, 0.01])),
    "polynomial": (lambda: S.PolynomialDecay(0.1, 10), ref_polynomial(0.1, 10)),
    "polynomial_power": (lambda: S.PolynomialDecay(0.1, 10, end_learning_rate=0.01, power=0.5),
                         ref_polynomial(0.1, 10, end=0.01, power=0.5)),
    "polynomial_cycle": (lambda: S.PolynomialDecay(0.1, 10, power=2.0, cycle=True),
                         ref_polynomial(0.1, 10, power=2.0, cycle=True)),
    "cosine": (lambda: S.CosineDecay(0.1, 10), ref_cosine(0.1, 10)),
    "cosine_alpha": (lambda: S.CosineDecay(0.1, 10, alpha=0.2), ref_cosine(0.1, 10, alpha=0.2)),
    "cosine_warmup": (lambda: S.CosineDecay(0.1, 10, alpha=0.1, warmup_target=0.2, warmup_steps=5),
                      ref_cosine(0.1, 10, alpha=0.1, warmup_target=0.2, warmup_steps=5)),
    "cosine_warmup_steps_without_target": (lambda: S.CosineDecay(0.1, 10, warmup_steps=5),
                                           ref_cosine(0.1, 10)),
    "cosine_target_without_warmup": (lambda: S.CosineDecay(0.1, 10, warmup_target=0.2),
                                     ref_cosine(0.1, 10, warmup_target=0.2)),
    "restarts": (lambda: S.CosineDecayRestarts(0.1, 5), ref_restarts(0.1, 5)),
    "restarts_t_mul_1": (lambda: S.CosineDecayRestarts(0.1, 4, t_mul=1.0, m_mul=0.5, alpha=0.1),
                         ref_restarts(0.1, 4, t_mul=1.0, m_mul=0.5, alpha=0.1)),
    "restarts_all_options": (lambda: S.CosineDecayRestarts(0.1, 3, t_mul=3.0, m_mul=0.8, alpha=0.05),
                             ref_restarts(0.1, 3, t_mul=3.0, m_mul=0.8, alpha=0.05)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_schedule_matches_numpy_formula_for_int_steps(case):
    make, ref = CASES[case]
    schedule = make()
    for step in STEPS:
        assert_close(schedule(step), np.float32(ref(step)), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("case", sorted(CASES))
def test_schedule_accepts_an_int64_step_tensor(case):
    make, ref = CASES[case]
    schedule = make()
    step = kcore.convert_to_tensor(np.int64(12))
    assert_close(schedule(step), np.float32(ref(12)), dtype="float32", rtol=1e-5, atol=1e-7)


def test_values_agree_with_what_keras_printed():
    # Keras 3.15.1 (jax backend) at steps 0, 1, 3, 5, 7, 10, 15, 30.
    steps = [0, 1, 3, 5, 7, 10, 15, 30]
    printed = {
        S.ExponentialDecay(0.1, 10, 0.5): [0.1, 0.0933033, 0.0812252, 0.0707107, 0.0615572, 0.05, 0.0353553,
                                           0.0125],
        S.CosineDecay(0.1, 10, alpha=0.1, warmup_target=0.2, warmup_steps=5):
            [0.1, 0.12, 0.16, 0.2, 0.1828115, 0.11, 0.02, 0.02],
        S.CosineDecayRestarts(0.1, 5): [0.1, 0.0904508, 0.0345491, 0.1, 0.0904508, 0.05, 0.1, 0.0146447],
        S.PolynomialDecay(0.1, 10): [0.1, 0.09001, 0.07003, 0.05005, 0.03007, 0.0001, 0.0001, 0.0001],
    }
    for schedule, values in printed.items():
        for step, value in zip(steps, values, strict=True):
            assert_close(schedule(step), np.float32(value), rtol=1e-5, atol=1e-7)


def test_piecewise_keeps_the_dtype_of_its_values():
    schedule = S.PiecewiseConstantDecay([3, 7], [1, 5, 10])
    assert [int(kcore.convert_to_numpy(schedule(s))) for s in (3, 4, 8)] == [1, 5, 10]


def test_piecewise_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="one more value than boundaries"):
        S.PiecewiseConstantDecay([3, 7], [1.0, 0.5])


# -- configs ---------------------------------------------------------------------------
# Printed by Keras 3.15.1: `type(s).__name__, s.get_config()` for schedules with default options.
KERAS_CONFIGS = [
    (S.ExponentialDecay(0.1, 10, 0.5),
     {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5, "staircase": False,
      "name": "ExponentialDecay"}),
    (S.InverseTimeDecay(0.1, 10, 0.5, staircase=True),
     {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5, "staircase": True,
      "name": "InverseTimeDecay"}),
    (S.PiecewiseConstantDecay([3, 7], [1.0, 0.5, 0.1]),
     {"boundaries": [3, 7], "values": [1.0, 0.5, 0.1], "name": "PiecewiseConstant"}),
    (S.PolynomialDecay(0.1, 10),
     {"initial_learning_rate": 0.1, "decay_steps": 10, "end_learning_rate": 0.0001, "power": 1.0,
      "cycle": False, "name": "PolynomialDecay"}),
    (S.CosineDecay(0.1, 10),
     {"initial_learning_rate": 0.1, "decay_steps": 10, "alpha": 0.0, "name": "CosineDecay",
      "warmup_target": None, "warmup_steps": 0}),
    (S.CosineDecay(0.1, 10, alpha=0.1, warmup_target=0.2, warmup_steps=5),
     {"initial_learning_rate": 0.1, "decay_steps": 10, "alpha": 0.1, "name": "CosineDecay",
      "warmup_target": 0.2, "warmup_steps": 5}),
    (S.CosineDecayRestarts(0.1, 5),
     {"initial_learning_rate": 0.1, "first_decay_steps": 5, "t_mul": 2.0, "m_mul": 1.0, "alpha": 0.0,
      "name": "SGDRDecay"}),
]


@pytest.mark.parametrize("schedule,config", KERAS_CONFIGS, ids=lambda x: type(x).__name__)
def test_config_and_serialization_equal_keras(schedule, config):
    assert schedule.get_config() == config
    assert S.serialize(schedule) == {"module": "keras.optimizers.schedules",
                                     "class_name": type(schedule).__name__, "config": config,
                                     "registered_name": None}
    restored = S.deserialize(S.serialize(schedule))
    assert type(restored) is type(schedule) and restored.get_config() == config
    assert type(schedule).from_config(config).get_config() == config


def test_deserialize_accepts_a_bare_class_name_and_config():
    schedule = S.deserialize({"class_name": "ExponentialDecay",
                              "config": {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5}})
    assert isinstance(schedule, S.ExponentialDecay) and schedule.name == "ExponentialDecay"


def test_deserialize_finds_custom_schedules():
    class Constant(S.LearningRateSchedule):
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, step):
            return kcore.convert_to_tensor(self.rate)

        def get_config(self):
            return {"rate": self.rate}

    restored = S.deserialize({"class_name": "Constant", "config": {"rate": 0.3}},
                             custom_objects={"Constant": Constant})
    assert isinstance(restored, Constant) and restored.rate == 0.3


def test_base_class_asks_for_call_and_get_config():
    base = S.LearningRateSchedule()
    with pytest.raises(NotImplementedError, match="__call__"):
        base(1)
    with pytest.raises(NotImplementedError, match="get_config"):
        base.get_config()


# -- inside an optimizer ------------------------------------------------------------------
class PlainSGD(Optimizer):
    """`variable -= learning_rate * gradient`, nothing else."""

    def __init__(self, learning_rate=0.01, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)

    def build(self, variables):
        if self.built:
            return
        super().build(variables)

    def update_step(self, gradient, variable, learning_rate):
        self.assign_sub(variable, learning_rate * gradient)


def test_optimizer_uses_the_scheduled_rate_at_each_step():
    ref = ref_exponential(0.1, 2, 0.5)
    optimizer = PlainSGD(learning_rate=S.ExponentialDecay(0.1, 2, 0.5))
    variable = Variable(np.ones(3, "float32"), name="w")
    grad = np.full(3, 2.0, "float32")
    for _ in range(6):
        optimizer.apply([grad], [variable])
    expected = 1.0 - 2.0 * sum(ref(i) for i in range(6))
    assert_close(variable.value, np.full(3, expected), rtol=1e-5)
    assert_close(optimizer.learning_rate, np.float32(ref(6)), rtol=1e-5)


def test_optimizer_config_holds_the_serialized_schedule():
    schedule = S.PiecewiseConstantDecay([3, 7], [1.0, 0.5, 0.1])
    optimizer = PlainSGD(learning_rate=schedule)
    config = optimizer.get_config()
    assert config["learning_rate"] == {"module": "keras.optimizers.schedules",
                                       "class_name": "PiecewiseConstantDecay",
                                       "config": schedule.get_config(), "registered_name": None}
    restored = PlainSGD.from_config(config)
    assert_close(restored.learning_rate, np.float32(1.0))


# -- compiled ------------------------------------------------------------------------------
@pytest.mark.skipif(BACKEND != "jax", reason="jax.jit")
def test_schedules_and_a_scheduled_step_trace_under_jax_jit():
    import jax
    import jax.numpy as jnp

    for case in ("polynomial_cycle", "cosine_warmup", "restarts_all_options", "piecewise"):
        make, ref = CASES[case]
        assert_close(jax.jit(make())(jnp.asarray(12)), np.float32(ref(12)), rtol=1e-5, atol=1e-7)

    ref = ref_cosine(0.1, 4, warmup_target=0.2, warmup_steps=2)
    optimizer = PlainSGD(learning_rate=S.CosineDecay(0.1, 4, warmup_target=0.2, warmup_steps=2))
    variable = Variable(np.ones(2, "float32"), name="w")
    optimizer.build([variable])
    step = jax.jit(optimizer.stateless_apply)
    state, weights = [v.value for v in optimizer.variables], [variable.value]
    for _ in range(5):
        weights, state = step(state, [jnp.ones(2)], weights)
    assert_close(weights[0], np.full(2, 1.0 - sum(ref(i) for i in range(5))), rtol=1e-5)


@pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.function")
def test_schedules_and_a_scheduled_step_trace_under_tf_function():
    import tensorflow as tf

    for case in ("polynomial_cycle", "cosine_warmup", "restarts_all_options", "piecewise"):
        make, ref = CASES[case]
        value = tf.function(make())(tf.constant(12, tf.int64))
        assert_close(value, np.float32(ref(12)), rtol=1e-5, atol=1e-7)

    ref = ref_polynomial(0.1, 3, power=2.0, cycle=True)
    optimizer = PlainSGD(learning_rate=S.PolynomialDecay(0.1, 3, power=2.0, cycle=True))
    variable = Variable(np.ones(2, "float32"), name="w")

    @tf.function
    def step():
        optimizer.apply([tf.ones(2)], [variable])

    for _ in range(5):
        step()
    assert_close(variable.value, np.full(2, 1.0 - sum(ref(i) for i in range(5))), rtol=1e-5)
