"""`kappa.losses`: the Loss base, every Keras loss class and function, and get/serialize/deserialize."""

from k_train.losses import hinge as _hinge
from k_train.losses import probabilistic as _probabilistic
from k_train.losses import regression as _regression
from k_train.losses import segmentation as _segmentation
from k_train.losses.loss import Loss, LossFunctionWrapper, reduce_weighted_values

__all__ = ["Loss", "LossFunctionWrapper", "reduce_weighted_values", "get", "serialize", "deserialize",
           *_regression.__all__, *_probabilistic.__all__, *_hinge.__all__, *_segmentation.__all__]

from k_train.losses.hinge import *  # noqa: E402, F403
from k_train.losses.probabilistic import *  # noqa: E402, F403
from k_train.losses.regression import *  # noqa: E402, F403
from k_train.losses.segmentation import *  # noqa: E402, F403


def serialize(loss):
    """A loss (class instance or function) as Keras 3's config."""
    from k_layers.serialization import serialize_keras_object

    return serialize_keras_object(loss)


def deserialize(name, custom_objects=None):
    """A loss from a config or a name ("mse", "sparse_categorical_crossentropy", ...)."""
    from k_layers.serialization import builtin_objects, deserialize_keras_object

    return deserialize_keras_object(name, custom_objects=custom_objects,
                                    module_objects=builtin_objects("keras.losses"))


def get(identifier):
    """A loss from a name, a config dict, a callable (returned as is) or None."""
    if identifier is None or callable(identifier) and not isinstance(identifier, (str, dict)):
        return identifier
    if isinstance(identifier, (str, dict)):
        obj = deserialize(identifier)
        return obj() if isinstance(obj, type) else obj  # a name gives an instance, as in Keras
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}.")
