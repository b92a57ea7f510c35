"""`kappa.constraints`: re-exported from k_layers.constraints."""

from k_layers.constraints import *  # noqa: F403
from k_layers.constraints import __all__ as __all__
