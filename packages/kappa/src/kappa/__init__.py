"""kappa: the Keras 3 API on JAX, PyTorch, TensorFlow and NumPy.

`import kappa as keras` gives the Keras namespace; each name is re-exported
from the package that implements it (k_backends, k_ops, ...).
"""

__version__ = "0.1.0"

from k_backends.selection import device as device
from k_backends.variables import StatelessScope as StatelessScope
from k_backends.variables import Variable as Variable
from k_backends.variables import name_scope as name_scope
from k_ops.symbolic import KerasTensor as KerasTensor
from kappa import backend as backend
from kappa import config as config
from kappa import ops as ops
from kappa import random as random
from kappa import utils as utils


def version():
    """kappa's version string."""
    return __version__
