"""`kappa.initializers`: re-exported from k_layers.initializers."""

from k_layers.initializers import *  # noqa: F403
from k_layers.initializers import __all__ as __all__
