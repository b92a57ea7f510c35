"""`kappa.optimizers`: re-exported from k_train.optimizers."""

from k_train.optimizers import *  # noqa: F403
from k_train.optimizers import __all__ as __all__
