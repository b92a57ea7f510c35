"""`kappa.activations`: re-exported from k_layers.activations."""

from k_layers.activations import *  # noqa: F403
from k_layers.activations import __all__ as __all__
