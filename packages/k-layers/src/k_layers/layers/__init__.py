"""The layer set (`kappa.layers`): every module lists its public layers in `__all__`."""

from k_layers.layers import activations as _activations
from k_layers.layers import attention as _attention
from k_layers.layers import conv_lstm as _conv_lstm
from k_layers.layers import convolution as _convolution
from k_layers.layers import core as _core
from k_layers.layers import dense as _dense
from k_layers.layers import merging as _merging
from k_layers.layers import native as _native
from k_layers.layers import normalization as _normalization
from k_layers.layers import pooling as _pooling
from k_layers.layers import recurrent as _recurrent
from k_layers.layers import regularization as _regularization
from k_layers.layers import reshaping as _reshaping
from k_layers.layers import wrappers as _wrappers

__all__ = ["serialize", "deserialize", *_dense.__all__, *_core.__all__, *_activations.__all__,
           *_convolution.__all__, *_pooling.__all__, *_reshaping.__all__, *_normalization.__all__,
           *_regularization.__all__, *_merging.__all__, *_recurrent.__all__, *_wrappers.__all__,
           *_attention.__all__, *_native.__all__, *_conv_lstm.__all__]

from k_layers.layers.activations import *  # noqa: E402, F403
from k_layers.layers.attention import *  # noqa: E402, F403
from k_layers.layers.conv_lstm import *  # noqa: E402, F403
from k_layers.layers.convolution import *  # noqa: E402, F403
from k_layers.layers.core import *  # noqa: E402, F403
from k_layers.layers.dense import *  # noqa: E402, F403
from k_layers.layers.merging import *  # noqa: E402, F403
from k_layers.layers.native import *  # noqa: E402, F403
from k_layers.layers.normalization import *  # noqa: E402, F403
from k_layers.layers.pooling import *  # noqa: E402, F403
from k_layers.layers.recurrent import *  # noqa: E402, F403
from k_layers.layers.regularization import *  # noqa: E402, F403
from k_layers.layers.reshaping import *  # noqa: E402, F403
from k_layers.layers.wrappers import *  # noqa: E402, F403


def serialize(layer):
    """A layer's config in Keras 3's shape (`module`, `class_name`, `config`, ...)."""
    from k_layers.layer import Layer
    from k_layers.serialization import serialize_keras_object

    if not isinstance(layer, Layer):
        raise TypeError(f"layers.serialize expects a Layer; got {type(layer).__name__}.")
    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """A layer from `serialize`'s output (only registered classes are built)."""
    from k_layers.layer import Layer
    from k_layers.serialization import builtin_objects, deserialize_keras_object

    layer = deserialize_keras_object(config, custom_objects=custom_objects,
                                     module_objects=builtin_objects("keras.layers"))
    if not isinstance(layer, Layer):
        raise ValueError(f"layers.deserialize: the config does not describe a layer: {config!r}.")
    return layer
