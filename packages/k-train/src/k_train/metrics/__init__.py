"""`kappa.metrics`: the Metric base, every Keras metric, and get/serialize/deserialize."""

from k_train.metrics import accuracy as _accuracy
from k_train.metrics import confusion as _confusion
from k_train.metrics import correlation as _correlation
from k_train.metrics import hinge as _hinge
from k_train.metrics import iou as _iou
from k_train.metrics import probabilistic as _probabilistic
from k_train.metrics import regression as _regression
from k_train.metrics.metric import Mean, MeanMetricWrapper, Metric, Sum

__all__ = ["Metric", "Mean", "Sum", "MeanMetricWrapper", "get", "serialize", "deserialize",
           *_accuracy.__all__, *_confusion.__all__, *_iou.__all__, *_correlation.__all__,
           *_regression.__all__, *_probabilistic.__all__, *_hinge.__all__]

from k_train.metrics.accuracy import *  # noqa: E402, F403
from k_train.metrics.confusion import *  # noqa: E402, F403
from k_train.metrics.correlation import *  # noqa: E402, F403
from k_train.metrics.hinge import *  # noqa: E402, F403
from k_train.metrics.iou import *  # noqa: E402, F403
from k_train.metrics.probabilistic import *  # noqa: E402, F403
from k_train.metrics.regression import *  # noqa: E402, F403


def serialize(metric):
    """A metric (instance or function) as Keras 3's config."""
    from k_layers.serialization import serialize_keras_object

    return serialize_keras_object(metric)


def deserialize(config, custom_objects=None):
    """A metric from a config or a name ("accuracy", "mae", ...)."""
    from k_layers.serialization import builtin_objects, deserialize_keras_object

    return deserialize_keras_object(config, custom_objects=custom_objects,
                                    module_objects=builtin_objects("keras.metrics"))


def get(identifier):
    """A metric from a name, a config dict, a callable (returned as is) or None."""
    if identifier is None or callable(identifier) and not isinstance(identifier, (str, dict)):
        return identifier
    if isinstance(identifier, (str, dict)):
        obj = deserialize(identifier)
        return obj() if isinstance(obj, type) else obj  # a name gives an instance, as in Keras
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}.")
