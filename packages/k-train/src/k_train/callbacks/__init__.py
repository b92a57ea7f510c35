"""`kappa.callbacks`: hooks into fit / evaluate / predict, and the progress display."""

from k_train.callbacks import base as _base
from k_train.callbacks import checkpoints as _checkpoints
from k_train.callbacks import monitors as _monitors
from k_train.callbacks import orbax as _orbax
from k_train.callbacks import tensorboard as _tensorboard

__all__ = [*_base.__all__, *_monitors.__all__, *_checkpoints.__all__, *_tensorboard.__all__, *_orbax.__all__]

from k_train.callbacks.base import *  # noqa: E402, F403
from k_train.callbacks.checkpoints import *  # noqa: E402, F403
from k_train.callbacks.monitors import *  # noqa: E402, F403
from k_train.callbacks.orbax import *  # noqa: E402, F403
from k_train.callbacks.tensorboard import *  # noqa: E402, F403
