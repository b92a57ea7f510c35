"""`kappa.losses`: re-exported from k_train.losses."""

from k_train.losses import *  # noqa: F403
from k_train.losses import __all__ as __all__
