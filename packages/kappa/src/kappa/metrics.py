"""`kappa.metrics`: re-exported from k_train.metrics."""

from k_train.metrics import *  # noqa: F403
from k_train.metrics import __all__ as __all__
