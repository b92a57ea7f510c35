"""`kappa.random`: random draws and `SeedGenerator`."""

from k_ops.random import SeedGenerator as SeedGenerator
from k_ops.random import beta as beta
from k_ops.random import binomial as binomial
from k_ops.random import categorical as categorical
from k_ops.random import dropout as dropout
from k_ops.random import gamma as gamma
from k_ops.random import normal as normal
from k_ops.random import randint as randint
from k_ops.random import shuffle as shuffle
from k_ops.random import truncated_normal as truncated_normal
from k_ops.random import uniform as uniform
