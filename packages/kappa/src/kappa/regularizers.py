"""`kappa.regularizers`: re-exported from k_layers.regularizers."""

from k_layers.regularizers import *  # noqa: F403
from k_layers.regularizers import __all__ as __all__
