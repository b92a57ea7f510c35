"""`kappa.layers`: the Layer base, InputSpec, Input and the layer set."""

from k_layers.input_spec import InputSpec as InputSpec
from k_layers.layer import Layer as Layer
from k_layers.layers import *  # noqa: F403
from k_layers.models.input_layer import Input as Input
from k_layers.models.input_layer import InputLayer as InputLayer
