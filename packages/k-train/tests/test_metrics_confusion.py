"""Confusion-matrix metrics against NumPy references, over several weighted batches."""

import numpy as np
import pytest

from k_train import metrics as kmetrics
from k_train.metrics import confusion as cm

from conftest import BACKEND, assert_close, to_numpy

EPS = 1e-7


def batches(seed=0, n=3, size=40, classes=3):
    """(y_true, y_pred, sample_weight) batches with float32 predictions in [0, 1].

    Tests share a few shapes and threshold counts: on jax each new shape compiles every op again.
    """
    rng = np.random.default_rng(seed)
    shape = (size,) if classes is None else (size, classes)
    out = []
    for _ in range(n):
        y_pred = rng.uniform(size=shape).astype("float32")
        # Labels correlated with predictions so that the curves are not trivial.
        y_true = (rng.uniform(size=shape) < 0.2 + 0.6 * y_pred).astype("float32")
        weight = rng.uniform(0, 2, size=size).astype("float32")
        out.append((y_true, y_pred, weight))
    return out


def np_counts(data, thresholds, label_axis=False):
    """Weighted tp, fp, tn, fn at each threshold (strictly above counts as positive)."""
    y_true = np.concatenate([b[0] for b in data]).astype("float64")
    y_pred = np.concatenate([b[1] for b in data]).astype("float64")
    weight = np.concatenate([b[2] for b in data]).astype("float64")
    weight = np.broadcast_to(weight.reshape(weight.shape + (1,) * (y_pred.ndim - weight.ndim)), y_pred.shape)
    if not label_axis:
        y_true, y_pred, weight = y_true.reshape(-1, 1), y_pred.reshape(-1, 1), weight.reshape(-1, 1)
    thr = np.asarray(thresholds, "float32").astype("float64")
    pos = y_pred[None] > thr[:, None, None]
    t = (y_true != 0)[None]
    counts = [np.sum(w * weight, axis=1) for w in (pos & t, pos & ~t, ~pos & ~t, ~pos & t)]
    return [c if label_axis else c[:, 0] for c in counts]


def even_thresholds(n):
    return [-EPS] + [i / (n - 1) for i in range(1, n - 1)] + [1 + EPS]


def ratio(a, b):
    return np.divide(a, a + b, out=np.zeros_like(a), where=(a + b) != 0)


def np_roc_auc(tp, fp, tn, fn, method="interpolation"):
    x, y = ratio(fp, tn), ratio(tp, fn)
    heights = {"interpolation": (y[:-1] + y[1:]) / 2, "minoring": np.minimum(y[:-1], y[1:]),
               "majoring": np.maximum(y[:-1], y[1:])}[method]
    return np.sum((x[:-1] - x[1:]) * heights, axis=0)


def np_pr_auc_interpolated(tp, fp, fn):
    """Integrate precision over recall numerically, tp linear in predicted positives per segment."""
    total = 0.0
    positives = tp[0] + fn[0]
    for i in range(len(tp) - 1):
        p0, p1 = tp[i] + fp[i], tp[i + 1] + fp[i + 1]
        if p0 <= p1 or tp[i] == tp[i + 1] or positives == 0:
            continue
        s = (np.arange(20000) + 0.5) / 20000
        p = p1 + s * (p0 - p1)
        tps = tp[i + 1] + s * (tp[i] - tp[i + 1])
        total += np.sum(tps / p) * (tp[i] - tp[i + 1]) / 20000 / positives
    return total


def np_exact_roc_auc(data):
    """Weighted probability that a positive outranks a negative (ties count half)."""
    y_true = np.concatenate([b[0] for b in data]).ravel() != 0
    y_pred = np.concatenate([b[1] for b in data]).ravel().astype("float64")
    weight = np.concatenate([np.broadcast_to(b[2].reshape(b[2].shape + (1,) * (b[1].ndim - 1)), b[1].shape)
                             for b in data]).ravel()
    pos, neg = y_pred[y_true], y_pred[~y_true]
    wp, wn = weight[y_true], weight[~y_true]
    wins = (pos[:, None] > neg[None]) + 0.5 * (pos[:, None] == neg[None])
    return np.sum(wp[:, None] * wn[None] * wins) / (wp.sum() * wn.sum())


def update_all(metric, data):
    for y_true, y_pred, weight in data:
        metric.update_state(y_true, y_pred, sample_weight=weight)
    return metric.result()


# -- counts, precision, recall ---------------------------------------------------------

COUNT_CLASSES = [(cm.TruePositives, 0), (cm.FalsePositives, 1), (cm.TrueNegatives, 2), (cm.FalseNegatives, 3)]


@pytest.mark.parametrize("cls,index", COUNT_CLASSES)
@pytest.mark.parametrize("thresholds", [None, 0.3, [0.2, 0.5, 0.8]])
def test_counts_match_numpy_over_weighted_batches(cls, index, thresholds):
    data = batches(1, classes=3)
    expected = np_counts(data, [0.5] if thresholds is None else np.ravel(thresholds))[index]
    result = update_all(cls(thresholds=thresholds), data)
    expected = expected if isinstance(thresholds, list) else expected[0]
    assert_close(result, expected, dtype="float32", rtol=1e-5)


def test_labels_are_positive_when_nonzero():
    (y_true, y_pred, weight), = batches(14, n=1)
    y_true = y_true * np.where(y_pred > 0.7, 2.0, -0.5).astype("float32")
    m = cm.TruePositives()
    m.update_state(y_true, y_pred, weight)
    assert_close(m.result(), np_counts([(y_true, y_pred, weight)], [0.5])[0][0], rtol=1e-5)


@pytest.mark.parametrize("cls,den", [(cm.Precision, 1), (cm.Recall, 3)])
@pytest.mark.parametrize("thresholds", [None, [0.5], [0.1, 0.4, 0.7]])
def test_precision_recall_match_numpy(cls, den, thresholds):
    data = batches(2)
    counts = np_counts(data, [0.5] if thresholds is None else thresholds)
    expected = ratio(counts[0], counts[den])
    result = update_all(cls(thresholds=thresholds), data)
    assert_close(result, expected if thresholds and len(thresholds) > 1 else expected[0], rtol=1e-5)


def np_top_k_class(data, top_k, class_id, threshold):
    out = []
    for y_true, y_pred, w in data:
        order = np.argsort(-y_pred, axis=-1)[:, :top_k] if top_k else None
        kept = np.full(y_pred.shape, -1e10, "float32")
        if order is not None:
            np.put_along_axis(kept, order, np.take_along_axis(y_pred, order, -1), -1)
        else:
            kept = y_pred
        if class_id is not None:
            y_true, kept = y_true[:, class_id], kept[:, class_id]
        out.append((y_true, kept, w))
    return np_counts(out, [threshold])


@pytest.mark.parametrize("top_k,class_id,thresholds", [(1, None, None), (2, None, None), (2, 1, None),
                                                       (None, 2, None), (2, 0, 0.5)])
def test_precision_recall_top_k_and_class_id(top_k, class_id, thresholds):
    data = batches(3)
    threshold = thresholds if thresholds is not None else (0.5 if top_k is None else -1e10)
    tp, fp, _, fn = np_top_k_class(data, top_k, class_id, threshold)
    p = update_all(cm.Precision(thresholds=thresholds, top_k=top_k, class_id=class_id), data)
    r = update_all(cm.Recall(thresholds=thresholds, top_k=top_k, class_id=class_id), data)
    assert_close(p, ratio(tp, fp)[0], rtol=1e-5)
    assert_close(r, ratio(tp, fn)[0], rtol=1e-5)


def test_precision_small_example_as_keras():
    # Keras 3.15.1 gives 0.9 for this batch (per-sample weights cover each sample's classes).
    y_true = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]], "float32")
    y_pred = np.array([[.9, .2, .6], [.3, .7, .1], [.4, .8, .55], [.2, .1, .9]], "float32")
    m = cm.Precision()
    m.update_state(y_true, y_pred, sample_weight=[1.0, 2.0, 0.5, 0.0])
    assert_close(m.result(), 0.9)


# -- AUC ---------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["interpolation", "minoring", "majoring"])
@pytest.mark.parametrize("num_thresholds", [50])
def test_roc_auc_matches_numpy_reference(method, num_thresholds):
    data = batches(4)
    expected = np_roc_auc(*np_counts(data, even_thresholds(num_thresholds)), method=method)
    result = update_all(cm.AUC(num_thresholds=num_thresholds, summation_method=method), data)
    assert_close(result, expected, dtype="float32", rtol=1e-5)


@pytest.mark.parametrize("num_thresholds", [3, 50])
def test_pr_auc_interpolated_matches_numerical_integral(num_thresholds):
    data = batches(5)
    tp, fp, _, fn = np_counts(data, even_thresholds(num_thresholds))
    result = update_all(cm.AUC(num_thresholds=num_thresholds, curve="PR"), data)
    assert_close(result, np_pr_auc_interpolated(tp, fp, fn), rtol=1e-4)


@pytest.mark.parametrize("method", ["minoring", "majoring"])
def test_pr_auc_riemann_sums(method):
    data = batches(6)
    tp, fp, tn, fn = np_counts(data, even_thresholds(50))
    x, y = ratio(tp, fn), ratio(tp, fp)
    heights = np.minimum(y[:-1], y[1:]) if method == "minoring" else np.maximum(y[:-1], y[1:])
    result = update_all(cm.AUC(num_thresholds=50, curve="pr", summation_method=method), data)
    assert_close(result, np.sum((x[:-1] - x[1:]) * heights), rtol=1e-5)


def test_fine_grid_auc_approaches_exact_auc():
    data = batches(7)
    roc = update_all(cm.AUC(num_thresholds=2001), data)
    assert abs(float(to_numpy(roc)) - np_exact_roc_auc(data)) < 2e-3
    # On a fine grid the interpolated PR area is close to a plain trapezoid over the curve.
    tp, fp, _, fn = np_counts(data, even_thresholds(2001))
    x, y = ratio(tp, fn), ratio(tp, fp)
    keep = (tp + fp) > 0
    trapezoid = np.sum((x[keep][:-1] - x[keep][1:]) * (y[keep][:-1] + y[keep][1:]) / 2)
    pr = update_all(cm.AUC(num_thresholds=2001, curve="PR"), data)
    assert abs(float(to_numpy(pr)) - trapezoid) < 2e-2


def test_auc_explicit_thresholds_and_from_logits():
    data = batches(8)
    thresholds = sorted(np.random.default_rng(0).uniform(size=48).tolist())
    expected = np_roc_auc(*np_counts(data, [-EPS, *thresholds, 1 + EPS]))
    assert_close(update_all(cm.AUC(thresholds=thresholds), data), expected, rtol=1e-5)
    logits = [(t, np.log(p / (1 - p)).astype("float32"), w) for t, p, w in data]
    m = cm.AUC(num_thresholds=50, from_logits=True)
    assert_close(update_all(m, logits), np_roc_auc(*np_counts(data, even_thresholds(50))), rtol=1e-4)


@pytest.mark.parametrize("label_weights", [None, [1.0, 2.0, 0.5]])
@pytest.mark.parametrize("curve", ["ROC", "PR"])
def test_multi_label_auc_averages_per_label_areas(label_weights, curve):
    data = batches(9, classes=3)
    tp, fp, tn, fn = np_counts(data, even_thresholds(50), label_axis=True)
    if curve == "ROC":
        areas = np_roc_auc(tp, fp, tn, fn)
    else:
        areas = np.array([np_pr_auc_interpolated(tp[:, i], fp[:, i], fn[:, i]) for i in range(3)])
    expected = np.average(areas, weights=label_weights)
    for num_labels in (3, None):
        m = cm.AUC(num_thresholds=50, curve=curve, multi_label=True, num_labels=num_labels,
                   label_weights=label_weights)
        assert_close(update_all(m, data), expected, rtol=1e-4)
        assert m.true_positives.shape == (50, 3)


def test_label_weights_weight_the_counts_without_multi_label():
    data = batches(10, classes=3)
    label_weights = np.array([1.0, 2.0, 0.0], "float32")
    weighted = [(t, p, w[:, None] * label_weights) for t, p, w in data]
    expected = np_roc_auc(*np_counts(weighted, even_thresholds(50)))
    result = update_all(cm.AUC(num_thresholds=50, label_weights=label_weights), data)
    assert_close(result, expected, rtol=1e-5)


# -- X at Y ------------------------------------------------------------------------------

AT_CASES = [
    (cm.PrecisionAtRecall, 0.6, lambda tp, fp, tn, fn: (ratio(tp, fn), ratio(tp, fp))),
    (cm.RecallAtPrecision, 0.7, lambda tp, fp, tn, fn: (ratio(tp, fp), ratio(tp, fn))),
    (cm.SensitivityAtSpecificity, 0.5, lambda tp, fp, tn, fn: (ratio(tn, fp), ratio(tp, fn))),
    (cm.SpecificityAtSensitivity, 0.8, lambda tp, fp, tn, fn: (ratio(tp, fn), ratio(tn, fp))),
]


@pytest.mark.parametrize("cls,value,rates", AT_CASES)
@pytest.mark.parametrize("num_thresholds,class_id", [(50, None), (1, None), (50, 1)])
def test_at_constraint_metrics_match_numpy(cls, value, rates, num_thresholds, class_id):
    data = batches(11)
    thresholds = [0.5] if num_thresholds == 1 else even_thresholds(num_thresholds)
    ref_data = data if class_id is None else [(t[:, class_id], p[:, class_id], w) for t, p, w in data]
    constrained, maximized = rates(*np_counts(ref_data, thresholds))
    feasible = constrained >= np.float32(value)
    expected = maximized[feasible].max() if feasible.any() else 0.0
    result = update_all(cls(value, num_thresholds=num_thresholds, class_id=class_id), data)
    assert_close(result, expected, dtype="float32", rtol=1e-5)


def test_at_constraint_gives_zero_when_unreachable():
    (_, y_pred, weight), = batches(15, n=1)
    m = cm.RecallAtPrecision(0.5, num_thresholds=50)
    m.update_state(np.zeros_like(y_pred), y_pred, weight)  # no positives: precision is 0 everywhere
    assert_close(m.result(), 0.0)


# -- edge cases --------------------------------------------------------------------------

ALL_METRICS = [cm.TruePositives(), cm.Precision(), cm.Recall(), cm.AUC(50), cm.AUC(50, curve="PR"),
               *(cls(0.5, num_thresholds=50) for cls in (cm.PrecisionAtRecall, cm.RecallAtPrecision,
                                                         cm.SensitivityAtSpecificity,
                                                         cm.SpecificityAtSensitivity))]


@pytest.mark.parametrize("metric", ALL_METRICS, ids=lambda m: m.name)
def test_zero_weights_and_empty_batches_give_zero(metric):
    (y_true, y_pred, weight), = batches(16, n=1)
    metric.reset_state()
    metric.update_state(y_true, y_pred, sample_weight=np.zeros_like(weight))
    metric.update_state(np.zeros((0, 3), "float32"), np.zeros((0, 3), "float32"))
    assert_close(metric.result(), 0.0)


def test_all_one_class():
    (_, y_pred, _), = batches(17, n=1)
    recall = np.mean(y_pred > 0.5)
    negatives, positives = (np.zeros_like(y_pred), y_pred), (np.ones_like(y_pred), y_pred)
    for metric, data, expected in [(cm.AUC(50), negatives, 0.0), (cm.AUC(50), positives, 0.0),
                                   (cm.Precision(), negatives, 0.0), (cm.Recall(), positives, recall),
                                   (cm.AUC(50, curve="PR"), positives, 1.0),
                                   (cm.SpecificityAtSensitivity(0.5, 50), negatives, 0.0)]:
        metric.update_state(*data)
        assert_close(metric.result(), expected, rtol=1e-5)


def test_reset_state_clears_counts():
    m = cm.AUC(num_thresholds=3)
    update_all(m, batches(18, n=1))
    m.reset_state()
    assert_close(m.true_positives.value, np.zeros(3))


def test_invalid_arguments_raise():
    for make in [lambda: cm.AUC(num_thresholds=1), lambda: cm.AUC(curve="x"),
                 lambda: cm.AUC(summation_method="MINORING"), lambda: cm.AUC(num_labels=3),
                 lambda: cm.PrecisionAtRecall(1.5),
                 lambda: cm.SensitivityAtSpecificity(0.5, num_thresholds=0),
                 lambda: cm.Precision(thresholds=1.5), lambda: cm.AUC(label_weights=[1.0, -1.0])]:
        with pytest.raises(ValueError):
            make()


# -- configs (as Keras 3.15.1 gives them) ------------------------------------------------

KERAS_CONFIGS = [
    (cm.TruePositives(), {"name": "true_positives", "dtype": "float32", "thresholds": None}),
    (cm.FalseNegatives(thresholds=[0.3, 0.5]),
     {"name": "false_negatives", "dtype": "float32", "thresholds": [0.3, 0.5]}),
    (cm.Precision(thresholds=0.3),
     {"name": "precision", "dtype": "float32", "thresholds": 0.3, "top_k": None, "class_id": None}),
    (cm.Recall(top_k=2, class_id=1),
     {"name": "recall", "dtype": "float32", "thresholds": None, "top_k": 2, "class_id": 1}),
    (cm.AUC(), {"name": "auc", "dtype": "float32", "num_thresholds": 200, "curve": "ROC",
                "summation_method": "interpolation", "multi_label": False, "num_labels": None,
                "label_weights": None, "from_logits": False}),
    (cm.AUC(curve="pr", summation_method="minoring", thresholds=[0.3, 0.6]),
     {"name": "auc", "dtype": "float32", "num_thresholds": 4, "curve": "PR", "summation_method": "minoring",
      "multi_label": False, "num_labels": None, "label_weights": None, "from_logits": False,
      "thresholds": [0.3, 0.6]}),
    (cm.PrecisionAtRecall(0.5), {"name": "precision_at_recall", "dtype": "float32", "class_id": None,
                                 "num_thresholds": 200, "recall": 0.5}),
    (cm.RecallAtPrecision(0.5), {"name": "recall_at_precision", "dtype": "float32", "class_id": None,
                                 "num_thresholds": 200, "precision": 0.5}),
    (cm.SensitivityAtSpecificity(0.5, num_thresholds=1),
     {"name": "sensitivity_at_specificity", "dtype": "float32", "class_id": None, "num_thresholds": 1,
      "specificity": 0.5}),
    (cm.SpecificityAtSensitivity(0.5, class_id=2),
     {"name": "specificity_at_sensitivity", "dtype": "float32", "class_id": 2, "num_thresholds": 200,
      "sensitivity": 0.5}),
]


@pytest.mark.parametrize("metric,expected", KERAS_CONFIGS, ids=lambda x: getattr(x, "name", ""))
def test_configs_equal_keras_and_round_trip(metric, expected):
    assert metric.get_config() == expected
    clone = kmetrics.deserialize(kmetrics.serialize(metric))
    assert type(clone) is type(metric) and clone.get_config() == expected


def test_variables_as_keras():
    m = cm.AUC(multi_label=True, num_labels=3)
    assert [v.path for v in m.variables] == ["auc/true_positives", "auc/false_positives",
                                             "auc/true_negatives", "auc/false_negatives"]
    assert [v.path for v in cm.Precision().variables] == ["precision/true_positives",
                                                          "precision/false_positives"]
    assert [v.path for v in cm.TrueNegatives().variables] == ["true_negatives/accumulator"]


@pytest.mark.parametrize("name,cls", [("auc", cm.AUC), ("AUC", cm.AUC), ("precision", cm.Precision),
                                      ("true_positives", cm.TruePositives)])
def test_get_by_name(name, cls):
    assert isinstance(kmetrics.get(name), cls)


def test_get_by_name_needs_the_required_arguments():
    with pytest.raises(TypeError, match="specificity"):
        kmetrics.get("sensitivity_at_specificity")  # as in Keras: a name alone cannot set it


# -- compiled updates --------------------------------------------------------------------

@pytest.mark.skipif(BACKEND != "jax", reason="jax.jit")
def test_jitted_stateless_update_on_jax():
    import jax

    data = batches(12)
    m = cm.AUC(num_thresholds=50, curve="PR")

    @jax.jit
    def step(values, y_true, y_pred, weight):
        values = m.stateless_update_state(values, y_true, y_pred, sample_weight=weight)
        return values, m.stateless_result(values)

    values = [v.value for v in m.variables]
    for batch in data:
        values, result = step(values, *batch)
    tp, fp, _, fn = np_counts(data, even_thresholds(50))
    assert_close(result, np_pr_auc_interpolated(tp, fp, fn), rtol=1e-4)
    assert_close(m.true_positives.value, np.zeros(50))  # the metric itself is untouched


@pytest.mark.skipif(BACKEND != "tensorflow", reason="tf.function")
def test_tf_function_update_on_tensorflow():
    import tensorflow as tf

    data = batches(13)
    m = cm.Precision(thresholds=[0.3, 0.6], class_id=1)
    update = tf.function(m.update_state)
    for y_true, y_pred, weight in data:
        update(tf.constant(y_true), tf.constant(y_pred), tf.constant(weight))
    tp, fp, _, _ = np_counts([(t[:, 1], p[:, 1], w) for t, p, w in data], [0.3, 0.6])
    assert_close(m.result(), ratio(tp, fp), rtol=1e-5)
