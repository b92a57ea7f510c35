"""`kappa.dtype_policies`: re-exported from k_layers.dtype_policies."""

from k_layers.dtype_policies import AWQDTypePolicy as AWQDTypePolicy
from k_layers.dtype_policies import DTypePolicy as DTypePolicy
from k_layers.dtype_policies import DTypePolicyMap as DTypePolicyMap
from k_layers.dtype_policies import FloatDTypePolicy as FloatDTypePolicy
from k_layers.dtype_policies import GPTQDTypePolicy as GPTQDTypePolicy
from k_layers.dtype_policies import Int4DTypePolicy as Int4DTypePolicy
from k_layers.dtype_policies import QuantizedDTypePolicy as QuantizedDTypePolicy
from k_layers.dtype_policies import QuantizedFloat8DTypePolicy as QuantizedFloat8DTypePolicy
from k_layers.dtype_policies import deserialize as deserialize
from k_layers.dtype_policies import get as get
from k_layers.dtype_policies import serialize as serialize
