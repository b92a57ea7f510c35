"""`kappa.random`: random draws and `SeedGenerator`."""

from k_ops.random import SeedGenerator as SeedGenerator
from k_ops.random import normal as normal
from k_ops.random import randint as randint
from k_ops.random import truncated_normal as truncated_normal
from k_ops.random import uniform as uniform
