"""The JAX backend: eager ops and jit-compiled training."""

import jax

# kappa applies one dtype table on every backend; without x64 JAX narrows float64/int64 to 32 bits.
jax.config.update("jax_enable_x64", True)

from k_backends.jax import core, linalg, math, nn, numpy, random  # noqa: E402

__all__ = ["core", "linalg", "math", "nn", "numpy", "random"]
NAME = "jax"
SUPPORTS_TRAINING = True
