"""kappa's lowest layer: backend selection, config, dtypes and the backend protocol.

Importing this package imports no framework. `current()` returns the selected
backend's implementation (`k_backends.jax`, `.torch`, `.tensorflow`, `.numpy`),
importing its framework on first call.
"""

__version__ = "0.1.0"

from k_backends.config import epsilon as epsilon
from k_backends.config import floatx as floatx
from k_backends.config import image_data_format as image_data_format
from k_backends.config import set_epsilon as set_epsilon
from k_backends.config import set_floatx as set_floatx
from k_backends.config import set_image_data_format as set_image_data_format
from k_backends.dtypes import is_float_dtype as is_float_dtype
from k_backends.dtypes import is_int_dtype as is_int_dtype
from k_backends.dtypes import result_type as result_type
from k_backends.dtypes import standardize_dtype as standardize_dtype
from k_backends.protocol import PROTOCOL as PROTOCOL
from k_backends.selection import backend as backend
from k_backends.selection import current as current
from k_backends.selection import device as device
from k_backends.selection import installed_backends as installed_backends
from k_backends.selection import set_backend as set_backend
from k_backends.variables import StatelessScope as StatelessScope
from k_backends.variables import Variable as Variable
