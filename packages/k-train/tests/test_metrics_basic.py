"""Accuracy, regression, probabilistic and hinge metrics against NumPy, over several weighted batches."""

import numpy as np
import pytest

from k_ops import core as kcore
from k_train import metrics as M

from conftest import BACKEND, assert_close, to_numpy

B, C = 5, 4
EPS = 1e-7


# -- NumPy references: one value per sample ------------------------------------------
def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _bce(t, p, from_logits=False, smoothing=0.0):
    t = t * (1 - smoothing) + 0.5 * smoothing
    if from_logits:
        p = 1 / (1 + np.exp(-p))
    p = np.clip(p, EPS, 1 - EPS)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean(-1)


def _signed(t):
    return 2 * t - 1 if np.isin(t, (0, 1)).all() else t


def _top_k(labels, scores, k):
    rank = (scores > np.take_along_axis(scores, labels[:, None], 1)).sum(1)
    return (rank < k).astype(float)


def _cos(t, p):
    t = t / np.linalg.norm(t, axis=-1, keepdims=True)
    p = p / np.linalg.norm(p, axis=-1, keepdims=True)
    return (t * p).sum(-1)


def _log_cosh(t, p):
    return np.log(np.cosh(p - t)).mean(-1)


REFERENCES = {
    "mse": lambda t, p: ((t - p) ** 2).mean(-1),
    "mae": lambda t, p: np.abs(t - p).mean(-1),
    "mape": lambda t, p: 100 * (np.abs(t - p) / np.maximum(np.abs(t), EPS)).mean(-1),
    "msle": lambda t, p: ((np.log1p(np.maximum(p, EPS)) - np.log1p(np.maximum(t, EPS))) ** 2).mean(-1),
    "log_cosh": _log_cosh,
    "cos": _cos,
    "bce": _bce,
    "bce_logits": lambda t, p: _bce(t, p, from_logits=True, smoothing=0.1),
    "cce": lambda t, p: -(t * np.log(np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS))).sum(-1),
    "scce": lambda t, p: -np.log(np.clip(np.take_along_axis(p, t[:, None], 1)[:, 0], EPS, 1 - EPS)),
    "kld": lambda t, p: (np.clip(t, EPS, 1) * np.log(np.clip(t, EPS, 1) / np.clip(p, EPS, 1))).sum(-1),
    "poisson": lambda t, p: (p - t * np.log(p + EPS)).mean(-1),
    "hinge": lambda t, p: np.maximum(1 - _signed(t) * p, 0).mean(-1),
    "squared_hinge": lambda t, p: (np.maximum(1 - _signed(t) * p, 0) ** 2).mean(-1),
    "categorical_hinge": lambda t, p: np.maximum((p * (1 - t)).max(-1) - (p * t).sum(-1) + 1, 0),
    "accuracy": lambda t, p: (t == p).astype(float).mean(-1),
    "binary_accuracy": lambda t, p: (t == (p > 0.3)).astype(float).mean(-1),
    "categorical_accuracy": lambda t, p: (t.argmax(-1) == p.argmax(-1)).astype(float),
    "sparse_categorical_accuracy": lambda t, p: (t == p.argmax(-1)).astype(float),
    "top_k": lambda t, p: _top_k(t.argmax(-1), p, 2),
    "sparse_top_k": lambda t, p: _top_k(t, p, 2),
}


# -- batches --------------------------------------------------------------------------
def _batch(kind, rng):
    """(y_true, y_pred) as float32 / int32 NumPy arrays of one kind of data."""
    if kind == "positive":
        return rng.uniform(0.5, 2, (B, C)), rng.uniform(0.1, 2, (B, C))
    if kind == "probabilities":
        return _softmax(rng.normal(size=(B, C))), _softmax(rng.normal(size=(B, C)))
    if kind == "binary":
        return rng.integers(0, 2, (B, C)).astype(float), rng.uniform(0, 1, (B, C))
    if kind == "binary_logits":
        return rng.integers(0, 2, (B, C)).astype(float), rng.normal(0, 3, (B, C))
    if kind == "one_hot":
        return np.eye(C)[rng.integers(0, C, B)], _softmax(rng.normal(size=(B, C)))
    if kind == "sparse":
        return rng.integers(0, C, B).astype("int32"), _softmax(rng.normal(size=(B, C)))
    if kind == "signed":
        return rng.choice([-1.0, 1.0], (B, C)), rng.normal(size=(B, C))
    if kind == "labels":
        return rng.integers(0, 3, (B, 1)).astype(float), rng.integers(0, 3, (B, 1)).astype(float)
    raise AssertionError(kind)


CASES = [  # (class, kwargs, data kind, reference)
    (M.Accuracy, {}, "labels", "accuracy"),
    (M.BinaryAccuracy, {"threshold": 0.3}, "binary", "binary_accuracy"),
    (M.CategoricalAccuracy, {}, "one_hot", "categorical_accuracy"),
    (M.SparseCategoricalAccuracy, {}, "sparse", "sparse_categorical_accuracy"),
    (M.TopKCategoricalAccuracy, {"k": 2}, "one_hot", "top_k"),
    (M.SparseTopKCategoricalAccuracy, {"k": 2}, "sparse", "sparse_top_k"),
    (M.MeanSquaredError, {}, "positive", "mse"),
    (M.MeanAbsoluteError, {}, "positive", "mae"),
    (M.MeanAbsolutePercentageError, {}, "positive", "mape"),
    (M.MeanSquaredLogarithmicError, {}, "positive", "msle"),
    (M.CosineSimilarity, {}, "positive", "cos"),
    (M.LogCoshError, {}, "positive", "log_cosh"),
    (M.BinaryCrossentropy, {}, "binary", "bce"),
    (M.BinaryCrossentropy, {"from_logits": True, "label_smoothing": 0.1}, "binary_logits", "bce_logits"),
    (M.CategoricalCrossentropy, {}, "one_hot", "cce"),
    (M.SparseCategoricalCrossentropy, {}, "sparse", "scce"),
    (M.KLDivergence, {}, "probabilities", "kld"),
    (M.Poisson, {}, "positive", "poisson"),
    (M.Hinge, {}, "binary_logits", "hinge"),
    (M.Hinge, {}, "signed", "hinge"),
    (M.SquaredHinge, {}, "binary_logits", "squared_hinge"),
    (M.CategoricalHinge, {}, "one_hot", "categorical_hinge"),
]
IDS = [f"{cls.__name__}-{ref}" for cls, _, _, ref in CASES]


def _cast(y):
    return y.astype("int32") if y.dtype.kind == "i" else y.astype("float32")


@pytest.mark.parametrize("cls, kwargs, kind, ref", CASES, ids=IDS)
def test_weighted_mean_over_batches_and_reset(cls, kwargs, kind, ref):
    rng = np.random.default_rng(0)
    metric = cls(**kwargs)
    total = count = 0.0
    for step in range(3):
        y_true, y_pred = _batch(kind, rng)
        weights = None if step == 0 else rng.uniform(0, 2, B)
        metric.update_state(_cast(y_true), _cast(y_pred),
                            sample_weight=None if weights is None else weights.astype("float32"))
        values = REFERENCES[ref](y_true, y_pred)
        w = np.ones(B) if weights is None else weights
        total, count = total + (values * w).sum(), count + w.sum()
    assert_close(metric.result(), np.float32(total / count), dtype="float32", rtol=1e-4, atol=1e-5)
    metric.reset_state()
    assert_close(metric.result(), np.float32(0.0))
    y_true, y_pred = _batch(kind, rng)
    metric.update_state(_cast(y_true), _cast(y_pred))
    assert_close(metric.result(), np.float32(REFERENCES[ref](y_true, y_pred).mean()), rtol=1e-4, atol=1e-5)


def test_root_mean_squared_error_takes_the_root_of_the_running_mean():
    rng = np.random.default_rng(1)
    metric = M.RootMeanSquaredError()
    squares = weights = 0.0
    for _ in range(3):
        y_true, y_pred, w = rng.normal(size=(B, C)), rng.normal(size=(B, C)), rng.uniform(0, 2, B)
        metric.update_state(y_true.astype("float32"), y_pred.astype("float32"), sample_weight=w)
        squares += (((y_true - y_pred) ** 2).mean(-1) * w).sum()
        weights += w.sum()
    assert_close(metric.result(), np.float32(np.sqrt(squares / weights)), rtol=1e-5)
    metric.reset_state()
    assert_close(metric.result(), np.float32(0.0))


def test_per_element_weights_and_sequences():
    # (batch, time) weights on (batch, time, classes) predictions: one weight per position.
    rng = np.random.default_rng(2)
    labels = rng.integers(0, C, (B, 3))
    scores = rng.normal(size=(B, 3, C))
    weights = rng.uniform(0, 1, (B, 3))
    metric = M.SparseCategoricalAccuracy()
    metric.update_state(labels.astype("int32"), scores.astype("float32"), sample_weight=weights)
    hits = (labels == scores.argmax(-1)).astype(float)
    assert_close(metric.result(), np.float32((hits * weights).sum() / weights.sum()), rtol=1e-5)


def test_sparse_categorical_crossentropy_ignore_class_without_weights():
    # Without sample weights Keras averages over every position, the ignored ones giving 0.
    y_true = np.array([0, 2, 1], "int32")
    y_pred = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.2, 0.6, 0.2]], "float32")
    metric = M.SparseCategoricalCrossentropy(ignore_class=2)
    metric.update_state(y_true, y_pred)
    assert_close(metric.result(), np.float32(-(np.log(0.7) + np.log(0.6)) / 3), rtol=1e-5)


FUNCTIONS = [  # (function, kwargs, data kind, reference)
    (M.mean_squared_error, {}, "positive", "mse"),
    (M.mean_absolute_error, {}, "positive", "mae"),
    (M.mean_absolute_percentage_error, {}, "positive", "mape"),
    (M.mean_squared_logarithmic_error, {}, "positive", "msle"),
    (M.log_cosh, {}, "positive", "log_cosh"),
    (M.binary_crossentropy, {}, "binary", "bce"),
    (M.binary_crossentropy, {"from_logits": True, "label_smoothing": 0.1}, "binary_logits", "bce_logits"),
    (M.categorical_crossentropy, {}, "one_hot", "cce"),
    (M.sparse_categorical_crossentropy, {}, "sparse", "scce"),
    (M.kl_divergence, {}, "probabilities", "kld"),
    (M.poisson, {}, "positive", "poisson"),
    (M.hinge, {}, "binary_logits", "hinge"),
    (M.squared_hinge, {}, "signed", "squared_hinge"),
    (M.categorical_hinge, {}, "one_hot", "categorical_hinge"),
    (M.binary_accuracy, {"threshold": 0.3}, "binary", "binary_accuracy"),
    (M.categorical_accuracy, {}, "one_hot", "categorical_accuracy"),
    (M.sparse_categorical_accuracy, {}, "sparse", "sparse_categorical_accuracy"),
    (M.top_k_categorical_accuracy, {"k": 2}, "one_hot", "top_k"),
    (M.sparse_top_k_categorical_accuracy, {"k": 2}, "sparse", "sparse_top_k"),
]


@pytest.mark.parametrize("fn, kwargs, kind, ref", FUNCTIONS, ids=[f[0].__name__ + str(i)
                                                                   for i, f in enumerate(FUNCTIONS)])
def test_function_forms(fn, kwargs, kind, ref):
    rng = np.random.default_rng(3)
    y_true, y_pred = _batch(kind, rng)
    if ref in ("binary_accuracy", "accuracy"):
        expected = (y_true == (y_pred > 0.3)).astype(float)  # elementwise, no reduction
    else:
        expected = REFERENCES[ref](y_true, y_pred)
    assert_close(fn(_cast(y_true), _cast(y_pred), **kwargs), expected.astype("float32"), rtol=1e-4, atol=1e-5)


def test_huber_and_focal_crossentropies():
    t = np.array([[0.0, 1.0, 1.0, 0.0]], "float32")
    p = np.array([[0.1, 0.3, 2.5, -1.2]], "float32")
    e = np.abs(p - t)
    expected = np.where(e <= 1, 0.5 * e**2, e - 0.5).mean(-1)
    assert_close(M.huber(t, p), expected, rtol=1e-6)
    probs = np.array([[0.2, 0.7, 0.9, 0.4]], "float32")
    p_t = t * probs + (1 - t) * (1 - probs)
    bce = -(t * np.log(probs) + (1 - t) * np.log(1 - probs))
    assert_close(M.binary_focal_crossentropy(t, probs), ((1 - p_t) ** 2 * bce).mean(-1), rtol=1e-5)
    balanced = (t * 0.25 + (1 - t) * 0.75) * (1 - p_t) ** 2 * bce
    assert_close(M.binary_focal_crossentropy(t, probs, apply_class_balancing=True), balanced.mean(-1),
                 rtol=1e-5)
    one_hot = np.array([[0.0, 1.0, 0.0]], "float32")
    q = np.array([[0.2, 0.5, 0.3]], "float32")
    assert_close(M.categorical_focal_crossentropy(one_hot, q), [0.25 * 0.25 * -np.log(0.5)], rtol=1e-5)


def test_sorted_ids_and_label_shapes():
    scores = np.array([[0.1, 0.5, 0.4], [0.6, 0.3, 0.1]], "float32")
    ids = np.argsort(-scores, axis=-1).astype("int32")
    labels = np.array([2, 2], "int32")
    assert_close(M.sparse_top_k_categorical_accuracy(labels, ids, k=2, from_sorted_ids=True), [1.0, 0.0])
    # A trailing label axis of size 1 is dropped by sparse accuracy, kept by sparse top-k (as in Keras).
    column = labels[:, None]
    assert_close(M.sparse_categorical_accuracy(column, scores), [0.0, 0.0])
    assert_close(M.sparse_top_k_categorical_accuracy(column, scores, k=2), [[1.0], [0.0]])


def test_extreme_logits_stay_finite():
    logits = np.array([[1e4, -1e4], [-1e4, 1e4]], "float32")
    targets = np.array([[1.0, 0.0], [1.0, 0.0]], "float32")
    for metric in (M.BinaryCrossentropy(from_logits=True), M.CategoricalCrossentropy(from_logits=True)):
        metric.update_state(targets, logits)
        assert np.isfinite(to_numpy(metric.result()))


KERAS_CONFIGS = [  # (class, kwargs, Keras 3.15.1's get_config())
    (M.Accuracy, {}, {"name": "accuracy", "dtype": "float32"}),
    (M.BinaryAccuracy, {"threshold": 0.3}, {"name": "binary_accuracy", "dtype": "float32", "threshold": 0.3}),
    (M.CategoricalAccuracy, {}, {"name": "categorical_accuracy", "dtype": "float32"}),
    (M.SparseCategoricalAccuracy, {}, {"name": "sparse_categorical_accuracy", "dtype": "float32"}),
    (M.TopKCategoricalAccuracy, {"k": 2}, {"name": "top_k_categorical_accuracy", "dtype": "float32", "k": 2}),
    (M.SparseTopKCategoricalAccuracy, {"k": 2},
     {"name": "sparse_top_k_categorical_accuracy", "dtype": "float32", "k": 2}),
    (M.SparseTopKCategoricalAccuracy, {"k": 2, "from_sorted_ids": True},
     {"name": "sparse_top_k_categorical_accuracy", "dtype": "float32", "k": 2, "from_sorted_ids": True}),
    (M.MeanSquaredError, {}, {"name": "mean_squared_error", "dtype": "float32"}),
    (M.MeanAbsoluteError, {}, {"name": "mean_absolute_error", "dtype": "float32"}),
    (M.MeanAbsolutePercentageError, {}, {"name": "mean_absolute_percentage_error", "dtype": "float32"}),
    (M.MeanSquaredLogarithmicError, {}, {"name": "mean_squared_logarithmic_error", "dtype": "float32"}),
    (M.RootMeanSquaredError, {}, {"name": "root_mean_squared_error", "dtype": "float32"}),
    (M.CosineSimilarity, {"axis": 1}, {"name": "cosine_similarity", "dtype": "float32"}),
    (M.LogCoshError, {}, {"name": "logcosh", "dtype": "float32"}),
    (M.BinaryCrossentropy, {"from_logits": True, "label_smoothing": 0.1},
     {"name": "binary_crossentropy", "dtype": "float32", "from_logits": True, "label_smoothing": 0.1}),
    (M.CategoricalCrossentropy, {}, {"name": "categorical_crossentropy", "dtype": "float32",
                                     "from_logits": False, "label_smoothing": 0, "axis": -1}),
    (M.SparseCategoricalCrossentropy, {"ignore_class": 1},
     {"name": "sparse_categorical_crossentropy", "dtype": "float32", "from_logits": False, "ignore_class": 1,
      "axis": -1}),
    (M.KLDivergence, {}, {"name": "kl_divergence", "dtype": "float32"}),
    (M.Poisson, {}, {"name": "poisson", "dtype": "float32"}),
    (M.Hinge, {}, {"name": "hinge", "dtype": "float32"}),
    (M.SquaredHinge, {}, {"name": "squared_hinge", "dtype": "float32"}),
    (M.CategoricalHinge, {}, {"name": "categorical_hinge", "dtype": "float32"}),
]


@pytest.mark.parametrize("cls, kwargs, expected", KERAS_CONFIGS,
                         ids=[f"{c.__name__}{i}" for i, (c, _, _) in enumerate(KERAS_CONFIGS)])
def test_configs_equal_keras_and_round_trip(cls, kwargs, expected):
    metric = cls(**kwargs)
    assert metric.get_config() == expected
    config = M.serialize(metric)
    assert config["module"] == "keras.metrics" and config["class_name"] == cls.__name__
    clone = M.deserialize(config)
    assert type(clone) is cls and clone.get_config() == expected


def test_function_forms_are_the_losses_own():
    from k_train import losses as L

    for name in ("mean_squared_error", "log_cosh", "huber", "binary_crossentropy", "kl_divergence",
                 "poisson", "hinge", "categorical_hinge", "sparse_categorical_crossentropy"):
        assert getattr(M, name) is getattr(L, name), name


def test_functions_serialize_as_keras_builtins():
    expected = {"module": "builtins", "class_name": "function", "config": "mean_squared_error",
                "registered_name": "function"}
    assert M.serialize(M.mean_squared_error) == expected
    assert M.serialize(M.binary_accuracy)["config"] == "binary_accuracy"


LOOKUPS = {
    "accuracy": M.Accuracy, "mae": M.MeanAbsoluteError, "MAE": M.MeanAbsoluteError,
    "mse": M.MeanSquaredError, "MSE": M.MeanSquaredError, "mape": M.MeanAbsolutePercentageError,
    "msle": M.MeanSquaredLogarithmicError, "bce": M.BinaryCrossentropy,
    "binary_accuracy": M.BinaryAccuracy, "mean_squared_error": M.MeanSquaredError,
    "log_cosh_error": M.LogCoshError, "top_k_categorical_accuracy": M.TopKCategoricalAccuracy,
    "kl_divergence": M.KLDivergence, "hinge": M.Hinge, "Accuracy": M.Accuracy,
}


def _resolved_class(identifier):
    obj = M.get(identifier)
    return obj if isinstance(obj, type) else type(obj)


@pytest.mark.parametrize("name", sorted(LOOKUPS))
def test_string_lookup_names_the_keras_class(name):
    assert _resolved_class(name) is LOOKUPS[name]


@pytest.mark.xfail(isinstance(M.get("mse"), type), strict=True,
                   reason="k_train.metrics.get/deserialize return the class; Keras instantiates it")
def test_string_lookup_gives_an_instance():
    assert isinstance(M.get("mse"), M.MeanSquaredError)


@pytest.mark.parametrize("name", ["acc", "ce"])
def test_names_keras_does_not_resolve(name):
    # Keras 3's metrics.get knows only metric classes and a few aliases; compile() maps "acc" itself.
    with pytest.raises(ValueError):
        M.get(name)


# -- compiled steps ---------------------------------------------------------------------
@pytest.mark.skipif(BACKEND != "jax", reason="jax.jit")
def test_stateless_update_inside_jax_jit():
    import jax

    rng = np.random.default_rng(4)
    metric = M.CategoricalCrossentropy(from_logits=True)

    @jax.jit
    def step(values, y_true, y_pred, weights):
        return metric.stateless_update_state(values, y_true, y_pred, sample_weight=weights)

    values = [v.value for v in metric.variables]
    total = count = 0.0
    for _ in range(3):
        y_true, logits = np.eye(C)[rng.integers(0, C, B)], rng.normal(size=(B, C))
        w = rng.uniform(0, 2, B)
        values = step(values, y_true.astype("float32"), logits.astype("float32"), w.astype("float32"))
        total += (REFERENCES["cce"](y_true, _softmax(logits)) * w).sum()
        count += w.sum()
    assert_close(metric.stateless_result(values), np.float32(total / count), rtol=1e-5)
    assert_close(metric.result(), np.float32(0.0))  # the metric's own variables are untouched
    values = metric.stateless_reset_state()
    assert_close(metric.stateless_result(values), np.float32(0.0))


@pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.function")
def test_update_inside_tf_function():
    import tensorflow as tf

    rng = np.random.default_rng(5)
    metric = M.SparseTopKCategoricalAccuracy(k=2)

    @tf.function
    def step(y_true, y_pred, weights):
        metric.update_state(y_true, y_pred, sample_weight=weights)

    total = count = 0.0
    for _ in range(3):
        labels, scores, w = rng.integers(0, C, B), rng.normal(size=(B, C)), rng.uniform(0, 2, B)
        step(*(kcore.convert_to_tensor(x) for x in (labels.astype("int32"), scores.astype("float32"),
                                                    w.astype("float32"))))
        total += (_top_k(labels, scores, 2) * w).sum()
        count += w.sum()
    assert_close(metric.result(), np.float32(total / count), rtol=1e-5)
