"""`kappa.mixed_precision`: the global dtype policy (`set_global_policy("mixed_bfloat16")`)."""

from k_layers.dtype_policies import DTypePolicy as DTypePolicy
from k_layers.dtype_policies import dtype_policy as dtype_policy
from k_layers.dtype_policies import set_dtype_policy as set_dtype_policy
from k_train.optimizers.extra import LossScaleOptimizer as LossScaleOptimizer

__all__ = ["DTypePolicy", "LossScaleOptimizer", "Policy", "dtype_policy", "global_policy", "set_dtype_policy",
           "set_global_policy"]

# Keras 3 keeps these older names as aliases.
Policy = DTypePolicy
global_policy = dtype_policy
set_global_policy = set_dtype_policy
