"""Convolutional LSTM layers (ConvLSTM1D/2D/3D): an LSTM whose gates are convolutions.

Each step computes the four gates (input, forget, candidate, output) as
`conv(x_t, kernel) + conv(h_{t-1}, recurrent_kernel) + bias`; the recurrent convolution
uses stride 1 and 'same' padding so the state keeps the output's spatial shape. Weights
live on a sub-layer named "conv_lstm_cell" (kernel, recurrent_kernel, bias) with Keras 3's
layouts: kernel (spatial..., in, 4 * filters), recurrent_kernel (spatial..., filters,
4 * filters), bias (4 * filters,), gates in the order i, f, c, o. The recurrence is a
`k_ops.core.scan` (a Python loop with unroll=True).
"""


from k_backends import config as k_config
from k_backends.seed import SeedGenerator
from k_layers import activations, constraints, initializers, regularizers
from k_layers.input_spec import InputSpec
from k_layers.layer import Layer
from k_layers.serialization import builtin
from k_ops import core as k_core
from k_ops import nn as k_nn
from k_ops import numpy as knp
from k_ops import random as k_random

__all__ = ["ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]


def _ints(value, rank, name, layer):
    values = (value,) * rank if isinstance(value, int) and not isinstance(value, bool) else value
    try:
        values = tuple(values)
        ok = len(values) == rank and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1
                                         for v in values)
    except TypeError:
        ok = False
    if not ok:
        raise ValueError(f"{layer}: `{name}` must be an int or a tuple of {rank} ints, each >= 1; "
                         f"got {name}={value!r}.")
    return values


def _conv_length(size, kernel, stride, dilation, padding):
    if size is None:
        return None
    if padding == "same":
        return -(-size // stride)
    span = (kernel - 1) * dilation + 1
    return max(0, -(-(size - span + 1) // stride))


class _ConvLSTMCell(Layer):
    """Holds the weights of one ConvLSTM layer (named as Keras's cell, so weight paths match)."""

    def __init__(self, owner, seed=None, **kwargs):
        super().__init__(name="conv_lstm_cell", **kwargs)
        self._kappa_owner = owner
        self.seed_generator = SeedGenerator(seed)

    def build(self, input_shape):
        o = self._kappa_owner
        channel_axis = -1 if o.data_format == "channels_last" else 0
        channels = input_shape[channel_axis]
        self.kernel = self.add_weight(shape=(*o.kernel_size, channels, 4 * o.filters), name="kernel",
                                      initializer=o.kernel_initializer, regularizer=o.kernel_regularizer,
                                      constraint=o.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=(*o.kernel_size, o.filters, 4 * o.filters), name="recurrent_kernel",
            initializer=o.recurrent_initializer, regularizer=o.recurrent_regularizer,
            constraint=o.recurrent_constraint)
        if o.use_bias:
            if o.unit_forget_bias:
                base, filters = o.bias_initializer, o.filters

                def bias_initializer(shape, dtype=None):
                    return knp.concatenate([base((filters,), dtype=dtype),
                                            initializers.get("ones")((filters,), dtype=dtype),
                                            base((2 * filters,), dtype=dtype)])
            else:
                bias_initializer = o.bias_initializer
            self.bias = self.add_weight(shape=(4 * o.filters,), name="bias", initializer=bias_initializer,
                                        regularizer=o.bias_regularizer, constraint=o.bias_constraint)
        else:
            self.bias = None


class _ConvLSTM(Layer):
    """The shared ConvLSTM layer over `rank` spatial dimensions."""

    rank = None

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        unroll = kwargs.pop("unroll", False)
        zero_output_for_mask = kwargs.pop("zero_output_for_mask", False)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        who = f"{type(self).__name__} '{self.name}'"
        if isinstance(filters, bool) or not isinstance(filters, int) or filters <= 0:
            raise ValueError(f"{who}: `filters` must be a positive int; got filters={filters!r}.")
        rank = self.rank
        self.filters = filters
        self.kernel_size = _ints(kernel_size, rank, "kernel_size", who)
        self.strides = _ints(strides, rank, "strides", who)
        self.dilation_rate = _ints(dilation_rate, rank, "dilation_rate", who)
        padding_name = padding.lower() if isinstance(padding, str) else padding
        if padding_name not in ("valid", "same"):
            raise ValueError(f"{who}: `padding` must be 'valid' or 'same'; got padding={padding!r}.")
        self.padding = padding_name
        if data_format is None:
            data_format = k_config.image_data_format()
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"{who}: `data_format` must be 'channels_last' or 'channels_first'; got "
                             f"data_format={data_format!r}.")
        self.data_format = data_format
        for name, value in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise ValueError(f"{who}: `{name}` must be a float in [0, 1]; got {name}={value!r}.")
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = min(1.0, max(0.0, float(dropout)))
        self.recurrent_dropout = min(1.0, max(0.0, float(recurrent_dropout)))
        self.seed = seed
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.cell = _ConvLSTMCell(self, seed=seed, dtype=self.dtype_policy)
        self._kappa_states = None
        self.input_spec = InputSpec(ndim=rank + 3)
        self.supports_masking = True

    # -- shapes -------------------------------------------------------------------
    def _state_shape(self, input_shape):
        """(batch, spatial..., filters) (or channels first) of h and c, from the sequence shape."""
        if self.data_format == "channels_last":
            spatial = input_shape[2:-1]
        else:
            spatial = input_shape[3:]
        out = tuple(_conv_length(n, k, s, d, self.padding) for n, k, s, d in
                    zip(spatial, self.kernel_size, self.strides, self.dilation_rate, strict=True))
        if self.data_format == "channels_last":
            return (input_shape[0], *out, self.filters)
        return (input_shape[0], self.filters, *out)

    def build(self, sequences_shape, initial_state_shape=None):
        sequences_shape = tuple(sequences_shape)
        if len(sequences_shape) != self.rank + 3:
            raise ValueError(f"{type(self).__name__} '{self.name}': expects inputs of rank {self.rank + 3} "
                             f"(batch, time, spatial..., channels); got shape {sequences_shape}.")
        channel = sequences_shape[-1] if self.data_format == "channels_last" else sequences_shape[2]
        if channel is None:
            raise ValueError(f"{type(self).__name__} '{self.name}': the channel dimension of the inputs "
                             f"must be known; got shape {sequences_shape}.")
        self.cell.build(sequences_shape[2:])
        if self.stateful:
            if sequences_shape[0] is None:
                raise ValueError(f"{type(self).__name__} '{self.name}': a stateful layer needs a fixed "
                                 "batch size (pass batch_size to Input or call it on data).")
            self.reset_states(sequences_shape)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        sequences_shape = tuple(sequences_shape)
        state = self._state_shape(sequences_shape)
        output = (state[0], sequences_shape[1], *state[1:]) if self.return_sequences else state
        if self.return_state:
            return (output, state, state)
        return output

    def compute_mask(self, inputs, previous_mask):
        if isinstance(previous_mask, (list, tuple)):
            previous_mask = previous_mask[0]
        output_mask = previous_mask if self.return_sequences else None
        if self.return_state:
            return [output_mask, None, None]
        return output_mask

    # -- state --------------------------------------------------------------------
    def reset_states(self, sequences_shape=None):
        """Zero the carried states of a stateful layer."""
        if sequences_shape is None:
            sequences_shape = getattr(self, "_kappa_sequence_shape", None)
        if sequences_shape is None:
            return
        self._kappa_sequence_shape = tuple(sequences_shape)
        shape = self._state_shape(tuple(sequences_shape))
        self._kappa_states = [knp.zeros(shape, dtype=self.compute_dtype) for _ in range(2)]

    reset_state = reset_states

    @property
    def states(self):
        return self._kappa_states

    # -- computation --------------------------------------------------------------
    def _zero_state(self, sequences):
        static = tuple(sequences.shape)
        shape = list(self._state_shape(static))
        shape[0] = k_core.shape(sequences)[0] if static[0] is None else static[0]
        return knp.zeros(tuple(shape), dtype=sequences.dtype)

    def _bias_shape(self):
        if self.data_format == "channels_last":
            return (self.filters,)
        return (self.filters,) + (1,) * self.rank

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if initial_state is not None:
            if not isinstance(initial_state, (list, tuple)) or len(initial_state) != 2:
                raise ValueError(f"{type(self).__name__} '{self.name}': initial_state must be a list of 2 "
                                 f"tensors [h, c]; got {initial_state!r}.")
            h0, c0 = (k_core.cast(s, sequences.dtype) for s in initial_state)
        elif self.stateful and self._kappa_states is not None:
            h0, c0 = (k_core.cast(s, sequences.dtype) for s in self._kappa_states)
        else:
            h0 = self._zero_state(sequences)
            c0 = h0
        if mask is not None and isinstance(mask, (list, tuple)):
            mask = mask[0]

        cell = self.cell
        kernels = knp.split(cell.kernel, 4, axis=-1)
        recurrent_kernels = knp.split(cell.recurrent_kernel, 4, axis=-1)
        biases = knp.split(cell.bias, 4) if self.use_bias else [None] * 4
        biases = [None if b is None else knp.reshape(b, self._bias_shape()) for b in biases]

        input_keep = recurrent_keep = None
        if training and 0.0 < self.dropout < 1.0:
            input_keep = k_random.dropout(knp.ones_like(sequences[:, 0]), self.dropout,
                                          seed=cell.seed_generator)
        if training and 0.0 < self.recurrent_dropout < 1.0:
            recurrent_keep = k_random.dropout(knp.ones_like(h0), self.recurrent_dropout,
                                              seed=cell.seed_generator)

        def gates(x, h):
            if input_keep is not None:
                x = x * input_keep
            if recurrent_keep is not None:
                h = h * recurrent_keep
            parts = []
            for k, rk, b in zip(kernels, recurrent_kernels, biases, strict=True):
                z = k_nn.conv(x, k, self.strides, self.padding, self.data_format, self.dilation_rate)
                if b is not None:
                    z = z + b
                parts.append(z + k_nn.conv(h, rk, 1, "same", self.data_format))
            return parts

        def step(carry, inputs):
            h, c, previous = carry
            x, m = inputs
            zi, zf, zc, zo = gates(x, h)
            i = self.recurrent_activation(zi)
            f = self.recurrent_activation(zf)
            c_new = f * c + i * self.activation(zc)
            o = self.recurrent_activation(zo)
            h_new = o * self.activation(c_new)
            if m is not None:
                keep = knp.reshape(m, (-1,) + (1,) * (self.rank + 1))
                h_new = knp.where(keep, h_new, h)
                c_new = knp.where(keep, c_new, c)
                output = knp.where(keep, h_new, knp.zeros_like(h_new) if self.zero_output_for_mask
                                   else previous)
            else:
                output = h_new
            return (h_new, c_new, output), output

        xs = knp.moveaxis(sequences, 1, 0)
        ms = None if mask is None else knp.moveaxis(k_core.cast(mask, "bool"), 1, 0)
        if self.go_backwards:
            xs = knp.flip(xs, 0)
            ms = None if ms is None else knp.flip(ms, 0)
        carry = (h0, c0, h0)
        if self.unroll:
            outputs = []
            for t in range(xs.shape[0]):
                carry, y = step(carry, (xs[t], None if ms is None else ms[t]))
                outputs.append(y)
            ys = knp.stack(outputs)
        elif ms is None:
            carry, ys = k_core.scan(lambda cr, x: step(cr, (x, None)), carry, xs)
        else:
            carry, ys = k_core.scan(step, carry, (xs, ms))
        h, c, last = carry
        if self.stateful:
            self._kappa_states = [h, c]
        output = knp.moveaxis(ys, 0, 1) if self.return_sequences else last
        if self.return_state:
            return [output, h, c]
        return output

    # -- configuration ------------------------------------------------------------
    def get_config(self):
        base = super().get_config()
        base.pop("activity_regularizer", None)
        return {
            **base,
            "return_sequences": self.return_sequences, "return_state": self.return_state,
            "go_backwards": self.go_backwards, "stateful": self.stateful, "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
            "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "data_format": self.data_format, "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "unit_forget_bias": self.unit_forget_bias,
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout, "seed": self.seed,
        }


@builtin("keras.layers")
class ConvLSTM1D(_ConvLSTM):
    """A convolutional LSTM over sequences of 1D feature maps, (batch, time, steps, channels).

    Example:
    >>> kappa.layers.ConvLSTM1D(4, 3, padding="same")(np.ones((2, 5, 8, 3))).shape
    (2, 8, 4)
    """

    rank = 1


@builtin("keras.layers")
class ConvLSTM2D(_ConvLSTM):
    """A convolutional LSTM over sequences of images, (batch, time, rows, cols, channels).

    Example:
    >>> kappa.layers.ConvLSTM2D(4, 3, return_sequences=True)(np.ones((2, 5, 8, 8, 3))).shape
    (2, 5, 6, 6, 4)
    """

    rank = 2


@builtin("keras.layers")
class ConvLSTM3D(_ConvLSTM):
    """A convolutional LSTM over sequences of volumes, (batch, time, d1, d2, d3, channels).

    Example:
    >>> kappa.layers.ConvLSTM3D(2, 2)(np.ones((1, 3, 4, 4, 4, 1))).shape
    (1, 3, 3, 3, 2)
    """

    rank = 3
