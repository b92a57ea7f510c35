"""Random draws on JAX from a seed pair (see k_backends.seed).

JAX has no global generator state, so there is no `set_framework_seed`.
"""

import functools

import jax

from k_backends import dtypes
from k_backends.jax.core import convert_to_tensor, to_jax_dtype


def _key(seed):
    # wrap_key_data takes traced data too, so draws work inside jax.jit.
    return jax.random.wrap_key_data(convert_to_tensor(seed, "uint32"), impl="threefry2x32")


def _draw_dtype(dtype):
    # Draw float16/bfloat16 in float32 and cast: their few mantissa bits make poor draws.
    return to_jax_dtype(dtypes.result_type(dtype, "float32"))


def normal(shape, mean, stddev, dtype, seed):
    draws = jax.random.normal(_key(seed), tuple(shape), _draw_dtype(dtype))
    return (draws * stddev + mean).astype(to_jax_dtype(dtype))


def uniform(shape, minval, maxval, dtype, seed):
    draws = jax.random.uniform(_key(seed), tuple(shape), _draw_dtype(dtype), minval, maxval)
    return draws.astype(to_jax_dtype(dtype))


def randint(shape, minval, maxval, dtype, seed):
    return jax.random.randint(_key(seed), tuple(shape), minval, maxval, to_jax_dtype(dtype))


def truncated_normal(shape, mean, stddev, dtype, seed):
    draws = jax.random.truncated_normal(_key(seed), -2.0, 2.0, tuple(shape), _draw_dtype(dtype))
    return (draws * stddev + mean).astype(to_jax_dtype(dtype))


# The draws below are jitted whole, shapes static, in the precision they draw in (the cast to
# the requested dtype follows): in eager mode each draw would otherwise compile several small
# programs per new shape, about a second each on a 2-core CPU.
def categorical(logits, num_samples, dtype, seed):
    logits = convert_to_tensor(logits)
    logits = logits.astype(_draw_dtype(dtypes.standardize_dtype(logits.dtype)))
    return _categorical(logits, num_samples, seed).astype(to_jax_dtype(dtype))


@functools.partial(jax.jit, static_argnames=("num_samples",))
def _categorical(logits, num_samples, seed):
    # jax draws `shape` samples broadcast against the batch dims of logits, so draw
    # (num_samples, batch) and transpose.
    return jax.random.categorical(_key(seed), logits, axis=-1, shape=(num_samples, logits.shape[0])).T


def dropout(inputs, rate, noise_shape, seed):
    return _dropout(convert_to_tensor(inputs), rate, tuple(noise_shape), seed)


@functools.partial(jax.jit, static_argnames=("noise_shape",))
def _dropout(inputs, rate, noise_shape, seed):
    keep = jax.random.bernoulli(_key(seed), 1.0 - rate, noise_shape)
    keep = jax.numpy.broadcast_to(keep, inputs.shape)
    return jax.numpy.where(keep, inputs / (1.0 - rate).astype(inputs.dtype),
                           jax.numpy.zeros((), inputs.dtype))


def shuffle(x, axis, seed):
    return _shuffle(convert_to_tensor(x), axis, seed)


@functools.partial(jax.jit, static_argnames=("axis",))
def _shuffle(x, axis, seed):
    return jax.random.permutation(_key(seed), x, axis=axis, independent=False)


def _parameter(value, shape, dtype):
    # Broadcast to the output shape first: jax compiles its samplers per parameter shape too.
    return jax.numpy.broadcast_to(convert_to_tensor(value, dtype), shape)


def gamma(shape, alpha, dtype, seed):
    return _gamma(tuple(shape), alpha, _draw_dtype(dtype), seed).astype(to_jax_dtype(dtype))


@functools.partial(jax.jit, static_argnames=("shape", "draw"))
def _gamma(shape, alpha, draw, seed):
    return jax.random.gamma(_key(seed), _parameter(alpha, shape, draw), shape, draw)


def binomial(shape, counts, probabilities, dtype, seed):
    draws = _binomial(tuple(shape), counts, probabilities, _draw_dtype(dtype), seed)
    return draws.astype(to_jax_dtype(dtype))


@functools.partial(jax.jit, static_argnames=("shape", "draw"))
def _binomial(shape, counts, probabilities, draw, seed):
    return jax.random.binomial(_key(seed), _parameter(counts, shape, draw),
                               _parameter(probabilities, shape, draw), shape, draw)


def beta(shape, alpha, beta, dtype, seed):
    return _beta(tuple(shape), alpha, beta, _draw_dtype(dtype), seed).astype(to_jax_dtype(dtype))


@functools.partial(jax.jit, static_argnames=("shape", "draw"))
def _beta(shape, alpha, beta, draw, seed):
    return jax.random.beta(_key(seed), _parameter(alpha, shape, draw), _parameter(beta, shape, draw),
                           shape, draw)
