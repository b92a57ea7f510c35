"""Products, contractions and other linear-algebra-like numpy ops on JAX."""

import jax
import jax.numpy as jnp

from k_backends.inference import dtype_of, promoted
from k_backends.jax.core import convert_to_tensor
from k_backends.rules import linear as rules

__all__ = [
    "dot", "tensordot", "einsum", "inner", "outer", "vdot", "kron", "cross", "diff", "correlate",
    "slogdet", "vectorize",
]


def _product(jnp_func):
    def op(x1, x2):
        dtype = promoted(x1, x2)
        if dtype == "bool" and jnp_func is jnp.kron:
            # jnp.kron multiplies with lax.mul, which has no bool kernel; `and` is a product of bools.
            return jnp_func(convert_to_tensor(x1, "uint8"), convert_to_tensor(x2, "uint8")).astype(bool)
        return jnp_func(convert_to_tensor(x1, dtype), convert_to_tensor(x2, dtype))
    op.__name__ = jnp_func.__name__
    return op


dot = _product(jnp.dot)
inner = _product(jnp.inner)
outer = _product(jnp.outer)
kron = _product(jnp.kron)


def vdot(x1, x2):
    dtype = promoted(x1, x2)
    a, b = convert_to_tensor(x1, dtype), convert_to_tensor(x2, dtype)
    rules.check_vdot_sizes(a.shape, b.shape)
    return jnp.vdot(a, b)


def tensordot(x1, x2, axes=2):
    dtype = promoted(x1, x2)
    a, b = convert_to_tensor(x1, dtype), convert_to_tensor(x2, dtype)
    return jnp.tensordot(a, b, rules.tensordot_axes(axes, a.shape, b.shape))


def einsum(subscripts, *operands, **kwargs):
    dtype = rules.einsum_dtype(*operands)
    is_int8 = all(dtype_of(x) == "int8" for x in operands)
    xs = [convert_to_tensor(x, "int8" if is_int8 else dtype) for x in operands]
    explicit, _, _ = rules.einsum_plan(subscripts, tuple(x.shape for x in xs))
    if is_int8:
        # int8 operands stay int8 and accumulate in int32, as int8 matrix units do natively.
        kwargs["preferred_element_type"] = jnp.int32
    return jnp.einsum(explicit, *xs, **kwargs)


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    dtype = rules.cross_dtype(x1, x2)
    a, b = convert_to_tensor(x1, dtype), convert_to_tensor(x2, dtype)
    axisa, axisb, axisc, _ = rules.cross_axes(a.shape, b.shape, axisa, axisb, axisc, axis)
    return jnp.cross(a, b, axisa=axisa, axisb=axisb, axisc=-1 if axisc is None else axisc)


def diff(a, n=1, axis=-1):
    x = convert_to_tensor(a)
    if x.ndim == 0:
        raise ValueError("diff needs an input of rank 1 or more; got a scalar.")
    return jnp.diff(x, n=n, axis=axis)


def correlate(x1, x2, mode="valid"):
    dtype = rules.correlate_dtype(x1, x2)
    a, b = convert_to_tensor(x1, dtype), convert_to_tensor(x2, dtype)
    rules.check_correlate_shapes(a.shape, b.shape)
    return jnp.correlate(a, b, mode=mode)


# LAPACK and cuSOLVER factorize in float32 at the least.
_SLOGDET_COMPUTE = {"float16": "float32", "bfloat16": "float32"}


def slogdet(x):
    dtype = rules.slogdet_dtype(x)
    m = convert_to_tensor(x, _SLOGDET_COMPUTE.get(dtype, dtype))
    rules.check_square(m.shape)
    sign, logabsdet = jnp.linalg.slogdet(m)
    return sign.astype(dtype), logabsdet.astype(dtype)


def _vmap(f, flat):
    return jax.vmap(f)(*flat)


def vectorize(pyfunc, excluded=frozenset(), signature=None):
    # One vmap over the flattened loop dimensions: jnp.vectorize would vmap once per dimension,
    # and it does not vectorize keyword arguments as NumPy does.
    return rules.vectorized(pyfunc, excluded, signature, convert=convert_to_tensor,
                            broadcast_to=jnp.broadcast_to, reshape=jnp.reshape, map_leading=_vmap)
