"""`kappa.config`: global settings (also read from `$KAPPA_HOME/kappa.json`)."""

from k_backends import backend as backend
from k_backends import epsilon as epsilon
from k_backends import floatx as floatx
from k_backends import image_data_format as image_data_format
from k_backends import set_backend as set_backend
from k_backends import set_epsilon as set_epsilon
from k_backends import set_floatx as set_floatx
from k_backends import set_image_data_format as set_image_data_format
from k_layers.dtype_policies import dtype_policy as dtype_policy
from k_layers.dtype_policies import set_dtype_policy as set_dtype_policy
