"""kappa's public ops, with Keras 3's names and signatures.

Each op is one function in a family module (`core`, `numpy`, `nn`, `linalg`,
`math`, `image`, `einops`, `random`) that dispatches to the selected backend's
function of the same name, or is built from other public ops. The Keras
top-level aliases (`kappa.ops.add`, `kappa.ops.relu`, ...) are re-exported here.
"""

__version__ = "0.1.0"

from k_ops import einops as einops
from k_ops import image as image
from k_ops import linalg as linalg
from k_ops import math as math
from k_ops import nn as nn
from k_ops import numpy as numpy
from k_ops import random as random
from k_ops.core import associative_scan as associative_scan
from k_ops.core import cast as cast
from k_ops.core import cond as cond
from k_ops.core import convert_to_numpy as convert_to_numpy
from k_ops.core import convert_to_tensor as convert_to_tensor
from k_ops.core import custom_gradient as custom_gradient
from k_ops.core import dtype as dtype
from k_ops.core import fori_loop as fori_loop
from k_ops.core import is_tensor as is_tensor
from k_ops.core import map as map
from k_ops.core import result_type as result_type
from k_ops.core import saturate_cast as saturate_cast
from k_ops.core import scan as scan
from k_ops.core import scatter as scatter
from k_ops.core import scatter_update as scatter_update
from k_ops.core import shape as shape
from k_ops.core import slice as slice
from k_ops.core import slice_update as slice_update
from k_ops.core import stop_gradient as stop_gradient
from k_ops.core import switch as switch
from k_ops.core import unstack as unstack
from k_ops.core import vectorized_map as vectorized_map
from k_ops.core import while_loop as while_loop
from k_ops.einops import *  # noqa: F403
from k_ops.linalg import *  # noqa: F403 -- linalg names are also at the top level, as in Keras
from k_ops.math import *  # noqa: F403 -- math and nn ops are also at the top level, as in Keras
from k_ops.nn import *  # noqa: F403
from k_ops.numpy import *  # noqa: F403 -- the NumPy family is also at the top level, as in Keras
from k_ops.symbolic import KerasTensor as KerasTensor
from k_ops.symbolic import is_keras_tensor as is_keras_tensor

__all__ = ["cast", "convert_to_numpy", "convert_to_tensor", "dtype", "is_tensor",
           "result_type", "shape",
           "associative_scan", "cond", "custom_gradient", "fori_loop", "map", "saturate_cast",
           "scan", "scatter", "scatter_update", "slice", "slice_update", "stop_gradient", "switch",
           "unstack", "vectorized_map", "while_loop"] \
    + numpy.__all__ + linalg.__all__ + math.__all__ + einops.__all__ + nn.__all__
