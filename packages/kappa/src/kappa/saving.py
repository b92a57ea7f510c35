"""`kappa.saving`: .keras archives, .weights.h5 files and the serialization registry."""

from k_layers.saving import KerasFileEditor as KerasFileEditor
from k_layers.saving import load_model as load_model
from k_layers.saving import load_weights as load_weights
from k_layers.saving import save_model as save_model
from k_layers.saving import save_weights as save_weights
from k_layers.serialization import CustomObjectScope as CustomObjectScope
from k_layers.serialization import custom_object_scope as custom_object_scope
from k_layers.serialization import deserialize_keras_object as deserialize_keras_object
from k_layers.serialization import get_custom_objects as get_custom_objects
from k_layers.serialization import get_registered_name as get_registered_name
from k_layers.serialization import get_registered_object as get_registered_object
from k_layers.serialization import register_keras_serializable as register_keras_serializable
from k_layers.serialization import serialize_keras_object as serialize_keras_object
