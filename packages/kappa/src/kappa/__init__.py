"""kappa: the Keras 3 API on JAX, PyTorch, TensorFlow and NumPy.

`import kappa as keras` gives the Keras namespace; each name is re-exported
from the package that implements it (k_backends, k_ops, ...).
"""

__version__ = "0.1.0"

from k_backends.selection import device as device
from k_backends.variables import StatelessScope as StatelessScope
from k_backends.variables import Variable as Variable
from k_backends.variables import name_scope as name_scope
from k_layers.dtype_policies import DTypePolicy as DTypePolicy
from k_layers.dtype_policies import FloatDTypePolicy as FloatDTypePolicy
from k_layers.initializers import Initializer as Initializer
from k_layers.input_spec import InputSpec as InputSpec
from k_layers.layer import Layer as Layer
from k_layers.models import Input as Input
from k_layers.models import Model as Model
from k_layers.models import Sequential as Sequential
from k_layers.regularizers import Regularizer as Regularizer
from k_ops.symbolic import KerasTensor as KerasTensor
from k_train.losses.loss import Loss as Loss
from k_train.metrics.metric import Metric as Metric
from k_train.optimizers.optimizer import Optimizer as Optimizer
from kappa import activations as activations
from kappa import backend as backend
from kappa import callbacks as callbacks
from kappa import config as config
from kappa import constraints as constraints
from kappa import dtype_policies as dtype_policies
from kappa import initializers as initializers
from kappa import layers as layers
from kappa import losses as losses
from kappa import metrics as metrics
from kappa import mixed_precision as mixed_precision
from kappa import models as models
from kappa import ops as ops
from kappa import optimizers as optimizers
from kappa import random as random
from kappa import regularizers as regularizers
from kappa import saving as saving
from kappa import utils as utils


def version():
    """kappa's version string."""
    return __version__
