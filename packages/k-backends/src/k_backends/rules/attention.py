"""Shape and argument rules of attention, space/depth, im2col and einops-style rearrangement."""

import re

import numpy as np

__all__ = [
    "check_attention_shapes", "check_block_size", "check_data_format", "pair", "unfold_geometry",
    "patch_indices", "parse_rearrange", "rearrange_plan",
]


def check_attention_shapes(query, key, value):
    """Raise unless (batch, seq, heads, dim) shapes agree; the key heads must divide the query heads."""
    for name, shape in (("query", query), ("key", key), ("value", value)):
        if len(shape) != 4:
            raise ValueError(f"dot_product_attention expects {name} of rank 4 (batch, seq, heads, dim); "
                             f"got shape {tuple(shape)}.")

    def clash(a, b):
        return a is not None and b is not None and a != b

    if clash(key[1], value[1]) or clash(key[2], value[2]):
        raise ValueError(f"key and value must share their sequence length and number of heads; got key "
                         f"shape {tuple(key)} and value shape {tuple(value)}.")
    if clash(query[3], key[3]):
        raise ValueError(f"query and key must share their last (dim) axis; got query shape {tuple(query)} "
                         f"and key shape {tuple(key)}.")
    if query[2] is not None and key[2] is not None and query[2] % key[2]:
        raise ValueError(f"the number of key heads ({key[2]}) must divide the number of query heads "
                         f"({query[2]}); got query shape {tuple(query)} and key shape {tuple(key)}.")
    for i in (0,):
        if clash(query[i], key[i]) or clash(key[i], value[i]):
            raise ValueError(f"query, key and value must share their batch size; got shapes {tuple(query)}, "
                             f"{tuple(key)}, {tuple(value)}.")


def check_block_size(op, block_size):
    if isinstance(block_size, bool) or not hasattr(block_size, "__index__") or block_size < 1:
        raise ValueError(f"{op} expects block_size to be a positive int; got {block_size!r}.")
    return int(block_size)


def check_data_format(op, data_format):
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{op} expects data_format 'channels_last' or 'channels_first'; "
                         f"got {data_format!r}.")
    return data_format


def pair(op, name, value, minimum):
    """`value` (an int or two ints) as a tuple of two ints >= `minimum`."""
    values = (value, value) if not isinstance(value, (tuple, list)) else tuple(value)
    if len(values) != 2 or any(isinstance(v, bool) or not hasattr(v, "__index__") or v < minimum
                               for v in values):
        raise ValueError(f"{op} expects {name} to be an int or a pair of ints >= {minimum}; got {value!r}.")
    return tuple(int(v) for v in values)


def unfold_geometry(op, spatial, kernel_size, dilation, padding, stride):
    """Normalised (kernel, dilation, padding, stride, padded size, blocks per axis) for im2col."""
    kernel = pair(op, "kernel_size", kernel_size, 1)
    dilation = pair(op, "dilation", dilation, 1)
    padding = pair(op, "padding", padding, 0)
    stride = pair(op, "stride", stride, 1)
    padded = tuple(s + 2 * p for s, p in zip(spatial, padding, strict=True))
    blocks = tuple((p - d * (k - 1) - 1) // s + 1
                   for p, d, k, s in zip(padded, dilation, kernel, stride, strict=True))
    if any(b < 1 for b in blocks):
        raise ValueError(f"{op}: the {kernel} kernel (dilation {dilation}) does not fit in the padded "
                         f"spatial size {padded}.")
    return kernel, dilation, padding, stride, padded, blocks


def patch_indices(kernel, dilation, stride, padded, blocks):
    """Flat indices into a padded (H, W) image, ordered (kH, kW, blocks_h, blocks_w) as im2col reads them."""
    ki = np.arange(kernel[0])[:, None, None, None] * dilation[0]
    kj = np.arange(kernel[1])[None, :, None, None] * dilation[1]
    oi = np.arange(blocks[0])[None, None, :, None] * stride[0]
    oj = np.arange(blocks[1])[None, None, None, :] * stride[1]
    return ((ki + oi) * padded[1] + (kj + oj)).reshape(-1).astype("int32")


_TOKEN = re.compile(r"\(|\)|\.\.\.|[A-Za-z_][A-Za-z0-9_]*|\S+")


def _parse_side(side, pattern):
    groups, current = [], None
    for token in _TOKEN.findall(side):
        if token == "(":
            if current is not None:
                raise ValueError(f"rearrange does not support nested parentheses; got {pattern!r}.")
            current = []
        elif token == ")":
            if current is None:
                raise ValueError(f"rearrange found an unmatched ')' in {pattern!r}.")
            groups.append(current)
            current = None
        elif token == "..." or token.isidentifier():
            if current is not None:
                current.append(token)
            else:
                groups.append(token if token == "..." else [token])  # a bare '...': one axis per dim
        else:
            raise ValueError(f"rearrange supports named axes, '...' and parenthesised groups only; got "
                             f"{token!r} in {pattern!r}.")
    if current is not None:
        raise ValueError(f"rearrange found an unmatched '(' in {pattern!r}.")
    names = [n for g in groups for n in ([g] if g == "..." else g)]
    if len(names) != len(set(names)):
        raise ValueError(f"rearrange found a repeated axis name in {side.strip()!r} of {pattern!r}.")
    return groups


def parse_rearrange(pattern):
    """The (left, right) groups of an einops pattern 'a (b c) -> (a b) c'; each group a list of names."""
    if not isinstance(pattern, str) or pattern.count("->") != 1:
        raise ValueError(f"rearrange expects a pattern of the form 'left -> right'; got {pattern!r}.")
    left, right = (_parse_side(s, pattern) for s in pattern.split("->"))
    if any(g != "..." and "..." in g for g in left):
        raise ValueError(f"rearrange does not support '...' inside parentheses on the left; got {pattern!r}.")
    left_names = {n for g in left for n in ([g] if g == "..." else g)}
    right_names = {n for g in right for n in ([g] if g == "..." else g)}
    if left_names != right_names:
        raise ValueError(f"rearrange needs the same axis names on both sides of {pattern!r}; only on the "
                         f"left: {sorted(left_names - right_names)}, only on the right: "
                         f"{sorted(right_names - left_names)}.")
    return left, right


def rearrange_plan(pattern, shape, axes_lengths):
    """(elementary sizes, permutation, output shape) that realise `pattern` on a tensor of `shape`.

    Sizes may be None (unknown); the caller reshapes with -1 for at most one of them.
    """
    left, right = parse_rearrange(pattern)
    ndim = len(shape)
    extra = ndim - (len(left) - 1) if "..." in left else 0
    if extra < 0:
        raise ValueError(f"rearrange: pattern {pattern!r} needs rank >= {len(left) - 1}; got shape {shape}.")
    ellipsis = [f"...{i}" for i in range(extra)]

    def expand(groups):
        out = []
        for g in groups:
            if g == "...":
                out.extend([e] for e in ellipsis)
            else:
                out.append([e for n in g for e in (ellipsis if n == "..." else [n])])
        return out
    left, right = expand(left), expand(right)
    if len(left) != ndim:
        raise ValueError(f"rearrange: the left side of {pattern!r} names {len(left)} axes, but the tensor "
                         f"has shape {tuple(shape)}.")
    unknown = set(axes_lengths) - {n for g in left for n in g}
    if unknown:
        raise ValueError(f"rearrange got lengths for axes {sorted(unknown)} not in the pattern {pattern!r}.")
    sizes = {}
    for group, dim in zip(left, shape, strict=True):
        known = {n: int(axes_lengths[n]) for n in group if n in axes_lengths}
        missing = [n for n in group if n not in known]
        product = int(np.prod(list(known.values()), dtype="int64")) if known else 1
        if len(missing) > 1:
            raise ValueError(f"rearrange cannot infer the lengths of {missing} in {pattern!r}; give all but "
                             f"one of them as keyword arguments.")
        if missing:
            if dim is None:
                known[missing[0]] = None
            elif product == 0 or dim % product:
                raise ValueError(f"rearrange: axis of size {dim} cannot be split into {group} with "
                                 f"lengths {axes_lengths}.")
            else:
                known[missing[0]] = dim // product
        elif dim is not None and dim != product:
            raise ValueError(f"rearrange: axis of size {dim} does not match {group} with lengths "
                             f"{axes_lengths} (product {product}).")
        sizes.update(known)
    order = [n for g in left for n in g]
    elementary = [sizes[n] for n in order]
    permutation = [order.index(n) for g in right for n in g]

    def product_of(group):
        values = [sizes[n] for n in group]
        return None if None in values else int(np.prod(values, dtype="int64"))
    return elementary, permutation, [product_of(g) for g in right]
