"""The TensorFlow backend: training with GradientTape and tf.function."""

import tensorflow as tf

from k_backends.tensorflow import core, linalg, math, nn, numpy, random
from k_backends.variables import Variable

__all__ = ["core", "linalg", "math", "nn", "numpy", "random"]
NAME = "tensorflow"
SUPPORTS_TRAINING = True

# TF ops (tf.matmul(v, x), tf.reduce_sum(v), ...) then take kappa Variables directly.
tf.register_tensor_conversion_function(Variable, core.variable_to_tensor)
