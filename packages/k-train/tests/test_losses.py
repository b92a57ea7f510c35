"""losses against NumPy references: functions, classes, reductions, weights, masks, configs."""

import itertools

import numpy as np
import pytest

from k_layers.layer import set_mask
from k_ops import core as kcore
from k_train import losses

from conftest import BACKEND, assert_close, needs_training, to_numpy

EPS = 1e-7
REDUCTIONS = ["sum_over_batch_size", "sum", "mean_with_sample_weight", None]
rng = np.random.default_rng(0)


# -- NumPy references (per-sample losses) ------------------------------------------------
def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def ref_bce(t, p, from_logits=False, label_smoothing=0.0):
    t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    p = np.clip(_sigmoid(p) if from_logits else p, EPS, 1 - EPS)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean(-1)


def ref_bfce(t, p, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
             label_smoothing=0.0):
    t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    p = _sigmoid(p) if from_logits else p
    pc = np.clip(p, EPS, 1 - EPS)
    bce = -(t * np.log(pc) + (1 - t) * np.log(1 - pc))
    p_t = t * p + (1 - t) * (1 - p)
    out = (1 - p_t) ** gamma * bce
    if apply_class_balancing:
        out = (t * alpha + (1 - t) * (1 - alpha)) * out
    return out.mean(-1)


def ref_cce(t, p, from_logits=False, label_smoothing=0.0):
    t = t * (1 - label_smoothing) + label_smoothing / t.shape[-1]
    p = _softmax(p) if from_logits else p / p.sum(-1, keepdims=True)
    return -(t * np.log(np.clip(p, EPS, 1 - EPS))).sum(-1)


def ref_cfce(t, p, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0):
    t = t * (1 - label_smoothing) + label_smoothing / t.shape[-1]
    p = _softmax(p) if from_logits else p / p.sum(-1, keepdims=True)
    p = np.clip(p, EPS, 1 - EPS)
    return (-alpha * (1 - p) ** gamma * t * np.log(p)).sum(-1)


def ref_scce(labels, p, from_logits=False):
    return ref_cce(np.eye(p.shape[-1])[labels.astype(int)], p, from_logits=from_logits)


def ref_hinge_labels(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


def ref_cosine(t, p):
    t = t / np.maximum(np.linalg.norm(t, axis=-1, keepdims=True), EPS)
    p = p / np.maximum(np.linalg.norm(p, axis=-1, keepdims=True), EPS)
    return -(t * p).sum(-1)


def ref_huber(t, p, delta=1.0):
    e = np.abs(p - t)
    return np.where(e <= delta, 0.5 * e**2, delta * e - 0.5 * delta**2).mean(-1)


def ref_dice(t, p, axis=None):
    return 1 - 2 * (t * p).sum(axis) / (t.sum(axis) + p.sum(axis) + EPS)


def ref_tversky(t, p, alpha=0.5, beta=0.5, axis=None):
    tp = (t * p).sum(axis)
    return 1 - tp / (tp + alpha * (t * (1 - p)).sum(axis) + beta * ((1 - t) * p).sum(axis) + EPS)


def ref_cgce(labels, p, q=0.5):
    return (1 - p[np.arange(len(labels)), labels.astype(int)] ** q) / q


# -- inputs ------------------------------------------------------------------------------
def real(n, c=3):
    return rng.normal(size=(n, c)).astype("float32")


def prob(n, c=3):
    return rng.uniform(0.05, 0.95, size=(n, c)).astype("float32")


def binary(n, c=3):
    return rng.integers(0, 2, size=(n, c)).astype("float32")


def onehot(n, c=3):
    return np.eye(c, dtype="float32")[rng.integers(0, c, n)]


def labels(n, c=3):
    return rng.integers(0, c, size=(n,)).astype("int32")


def distribution(n, c=3):
    return _softmax(real(n, c)).astype("float32")


# name, class, class kwargs, function kwargs, y_true maker, y_pred maker, reference
CASES = [
    ("mse", "MeanSquaredError", {}, real, real, lambda t, p: ((t - p) ** 2).mean(-1)),
    ("mae", "MeanAbsoluteError", {}, real, real, lambda t, p: np.abs(t - p).mean(-1)),
    ("mape", "MeanAbsolutePercentageError", {}, real, real,
     lambda t, p: 100 * (np.abs(t - p) / np.maximum(np.abs(t), EPS)).mean(-1)),
    ("msle", "MeanSquaredLogarithmicError", {}, prob, real,
     lambda t, p: ((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2).mean(-1)),
    ("huber", "Huber", {"delta": 0.6}, real, real, lambda t, p: ref_huber(t, p, 0.6)),
    ("log_cosh", "LogCosh", {}, real, real, lambda t, p: np.log(np.cosh(p - t)).mean(-1)),
    ("cosine_similarity", "CosineSimilarity", {}, real, real, ref_cosine),
    ("binary_crossentropy", "BinaryCrossentropy", {"label_smoothing": 0.2}, binary, prob,
     lambda t, p: ref_bce(t, p, label_smoothing=0.2)),
    ("binary_crossentropy", "BinaryCrossentropy", {"from_logits": True}, binary, real,
     lambda t, p: ref_bce(t, p, from_logits=True)),
    ("binary_focal_crossentropy", "BinaryFocalCrossentropy",
     {"apply_class_balancing": True, "alpha": 0.3, "gamma": 1.5, "label_smoothing": 0.1}, binary, prob,
     lambda t, p: ref_bfce(t, p, True, 0.3, 1.5, label_smoothing=0.1)),
    ("binary_focal_crossentropy", "BinaryFocalCrossentropy", {"from_logits": True}, binary, real,
     lambda t, p: ref_bfce(t, p, from_logits=True)),
    ("categorical_crossentropy", "CategoricalCrossentropy", {"label_smoothing": 0.1}, onehot, prob,
     lambda t, p: ref_cce(t, p, label_smoothing=0.1)),
    ("categorical_crossentropy", "CategoricalCrossentropy", {"from_logits": True}, onehot, real,
     lambda t, p: ref_cce(t, p, from_logits=True)),
    ("categorical_focal_crossentropy", "CategoricalFocalCrossentropy",
     {"alpha": 0.4, "gamma": 1.5, "label_smoothing": 0.1}, onehot, prob,
     lambda t, p: ref_cfce(t, p, 0.4, 1.5, label_smoothing=0.1)),
    ("categorical_focal_crossentropy", "CategoricalFocalCrossentropy", {"from_logits": True}, onehot, real,
     lambda t, p: ref_cfce(t, p, from_logits=True)),
    ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy", {}, labels, prob, ref_scce),
    ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy", {"from_logits": True}, labels, real,
     lambda t, p: ref_scce(t, p, from_logits=True)),
    ("poisson", "Poisson", {}, prob, prob, lambda t, p: (p - t * np.log(p + EPS)).mean(-1)),
    ("kl_divergence", "KLDivergence", {}, distribution, distribution,
     lambda t, p: (np.clip(t, EPS, 1) * np.log(np.clip(t, EPS, 1) / np.clip(p, EPS, 1))).sum(-1)),
    ("categorical_generalized_cross_entropy", "CategoricalGeneralizedCrossEntropy", {"q": 0.7}, labels,
     distribution, lambda t, p: ref_cgce(t, p, 0.7)),
    ("hinge", "Hinge", {}, binary, real, lambda t, p: np.maximum(1 - ref_hinge_labels(t) * p, 0).mean(-1)),
    ("hinge", "Hinge", {}, lambda n: 2 * binary(n) - 1, real,
     lambda t, p: np.maximum(1 - t * p, 0).mean(-1)),
    ("squared_hinge", "SquaredHinge", {}, binary, real,
     lambda t, p: (np.maximum(1 - ref_hinge_labels(t) * p, 0) ** 2).mean(-1)),
    ("categorical_hinge", "CategoricalHinge", {}, onehot, real,
     lambda t, p: np.maximum(((1 - t) * p).max(-1) - (t * p).sum(-1) + 1, 0)),
    ("dice", "Dice", {"axis": 1}, binary, prob, lambda t, p: ref_dice(t, p, 1)),
    ("tversky", "Tversky", {"alpha": 0.3, "beta": 0.7, "axis": 1}, binary, prob,
     lambda t, p: ref_tversky(t, p, 0.3, 0.7, 1)),
]
IDS = [f"{c[1]}-{i}" for i, c in enumerate(CASES)]


def reduce_ref(values, weights, reduction):
    weighted = values * weights
    if reduction is None:
        return weighted
    if reduction == "sum":
        return weighted.sum()
    if reduction == "mean_with_sample_weight":
        return weighted.sum() / weights.sum()
    return weighted.sum() / weighted.size



@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_function_matches_reference(case):
    fn_name, _, kwargs, make_true, make_pred, ref = case
    fn = losses.get(fn_name)
    for _ in range(2):  # two batches
        t, p = make_true(4), make_pred(4)
        assert_close(fn(t, p, **kwargs), ref(t.astype("float64"), p.astype("float64")), rtol=1e-4)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_class_reductions_and_sample_weights(case):
    _, cls_name, kwargs, make_true, make_pred, ref = case
    n = 4
    for _, reduction in itertools.product(range(2), REDUCTIONS):  # two batches per reduction
        t, p = make_true(n), make_pred(n)
        per_sample = ref(t.astype("float64"), p.astype("float64"))
        loss = getattr(losses, cls_name)(reduction=reduction, **kwargs)
        assert_close(loss(t, p), reduce_ref(per_sample, np.ones(n), reduction), rtol=1e-4)
        weights = rng.uniform(0.0, 2.0, size=(n,)).astype("float32")
        assert_close(loss(t, p, sample_weight=weights), reduce_ref(per_sample, weights, reduction), rtol=1e-4)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mask_on_y_pred(reduction):
    t, p = real(4), real(4)
    mask = np.array([True, False, True, False])
    y_pred = kcore.convert_to_tensor(p)
    set_mask(y_pred, kcore.convert_to_tensor(mask))
    weights = rng.uniform(0.5, 2.0, size=(4,)).astype("float32")
    result = losses.MeanSquaredError(reduction=reduction)(t, y_pred, sample_weight=weights)
    values = ((t - p) ** 2).mean(-1) * weights * mask
    expected = {None: values, "sum": values.sum(), "sum_over_batch_size": values.sum() / mask.sum(),
                "mean_with_sample_weight": values.sum() / (weights * mask).sum()}[reduction]
    assert_close(result, expected, rtol=1e-4)


def test_sparse_ignore_class_masks_the_reduction():
    y, p = np.array([0, 2, 1, 2, 0]), prob(5)
    per_sample = ref_scce(y, p.astype("float64"))
    keep = y != 2
    assert_close(losses.sparse_categorical_crossentropy(y, p, ignore_class=2), per_sample * keep,
                 rtol=1e-4)
    loss = losses.SparseCategoricalCrossentropy(ignore_class=2)
    assert_close(loss(y[:, None], p), (per_sample * keep).sum() / keep.sum(), rtol=1e-4)
    assert_close(losses.SparseCategoricalCrossentropy(ignore_class=2, reduction="sum")(y, p),
                 (per_sample * keep).sum(), rtol=1e-4)


def test_dice_and_tversky_over_all_axes():
    t, p = binary(4), prob(4)
    assert_close(losses.dice(t, p), ref_dice(t.astype("float64"), p), rtol=1e-4)
    expected = ref_tversky(t.astype("float64"), p, 0.2, 0.8)
    assert_close(losses.Tversky(alpha=0.2, beta=0.8)(t, p), expected, rtol=1e-4)


def test_circle_reference_and_mask():
    e = real(6, 4)
    e = e / np.linalg.norm(e, axis=1, keepdims=True)
    y = np.array([0, 1, 0, 2, 1, 3])
    d = np.maximum(1 - e.astype("float64") @ e.T.astype("float64"), 0)
    gamma, m = 80.0, 0.4
    positive = (y[:, None] == y[None]) & ~np.eye(6, dtype=bool)
    negative = y[:, None] != y[None]

    def lse(x, mask):
        rows = zip(x, mask, strict=True)
        return np.array([np.logaddexp.reduce(r[k]) if k.any() else -np.inf for r, k in rows])

    pos = -gamma * np.maximum(m + d, 0) * (m - d)
    neg = gamma * np.maximum(1 + m - d, 0) * (1 - m - d)
    expected = np.logaddexp(0, lse(pos, positive) + lse(neg, negative))
    assert_close(losses.circle(y, e), expected, rtol=1e-4)
    # Samples 3 and 5 have no positive pair: they are masked out of the mean.
    assert_close(losses.Circle()(y, e), expected.sum() / (expected > 0).sum(), rtol=1e-4)


def _ctc_reference(labels, logits):
    """-log of the summed probability of every frame path that collapses to `labels` (blank 0)."""
    probs = _softmax(logits.astype("float64"))
    time, classes = probs.shape
    total = 0.0
    for path in itertools.product(range(classes), repeat=time):
        collapsed = [c for i, c in enumerate(path) if c != 0 and (i == 0 or c != path[i - 1])]
        if collapsed == list(labels):
            total += np.prod(probs[np.arange(time), path])
    return -np.log(total)


def test_ctc_against_path_enumeration():
    y = np.array([[1, 2], [2, 2], [1, 0]])
    logits = rng.normal(size=(3, 5, 3)).astype("float32")
    pairs = zip(y, logits, strict=True)
    expected = np.array([_ctc_reference([c for c in row if c], lg) for row, lg in pairs])
    assert_close(losses.ctc(y, logits), expected, rtol=1e-4)
    assert_close(losses.CTC(reduction="sum")(y, logits), expected.sum(), rtol=1e-4)


EXTREME = [
    ("BinaryCrossentropy", {"from_logits": True}, "binary"),
    ("BinaryFocalCrossentropy", {"from_logits": True, "apply_class_balancing": True}, "binary"),
    ("CategoricalCrossentropy", {"from_logits": True}, "onehot"),
    ("CategoricalFocalCrossentropy", {"from_logits": True}, "onehot"),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, "labels"),
    ("BinaryCrossentropy", {}, "binary"),
    ("CategoricalCrossentropy", {}, "onehot"),
    ("LogCosh", {}, "binary"),
    ("Huber", {}, "binary"),
]


def _extreme_inputs(kind, probabilities):
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 3.0]], dtype="float32")
    y_pred = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype="float32") if probabilities else logits
    y_true = {"binary": np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]], dtype="float32"),
              "onehot": np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], dtype="float32"),
              "labels": np.array([1, 0])}[kind]
    return y_true, y_pred


@pytest.mark.parametrize("cls_name, kwargs, kind", EXTREME,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(EXTREME)])
def test_extreme_inputs_are_finite(cls_name, kwargs, kind):
    probabilities = cls_name in ("BinaryCrossentropy", "CategoricalCrossentropy") and not kwargs
    y_true, y_pred = _extreme_inputs(kind, probabilities)
    loss = getattr(losses, cls_name)(**kwargs)
    assert np.all(np.isfinite(to_numpy(loss(y_true, y_pred))))
    if BACKEND != "numpy":
        assert np.all(np.isfinite(_gradient(lambda p: loss(y_true, p), y_pred)))


def _gradient(fn, x):
    if BACKEND == "jax":
        import jax

        return np.asarray(jax.grad(fn)(x))
    if BACKEND == "torch":
        import torch

        x = torch.tensor(x, requires_grad=True)
        fn(x).backward()
        return x.grad.numpy()
    import tensorflow as tf

    x = tf.Variable(x)
    with tf.GradientTape() as tape:
        value = fn(tf.convert_to_tensor(x))
    return tape.gradient(value, x).numpy()


@needs_training
def test_gradient_matches_reference_mse():
    t, p = real(4), real(4)
    grad = _gradient(lambda y: losses.MeanSquaredError()(t, y), p)
    np.testing.assert_allclose(grad, 2 * (p - t) / p.size, rtol=1e-4, atol=1e-6)


def test_jit_step_on_jax():
    if BACKEND != "jax":
        pytest.skip("jax only")
    import jax

    loss = losses.CategoricalFocalCrossentropy(from_logits=True)
    t, p = onehot(4), real(4)
    expected = ref_cfce(t, p.astype("float64"), from_logits=True).mean()
    assert_close(jax.jit(lambda a, b: loss(a, b))(t, p), expected, rtol=1e-4)


# -- lookup and configs --------------------------------------------------------------------
@pytest.mark.parametrize("alias, function", [
    ("mse", "mean_squared_error"), ("MSE", "mean_squared_error"), ("mae", "mean_absolute_error"),
    ("MAE", "mean_absolute_error"), ("mape", "mean_absolute_percentage_error"),
    ("MAPE", "mean_absolute_percentage_error"), ("msle", "mean_squared_logarithmic_error"),
    ("MSLE", "mean_squared_logarithmic_error"), ("kld", "kl_divergence"), ("KLD", "kl_divergence"),
    ("bce", "binary_crossentropy"), ("BCE", "binary_crossentropy"), ("huber", "huber"),
    ("log_cosh", "log_cosh"), ("sparse_categorical_crossentropy", "sparse_categorical_crossentropy"),
    ("circle", "circle"), ("dice", "dice"), ("tversky", "tversky"), ("ctc", "ctc"),
])
def test_get_by_name(alias, function):
    assert losses.get(alias) is getattr(losses, function)


def test_get_class_and_config_dict():
    loss = losses.get({"class_name": "Huber", "config": {"name": "h", "reduction": "sum"}})
    assert isinstance(loss, losses.Huber) and loss.name == "h" and loss.reduction == "sum"


# Keras 3.15.1's get_config() of each class built with its defaults.
BASE = {"reduction": "sum_over_batch_size"}
XENT = {"from_logits": False, "label_smoothing": 0.0, "axis": -1}
KERAS_CONFIGS = {
    "BinaryCrossentropy": {"name": "binary_crossentropy", **BASE, **XENT},
    "BinaryFocalCrossentropy": {"name": "binary_focal_crossentropy", **BASE, **XENT,
                                "apply_class_balancing": False, "alpha": 0.25, "gamma": 2.0},
    "CTC": {"name": "ctc", **BASE},
    "CategoricalCrossentropy": {"name": "categorical_crossentropy", **BASE, **XENT},
    "CategoricalFocalCrossentropy": {"name": "categorical_focal_crossentropy", **BASE, **XENT,
                                     "alpha": 0.25, "gamma": 2.0},
    "CategoricalGeneralizedCrossEntropy": {"name": "categorical_generalized_cross_entropy", **BASE, "q": 0.5},
    "CategoricalHinge": {"name": "categorical_hinge", **BASE},
    "Circle": {"name": "circle", **BASE, "gamma": 80.0, "margin": 0.4, "remove_diagonal": True},
    "CosineSimilarity": {"name": "cosine_similarity", **BASE},
    "Dice": {"name": "dice", **BASE, "axis": None},
    "Hinge": {"name": "hinge", **BASE},
    "Huber": {"name": "huber_loss", **BASE},
    "KLDivergence": {"name": "kl_divergence", **BASE},
    "LogCosh": {"name": "log_cosh", **BASE},
    "MeanAbsoluteError": {"name": "mean_absolute_error", **BASE},
    "MeanAbsolutePercentageError": {"name": "mean_absolute_percentage_error", **BASE},
    "MeanSquaredError": {"name": "mean_squared_error", **BASE},
    "MeanSquaredLogarithmicError": {"name": "mean_squared_logarithmic_error", **BASE},
    "Poisson": {"name": "poisson", **BASE},
    "SparseCategoricalCrossentropy": {"name": "sparse_categorical_crossentropy", **BASE, "from_logits": False,
                                      "ignore_class": None},
    "SquaredHinge": {"name": "squared_hinge", **BASE},
    "Tversky": {"name": "tversky", **BASE, "alpha": 0.5, "beta": 0.5, "axis": None},
}


@pytest.mark.parametrize("cls_name", sorted(KERAS_CONFIGS))
def test_config_equals_keras_and_round_trips(cls_name):
    cls = getattr(losses, cls_name)
    config = cls().get_config()
    assert config == KERAS_CONFIGS[cls_name]
    clone = cls.from_config(config)
    assert clone.get_config() == config
    restored = losses.deserialize(losses.serialize(cls(reduction="sum")))
    assert type(restored) is cls and restored.reduction == "sum"


def test_non_default_config_round_trip():
    loss = losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.1, gamma=3.0,
                                                from_logits=True, label_smoothing=0.2, axis=-2,
                                                reduction=None, name="focal")
    clone = losses.BinaryFocalCrossentropy.from_config(loss.get_config())
    assert clone.get_config() == loss.get_config()
    assert clone.get_config()["gamma"] == 3.0 and clone.get_config()["reduction"] is None
    t, p = binary(3), real(3)
    assert_close(clone(t, p), to_numpy(loss(t, p)))


def test_serialize_function():
    assert losses.deserialize(losses.serialize(losses.mean_squared_error)) is \
        losses.mean_squared_error
