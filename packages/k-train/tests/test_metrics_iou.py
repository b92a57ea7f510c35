"""IoU, F-beta, R^2 and correlation metrics: weighted batches against NumPy, configs, compiled updates."""

import numpy as np
import pytest

from k_train import metrics

from conftest import BACKEND, assert_close, to_numpy

RNG = np.random.default_rng(7)
NUM_CLASSES = 4
BATCHES = 3
SHAPE = (2, 3, 5)  # one shape for every segmentation batch: jax compiles each eager op once per shape


# -- references -------------------------------------------------------------------------
def confusion_matrix(y_true, y_pred, weights, num_classes, ignore_class=None):
    y_true, y_pred, weights = (np.ravel(a) for a in (y_true, y_pred, weights))
    keep = (y_true >= 0) & (y_true < num_classes) & (y_pred >= 0) & (y_pred < num_classes)
    if ignore_class is not None:
        keep &= y_true != ignore_class
    cm = np.zeros((num_classes, num_classes))
    np.add.at(cm, (y_true[keep], y_pred[keep]), weights[keep])
    return cm


def mean_iou(cm, class_ids):
    tp = np.diag(cm)
    union = cm.sum(0) + cm.sum(1) - tp
    present = [c for c in class_ids if union[c] > 0]
    return np.mean([tp[c] / union[c] for c in present])


def fbeta(y_true, y_pred, weights, beta, threshold, average):
    if threshold is None:
        positive = (y_pred >= y_pred.max(-1, keepdims=True)) & (np.abs(y_pred) > 1e-9)
    else:
        positive = y_pred > threshold
    axis = None if average == "micro" else 0
    w = weights[:, None]
    tp = (w * positive * y_true).sum(axis)
    fp = (w * positive * (1 - y_true)).sum(axis)
    fn = (w * ~positive * y_true).sum(axis)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    score = (1 + beta**2) * precision * recall / (beta**2 * precision + recall)
    if average == "weighted":
        support = (w * y_true).sum(0)
        return np.sum(score * support / support.sum())
    return score if average is None else np.mean(score)


def weighted_mean_of_rows(fn, y_true, y_pred, weights):
    values = np.array([fn(t, p) for t, p in zip(y_true, y_pred, strict=True)])
    return np.sum(values * weights) / np.sum(weights)


def pearson(t, p):
    return np.corrcoef(t, p)[0, 1]


def concordance(t, p):
    covariance = np.mean((t - t.mean()) * (p - p.mean()))
    return 2 * covariance / (t.var() + p.var() + (t.mean() - p.mean()) ** 2)


def concatenated(batches):
    return (np.concatenate(parts).astype("float64") for parts in zip(*batches, strict=True))


def accumulate(metric, batches):
    for y_true, y_pred, weights in batches:
        metric.update_state(y_true, y_pred, sample_weight=weights)
    return metric.result()


# -- IoU ----------------------------------------------------------------------------------
def sparse_batches():
    """Labels and predictions with out-of-range ids (-1, 4) and integer weights."""
    return [(RNG.integers(0, NUM_CLASSES, SHAPE), RNG.integers(-1, NUM_CLASSES + 1, SHAPE),
             RNG.integers(0, 4, SHAPE)) for _ in range(BATCHES)]


def one_hot_batches():
    batches = []
    for _ in range(BATCHES):
        labels = RNG.integers(0, NUM_CLASSES, SHAPE)
        scores = RNG.random((*SHAPE, NUM_CLASSES)).astype("float32")
        batches.append((np.eye(NUM_CLASSES)[labels], scores, RNG.integers(1, 4, SHAPE)))
    return batches


@pytest.mark.parametrize("ignore_class", [None, 2])
@pytest.mark.parametrize("target_class_ids", [[1, 3], list(range(NUM_CLASSES))])
def test_iou_accumulates_weighted_confusion_matrix(target_class_ids, ignore_class):
    batches = sparse_batches()
    result = accumulate(metrics.IoU(NUM_CLASSES, target_class_ids, ignore_class=ignore_class), batches)
    cm = sum(confusion_matrix(t, p, w, NUM_CLASSES, ignore_class) for t, p, w in batches)
    assert_close(result, mean_iou(cm, target_class_ids), dtype="float32")


@pytest.mark.parametrize("dtype", ["int32", "float32"])
def test_mean_iou_averages_every_present_class(dtype):
    batches = sparse_batches()
    metric = metrics.MeanIoU(NUM_CLASSES, dtype=dtype)
    result = accumulate(metric, [(t, p, w.astype(dtype)) for t, p, w in batches])
    cm = sum(confusion_matrix(t, p, w, NUM_CLASSES) for t, p, w in batches)
    assert_close(result, mean_iou(cm, range(NUM_CLASSES)), dtype="float32")
    assert_close(metric.total_cm.value, cm.astype(dtype), dtype=dtype)
    metric.reset_state()
    assert to_numpy(metric.total_cm.value).sum() == 0


def test_one_hot_iou_and_mean_iou_take_argmax_over_axis():
    batches = one_hot_batches()
    cm = sum(confusion_matrix(t.argmax(-1), p.argmax(-1), w, NUM_CLASSES) for t, p, w in batches)
    assert_close(accumulate(metrics.OneHotIoU(NUM_CLASSES, [0, 2]), batches), mean_iou(cm, [0, 2]))
    assert_close(accumulate(metrics.OneHotMeanIoU(NUM_CLASSES), batches), mean_iou(cm, range(NUM_CLASSES)))


@pytest.mark.parametrize("target_class_ids", [[0], [1], [0, 1]])
def test_binary_iou_thresholds_predictions(target_class_ids):
    batches = [(RNG.integers(0, 2, SHAPE), RNG.random(SHAPE).astype("float32"), RNG.integers(0, 3, SHAPE))
               for _ in range(BATCHES)]
    result = accumulate(metrics.BinaryIoU(target_class_ids, threshold=0.3), batches)
    cm = sum(confusion_matrix(t, (p >= 0.3).astype(int), w, 2) for t, p, w in batches)
    assert_close(result, mean_iou(cm, target_class_ids))


def test_iou_rejects_target_class_out_of_range():
    with pytest.raises(ValueError, match="target class id 5"):
        metrics.IoU(num_classes=3, target_class_ids=[0, 5])


# -- F-beta ---------------------------------------------------------------------------------
@pytest.mark.parametrize("threshold", [None, 0.5])
@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
def test_fbeta_score_over_weighted_batches(average, threshold):
    batches = [((RNG.random((8, 3)) > 0.5).astype("float32"), RNG.random((8, 3)).astype("float32"),
                RNG.random((8,)).astype("float32")) for _ in range(BATCHES)]
    result = accumulate(metrics.FBetaScore(average=average, beta=2.0, threshold=threshold), batches)
    y_true, y_pred, weights = (np.concatenate(parts) for parts in zip(*batches, strict=True))
    assert_close(result, fbeta(y_true, y_pred, weights, 2.0, threshold, average), rtol=1e-5, atol=1e-5)


def test_f1_score_is_fbeta_with_beta_one():
    y_true = np.array([[1, 0, 1], [0, 1, 1]], "float32")
    y_pred = np.array([[0.9, 0.2, 0.6], [0.7, 0.8, 0.1]], "float32")
    result = accumulate(metrics.F1Score(average="macro", threshold=0.5), [(y_true, y_pred, None)])
    assert_close(result, fbeta(y_true, y_pred, np.ones(2), 1.0, 0.5, "macro"), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kwargs, match", [({"average": "samples"}, "average"), ({"beta": 1}, "beta"),
                                           ({"beta": -1.0}, "beta"), ({"threshold": 1.5}, "threshold")])
def test_fbeta_score_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        metrics.FBetaScore(**kwargs)


# -- R^2 and correlations -------------------------------------------------------------------------
def regression_batches():
    batches = []
    for _ in range(BATCHES):
        y_true = RNG.normal(size=(8, 3)).astype("float32")
        batches.append((y_true, (y_true + RNG.normal(size=(8, 3))).astype("float32"),
                        RNG.random((8,)).astype("float32")))
    return batches


@pytest.mark.parametrize("num_regressors", [0, 2])
@pytest.mark.parametrize("class_aggregation", [None, "uniform_average", "variance_weighted_average"])
def test_r2_score_over_weighted_batches(class_aggregation, num_regressors):
    batches = regression_batches()
    result = accumulate(metrics.R2Score(class_aggregation, num_regressors), batches)
    y_true, y_pred, weights = concatenated(batches)
    w = weights[:, None]
    mean = (w * y_true).sum(0) / w.sum(0)
    total = (w * (y_true - mean) ** 2).sum(0)
    scores = 1 - (w * (y_true - y_pred) ** 2).sum(0) / total
    if class_aggregation == "uniform_average":
        scores = scores.mean()
    elif class_aggregation == "variance_weighted_average":
        scores = np.sum(scores * total) / total.sum()
    if num_regressors:
        n = y_true.size  # Keras counts target values, not rows
        scores = 1 - (1 - scores) * (n - 1) / (n - num_regressors - 1)
    assert_close(result, scores, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("cls, reference", [(metrics.PearsonCorrelation, pearson),
                                            (metrics.ConcordanceCorrelation, concordance)])
def test_correlation_is_weighted_mean_of_per_sample_coefficients(cls, reference):
    batches = regression_batches()
    result = accumulate(cls(), batches)
    y_true, y_pred, weights = concatenated(batches)
    assert_close(result, weighted_mean_of_rows(reference, y_true, y_pred, weights), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("fn, reference", [(metrics.pearson_correlation, pearson),
                                           (metrics.concordance_correlation, concordance)])
def test_correlation_functions_give_one_coefficient_per_sample(fn, reference):
    y_true, y_pred, _ = regression_batches()[0]
    expected = [reference(t, p) for t, p in zip(y_true.astype("float64"), y_pred, strict=True)]
    assert_close(fn(y_true, y_pred, axis=-1), np.array(expected), rtol=1e-4, atol=1e-5)


# -- configs ----------------------------------------------------------------------------------------
KERAS_CONFIGS = [  # as keras 3.15.1 writes them
    (lambda: metrics.IoU(3, [0, 2]), {"name": "io_u", "dtype": "int32", "num_classes": 3,
     "target_class_ids": [0, 2], "ignore_class": None, "sparse_y_true": True, "sparse_y_pred": True,
     "axis": -1}),
    (lambda: metrics.BinaryIoU(), {"target_class_ids": [0, 1], "threshold": 0.5, "name": "binary_io_u",
     "dtype": "int32"}),
    (lambda: metrics.MeanIoU(3), {"num_classes": 3, "name": "mean_io_u", "dtype": "int32",
     "ignore_class": None, "sparse_y_true": True, "sparse_y_pred": True, "axis": -1}),
    (lambda: metrics.OneHotIoU(3, [1]), {"num_classes": 3, "target_class_ids": [1], "name": "one_hot_io_u",
     "dtype": "int32", "ignore_class": None, "sparse_y_pred": False, "axis": -1}),
    (lambda: metrics.OneHotMeanIoU(3), {"num_classes": 3, "name": "one_hot_mean_io_u", "dtype": "int32",
     "ignore_class": None, "sparse_y_pred": False, "axis": -1}),
    (lambda: metrics.F1Score(), {"name": "f1_score", "dtype": "float32", "average": None, "threshold": None}),
    (lambda: metrics.FBetaScore(), {"name": "fbeta_score", "dtype": "float32", "average": None, "beta": 1.0,
     "threshold": None}),
    (lambda: metrics.R2Score(), {"name": "r2_score", "dtype": "float32",
     "class_aggregation": "uniform_average", "num_regressors": 0}),
    (lambda: metrics.PearsonCorrelation(), {"name": "pearson_correlation", "dtype": "float32", "axis": -1}),
    (lambda: metrics.ConcordanceCorrelation(), {"name": "concordance_correlation", "dtype": "float32",
     "axis": -1}),
]


@pytest.mark.parametrize("make, expected", KERAS_CONFIGS, ids=lambda x: getattr(x, "__name__", ""))
def test_config_equals_keras_and_round_trips(make, expected):
    metric = make()
    assert metric.get_config() == expected
    restored = metrics.deserialize(metrics.serialize(metric))
    assert type(restored) is type(metric) and restored.get_config() == expected


def test_metrics_resolve_by_name():
    assert metrics.get("pearson_correlation") is metrics.pearson_correlation
    assert isinstance(metrics.get({"class_name": "MeanIoU", "config": {"num_classes": 2}}), metrics.MeanIoU)


# -- compiled updates -----------------------------------------------------------------------------------
@pytest.mark.skipif(BACKEND != "jax", reason="a jitted jax step")
def test_mean_iou_updates_inside_jax_jit():
    import jax

    metric = metrics.MeanIoU(NUM_CLASSES)
    batches = sparse_batches()

    @jax.jit
    def step(state, y_true, y_pred, weights):
        state = metric.stateless_update_state(state, y_true, y_pred, sample_weight=weights)
        return state, metric.stateless_result(state)

    state = [v.value for v in metric.variables]
    for y_true, y_pred, weights in batches:
        state, result = step(state, y_true, y_pred, weights)
    cm = sum(confusion_matrix(t, p, w, NUM_CLASSES) for t, p, w in batches)
    assert_close(result, mean_iou(cm, range(NUM_CLASSES)))
    assert to_numpy(metric.total_cm.value).sum() == 0  # the metric itself is untouched


@pytest.mark.skipif(BACKEND != "tensorflow", reason="a tf.function step")
def test_fbeta_and_iou_update_inside_tf_function():
    import tensorflow as tf

    iou = metrics.IoU(NUM_CLASSES, [1, 2])
    f1 = metrics.F1Score(average="weighted")
    iou_batches = sparse_batches()
    f1_batches = [((RNG.random((8, 3)) > 0.5).astype("float32"), RNG.random((8, 3)).astype("float32"),
                   RNG.random((8,)).astype("float32")) for _ in range(BATCHES + 1)]
    f1.update_state(*f1_batches[0][:2], sample_weight=f1_batches[0][2])  # creates its variables

    @tf.function(autograph=False)  # as a trainer step: autograph would only slow the trace
    def step(iou_batch, f1_batch):
        iou.update_state(*iou_batch[:2], sample_weight=iou_batch[2])
        f1.update_state(*f1_batch[:2], sample_weight=f1_batch[2])

    for iou_batch, f1_batch in zip(iou_batches, f1_batches[1:], strict=True):
        step(iou_batch, f1_batch)
    cm = sum(confusion_matrix(t, p, w, NUM_CLASSES) for t, p, w in iou_batches)
    assert_close(iou.result(), mean_iou(cm, [1, 2]))
    y_true, y_pred, weights = (np.concatenate(parts) for parts in zip(*f1_batches, strict=True))
    assert_close(f1.result(), fbeta(y_true, y_pred, weights, 1.0, None, "weighted"), rtol=1e-5, atol=1e-5)
