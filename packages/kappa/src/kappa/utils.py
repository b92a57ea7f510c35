"""`kappa.utils`: helpers of the Keras `utils` namespace."""

from k_backends.dtypes import standardize_dtype as standardize_dtype
from k_backends.seed import set_random_seed as set_random_seed
from k_train.data import PyDataset as PyDataset
from k_train.data import Sequence as Sequence
from k_train.data import pack_x_y_sample_weight as pack_x_y_sample_weight
from k_train.data import unpack_x_y_sample_weight as unpack_x_y_sample_weight
from k_train.progbar import Progbar as Progbar
