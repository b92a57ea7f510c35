"""`kappa.utils`: helpers of the Keras `utils` namespace."""

from k_backends.dtypes import standardize_dtype as standardize_dtype
from k_backends.seed import set_random_seed as set_random_seed
