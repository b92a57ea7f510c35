"""`kappa.ops`: every public op of k_ops."""

from k_ops import *  # noqa: F403 -- k_ops.__all__ is the op surface, listed once
from k_ops import __all__ as __all__
from k_ops import image as image
from k_ops import linalg as linalg
from k_ops import math as math
from k_ops import nn as nn
from k_ops import numpy as numpy
