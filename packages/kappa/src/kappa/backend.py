"""`kappa.backend`: which backend runs, and its global settings."""

from k_backends import backend as backend
from k_backends import epsilon as epsilon
from k_backends import floatx as floatx
from k_backends import image_data_format as image_data_format
from k_backends import is_float_dtype as is_float_dtype
from k_backends import is_int_dtype as is_int_dtype
from k_backends import result_type as result_type
from k_backends import set_epsilon as set_epsilon
from k_backends import set_floatx as set_floatx
from k_backends import set_image_data_format as set_image_data_format
from k_backends import standardize_dtype as standardize_dtype
from k_ops.symbolic import is_keras_tensor as is_keras_tensor
