"""`kappa.callbacks`: re-exported from k_train.callbacks."""

from k_train.callbacks import *  # noqa: F403
from k_train.callbacks import __all__ as __all__
