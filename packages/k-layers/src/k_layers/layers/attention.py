"""Attention layers: Luong (`Attention`), Bahdanau (`AdditiveAttention`), multi-head and grouped-query.

`MultiHeadAttention` and `GroupQueryAttention` are built from `EinsumDense` projections named
`query`, `key`, (`gate`), `value` and `attention_output`, with Keras's equations, weight names
and order, so saved weights move between kappa and Keras. When no attention scores are asked
for, there is no dropout and attention runs over the sequence axis only, the attention itself
goes through `k_ops.nn.dot_product_attention` (where a backend may use a fused kernel);
otherwise an explicit einsum + masked softmax computes it and can return the scores.

Padding masks come from the inputs (`query._keras_mask`, ...) unless given explicitly, and
are combined with `attention_mask`, the causal mask and the sliding window by logical AND.
"""

import math
import string

import numpy as np

from k_backends import dtypes
from k_backends.seed import SeedGenerator
from k_layers import constraints, initializers, regularizers
from k_layers.layer import Layer, get_mask, unique_name
from k_layers.layers.activations import Softmax
from k_layers.layers.dense import EinsumDense
from k_layers.layers.regularization import Dropout
from k_layers.serialization import builtin
from k_ops import core as kcore
from k_ops import nn as knn
from k_ops import numpy as knp
from k_ops import random as krandom
from k_ops.symbolic import KerasTensor

__all__ = ["Attention", "AdditiveAttention", "MultiHeadAttention", "GroupQueryAttention"]

_NS = "keras.layers"


# -- argument checks ----------------------------------------------------------------
def _positive_int(value, name, layer, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        expectation = "a positive integer or None" if allow_none else "a positive integer"
        raise ValueError(f"{layer}: {name} must be {expectation}; got {name}={value!r}.")
    return int(value)


def _rate(value, layer):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"{layer}: dropout must be a number in [0, 1]; got dropout={value!r}.")
    return value


def _seed(value, layer):
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError(f"{layer}: seed must be an int or None; got seed={value!r}.")
    return value


def _check_flash(flash_attention, dropout, layer):
    if flash_attention not in (None, True, False):
        raise ValueError(f"{layer}: flash_attention must be None, True or False; got "
                         f"flash_attention={flash_attention!r}.")
    if flash_attention and dropout > 0:
        raise ValueError(f"{layer}: dropout is not possible with flash_attention=True (the fused kernel "
                         f"has no dropout); got dropout={dropout!r}. Set dropout=0.0 or "
                         "flash_attention=None.")
    return flash_attention


# -- masks --------------------------------------------------------------------------
def _causal_mask(q_len, k_len):
    """(1, q_len, k_len): query position i sees key positions j <= i."""
    return knp.expand_dims(knp.tril(knp.ones((q_len, k_len), dtype="bool")), 0)


def _window_mask(q_len, k_len, window):
    """(1, q_len, k_len): query position i sees key positions with |i - j| < window."""
    rows = knp.reshape(knp.arange(q_len, dtype="int32"), (1, q_len, 1))
    cols = knp.reshape(knp.arange(k_len, dtype="int32"), (1, 1, k_len))
    return knp.less(knp.abs(knp.subtract(rows, cols)), window)


def _as_bool(mask):
    mask = kcore.convert_to_tensor(mask)
    return mask if dtypes.standardize_dtype(mask.dtype) == "bool" else kcore.cast(mask, "bool")


def _combined_mask(query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask,
                   sliding_window):
    """The (batch, Tq, Tv) boolean mask of allowed query/key pairs, or None when all are allowed."""
    parts = []
    if query_mask is not None:
        parts.append(knp.expand_dims(_as_bool(query_mask), -1))
    if value_mask is not None:
        parts.append(knp.expand_dims(_as_bool(value_mask), -2))
    if key_mask is not None:
        parts.append(knp.expand_dims(_as_bool(key_mask), -2))
    q_len, k_len = query.shape[1], value.shape[1]
    if use_causal_mask:
        parts.append(_causal_mask(q_len, k_len))
    if sliding_window is not None:
        parts.append(_window_mask(q_len, k_len, sliding_window))
    if attention_mask is not None:
        parts.insert(0, _as_bool(attention_mask))
    if not parts:
        return None
    mask = parts[0]
    for part in parts[1:]:
        mask = knp.logical_and(mask, part)
    return mask


def _expand_mask(mask, rank, n_attention_axes):
    """Insert the head axis (axes) so a (batch, Tq..., Tv...) mask lines up with the scores."""
    axis = -2 * n_attention_axes - 1
    while len(mask.shape) < rank:
        mask = knp.expand_dims(mask, axis)
    return mask


def _clone(obj):
    return None if obj is None else type(obj).from_config(obj.get_config())


# -- Attention (Luong) and AdditiveAttention (Bahdanau) -------------------------------
@builtin(_NS)
class Attention(Layer):
    """Dot-product (Luong) attention over a query and a value (and optional key) sequence.

    `scores = query @ keyᵀ` (times a learned `scale` with `use_scale`), or with
    `score_mode="concat"` `concat_score_weight * sum(tanh(query + key))`; the output is
    `softmax(scores) @ value`, with masked keys given no weight and masked query steps zeroed.

    Args:
        use_scale: learn a scalar `scale` for the scores.
        score_mode: "dot" or "concat".
        dropout: the fraction of attention weights dropped in training.
        seed: an int for reproducible dropout.

    Call args:
        inputs: `[query, value]` or `[query, value, key]`, shapes (batch, Tq, dim) and (batch, Tv, dim).
        mask: `[query_mask, value_mask]` booleans (batch, Tq) and (batch, Tv) (taken from the inputs).
        training: apply dropout.
        return_attention_scores: also return the (batch, Tq, Tv) attention weights.
        use_causal_mask: query step i only sees value steps <= i.

    Example:
    >>> Attention()([np.ones((2, 3, 4)), np.ones((2, 5, 4))]).shape
    (2, 3, 4)
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        if score_mode not in ("dot", "concat"):
            raise ValueError(f"{name}: score_mode must be 'dot' or 'concat'; got score_mode={score_mode!r}.")
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = _rate(dropout, name)
        self.seed = _seed(seed, name)
        if self.dropout > 0:
            self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True

    def build(self, input_shape):
        self._check_inputs(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(),
                                                       initializer="ones")

    def _scores(self, query, key):
        if self.score_mode == "dot":
            scores = knp.matmul(query, knp.swapaxes(key, -2, -1))
            return scores if self.scale is None else knp.multiply(scores, self.scale)
        summed = knp.add(knp.expand_dims(query, -2), knp.expand_dims(key, -3))
        if self.scale is not None:
            summed = knp.multiply(self.scale, summed)
        return knp.multiply(self.concat_score_weight, knp.sum(knp.tanh(summed), axis=-1))

    def call(self, inputs, mask=None, training=False, return_attention_scores=False, use_causal_mask=False):
        self._check_inputs(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask = mask[0] if mask else None
        value_mask = mask[1] if mask else None
        scores = self._scores(query, key)
        keep = None
        if value_mask is not None:
            keep = knp.expand_dims(_as_bool(value_mask), -2)
        if use_causal_mask:
            causal = _causal_mask(scores.shape[-2], scores.shape[-1])
            keep = causal if keep is None else knp.logical_and(keep, causal)
        if keep is not None:
            # Masked keys get a large negative score, so they get (almost) no weight.
            big = 65504.0 if dtypes.standardize_dtype(scores.dtype) == "float16" else 1.0e9
            scores = knp.where(keep, scores, knp.subtract(scores, kcore.cast(big, scores.dtype)))
        weights = knn.softmax(scores, axis=-1)
        applied = weights
        if training and self.dropout > 0:
            applied = krandom.dropout(weights, self.dropout, seed=self.seed_generator)
        outputs = knp.matmul(applied, value)
        if query_mask is not None:
            outputs = knp.where(knp.expand_dims(_as_bool(query_mask), -1), outputs,
                                kcore.cast(0, outputs.dtype))
        return (outputs, weights) if return_attention_scores else outputs

    def compute_mask(self, inputs, previous_mask=None):
        self._check_inputs(inputs, previous_mask)
        if previous_mask is None or previous_mask[0] is None:
            return None
        return previous_mask[0]

    def compute_output_shape(self, input_shape):
        self._check_inputs(input_shape)
        return (*tuple(input_shape[0])[:-1], tuple(input_shape[1])[-1])

    def compute_output_spec(self, inputs, mask=None, training=None, return_attention_scores=False,
                            use_causal_mask=False):
        self._check_inputs(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        output = KerasTensor(self.compute_output_shape([query.shape, value.shape]), self.compute_dtype)
        if return_attention_scores:
            return output, KerasTensor((*query.shape[:-1], key.shape[-2]), self.compute_dtype)
        return output

    def _check_inputs(self, inputs, mask=None):
        name = type(self).__name__
        if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3):
            raise ValueError(f"Layer '{self.name}' ({name}) must be called on a list [query, value] or "
                             f"[query, value, key]; got inputs={inputs!r}.")
        if mask is not None and (not isinstance(mask, (list, tuple)) or len(mask) not in (2, 3)):
            raise ValueError(f"Layer '{self.name}' ({name}): mask must be a list [query_mask, value_mask]; "
                             f"got mask={mask!r}.")

    def get_config(self):
        return {**super().get_config(), "use_scale": self.use_scale, "score_mode": self.score_mode,
                "dropout": self.dropout, "seed": self.seed}


@builtin(_NS)
class AdditiveAttention(Attention):
    """Additive (Bahdanau) attention: `scores = sum(scale * tanh(query + key))`.

    Args:
        use_scale: learn a per-feature `scale` of shape (dim,) (else 1).
        dropout: the fraction of attention weights dropped in training.

    Call args: as in `Attention`.

    Example:
    >>> AdditiveAttention()([np.ones((2, 3, 4)), np.ones((2, 5, 4))]).shape
    (2, 3, 4)
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._check_inputs(input_shape)
        self.scale = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(input_shape[0][-1],),
                                         initializer="glorot_uniform")

    def _scores(self, query, key):
        summed = knp.tanh(knp.add(knp.expand_dims(query, -2), knp.expand_dims(key, -3)))
        if self.scale is not None:
            summed = knp.multiply(self.scale, summed)
        return knp.sum(summed, axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config


# -- multi-head attention -------------------------------------------------------------
def _projection(free, bound, out):
    """An EinsumDense equation keeping `free` axes, contracting `bound` and adding `out` axes.

    Returns (equation, bias axes, output rank); e.g. (2, 1, 2) -> "abc,cde->abde", "de", 4.
    """
    letters = string.ascii_lowercase
    kept, contracted = letters[:free], letters[free:free + bound]
    new = letters[free + bound:free + bound + out]
    return f"{kept}{contracted},{contracted}{new}->{kept}{new}", new, free + out


def _attention_equations(rank, axes):
    """Einsum equations of scores = key·query and output = scores·value for projected tensors of
    `rank` (batch..., heads, dim) attending over `axes`; also the scores' rank."""
    letters = string.ascii_lowercase
    target = letters[:rank]
    batch = [i for i in range(rank) if i not in axes and i != rank - 1]
    fresh = iter(letters[rank:])
    source = "".join(target[i] if (i in batch or i == rank - 1) else next(fresh) for i in range(rank))
    product = "".join([target[i] for i in batch] + [target[i] for i in axes] + [source[i] for i in axes])
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)


class _AttentionBase(Layer):
    """What multi-head and grouped-query attention share: sublayer arguments, masks, the kernel."""

    def _sublayer_kwargs(self):
        return dict(kernel_initializer=_clone(self._kernel_initializer),
                    bias_initializer=_clone(self._bias_initializer),
                    kernel_regularizer=self._kernel_regularizer, bias_regularizer=self._bias_regularizer,
                    activity_regularizer=self._activity_regularizer,
                    kernel_constraint=self._kernel_constraint, bias_constraint=self._bias_constraint,
                    dtype=self.dtype_policy)

    def _set_common(self, dropout, use_bias, sliding_window, flash_attention, kernel_initializer,
                    bias_initializer, kernel_regularizer, bias_regularizer, activity_regularizer,
                    kernel_constraint, bias_constraint, use_gate, seed):
        name = type(self).__name__
        self._dropout = _rate(dropout, name)
        self._use_bias = bool(use_bias)
        self._use_gate = bool(use_gate)
        self._sliding_window = _positive_int(sliding_window, "sliding_window", name, allow_none=True)
        self._flash_attention = _check_flash(flash_attention, self._dropout, name)
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        self.seed = _seed(seed, name)
        self.supports_masking = True

    def _common_config(self):
        return {"kernel_initializer": initializers.serialize(self._kernel_initializer),
                "bias_initializer": initializers.serialize(self._bias_initializer),
                "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self._bias_regularizer),
                "activity_regularizer": regularizers.serialize(self._activity_regularizer),
                "kernel_constraint": constraints.serialize(self._kernel_constraint),
                "bias_constraint": constraints.serialize(self._bias_constraint),
                "seed": self.seed}

    def _check_key_value(self, value_shape, key_shape):
        if tuple(value_shape)[1:-1] != tuple(key_shape)[1:-1]:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}): value and key must agree on "
                             f"every dimension but the last; got value shape {tuple(value_shape)} and key "
                             f"shape {tuple(key_shape)}.")

    def _forward(self, query, value, key, query_mask, value_mask, key_mask, attention_mask,
                 return_attention_scores, training, use_causal_mask):
        name = type(self).__name__
        if self._flash_attention and return_attention_scores:
            raise ValueError(f"Layer '{self.name}' ({name}): return_attention_scores=True is not possible "
                             "with flash_attention=True (the fused kernel does not form the scores).")
        key_given = key is not None
        key = value if key is None else key
        # Padding masks carried by the inputs, unless given explicitly.
        query_mask = get_mask(query) if query_mask is None else query_mask
        value_mask = get_mask(value) if value_mask is None else value_mask
        key_mask = get_mask(key) if key_mask is None and key_given else key_mask
        causal_only = (use_causal_mask and query_mask is None and value_mask is None and key_mask is None
                       and attention_mask is None and self._sliding_window is None)
        mask = None if causal_only else _combined_mask(
            query, value, query_mask, value_mask, key_mask, attention_mask, use_causal_mask,
            self._sliding_window)
        gate = self._gate_dense(query) if self._use_gate else None
        query = self._query_dense(query)
        key = self._key_dense(key)
        value = self._value_dense(value)
        fused = (self._dropout == 0 and not return_attention_scores and len(query.shape) == 4
                 and self._attention_axes == (1,))
        if fused:
            if mask is not None:
                mask = _expand_mask(mask, 4, 1)
            output = knn.dot_product_attention(query, key, value, mask=mask, scale=self._scale,
                                               is_causal=causal_only,
                                               flash_attention=self._flash_attention or None)
            scores = None
        else:
            key, value = self._expand_heads(key), self._expand_heads(value)
            if causal_only:
                mask = _causal_mask(query.shape[1], value.shape[1])
            query = knp.multiply(query, kcore.cast(self._scale, query.dtype))
            logits = knp.einsum(self._dot_product_equation, key, query)
            if mask is not None:
                mask = _expand_mask(mask, len(logits.shape), len(self._attention_axes))
            scores = self._softmax(logits, mask=mask)
            dropped = self._dropout_layer(scores, training=training) if self._dropout > 0 else scores
            output = knp.einsum(self._combine_equation, dropped, value)
        if gate is not None:
            output = knp.multiply(output, gate)
        output = self._output_dense(output)
        return (output, scores) if return_attention_scores else output

    def _expand_heads(self, x):
        return x

    def _scores_shape(self, query_shape, key_shape):
        raise NotImplementedError

    def compute_output_spec(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
                            attention_mask=None, return_attention_scores=False, training=None,
                            use_causal_mask=False):
        key_shape = None if key is None else key.shape
        output = KerasTensor(self.compute_output_shape(query.shape, value.shape, key_shape),
                             self.compute_dtype)
        if return_attention_scores:
            scores = self._scores_shape(tuple(query.shape), tuple(value.shape if key is None else key.shape))
            return output, KerasTensor(scores, self.compute_dtype)
        return output


@builtin(_NS)
class MultiHeadAttention(_AttentionBase):
    """Multi-head attention (Vaswani et al., 2017): project, attend per head, project back.

    Args:
        num_heads: the number of heads.
        key_dim: the size of each head for query and key.
        value_dim: the size of each head for value (None: `key_dim`).
        dropout: the fraction of attention weights dropped in training.
        use_bias: whether the projections have biases.
        output_shape: the output's trailing shape (None: the query's last dimension).
        attention_axes: the axes attention runs over (None: every axis between batch and features).
        sliding_window: if set, a query step sees only key steps closer than this.
        flash_attention: ask the backend for a fused kernel (None: the backend decides).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        activity_regularizer, kernel_constraint, bias_constraint: for the projections.
        use_gate: multiply the attention output by a sigmoid gate computed from the query.
        seed: an int for reproducible dropout.

    Call args:
        query: (batch, Tq, dim); value: (batch, Tv, dim); key: (batch, Tv, dim) (default: value).
        query_mask, value_mask, key_mask: boolean padding masks (default: the inputs' own masks).
        attention_mask: boolean (batch, Tq, Tv): which query/key pairs may attend.
        return_attention_scores: also return the (batch, heads, Tq, Tv) attention weights.
        training: apply dropout.
        use_causal_mask: query step i only sees key steps <= i.

    Example:
    >>> MultiHeadAttention(num_heads=2, key_dim=4)(np.ones((2, 3, 8)), np.ones((2, 5, 8))).shape
    (2, 3, 8)
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 attention_axes=None, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, use_gate=False, seed=None, **kwargs):
        super().__init__(**kwargs)
        self._num_heads = _positive_int(num_heads, "num_heads", "MultiHeadAttention")
        self._key_dim = _positive_int(key_dim, "key_dim", "MultiHeadAttention")
        value_dim = _positive_int(value_dim, "value_dim", "MultiHeadAttention", allow_none=True)
        self._value_dim = value_dim if value_dim else self._key_dim
        if output_shape:
            if isinstance(output_shape, (int, np.integer)) and not isinstance(output_shape, bool):
                output_shape = (int(output_shape),)
            if not isinstance(output_shape, (list, tuple)) or not all(
                    isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d > 0
                    for d in output_shape):
                raise ValueError(f"MultiHeadAttention: output_shape must be a positive int or a tuple of "
                                 f"positive ints; got output_shape={output_shape!r}.")
            output_shape = tuple(int(d) for d in output_shape)
        self._output_shape = output_shape or None
        if isinstance(attention_axes, (int, np.integer)) and not isinstance(attention_axes, bool):
            attention_axes = (int(attention_axes),)
        elif attention_axes is not None:
            if not isinstance(attention_axes, (list, tuple)) or not all(
                    isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in attention_axes):
                raise ValueError(f"MultiHeadAttention: attention_axes must be an int, a list or tuple of "
                                 f"ints, or None; got attention_axes={attention_axes!r}.")
            attention_axes = tuple(int(a) for a in attention_axes) or None
        self._attention_axes = attention_axes
        self._set_common(dropout, use_bias, sliding_window, flash_attention, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, use_gate, seed)
        self._scale = 1.0 / math.sqrt(float(self._key_dim))

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)
    query_dense = property(lambda self: self._query_dense)
    key_dense = property(lambda self: self._key_dense)
    value_dense = property(lambda self: self._value_dense)
    output_dense = property(lambda self: self._output_dense)

    def build(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        self._check_key_value(value_shape, key_shape)
        common = self._sublayer_kwargs
        bias = self._use_bias
        heads = self._num_heads

        def projection(rank, dims, name, activation=None):
            equation, bias_axes, out_rank = _projection(rank - 1, 1, 2)
            return EinsumDense(equation, output_shape=[None] * (out_rank - 3) + [heads, dims],
                               bias_axes=bias_axes if bias else None, activation=activation, name=name,
                               **common())

        self._query_dense = projection(len(query_shape), self._key_dim, "query")
        self._query_dense.build(query_shape)
        self._key_dense = projection(len(key_shape), self._key_dim, "key")
        self._key_dense.build(key_shape)
        if self._use_gate:
            self._gate_dense = projection(len(query_shape), self._value_dim, "gate", activation="sigmoid")
            self._gate_dense.build(query_shape)
        self._value_dense = projection(len(value_shape), self._value_dim, "value")
        self._value_dense.build(value_shape)

        rank = len(query_shape) + 1  # the projected rank: (batch, ..., heads, dim)
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            axes = tuple(a if a >= 0 else rank - 1 + a for a in self._attention_axes)
            if any(a <= 0 or a >= rank - 2 for a in axes):
                raise ValueError(f"Layer '{self.name}' (MultiHeadAttention): attention_axes must name axes "
                                 f"between the batch and feature axes of a rank-{len(query_shape)} query; "
                                 f"got attention_axes={self._attention_axes!r}.")
            self._attention_axes = axes
        self._dot_product_equation, self._combine_equation, scores_rank = _attention_equations(
            rank, self._attention_axes)
        n = len(self._attention_axes)
        self._softmax = Softmax(axis=tuple(range(scores_rank - n, scores_rank)), dtype=self.dtype_policy)
        self._dropout_layer = Dropout(rate=self._dropout, dtype=self.dtype_policy, seed=self.seed)

        output_shape = self._output_shape or (query_shape[-1],)
        equation, bias_axes, out_rank = _projection(len(query_shape) - 1, 2, len(output_shape))
        self._output_dense = EinsumDense(equation, output_shape=[None] * (out_rank - 1 - len(output_shape))
                                         + list(output_shape), bias_axes=bias_axes if bias else None,
                                         name="attention_output", **common())
        projected = list(self._query_dense.compute_output_shape(query_shape))
        projected[-1] = self._value_dim
        self._output_dense.build(tuple(projected))

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None, use_causal_mask=False):
        return self._forward(query, value, key, query_mask, value_mask, key_mask, attention_mask,
                             return_attention_scores, training, use_causal_mask)

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        self._check_key_value(value_shape, value_shape if key_shape is None else tuple(key_shape))
        if self._output_shape:
            return query_shape[:-1] + tuple(self._output_shape)
        return query_shape

    def _scores_shape(self, query_shape, key_shape):
        # The scores einsum's output: batch axes, then the query's and the key's attention axes.
        rank = len(query_shape) + 1
        q = query_shape[:-1] + (self._num_heads,)
        k = key_shape[:-1] + (self._num_heads,)
        axes = self._attention_axes or tuple(range(1, rank - 2))
        batch = [i for i in range(rank - 1) if i not in axes]
        return tuple([q[i] for i in batch] + [q[i] for i in axes] + [k[i] for i in axes])

    def get_config(self):
        return {**super().get_config(), "num_heads": self._num_heads, "key_dim": self._key_dim,
                "value_dim": self._value_dim, "dropout": self._dropout, "use_bias": self._use_bias,
                "use_gate": self._use_gate, "output_shape": self._output_shape,
                "attention_axes": self._attention_axes, "sliding_window": self._sliding_window,
                **self._common_config()}


@builtin(_NS, "GroupedQueryAttention")
class GroupQueryAttention(_AttentionBase):
    """Grouped-query attention (Ainslie et al., 2023): fewer key/value heads than query heads.

    Each key/value head serves `num_query_heads // num_key_value_heads` query heads, which
    shrinks the key/value projections (and a decoder's cache).

    Args:
        head_dim: the size of each head.
        num_query_heads: the number of query heads.
        num_key_value_heads: the number of key and value heads (must divide `num_query_heads`).
        dropout, use_bias, sliding_window, flash_attention, kernel_initializer, bias_initializer,
        kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
        bias_constraint, use_gate, seed: as in `MultiHeadAttention`.

    Call args: as in `MultiHeadAttention`; query (batch, Tq, dim), value/key (batch, Tv, dim);
    the scores are (batch, num_query_heads, Tq, Tv).

    Example:
    >>> GroupQueryAttention(4, 4, 2)(np.ones((2, 3, 8)), np.ones((2, 5, 8))).shape
    (2, 3, 8)
    """

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0, use_bias=True,
                 sliding_window=None, flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, use_gate=False,
                 seed=None, **kwargs):
        if kwargs.get("name") is None:
            kwargs["name"] = unique_name("grouped_query_attention")  # Keras's default name
        super().__init__(**kwargs)
        name = "GroupQueryAttention"
        self.head_dim = _positive_int(head_dim, "head_dim", name)
        self.num_query_heads = _positive_int(num_query_heads, "num_query_heads", name)
        self.num_key_value_heads = _positive_int(num_key_value_heads, "num_key_value_heads", name)
        if self.num_query_heads % self.num_key_value_heads:
            raise ValueError(f"{name}: num_query_heads must be divisible by num_key_value_heads; got "
                             f"num_query_heads={num_query_heads}, num_key_value_heads={num_key_value_heads}.")
        self.num_repeats = self.num_query_heads // self.num_key_value_heads
        self._set_common(dropout, use_bias, sliding_window, flash_attention, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer, activity_regularizer,
                         kernel_constraint, bias_constraint, use_gate, seed)
        self._attention_axes = (1,)
        self._scale = 1.0 / math.sqrt(float(self.head_dim))

    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    use_gate = property(lambda self: self._use_gate)
    sliding_window = property(lambda self: self._sliding_window)

    def build(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        for what, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if len(shape) != 3:
                raise ValueError(f"Layer '{self.name}' (GroupQueryAttention): {what} must have rank 3 "
                                 f"(batch, steps, features); got shape {shape}.")
        self._check_key_value(value_shape, key_shape)
        self.feature_dim = query_shape[-1]
        common, bias = self._sublayer_kwargs, self._use_bias
        q_heads, kv_heads, dim = self.num_query_heads, self.num_key_value_heads, self.head_dim
        self._query_dense = EinsumDense("bqm,muh->bquh", output_shape=(None, q_heads, dim),
                                        bias_axes="uh" if bias else None, name="query", **common())
        self._query_dense.build(query_shape)
        self._key_dense = EinsumDense("bkm,mvh->bkvh", output_shape=(None, kv_heads, dim),
                                      bias_axes="vh" if bias else None, name="key", **common())
        self._key_dense.build(key_shape)
        if self._use_gate:
            self._gate_dense = EinsumDense("bqm,muh->bquh", output_shape=(None, q_heads, dim),
                                           bias_axes="uh" if bias else None, activation="sigmoid",
                                           name="gate", **common())
            self._gate_dense.build(query_shape)
        self._value_dense = EinsumDense("bkm,mvh->bkvh", output_shape=(None, kv_heads, dim),
                                        bias_axes="vh" if bias else None, name="value", **common())
        self._value_dense.build(value_shape)
        self._softmax = Softmax(axis=-1, dtype=self.dtype_policy)
        self._dropout_layer = Dropout(rate=self._dropout, dtype=self.dtype_policy, seed=self.seed)
        # The same equations as MultiHeadAttention's for rank-4 projections (key first).
        self._dot_product_equation, self._combine_equation, _ = _attention_equations(4, (1,))
        self._output_dense = EinsumDense("bquh,uhm->bqm", output_shape=(None, self.feature_dim),
                                         bias_axes="m" if bias else None, name="attention_output",
                                         **common())
        self._output_dense.build((None, None, q_heads, dim))

    def _expand_heads(self, x):
        return knp.repeat(x, self.num_repeats, axis=2) if self.num_repeats > 1 else x

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None, use_causal_mask=False):
        return self._forward(query, value, key, query_mask, value_mask, key_mask, attention_mask,
                             return_attention_scores, training, use_causal_mask)

    def compute_output_shape(self, query_shape, value_shape, key_shape=None):
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(f"Layer '{self.name}' (GroupQueryAttention): query and value must have the "
                             f"same last dimension; got query shape {query_shape} and value shape "
                             f"{value_shape}.")
        self._check_key_value(value_shape, key_shape)
        return query_shape

    def _scores_shape(self, query_shape, key_shape):
        return (query_shape[0], self.num_query_heads, query_shape[1], key_shape[1])

    def get_config(self):
        return {**super().get_config(), "head_dim": self.head_dim, "num_query_heads": self.num_query_heads,
                "num_key_value_heads": self.num_key_value_heads, "use_bias": self._use_bias,
                "use_gate": self._use_gate, "sliding_window": self._sliding_window,
                "dropout": self._dropout, **self._common_config()}
