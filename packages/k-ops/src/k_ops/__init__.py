"""kappa's public ops, with Keras 3's names and signatures.

Each op is one function in a family module (`core`, `random`, and with later
releases `numpy`, `nn`, `linalg`, `math`, `image`) that dispatches to the
selected backend's function of the same name.
"""

__version__ = "0.1.0"

from k_ops import numpy as numpy
from k_ops import random as random
from k_ops.core import cast as cast
from k_ops.core import convert_to_numpy as convert_to_numpy
from k_ops.core import convert_to_tensor as convert_to_tensor
from k_ops.core import dtype as dtype
from k_ops.core import is_tensor as is_tensor
from k_ops.core import result_type as result_type
from k_ops.core import shape as shape
from k_ops.numpy import *  # noqa: F403 -- the NumPy family is also at the top level, as in Keras
from k_ops.symbolic import KerasTensor as KerasTensor
from k_ops.symbolic import is_keras_tensor as is_keras_tensor

__all__ = ["cast", "convert_to_numpy", "convert_to_tensor", "dtype", "is_tensor",
           "result_type", "shape"] + numpy.__all__
