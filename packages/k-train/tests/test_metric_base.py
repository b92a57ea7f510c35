"""The Metric base's reductions (Sum, Mean, MeanMetricWrapper), checked against Keras 3.15.1's values."""

import numpy as np

from k_layers.layer import set_mask
from k_ops import core as kcore
from k_ops import numpy as knp
from k_train.metrics.metric import Mean, MeanMetricWrapper, Sum

from conftest import to_numpy

VALUES = np.array([[1.0, 2.0], [3.0, 4.0]], "float32")


def test_sum_adds_every_value_and_weights_per_sample():
    assert float(to_numpy(Sum()(VALUES))) == 10.0  # Keras: 10.0
    assert float(to_numpy(Sum()(VALUES, sample_weight=[1.0, 0.5]))) == 6.5  # Keras: 6.5


def test_mean_counts_samples_and_weights():
    metric = Mean()
    metric.update_state(VALUES)
    metric.update_state([5.0], sample_weight=[2.0])
    # (1.5 + 3.5 + 2 * 5) / (2 + 2)
    assert float(to_numpy(metric.result())) == 3.75
    metric.reset_state()
    assert float(to_numpy(metric.result())) == 0.0


def test_a_mask_on_the_values_multiplies_the_weights():
    def per_step(y_true, y_pred):
        values = knp.abs(kcore.convert_to_tensor(y_true) - y_pred)
        set_mask(values, kcore.convert_to_tensor(np.array([[True, False], [True, True]])))
        return values

    metric = MeanMetricWrapper(per_step)
    assert metric.name == "mean_metric_wrapper"
    y_pred = kcore.convert_to_tensor(np.zeros((2, 2), "float32"))
    metric.update_state(VALUES, y_pred, sample_weight=np.ones((2, 2), "float32"))
    # Kept entries: 1 (weight 1, masked 2 dropped) -> sample 0 value 0.5 with weight 0.5; sample 1: 3.5, 1.
    assert abs(float(to_numpy(metric.result())) - (0.5 + 3.5) / 1.5) < 1e-6
