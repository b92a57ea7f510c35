"""Dense, EinsumDense and Embedding: the weighted core layers, all with LoRA support.

With `lora_rank`, the original weight is frozen and a trainable low-rank product
`lora_a @ lora_b`, scaled by `lora_alpha / lora_rank`, is added to it whenever the
layer reads its kernel.
"""

import re

from k_layers import activations, constraints, initializers, regularizers
from k_layers.input_spec import InputSpec
from k_layers.layer import Layer
from k_layers.serialization import (
    builtin,
)
from k_ops import core as kcore
from k_ops import numpy as knp
from k_ops.symbolic import KerasTensor

__all__ = ["Dense", "EinsumDense", "Embedding"]


# -- shared pieces ----------------------------------------------------------------
def _check_quantization(layer_name, quantization_config, **others):
    if quantization_config is not None:
        raise ValueError(f"{layer_name}: quantization_config={quantization_config!r} needs kappa's "
                         "quantization support, which this version does not include yet; pass None.")
    for key, value in others.items():
        if value is not None:
            raise ValueError(f"{layer_name}: {key}={value!r} applies to GPTQ-quantized layers, which this "
                             "version does not support yet; pass None.")


def _check_lora(layer_name, lora_rank, lora_alpha):
    if lora_rank is not None and (isinstance(lora_rank, bool) or not isinstance(lora_rank, int)
                                  or lora_rank <= 0):
        raise ValueError(f"{layer_name}: lora_rank must be a positive integer or None; got "
                         f"lora_rank={lora_rank!r}.")
    if lora_alpha is not None and (isinstance(lora_alpha, bool) or not isinstance(lora_alpha, (int, float))
                                   or lora_alpha <= 0):
        raise ValueError(f"{layer_name}: lora_alpha must be a positive number or None; got "
                         f"lora_alpha={lora_alpha!r}.")


class _LoraMixin:
    """LoRA for a layer whose main weight is `self._<weight>` (`kernel` or `embeddings`)."""

    _lora_weight = "kernel"

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Freeze the main weight and add trainable `lora_<weight>_a` / `_b` of rank `rank`.

        The effective weight becomes `weight + (lora_alpha / rank) * a @ b`; `lora_alpha`
        defaults to `rank`. The layer must be built.
        """
        _check_lora(type(self).__name__, rank, lora_alpha)
        if rank is None:
            raise ValueError(f"Layer '{self.name}': enable_lora needs a positive integer rank; got None.")
        if not self.built:
            raise ValueError(f"Layer '{self.name}': build the layer before calling enable_lora().")
        if self.lora_enabled:
            raise ValueError(f"Layer '{self.name}': LoRA is already enabled (rank {self.lora_rank}).")
        self._add_lora(rank, lora_alpha, a_initializer, b_initializer)

    def _add_lora(self, rank, lora_alpha, a_initializer="he_uniform", b_initializer="zeros"):
        name = self._lora_weight
        if getattr(self, f"{name}_constraint") is not None:
            raise ValueError(f"Layer '{self.name}': LoRA cannot be combined with {name}_constraint (the "
                             "constraint could not be applied to the low-rank update).")
        weight = getattr(self, f"_{name}")
        shape = tuple(weight.shape)
        regularizer = getattr(self, f"{name}_regularizer")
        a = self.add_weight(name=f"lora_{name}_a", shape=(*shape[:-1], rank), initializer=a_initializer,
                            regularizer=regularizer)
        b = self.add_weight(name=f"lora_{name}_b", shape=(rank, shape[-1]), initializer=b_initializer,
                            regularizer=regularizer)
        setattr(self, f"lora_{name}_a", a)
        setattr(self, f"lora_{name}_b", b)
        weight.trainable = False
        self.lora_enabled = True
        self.lora_rank = rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else rank

    @property
    def weights(self):
        """With LoRA the frozen weight stays first (creation order, as Keras lists it), so
        `get_weights` / `set_weights` and saved files line up with Keras's."""
        if not getattr(self, "lora_enabled", False):
            return super().weights
        return list(self._kappa_weights)

    def _effective_weight(self):
        name = self._lora_weight
        weight = getattr(self, f"_{name}", None)
        if weight is None:
            raise AttributeError(f"Layer '{self.name}' has no {name} until it is built.")
        if not self.lora_enabled:
            return weight
        a, b = getattr(self, f"lora_{name}_a"), getattr(self, f"lora_{name}_b")
        return knp.add(weight, (self.lora_alpha / self.lora_rank) * knp.matmul(a, b))

    def _lora_config(self, config):
        if self.lora_rank:
            config["lora_rank"] = self.lora_rank
            config["lora_alpha"] = self.lora_alpha
        return config


def _common_config(layer, weight):
    return {f"{weight}_regularizer": regularizers.serialize(getattr(layer, f"{weight}_regularizer")),
            f"{weight}_constraint": constraints.serialize(getattr(layer, f"{weight}_constraint"))}


# -- Dense ------------------------------------------------------------------------
@builtin("keras.layers")
class Dense(_LoraMixin, Layer):
    """A fully connected layer: `activation(inputs @ kernel + bias)` on the last axis.

    Args:
        units: the output size (a positive int).
        activation: the activation (None: linear).
        use_bias: whether to add a bias.
        kernel_initializer, bias_initializer: initializers of the weights.
        kernel_regularizer, bias_regularizer: regularizers of the weights.
        activity_regularizer: a regularizer of the output.
        kernel_constraint, bias_constraint: constraints of the weights.
        lora_rank: if set, LoRA of this rank is enabled when the layer is built.
        lora_alpha: the LoRA scale numerator (default `lora_rank`).
        quantization_config: must be None (quantization is not supported yet).

    Example:
    >>> Dense(4, activation="relu")(np.ones((2, 3))).shape
    (2, 4)
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 lora_alpha=None, quantization_config=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise ValueError(f"Dense: units must be a positive integer; got units={units!r}.")
        _check_lora("Dense", lora_rank, lora_alpha)
        _check_quantization("Dense", quantization_config)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        self.quantization_config = quantization_config
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"Layer '{self.name}' (Dense) needs a known last input dimension; got input "
                             f"shape {tuple(input_shape)}.")
        self._kernel = self.add_weight(name="kernel", shape=(input_dim, self.units),
                                       initializer=self.kernel_initializer,
                                       regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.units,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        if self.lora_rank:
            self._add_lora(self.lora_rank, self.lora_alpha)

    @property
    def kernel(self):
        """The kernel as the layer uses it (with the LoRA update when enabled)."""
        return self._effective_weight()

    def call(self, inputs, training=None):
        x = knp.matmul(inputs, self.kernel)
        if self.bias is not None:
            x = knp.add(x, self.bias)
        return self.activation(x)

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape)[:-1], self.units)

    def get_config(self):
        config = {**super().get_config(), "units": self.units,
                  "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                  "kernel_initializer": initializers.serialize(self.kernel_initializer),
                  "bias_initializer": initializers.serialize(self.bias_initializer),
                  "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                  "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                  "kernel_constraint": constraints.serialize(self.kernel_constraint),
                  "bias_constraint": constraints.serialize(self.bias_constraint),
                  "quantization_config": None}
        return self._lora_config(config)


# -- EinsumDense ------------------------------------------------------------------
_EQUATION = re.compile(r"^([a-zA-Z.]*),([a-zA-Z]+)->([a-zA-Z.]*)$")


def _einsum_shapes(layer, input_shape, partial_output_shape, bias_axes):
    """(kernel shape, bias shape or None, full output shape) of an EinsumDense for `input_shape`.

    The partial output shape excludes the first output dimension (the batch) and any
    dimensions the ellipsis stands for; its None entries are taken from the input.
    """
    equation = layer.equation.replace(" ", "")
    match = _EQUATION.match(equation)
    if match is None:
        raise ValueError(f"EinsumDense: equation must look like 'ab,bc->ac' (input,kernel->output, "
                         f"optionally with '...' at the start or end); got equation={layer.equation!r}.")
    in_spec, weight_spec, out_spec = match.groups()
    input_shape = tuple(input_shape)
    left = in_spec.startswith("...") and out_spec.startswith("...")
    right = in_spec.endswith("...") and out_spec.endswith("...") and not left
    if "..." in in_spec or "..." in out_spec:
        if not (left or right) or in_spec.count("...") + out_spec.count("...") != 2 or \
                "." in in_spec.replace("...", "") or "." in out_spec.replace("...", ""):
            raise ValueError(f"EinsumDense: '...' must start (or end) both the input and the output spec; "
                             f"got equation={layer.equation!r}.")
    in_letters, out_letters = in_spec.replace("...", ""), out_spec.replace("...", "")
    n_elided = len(input_shape) - len(in_letters)
    if n_elided < 0 or (n_elided > 0 and not (left or right)):
        raise ValueError(f"Layer '{layer.name}' (EinsumDense, equation {layer.equation!r}) expects inputs of "
                         f"rank {len(in_letters)}{' or more' if left or right else ''}; got input shape "
                         f"{input_shape}.")
    elided = input_shape[:n_elided] if left else input_shape[len(input_shape) - n_elided:]
    in_dims = dict(zip(in_letters, input_shape[n_elided:] if left else input_shape[:len(in_letters)],
                       strict=True))
    # The first output dimension (the batch) is never in the partial shape.
    partial = list(partial_output_shape)
    if left and n_elided > 0:
        given = dict(zip(out_letters, partial[-len(out_letters):] if out_letters else [], strict=False))
        if len(partial) != len(out_letters):
            raise ValueError(f"Layer '{layer.name}' (EinsumDense): output_shape={partial_output_shape} must "
                             f"have one entry per letter of the output spec {out_letters!r} after '...'.")
    else:
        if len(partial) != len(out_letters) - 1:
            raise ValueError(f"Layer '{layer.name}' (EinsumDense): output_shape={partial_output_shape} must "
                             f"have {len(out_letters) - 1} entries (the output spec {out_letters!r} without "
                             "its first, batch, dimension).")
        given = dict(zip(out_letters[1:], partial, strict=True))
        given[out_letters[0]] = in_dims.get(out_letters[0])
    out_dims = {}
    for letter in out_letters:
        if letter in in_dims:
            wanted = given.get(letter)
            if wanted is not None and in_dims[letter] is not None and wanted != in_dims[letter]:
                raise ValueError(f"Layer '{layer.name}' (EinsumDense): output_shape gives dimension "
                                 f"'{letter}' size {given[letter]}, but the input has {in_dims[letter]}.")
            out_dims[letter] = in_dims[letter] if in_dims[letter] is not None else given.get(letter)
        elif letter in weight_spec:
            if given.get(letter) is None:
                raise ValueError(f"Layer '{layer.name}' (EinsumDense): output dimension '{letter}' is not in "
                                 f"the input, so output_shape must give its size; got "
                                 f"output_shape={partial_output_shape}.")
            out_dims[letter] = given[letter]
        else:
            raise ValueError(f"EinsumDense: output dimension '{letter}' of equation {layer.equation!r} is "
                             "in neither the input nor the kernel spec.")
    kernel_shape = []
    for letter in weight_spec:
        size = in_dims.get(letter, out_dims.get(letter))
        if size is None:
            raise ValueError(f"Layer '{layer.name}' (EinsumDense): kernel dimension '{letter}' of equation "
                             f"{layer.equation!r} must be known from the input or output_shape; got input "
                             f"shape {input_shape}.")
        kernel_shape.append(size)
    bias_shape = None
    if bias_axes is not None:
        for letter in bias_axes:
            if letter not in out_letters:
                raise ValueError(f"EinsumDense: bias axis '{letter}' (bias_axes={bias_axes!r}) is not in "
                                 f"the output spec {out_letters!r}.")
        first = min(out_letters.index(c) for c in bias_axes)
        bias_shape = [out_dims[c] if c in bias_axes else 1 for c in out_letters[first:]]
        bias_shape += [1] * (n_elided if right else 0)
    body = tuple(out_dims[c] for c in out_letters)
    output_shape = (*elided, *body) if left else (*body, *elided)
    return tuple(kernel_shape), None if bias_shape is None else tuple(bias_shape), output_shape


@builtin("keras.layers")
class EinsumDense(_LoraMixin, Layer):
    """A dense layer of any rank, written as an einsum: `einsum(equation, inputs, kernel) + bias`.

    Args:
        equation: "input,kernel->output" letters, e.g. "abc,cd->abd"; "..." may start
            (or end) the input and output specs.
        output_shape: the output shape without the batch dimension and the "..." ones
            (an int for rank one); None entries are taken from the input.
        activation: the activation (None: linear).
        bias_axes: output letters the bias spans (None: no bias).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        kernel_constraint, bias_constraint: as in `Dense`.
        lora_rank, lora_alpha: LoRA, as in `Dense`.
        gptq_unpacked_column_size, quantization_config: must be None (no quantization yet).

    Example:
    >>> EinsumDense("abc,cd->abd", output_shape=(None, 8), bias_axes="d")(np.ones((2, 5, 3))).shape
    (2, 5, 8)
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 lora_alpha=None, gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(equation, str):
            raise TypeError(f"EinsumDense: equation must be a string; got equation={equation!r}.")
        if bias_axes is not None and not isinstance(bias_axes, str):
            raise TypeError(f"EinsumDense: bias_axes must be a string of output letters or None; got "
                            f"bias_axes={bias_axes!r}.")
        _check_lora("EinsumDense", lora_rank, lora_alpha)
        _check_quantization("EinsumDense", quantization_config,
                            gptq_unpacked_column_size=gptq_unpacked_column_size)
        if isinstance(output_shape, int) and not isinstance(output_shape, bool):
            output_shape = (output_shape,)
        if not isinstance(output_shape, (list, tuple)) or not all(
                d is None or (isinstance(d, int) and not isinstance(d, bool) and d > 0)
                for d in output_shape):
            raise ValueError(f"EinsumDense: output_shape must be a positive int or a tuple of positive ints "
                             f"and None; got output_shape={output_shape!r}.")
        self.equation = equation
        self.partial_output_shape = tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        self.gptq_unpacked_column_size = gptq_unpacked_column_size
        self.quantization_config = quantization_config
        if _EQUATION.match(equation.replace(" ", "")) is None:
            raise ValueError(f"EinsumDense: equation must look like 'ab,bc->ac' (input,kernel->output); "
                             f"got equation={equation!r}.")

    def build(self, input_shape):
        kernel_shape, bias_shape, output_shape = _einsum_shapes(self, input_shape, self.partial_output_shape,
                                                                self.bias_axes)
        self.full_output_shape = output_shape
        self._kernel = self.add_weight(name="kernel", shape=kernel_shape, initializer=self.kernel_initializer,
                                       regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = None
        if bias_shape is not None:
            self.bias = self.add_weight(name="bias", shape=bias_shape, initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        if self.lora_rank:
            self._add_lora(self.lora_rank, self.lora_alpha)

    @property
    def kernel(self):
        """The kernel as the layer uses it (with the LoRA update when enabled)."""
        return self._effective_weight()

    def call(self, inputs, training=None):
        x = knp.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            x = knp.add(x, self.bias)
        return self.activation(x)

    def compute_output_shape(self, input_shape):
        return _einsum_shapes(self, input_shape, self.partial_output_shape, self.bias_axes)[2]

    def get_config(self):
        config = {**super().get_config(), "output_shape": self.partial_output_shape,
                  "equation": self.equation, "activation": activations.serialize(self.activation),
                  "bias_axes": self.bias_axes,
                  "kernel_initializer": initializers.serialize(self.kernel_initializer),
                  "bias_initializer": initializers.serialize(self.bias_initializer),
                  "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                  "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                  "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                  "kernel_constraint": constraints.serialize(self.kernel_constraint),
                  "bias_constraint": constraints.serialize(self.bias_constraint),
                  "quantization_config": None}
        return self._lora_config(config)


# -- Embedding --------------------------------------------------------------------
@builtin("keras.layers")
class Embedding(_LoraMixin, Layer):
    """Map integer indices to dense vectors: row `i` of an `(input_dim, output_dim)` table.

    Args:
        input_dim: the vocabulary size (indices lie in `[0, input_dim)`).
        output_dim: the vector size.
        embeddings_initializer, embeddings_regularizer, embeddings_constraint: of the table.
        mask_zero: whether index 0 is padding; the output then carries a mask `inputs != 0`.
        weights: initial table values (an array, or a list holding one array).
        lora_rank, lora_alpha: LoRA, as in `Dense`.
        quantization_config: must be None (no quantization yet).

    Indices are never cast to the compute dtype (float16 could not represent large ones).

    Example:
    >>> Embedding(1000, 8)(np.array([[4, 20]])).shape
    (1, 2, 8)
    """

    _lora_weight = "embeddings"

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, weights=None, lora_rank=None, lora_alpha=None,
                 quantization_config=None, **kwargs):
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        for key, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"Embedding: {key} must be a positive integer; got {key}={value!r}.")
        _check_lora("Embedding", lora_rank, lora_alpha)
        _check_quantization("Embedding", quantization_config)
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False
        self.quantization_config = quantization_config
        if weights is not None:
            self.build()
            if not (isinstance(weights, list) and len(weights) == 1):
                weights = [weights]
            self.set_weights(weights)

    def build(self, input_shape=None):
        self._embeddings = self.add_weight(name="embeddings", shape=(self.input_dim, self.output_dim),
                                           initializer=self.embeddings_initializer,
                                           regularizer=self.embeddings_regularizer,
                                           constraint=self.embeddings_constraint)
        if self.lora_rank:
            self._add_lora(self.lora_rank, self.lora_alpha)

    @property
    def embeddings(self):
        """The table as the layer uses it (with the LoRA update when enabled)."""
        return self._effective_weight()

    def call(self, inputs):
        if not str(inputs.dtype).endswith(("int32", "int64")):
            inputs = kcore.cast(inputs, "int32")
        outputs = knp.take(self.embeddings, inputs, axis=0)
        return kcore.cast(outputs, self.compute_dtype)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return knp.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape), self.output_dim)

    def compute_output_spec(self, inputs):
        return KerasTensor((*inputs.shape, self.output_dim), self.compute_dtype)

    def get_config(self):
        config = {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                  "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                  "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                  "activity_regularizer": regularizers.serialize(self.activity_regularizer),
                  "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
                  "mask_zero": self.mask_zero, "quantization_config": None}
        return self._lora_config(config)
