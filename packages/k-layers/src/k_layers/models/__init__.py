"""Models: `Model`, `Sequential`, the Functional API, `Input`, `clone_model`."""

from k_layers.models.cloning import clone_model
from k_layers.models.functional import Functional
from k_layers.models.input_layer import Input, InputLayer
from k_layers.models.model import Model
from k_layers.models.sequential import Sequential

__all__ = ["Model", "Sequential", "Functional", "Input", "InputLayer", "clone_model"]
