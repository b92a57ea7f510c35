"""`kappa.optimizers`: the Optimizer base, every Keras optimizer, schedules, get/serialize/deserialize."""

from k_train.optimizers import adaptive as _adaptive
from k_train.optimizers import extra as _extra
from k_train.optimizers import schedules as schedules
from k_train.optimizers.optimizer import Optimizer

__all__ = ["Optimizer", "schedules", "get", "serialize", "deserialize", *_adaptive.__all__, *_extra.__all__]

from k_train.optimizers.adaptive import *  # noqa: E402, F403
from k_train.optimizers.extra import *  # noqa: E402, F403


def serialize(optimizer):
    """An optimizer as Keras 3's config."""
    from k_layers.serialization import serialize_keras_object

    return serialize_keras_object(optimizer)


def deserialize(config, custom_objects=None):
    """An optimizer from a config or a name ("adam", "sgd", ...)."""
    from k_layers.serialization import builtin_objects, deserialize_keras_object

    obj = deserialize_keras_object(config, custom_objects=custom_objects,
                                   module_objects=builtin_objects("keras.optimizers"))
    return obj() if isinstance(obj, type) else obj


def get(identifier):
    """An optimizer from an instance (returned as is), a name or a config dict."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, (str, dict)):
        obj = deserialize(identifier)
        if isinstance(obj, Optimizer):
            return obj
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}.")
