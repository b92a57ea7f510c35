"""Adafactor, Ftrl, Lamb, Lion, Muon, ScheduleFreeAdamW, LossScaleOptimizer, MultiOptimizer, legacy.

Each optimizer runs several steps against a float64 NumPy implementation of its update
written here; configs are compared with what Keras 3.15.1 printed.
"""

import numpy as np
import pytest

from k_backends.variables import Variable, name_scope
from k_train import optimizers as O

from conftest import BACKEND, to_numpy

RNG = np.random.default_rng(0)
SHAPES = {"dense/kernel": (3, 4), "dense/bias": (4,), "tall/kernel": (5, 2)}
START = {path: RNG.normal(size=shape) for path, shape in SHAPES.items()}
GRADS = [{path: RNG.normal(size=shape) for path, shape in SHAPES.items()} for _ in range(4)]


def make_variables():
    variables = []
    for path, value in START.items():
        scope, name = path.split("/")
        with name_scope(scope):  # paths as a layer gives them ("dense/kernel")
            variables.append(Variable(value.astype("float32"), name=name))
    return variables


def clip(grads, clipnorm=None, clipvalue=None, global_clipnorm=None):
    if clipvalue is not None:
        grads = {k: np.clip(g, -clipvalue, clipvalue) for k, g in grads.items()}
    if clipnorm is not None:
        grads = {k: g * min(1.0, clipnorm / np.linalg.norm(g)) for k, g in grads.items()}
    if global_clipnorm is not None:
        total = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
        grads = {k: g * min(1.0, global_clipnorm / total) for k, g in grads.items()}
    return grads


def rms(x):
    return np.sqrt(np.mean(x**2))


# -- NumPy references: step(state, g, w, lr, t) -> new w, updating `state` in place ---------
def adafactor_ref(decay=-0.8, eps1=1e-30, eps2=1e-3, clip_threshold=1.0):
    def step(s, g, w, lr, t):
        rho = min(lr, 1 / np.sqrt(t))
        alpha = max(eps2, rms(w)) * rho
        gs, b2 = g**2 + eps1, 1 - t**decay
        if w.ndim >= 2:
            s["r"] = b2 * s.get("r", 0) + (1 - b2) * gs.mean(-1)
            s["c"] = b2 * s.get("c", 0) + (1 - b2) * gs.mean(-2)
            v = (s["r"] / s["r"].mean(-1, keepdims=True))[..., None] * s["c"][..., None, :]
        else:
            v = s["v"] = b2 * s.get("v", 0) + (1 - b2) * gs
        u = g / np.sqrt(v)
        return w - alpha * u / max(1.0, rms(u) / clip_threshold)
    return step


def ftrl_ref(power=-0.5, init=0.1, l1=0.0, l2=0.0, shrink=0.0, beta=0.0):
    def step(s, g, w, lr, t):
        accum = s.get("accum", np.full_like(w, init))
        linear = s.get("linear", np.zeros_like(w))
        new_accum = accum + g**2
        linear = linear + g + 2 * shrink * w - (new_accum ** -power - accum ** -power) / lr * w
        quadratic = new_accum ** -power / lr + 2 * (l2 + beta / (2 * lr))
        s["accum"], s["linear"] = new_accum, linear
        return (np.clip(linear, -l1, l1) - linear) / quadratic
    return step


def lamb_ref(b1=0.9, b2=0.999, eps=1e-7):
    def step(s, g, w, lr, t):
        m = s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
        v = s["v"] = b2 * s.get("v", 0) + (1 - b2) * g**2
        update = (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        wn, un = np.linalg.norm(w), np.linalg.norm(update)
        ratio = wn / un if wn > 0 and un > 0 else 1.0
        return w - ratio * lr * update
    return step


def lion_ref(b1=0.9, b2=0.99):
    def step(s, g, w, lr, t):
        m = s.get("m", 0)
        s["m"] = b2 * m + (1 - b2) * g
        return w - lr * np.sign(b1 * m + (1 - b1) * g)
    return step


def newton_schulz(x, steps, a=3.4445, b=-4.775, c=2.0315):
    tall = x.shape[0] > x.shape[1]
    x = x.T if tall else x
    x = x / (np.linalg.norm(x) + 1e-7)
    for _ in range(steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * gram @ gram) @ x
    return x.T if tall else x


def muon_ref(adam_path=lambda path, w: w.ndim != 2, wd=0.004, adam_wd=0.004, momentum=0.95,
             nesterov=True, rms_rate=0.2, ns_steps=5, b1=0.9, b2=0.999, eps=1e-7, adam_lr_ratio=1):
    def step(s, g, w, lr, t):
        if adam_path(s["path"], w):
            w = w - w * adam_wd * lr if adam_wd is not None else w
            lr = lr * adam_lr_ratio
            m = s["m"] = s.get("m", 0) + (g - s.get("m", 0)) * (1 - b1)
            v = s["v"] = s.get("v", 0) + (g**2 - s.get("v", 0)) * (1 - b2)
            alpha = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
            return w - m * alpha / (np.sqrt(v) + eps)
        w = w - w * wd * lr if wd is not None else w
        m = s["m"] = momentum * s.get("m", 0) + g
        update = lr * newton_schulz(g + momentum * m if nesterov else m, ns_steps)
        if rms_rate is not None:
            update = update * np.sqrt(max(w.shape)) * rms_rate
        return w - update
    return step


def schedule_free_ref(b1=0.9, b2=0.999, eps=1e-8, warmup=0):
    def step(s, g, w, lr, t):
        if warmup > 0:
            lr = lr * min(t / warmup, 1.0)
        z_old = s.get("z", s["start"])  # z starts at the variable's value when built
        v = s["v"] = s.get("v", 0) + (g**2 - s.get("v", 0)) * (1 - b2)
        z = s["z"] = z_old - lr * g / (np.sqrt(v / (1 - b2**t)) + eps)
        x_old = (w - (1 - b1) * z_old) / b1
        x_new = (1 - 1 / t) * x_old + z / t
        return (1 - b1) * z + b1 * x_new
    return step


def run_reference(step, lr, steps=4, weight_decay=None, **clipping):
    weights = {path: value.copy() for path, value in START.items()}
    state = {path: {"path": path, "start": START[path]} for path in START}
    for t in range(1, steps + 1):
        grads = clip(GRADS[t - 1], **clipping)
        for path in weights:
            w = weights[path]
            if weight_decay:
                w = w - w * weight_decay * lr
            weights[path] = step(state[path], grads[path], w, lr, t)
    return weights


def run_kappa(optimizer, steps=4):
    variables = make_variables()
    for t in range(steps):
        optimizer.apply([GRADS[t][v.path].astype("float32") for v in variables], variables)
    return {v.path: to_numpy(v.value) for v in variables}


CASES = {
    "adafactor": (lambda: O.Adafactor(learning_rate=0.05), adafactor_ref(), 0.05, {}),
    "adafactor_options": (lambda: O.Adafactor(learning_rate=0.3, beta_2_decay=-0.5, epsilon_2=0.01,
                                              clip_threshold=0.5, relative_step=False, clipnorm=1.0),
                          adafactor_ref(decay=-0.5, eps2=0.01, clip_threshold=0.5), 0.3, {"clipnorm": 1.0}),
    "ftrl": (lambda: O.Ftrl(learning_rate=0.1), ftrl_ref(), 0.1, {}),
    "ftrl_regularized": (lambda: O.Ftrl(learning_rate=0.2, learning_rate_power=-0.3,
                                        initial_accumulator_value=0.5, l1_regularization_strength=0.05,
                                        l2_regularization_strength=0.1,
                                        l2_shrinkage_regularization_strength=0.02,
                                        beta=0.3, global_clipnorm=2.0),
                         ftrl_ref(-0.3, 0.5, 0.05, 0.1, 0.02, 0.3), 0.2, {"global_clipnorm": 2.0}),
    "lamb": (lambda: O.Lamb(learning_rate=0.01), lamb_ref(), 0.01, {}),
    "lamb_decay": (lambda: O.Lamb(learning_rate=0.02, beta_1=0.8, beta_2=0.99, epsilon=1e-4, weight_decay=0.1,
                                  clipvalue=0.5),
                   lamb_ref(0.8, 0.99, 1e-4), 0.02, {"weight_decay": 0.1, "clipvalue": 0.5}),
    "lion": (lambda: O.Lion(learning_rate=0.01), lion_ref(), 0.01, {}),
    "lion_decay": (lambda: O.Lion(learning_rate=0.01, beta_1=0.5, beta_2=0.9, weight_decay=0.2),
                   lion_ref(0.5, 0.9), 0.01, {"weight_decay": 0.2}),
    "muon": (lambda: O.Muon(learning_rate=0.02), muon_ref(), 0.02, {}),
    "muon_options": (lambda: O.Muon(learning_rate=0.05, adam_beta_1=0.8, adam_beta_2=0.9,
                                    adam_weight_decay=0.1,
                                    epsilon=1e-5, weight_decay=None, exclude_layers=["tall"], momentum=0.9,
                                    ns_steps=3, nesterov=False, rms_rate=None, adam_lr_ratio=0.5,
                                    muon_a=3.4445, clipnorm=1.5),
                     muon_ref(adam_path=lambda path, w: w.ndim != 2 or "tall" in path, wd=None, adam_wd=0.1,
                              momentum=0.9, nesterov=False, rms_rate=None, ns_steps=3, b1=0.8, b2=0.9,
                              eps=1e-5, adam_lr_ratio=0.5),
                     0.05, {"clipnorm": 1.5}),
    "schedule_free": (lambda: O.ScheduleFreeAdamW(learning_rate=0.01), schedule_free_ref(), 0.01, {}),
    "schedule_free_warmup": (lambda: O.ScheduleFreeAdamW(learning_rate=0.02, beta_1=0.8, beta_2=0.99,
                                                         epsilon=1e-6, warmup_steps=3, weight_decay=0.05),
                             schedule_free_ref(0.8, 0.99, 1e-6, 3), 0.02, {"weight_decay": 0.05}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_steps_match_numpy_reference(case):
    factory, step, lr, options = CASES[case]
    expected = run_reference(step, lr, **options)
    result = run_kappa(factory())
    for path in SHAPES:
        np.testing.assert_allclose(result[path], expected[path], rtol=1e-4, atol=1e-5, err_msg=path)


BASE = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None, "use_ema": False,
        "ema_momentum": 0.99, "ema_overwrite_frequency": None, "loss_scale_factor": None,
        "gradient_accumulation_steps": None}
KERAS_CONFIGS = {  # printed by Keras 3.15.1 for the default arguments
    O.Adafactor: {"name": "adafactor", "learning_rate": 0.0010000000474974513, **BASE, "beta_2_decay": -0.8,
                  "epsilon_1": 1e-30, "epsilon_2": 0.001, "clip_threshold": 1.0, "relative_step": True},
    O.Ftrl: {"name": "ftrl", "learning_rate": 0.0010000000474974513, **BASE, "learning_rate_power": -0.5,
             "initial_accumulator_value": 0.1, "l1_regularization_strength": 0.0,
             "l2_regularization_strength": 0.0, "l2_shrinkage_regularization_strength": 0.0, "beta": 0.0},
    O.Lamb: {"name": "lamb", "learning_rate": 0.0010000000474974513, **BASE, "beta_1": 0.9, "beta_2": 0.999,
             "epsilon": 1e-07},
    O.Lion: {"name": "lion", "learning_rate": 0.0010000000474974513, **BASE, "beta_1": 0.9, "beta_2": 0.99},
    O.Muon: {"name": "muon", "learning_rate": 0.0010000000474974513, **BASE, "weight_decay": 0.004,
             "adam_beta_1": 0.9, "adam_beta_2": 0.999, "epsilon": 1e-07, "exclude_layers": [],
             "muon_a": 3.4445,
             "muon_b": -4.775, "muon_c": 2.0315, "adam_lr_ratio": 1, "momentum": 0.95, "ns_steps": 5,
             "nesterov": True, "exclude_embeddings": True, "adam_weight_decay": 0.004, "rms_rate": 0.2},
    O.ScheduleFreeAdamW: {"name": "schedule_free_adam_w", "learning_rate": 0.0024999999441206455, **BASE,
                          "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-08, "warmup_steps": 0},
}
SGD_CONFIG = {"module": "keras.optimizers", "class_name": "SGD", "registered_name": None,
              "config": {"name": "sgd", "learning_rate": 0.009999999776482582, **BASE, "momentum": 0.0,
                         "nesterov": False}}


@pytest.mark.parametrize("cls", list(KERAS_CONFIGS), ids=lambda c: c.__name__)
def test_config_equals_keras_and_round_trips(cls):
    config = cls().get_config()
    assert config == KERAS_CONFIGS[cls]
    assert O.deserialize(O.serialize(cls.from_config(config))).get_config() == config


def test_optimizers_get_accepts_keras_lowercase_names():
    for name, cls in (("adafactor", O.Adafactor), ("ftrl", O.Ftrl), ("lion", O.Lion), ("muon", O.Muon),
                      ("schedulefreeadamw", O.ScheduleFreeAdamW)):
        assert type(O.get(name)) is cls


def test_adafactor_factors_matrices_and_keeps_full_velocity_for_vectors():
    opt = O.Adafactor()
    opt.build(make_variables())
    shapes = [tuple(v.shape) for v in opt.variables[2:]]
    assert shapes == [(3,), (4,), (3, 4), (), (), (4,), (5,), (2,), (5, 2)]


def test_muon_routes_non_matrices_embeddings_and_excluded_layers_to_adamw():
    variables = make_variables()
    with name_scope("token_embedding"):
        embedding = Variable(np.zeros((6, 3), "float32"), name="embeddings")
    opt = O.Muon(exclude_layers=["tall"])
    opt.build(variables + [embedding])
    velocity = [v.path for v in opt.variables if v.path.endswith("velocity")]
    assert velocity == ["muon/dense_bias_velocity", "muon/tall_kernel_velocity",
                        "muon/token_embedding_embeddings_velocity"]
    assert not O.Muon(exclude_embeddings=False)._should_use_adamw(embedding)


def test_ftrl_and_lion_reject_bad_arguments():
    with pytest.raises(ValueError, match="learning_rate_power"):
        O.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ValueError, match="l1_regularization_strength"):
        O.Ftrl(l1_regularization_strength=-1.0)
    with pytest.raises(ValueError, match="beta_1"):
        O.Lion(beta_1=0.0)


# -- LossScaleOptimizer ----------------------------------------------------------------------
def test_loss_scale_skips_non_finite_steps_halves_and_regrows_the_scale():
    variables = make_variables()
    opt = O.LossScaleOptimizer(O.Adam(learning_rate=0.1), initial_scale=8.0, dynamic_growth_steps=2)
    assert float(to_numpy(opt.scale_loss(2.0))) == 16.0
    reference = O.Adam(learning_rate=0.1)
    ref_vars = make_variables()
    scales, counters = [], []
    for t, finite in enumerate([True, False, True, True, True]):
        scale = float(to_numpy(opt.dynamic_scale.value)) if opt.built else 8.0
        grads = [GRADS[t % 4][v.path].astype("float32") * scale for v in variables]
        if not finite:
            grads[1] = grads[1] * np.float32(np.nan)
        opt.apply(grads, variables)
        if finite:
            reference.apply([GRADS[t % 4][v.path].astype("float32") for v in ref_vars], ref_vars)
        scales.append(float(to_numpy(opt.dynamic_scale.value)))
        counters.append(int(to_numpy(opt.step_counter.value)))
    assert scales == [8.0, 4.0, 4.0, 8.0, 8.0]
    assert counters == [1, 0, 1, 0, 1]
    assert int(to_numpy(opt.iterations.value)) == 4
    for v, r in zip(variables, ref_vars, strict=True):
        np.testing.assert_allclose(to_numpy(v.value), to_numpy(r.value), rtol=1e-5, atol=1e-6)
    assert float(to_numpy(opt.scale_loss(1.0))) == 8.0


def test_loss_scale_variables_config_and_arguments():
    inner = O.SGD()
    opt = O.LossScaleOptimizer(inner)
    opt.build(make_variables())
    assert [v.path for v in opt.variables] == [
        "loss_scale_optimizer/iteration", "loss_scale_optimizer/learning_rate",
        "loss_scale_optimizer/step_counter", "loss_scale_optimizer/dynamic_scale", "sgd/iteration",
        "sgd/learning_rate"]
    config = opt.get_config()
    assert config == {"name": "loss_scale_optimizer", "inner_optimizer": SGD_CONFIG, "initial_scale": 32768.0,
                      "dynamic_growth_steps": 2000}
    clone = O.deserialize(O.serialize(opt))
    assert type(clone.inner_optimizer) is O.SGD and clone.get_config() == config
    with pytest.raises(ValueError, match="clipnorm"):
        O.LossScaleOptimizer(O.SGD(), clipnorm=1.0)
    with pytest.raises(ValueError, match="dynamic=False"):
        O.LossScaleOptimizer(O.SGD(), dynamic=False)


# -- MultiOptimizer ----------------------------------------------------------------------------
def test_multi_optimizer_routes_variables_by_path_regex():
    sgd, lion = O.SGD(learning_rate=0.1), O.Lion(learning_rate=0.01)
    opt = O.MultiOptimizer(O.OptimizerMap(sgd, {".*bias": lion}))
    result = run_kappa(opt)
    lion_expected = run_reference(lion_ref(), 0.01)["dense/bias"]
    sgd_expected = run_reference(lambda s, g, w, lr, t: w - lr * g, 0.1)
    np.testing.assert_allclose(result["dense/bias"], lion_expected, rtol=1e-5, atol=1e-6)
    for path in ("dense/kernel", "tall/kernel"):
        np.testing.assert_allclose(result[path], sgd_expected[path], rtol=1e-5, atol=1e-6)
    assert opt.optimizers == [lion, sgd]
    assert [v.path for v in opt.variables][:4] == [
        "multi_optimizer/iteration", "multi_optimizer/learning_rate", "lion/iteration", "lion/learning_rate"]
    assert int(to_numpy(opt.iterations.value)) == 4 and int(to_numpy(sgd.iterations.value)) == 4
    with pytest.raises(AttributeError, match="sub-optimizers"):
        opt.learning_rate  # noqa: B018


def test_multi_optimizer_config_matches_keras_and_round_trips():
    opt = O.MultiOptimizer(O.OptimizerMap(O.SGD(), {".*bias": O.SGD(name="bias_sgd")}), loss_scale_factor=2.0)
    config = opt.get_config()
    bias_sgd = {**SGD_CONFIG,
                "config": {**SGD_CONFIG["config"], "name": "bias_sgd", "loss_scale_factor": 2.0}}
    default = {**SGD_CONFIG, "config": {**SGD_CONFIG["config"], "loss_scale_factor": 2.0}}
    assert config == {"optimizer_map": {"module": "keras.optimizers", "class_name": "OptimizerMap",
                                        "config": {"default_optimizer": default,
                                                   "optimizer_map": {".*bias": bias_sgd}},
                                        "registered_name": None},
                      "loss_scale_factor": 2.0, "name": "multi_optimizer"}
    assert O.deserialize(O.serialize(opt)).get_config() == config


def test_optimizer_map_lookup_and_errors():
    default, bias = O.SGD(), O.Adam()
    routes = O.OptimizerMap(default, {".*bias": bias})
    assert routes["dense/bias"] is bias and routes["dense/kernel"] is default
    routes[".*dense.*"] = O.Lion()
    with pytest.raises(ValueError, match="several keys"):
        routes["dense/bias"]  # noqa: B018
    with pytest.raises(ValueError, match="already maps"):
        routes[".*bias"] = O.SGD()
    with pytest.raises(ValueError, match="LossScaleOptimizer"):
        routes["x"] = O.LossScaleOptimizer(O.SGD())
    with pytest.raises(TypeError, match="default_optimizer"):
        O.OptimizerMap("sgd")


@pytest.mark.parametrize("name", ["Adagrad", "Adam", "Ftrl", "Optimizer", "RMSprop", "SGD"])
def test_legacy_optimizers_raise_a_clear_import_error(name):
    with pytest.raises(ImportError, match="legacy .* not supported"):
        getattr(O.legacy, name)(learning_rate=0.1)


# -- traced steps ---------------------------------------------------------------------------
def traced_factories():
    return [lambda: O.Muon(learning_rate=0.02, ns_steps=2), lambda: O.Adafactor(learning_rate=0.05),
            lambda: O.LossScaleOptimizer(O.Lamb(learning_rate=0.01), initial_scale=4.0,
                                         dynamic_growth_steps=2),
            lambda: O.MultiOptimizer(O.OptimizerMap(O.Ftrl(0.1), {".*bias": O.ScheduleFreeAdamW(0.01)}))]


def grads_for(t, variables, nan=False):
    grads = [GRADS[t][v.path].astype("float32") for v in variables]
    if nan:
        grads[0] = grads[0] * np.float32(np.inf)
    return grads


@pytest.mark.skipif(BACKEND != "jax", reason="jax.jit")
@pytest.mark.parametrize("index", range(4))
def test_stateless_apply_inside_jax_jit_matches_apply(index):
    import jax

    eager, traced = traced_factories()[index](), traced_factories()[index]()
    eager_vars, traced_vars = make_variables(), make_variables()
    traced.build(traced_vars)
    step = jax.jit(traced.stateless_apply)
    state = [v.value for v in traced.variables]
    weights = [v.value for v in traced_vars]
    for t in range(3):
        nan = t == 1
        eager.apply(grads_for(t, eager_vars, nan), eager_vars)
        weights, state = step(state, grads_for(t, traced_vars, nan), weights)
    for w, v in zip(weights, eager_vars, strict=True):
        np.testing.assert_allclose(np.asarray(w), to_numpy(v.value), rtol=1e-5, atol=1e-6)
    for s, v in zip(state, eager.variables, strict=True):
        np.testing.assert_allclose(np.asarray(s), to_numpy(v.value), rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.function")
@pytest.mark.parametrize("index", [2, 3])  # the wrappers (the plain optimizers' steps trace the same way)
def test_apply_inside_tf_function_matches_eager(index):
    import tensorflow as tf

    eager, traced = traced_factories()[index](), traced_factories()[index]()
    eager_vars, traced_vars = make_variables(), make_variables()
    traced.build(traced_vars)
    step = tf.function(lambda grads: traced.apply(grads, traced_vars))
    for t in range(3):
        nan = t == 1
        eager.apply(grads_for(t, eager_vars, nan), eager_vars)
        step([tf.constant(g) for g in grads_for(t, traced_vars, nan)])
    for a, b in zip(traced_vars + traced.variables, eager_vars + eager.variables, strict=True):
        np.testing.assert_allclose(to_numpy(a.value), to_numpy(b.value), rtol=1e-5, atol=1e-6)
