"""Recurrent layers: the generic `RNN` wrapper, its cells and the fused layers built on them.

A *cell* is a layer that processes one timestep: `call(inputs, states, training)`
returns `(output, new_states)`; it declares `state_size` (an int, a tuple for a
non-vector state, or a list of those) and may define `output_size` and
`get_initial_state(batch_size)`. `RNN` runs any cell over the time axis with
`k_ops.core.scan`, so the loop compiles under `jax.jit` and `tf.function`;
`unroll=True` runs a Python loop instead (needs a known number of timesteps).

Masks follow Keras: at a masked timestep the states keep their previous values
and the output repeats the previous output (zeros with `zero_output_for_mask`).
With `go_backwards` the outputs come in processing order (the first output
belongs to the last timestep), as in Keras.

Dropout: one input mask and one recurrent mask are drawn per call (from the
cell's `SeedGenerator`) and shared by every timestep, before the loop starts.

Weights, their names, shapes, order and the configs are Keras 3's, so `.keras`
weights load as they are: LSTM gates are laid out i, f, c, o along the last axis,
GRU gates z, r, h, and a GRU with `reset_after=True` has a (2, 3 * units) bias
(input bias, recurrent bias).

`use_cudnn` (LSTM, GRU) is accepted for compatibility: kappa has no cuDNN kernel,
so "auto" and False always take the scan path, and True raises an error at call time.
"""

import numpy as np

from k_backends.seed import SeedGenerator
from k_backends.variables import Variable
from k_layers import activations, constraints, initializers, regularizers
from k_layers.layer import Layer
from k_layers.serialization import builtin, builtin_objects, deserialize_keras_object, serialize_keras_object
from k_ops import core as kcore
from k_ops import numpy as knp
from k_ops import random as krandom
from k_ops.symbolic import flatten

__all__ = ["RNN", "SimpleRNNCell", "SimpleRNN", "LSTMCell", "LSTM", "GRUCell", "GRU", "StackedRNNCells"]


# -- argument checks ----------------------------------------------------------------
def _check_units(units, layer):
    if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
        raise ValueError(f"{layer}: `units` must be a positive int; got units={units!r}.")
    return units


def _check_fraction(value, argument, layer):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"{layer}: `{argument}` must be a float between 0 and 1; got {argument}={value!r}.")
    return float(value)


def _check_seed(seed, layer):
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ValueError(f"{layer}: `seed` must be a non-negative int or None; got seed={seed!r}.")
    return seed


def _check_bool(value, argument, layer):
    if not isinstance(value, bool):
        raise ValueError(f"{layer}: `{argument}` must be True or False; got {argument}={value!r}.")
    return value


def _check_cudnn(use_cudnn, layer):
    if use_cudnn not in ("auto", True, False):
        raise ValueError(f"{layer}: `use_cudnn` must be 'auto', True or False; got use_cudnn={use_cudnn!r}.")
    return use_cudnn


# -- state structure ----------------------------------------------------------------
def _is_size(size):
    """One state's size: an int or a tuple of ints (e.g. (rows, cols, channels))."""
    if isinstance(size, int) and not isinstance(size, bool):
        return True
    return isinstance(size, tuple) and all(isinstance(d, int) and not isinstance(d, bool) for d in size)


def _flat_sizes(state_size):
    if _is_size(state_size):
        return [state_size]
    return [s for item in state_size for s in _flat_sizes(item)]


def _pack(state_size, leaves):
    """Rebuild the nested state structure of `state_size` from flat `leaves`."""
    leaves = iter(leaves)

    def pack(size):
        if _is_size(size):
            return next(leaves)
        return [pack(item) for item in size]

    return [pack(item) for item in _as_list(state_size)]


def _as_list(state_size):
    """The states a cell receives: an int or tuple size means one state in a list."""
    return [state_size] if _is_size(state_size) else list(state_size)


def _shape_of_size(size):
    return (size,) if isinstance(size, int) else tuple(size)


# -- dropout shared by the built-in cells --------------------------------------------
class _DropoutMixin:
    """Per-call dropout masks: drawn once before the time loop and reused at every step."""

    def _draw_mask(self, rate, batch_size, dim, dtype):
        if rate >= 1:
            return knp.zeros((batch_size, dim), dtype=dtype)
        ones = knp.ones((batch_size, dim), dtype=dtype)
        return krandom.dropout(ones, rate, seed=self.seed_generator)

    def _kappa_prepare_dropout(self, batch_size, input_dim, dtype, training):
        """Draw this call's masks (called by `RNN` outside the loop); returns the output size."""
        self._kappa_masks = self._make_masks(batch_size, input_dim, dtype, training)
        return self.units

    def _kappa_clear_dropout(self):
        self._kappa_masks = None

    def _make_masks(self, batch_size, input_dim, dtype, training):
        dp = rdp = None
        if training and self.dropout > 0:
            dp = self._draw_mask(self.dropout, batch_size, input_dim, dtype)
        if training and self.recurrent_dropout > 0:
            rdp = self._draw_mask(self.recurrent_dropout, batch_size, self.units, dtype)
        return dp, rdp

    def _masks_for(self, inputs, training):
        prepared = getattr(self, "_kappa_masks", None)
        if prepared is not None:
            return prepared
        if not training or (self.dropout == 0 and self.recurrent_dropout == 0):
            return None, None
        shape = kcore.shape(inputs)
        return self._make_masks(shape[0], shape[-1], inputs.dtype, training)

    def get_initial_state(self, batch_size=None):
        """Zero states, one per entry of `state_size`, in the compute dtype."""
        return [knp.zeros((batch_size, *_shape_of_size(size)), dtype=self.compute_dtype)
                for size in _as_list(self.state_size)]


def _cell_config_head(cell):
    config = Layer.get_config(cell)
    config.pop("activity_regularizer", None)
    return config


def _serialized(cell, names):
    """The cell's arguments as Keras writes them (initializers etc. serialized)."""
    result = {}
    for key in names:
        value = getattr(cell, key)
        if key.endswith("activation"):
            value = activations.serialize(value)
        elif key.endswith("initializer"):
            value = initializers.serialize(value)
        elif key.endswith("regularizer"):
            value = regularizers.serialize(value) if value is not None else None
        elif key.endswith("constraint"):
            value = constraints.serialize(value) if value is not None else None
        result[key] = value
    return result


class _CellBase(_DropoutMixin, Layer):
    """Arguments common to the built-in cells."""

    def _setup(self, units, activation, use_bias, kernel_initializer, recurrent_initializer,
               bias_initializer, kernel_regularizer, recurrent_regularizer, bias_regularizer,
               kernel_constraint, recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed,
               recurrent_activation=None):
        name = type(self).__name__
        self.units = _check_units(units, name)
        self.activation = activations.get(activation)
        if recurrent_activation is not None:
            self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = _check_bool(use_bias, "use_bias", name)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = _check_fraction(dropout, "dropout", name)
        self.recurrent_dropout = _check_fraction(recurrent_dropout, "recurrent_dropout", name)
        self.seed = _check_seed(seed, name)
        self.seed_generator = SeedGenerator(seed)
        self._kappa_masks = None

    def _add_kernels(self, input_dim, gates):
        self.kernel = self.add_weight(shape=(input_dim, gates * self.units), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, gates * self.units), name="recurrent_kernel",
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)

    def _add_bias(self, shape, initializer=None):
        self.bias = self.add_weight(shape=shape, name="bias",
                                    initializer=initializer or self.bias_initializer,
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def _input_dim(self, input_shape):
        if input_shape is None or len(input_shape) < 2 or input_shape[-1] is None:
            raise ValueError(f"{type(self).__name__} '{self.name}': expected inputs of shape "
                             f"(batch, features) with a known number of features; got "
                             f"input_shape={input_shape}.")
        return int(input_shape[-1])

    @property
    def output_size(self):
        return self.units


def _first_state(states):
    return _as_tensor(states[0] if isinstance(states, (list, tuple)) else states)


def _as_tensor(x):
    """NumPy states (a direct cell call) become tensors; tensors pass through."""
    return kcore.convert_to_tensor(x) if isinstance(x, np.ndarray) else x


# -- SimpleRNN ------------------------------------------------------------------------
@builtin("keras.layers")
class SimpleRNNCell(_CellBase):
    """One step of a fully connected RNN: `h = activation(x @ kernel + h_prev @ recurrent_kernel + bias)`.

    Args:
        units: the size of the output and of the state.
        activation: applied to the sum (default tanh).
        use_bias: whether to add a bias.
        kernel_initializer, recurrent_initializer, bias_initializer: initializers of the weights.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: their regularizers.
        kernel_constraint, recurrent_constraint, bias_constraint: their constraints.
        dropout: fraction of the inputs dropped (training only; one mask per sequence).
        recurrent_dropout: fraction of the previous state dropped before the recurrent product.
        seed: an int for reproducible dropout masks.

    Example:
    >>> RNN(SimpleRNNCell(4))(np.ones((2, 5, 3))).shape
    (2, 4)
    """

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self._setup(units, activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
                    kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
                    recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed)
        self.state_size = self.units

    def build(self, input_shape):
        self._add_kernels(self._input_dim(input_shape), 1)
        if self.use_bias:
            self._add_bias((self.units,))

    def call(self, sequence, states, training=False):
        prev = _first_state(states)
        dp, rdp = self._masks_for(sequence, training)
        if dp is not None:
            sequence = sequence * dp
        h = knp.matmul(sequence, self.kernel)
        if self.use_bias:
            h = h + self.bias
        if rdp is not None:
            prev = prev * rdp
        output = h + knp.matmul(prev, self.recurrent_kernel)
        if self.activation is not None:
            output = self.activation(output)
        new_state = [output] if isinstance(states, (list, tuple)) else output
        return output, new_state

    def get_config(self):
        return {**_cell_config_head(self), **_serialized(self, (
            "units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
            "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
            "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout",
            "seed"))}


# -- LSTM -----------------------------------------------------------------------------
class _UnitForgetBias:
    """The LSTM bias at creation: the bias initializer, with ones for the forget gate."""

    def __init__(self, initializer, units):
        self.initializer, self.units = initializer, units

    def __call__(self, shape, dtype=None):
        u = self.units
        return knp.concatenate([self.initializer((u,), dtype=dtype), knp.ones((u,), dtype=dtype),
                                self.initializer((2 * u,), dtype=dtype)])


@builtin("keras.layers")
class LSTMCell(_CellBase):
    """One step of a long short-term memory: gates i, f, o and a candidate c from `x` and `h`.

    `c = f * c_prev + i * activation(c_candidate)`, `h = o * activation(c)`; the gates
    use `recurrent_activation`. The kernels hold the four blocks in the order i, f, c, o.

    Args:
        units: the size of the output and of both states (h, c).
        activation: for the candidate and the output (default tanh).
        recurrent_activation: for the gates (default sigmoid).
        use_bias: whether to add a bias.
        unit_forget_bias: start the forget-gate bias at 1 (the others use `bias_initializer`).
        kernel_initializer, ..., bias_constraint: as in `SimpleRNNCell`.
        dropout, recurrent_dropout, seed: as in `SimpleRNNCell`.

    Example:
    >>> RNN(LSTMCell(4), return_state=True)(np.ones((2, 5, 3)))   # [output, h, c]
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, **kwargs):
        kwargs.pop("implementation", None)
        super().__init__(**kwargs)
        self._setup(units, activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
                    kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
                    recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed,
                    recurrent_activation=recurrent_activation)
        self.unit_forget_bias = _check_bool(unit_forget_bias, "unit_forget_bias", "LSTMCell")
        self.state_size = [self.units, self.units]

    def build(self, input_shape):
        self._add_kernels(self._input_dim(input_shape), 4)
        if self.use_bias:
            initializer = None
            if self.unit_forget_bias:
                initializer = _UnitForgetBias(self.bias_initializer, self.units)
            self._add_bias((4 * self.units,), initializer)

    def call(self, inputs, states, training=False):
        h_prev, c_prev = _as_tensor(states[0]), _as_tensor(states[1])
        dp, rdp = self._masks_for(inputs, training)
        if dp is not None:
            inputs = inputs * dp
        if rdp is not None:
            h_prev = h_prev * rdp
        z = knp.matmul(inputs, self.kernel) + knp.matmul(h_prev, self.recurrent_kernel)
        if self.use_bias:
            z = z + self.bias
        u = self.units
        i = self.recurrent_activation(z[:, :u])
        f = self.recurrent_activation(z[:, u:2 * u])
        c = f * c_prev + i * self.activation(z[:, 2 * u:3 * u])
        o = self.recurrent_activation(z[:, 3 * u:])
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self):
        return {**_cell_config_head(self), **_serialized(self, (
            "units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias",
            "kernel_initializer", "recurrent_initializer", "bias_initializer", "kernel_regularizer",
            "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
            "bias_constraint", "dropout", "recurrent_dropout", "seed"))}


# -- GRU ------------------------------------------------------------------------------
@builtin("keras.layers")
class GRUCell(_CellBase):
    """One step of a gated recurrent unit: update gate z, reset gate r, candidate hh.

    `h = z * h_prev + (1 - z) * hh`. With `reset_after=True` (Keras's default, the
    cuDNN-compatible form) the reset gate multiplies the recurrent product, and the
    bias has shape (2, 3 * units): input bias then recurrent bias; with False it
    multiplies `h_prev` before the product and the bias has shape (3 * units,).
    The kernels hold the blocks in the order z, r, h.

    Args:
        units, activation, recurrent_activation, use_bias, initializers, regularizers,
        constraints, dropout, recurrent_dropout, seed: as in `LSTMCell`.
        reset_after: where the reset gate applies (see above).

    Example:
    >>> RNN(GRUCell(4))(np.ones((2, 5, 3))).shape
    (2, 4)
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True, seed=None,
                 **kwargs):
        kwargs.pop("implementation", None)
        super().__init__(**kwargs)
        self._setup(units, activation, use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
                    kernel_regularizer, recurrent_regularizer, bias_regularizer, kernel_constraint,
                    recurrent_constraint, bias_constraint, dropout, recurrent_dropout, seed,
                    recurrent_activation=recurrent_activation)
        self.reset_after = _check_bool(reset_after, "reset_after", "GRUCell")
        self.state_size = self.units

    def build(self, input_shape):
        self._add_kernels(self._input_dim(input_shape), 3)
        if self.use_bias:
            self._add_bias((2, 3 * self.units) if self.reset_after else (3 * self.units,))

    def call(self, inputs, states, training=False):
        h_prev = _first_state(states)
        dp, rdp = self._masks_for(inputs, training)
        if dp is not None:
            inputs = inputs * dp
        h_rec = h_prev * rdp if rdp is not None else h_prev
        u = self.units
        x = knp.matmul(inputs, self.kernel)
        if self.use_bias:
            input_bias, recurrent_bias = (self.bias[0], self.bias[1]) if self.reset_after \
                else (self.bias, None)
            x = x + input_bias
        if self.reset_after:
            rec = knp.matmul(h_rec, self.recurrent_kernel)
            if self.use_bias:
                rec = rec + recurrent_bias
            z = self.recurrent_activation(x[:, :u] + rec[:, :u])
            r = self.recurrent_activation(x[:, u:2 * u] + rec[:, u:2 * u])
            hh = self.activation(x[:, 2 * u:] + r * rec[:, 2 * u:])
        else:
            rec = knp.matmul(h_rec, self.recurrent_kernel[:, :2 * u])
            z = self.recurrent_activation(x[:, :u] + rec[:, :u])
            r = self.recurrent_activation(x[:, u:2 * u] + rec[:, u:])
            hh = self.activation(x[:, 2 * u:] + knp.matmul(r * h_rec, self.recurrent_kernel[:, 2 * u:]))
        h = z * h_prev + (1 - z) * hh
        new_state = [h] if isinstance(states, (list, tuple)) else h
        return h, new_state

    def get_config(self):
        return {**_cell_config_head(self), **_serialized(self, (
            "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
            "recurrent_initializer", "bias_initializer", "kernel_regularizer", "recurrent_regularizer",
            "bias_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
            "recurrent_dropout", "reset_after", "seed"))}


# -- StackedRNNCells --------------------------------------------------------------------
def _check_cell(cell, where):
    if not isinstance(cell, Layer) or not hasattr(cell, "state_size") or \
            not callable(getattr(cell, "call", None)):
        raise ValueError(f"{where}: a cell must be a Layer with a `state_size` attribute and "
                         f"`call(inputs, states)`; got {cell!r}.")
    return cell


def _cell_output_size(cell):
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    return _flat_sizes(cell.state_size)[0]


@builtin("keras.layers")
class StackedRNNCells(Layer):
    """Several cells run one after the other at each timestep, as one cell.

    Each cell's output is the next one's input; the states are a list with one
    entry per cell (each in that cell's own structure).

    Args:
        cells: a list of cells.

    Example:
    >>> RNN(StackedRNNCells([LSTMCell(8), GRUCell(4)]))(np.ones((2, 5, 3))).shape
    (2, 4)
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(cells, (list, tuple)) or not cells:
            raise ValueError("StackedRNNCells: `cells` must be a non-empty list of cells; "
                             f"got cells={cells!r}.")
        self.cells = [_check_cell(c, "StackedRNNCells") for c in cells]

    @property
    def state_size(self):
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        return _cell_output_size(self.cells[-1])

    def get_initial_state(self, batch_size=None):
        states = []
        for cell in self.cells:
            if hasattr(cell, "get_initial_state"):
                value = cell.get_initial_state(batch_size=batch_size)
            else:
                value = [knp.zeros((batch_size, *_shape_of_size(s)), dtype=self.compute_dtype)
                         for s in _as_list(cell.state_size)]
            states.append(value[0] if _is_size(cell.state_size) and isinstance(value, list) else value)
        return states

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            if not cell.built:
                cell.build(shape)
            shape = (shape[0], *_shape_of_size(_cell_output_size(cell)))

    def call(self, inputs, states, training=False, **kwargs):
        new_states = []
        for cell, state in zip(self.cells, states, strict=True):
            state_is_list = isinstance(state, (list, tuple))
            cell_states = list(state) if state_is_list else [state]
            inputs, out_states = cell(inputs, cell_states, training=training, **kwargs)
            out_states = list(out_states) if isinstance(out_states, (list, tuple)) else [out_states]
            new_states.append(out_states if state_is_list else out_states[0])
        return inputs, new_states

    def _kappa_prepare_dropout(self, batch_size, input_dim, dtype, training):
        dim = input_dim
        for cell in self.cells:
            prepare = getattr(cell, "_kappa_prepare_dropout", None)
            if prepare is not None:
                prepare(batch_size, dim, dtype, training)
            dim = _cell_output_size(cell)
        return dim

    def _kappa_clear_dropout(self):
        for cell in self.cells:
            clear = getattr(cell, "_kappa_clear_dropout", None)
            if clear is not None:
                clear()

    def get_config(self):
        return {**super().get_config(), "cells": [serialize_keras_object(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cells = [deserialize_keras_object(c, custom_objects=custom_objects,
                                          module_objects=builtin_objects("keras.layers"))
                 for c in config.pop("cells")]
        return super().from_config({**config, "cells": cells})


# -- RNN --------------------------------------------------------------------------------
@builtin("keras.layers")
class RNN(Layer):
    """Run a cell over the time axis of `(batch, timesteps, features)` inputs.

    Args:
        cell: a cell (see the module docstring) or a list of cells (stacked).
        return_sequences: return every timestep's output (batch, timesteps, units)
            rather than the last one.
        return_state: also return the final states: `[output, *states]`.
        go_backwards: process the sequence from the end (outputs in processing order).
        stateful: keep the final states of a batch as the initial states of the next
            (needs a fixed batch size; `reset_states()` zeroes them).
        unroll: a Python loop over the timesteps instead of `scan`.
        zero_output_for_mask: masked timesteps output zeros instead of the previous output.

    Call arguments:
        sequences: the inputs. initial_state: a list of initial states (the cell's
        structure or flat). mask: (batch, timesteps) booleans, False = skip the step.
        training: enables dropout.

    Example:
    >>> RNN(LSTMCell(4), return_sequences=True)(np.ones((2, 5, 3))).shape
    (2, 5, 4)
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, zero_output_for_mask=False, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        self.cell = _check_cell(cell, name)
        self.return_sequences = _check_bool(return_sequences, "return_sequences", name)
        self.return_state = _check_bool(return_state, "return_state", name)
        self.go_backwards = _check_bool(go_backwards, "go_backwards", name)
        self.stateful = _check_bool(stateful, "stateful", name)
        self.unroll = _check_bool(unroll, "unroll", name)
        self.zero_output_for_mask = _check_bool(zero_output_for_mask, "zero_output_for_mask", name)
        self.supports_masking = True
        self._kappa_states = None

    # -- states ------------------------------------------------------------------------
    @property
    def states(self):
        """The stored states of a stateful layer (Variables), else None."""
        return self._kappa_states

    def get_initial_state(self, batch_size):
        """The states a sequence starts from (zeros unless the cell says otherwise)."""
        if hasattr(self.cell, "get_initial_state"):
            states = self.cell.get_initial_state(batch_size=batch_size)
            if not isinstance(states, (list, tuple)):
                states = [states]
            return list(states)
        return [knp.zeros((batch_size, *_shape_of_size(s)), dtype=self.compute_dtype)
                for s in _flat_sizes(self.cell.state_size)]

    def reset_states(self):
        """Zero the stored states of a stateful layer."""
        if self._kappa_states is None:
            return
        for variable in self._kappa_states:
            variable.assign(knp.zeros(variable.shape, dtype=variable.dtype))

    def reset_state(self):
        """The same as `reset_states()`."""
        self.reset_states()

    # -- building -----------------------------------------------------------------------
    def _check_sequences_shape(self, shape):
        if shape is None or len(shape) < 3:
            raise ValueError(f"{type(self).__name__} '{self.name}': expected inputs of shape "
                             f"(batch, timesteps, features...); got shape {shape}.")

    def build(self, sequences_shape, initial_state_shape=None):
        shape = tuple(sequences_shape)
        self._check_sequences_shape(shape)
        if not self.cell.built:
            self.cell.build((shape[0], *shape[2:]))
        if self.stateful:
            if shape[0] is None:
                raise ValueError(f"{type(self).__name__} '{self.name}': a stateful RNN needs a fixed batch "
                                 "size; give the Input a batch_size (or call the layer on data).")
            self._kappa_states = [
                Variable(knp.zeros((shape[0], *_shape_of_size(s)), dtype=self.compute_dtype),
                         trainable=False, autocast=False, name="rnn_state")
                for s in _flat_sizes(self.cell.state_size)]

    # -- calling ------------------------------------------------------------------------
    def call(self, sequences, initial_state=None, mask=None, training=False):
        self._check_sequences_shape(tuple(sequences.shape))
        batch = kcore.shape(sequences)[0]
        sizes = _flat_sizes(self.cell.state_size)
        if initial_state is not None:
            leaves = flatten(initial_state if isinstance(initial_state, (list, tuple)) else [initial_state])
            if len(leaves) != len(sizes):
                raise ValueError(f"{type(self).__name__} '{self.name}': the cell has {len(sizes)} states "
                                 f"(state_size={self.cell.state_size}); initial_state has {len(leaves)}.")
            leaves = [kcore.cast(s, self.compute_dtype) for s in leaves]
        elif self.stateful:
            leaves = [kcore.cast(v.value, self.compute_dtype) for v in self._kappa_states]
        else:
            leaves = flatten(self.get_initial_state(batch))
        last, outputs, states = self._loop(sequences, leaves, mask, training)
        if self.stateful:
            for variable, value in zip(self._kappa_states, states, strict=True):
                variable.assign(kcore.cast(value, variable.dtype))
        output = outputs if self.return_sequences else last
        if self.return_state:
            return [output, *_pack(self.cell.state_size, states)]
        return output

    def _loop(self, sequences, leaves, mask, training):
        """(last output, all outputs or None, final flat states), via scan or a Python loop."""
        cell, state_size = self.cell, self.cell.state_size
        use_structure = not _is_size(state_size)
        xs = knp.moveaxis(sequences, 1, 0)
        if mask is not None:
            mask = kcore.cast(mask, "bool")
            if len(mask.shape) > 2:   # a per-feature mask: a step counts when any entry does
                mask = knp.any(knp.reshape(mask, (*mask.shape[:2], -1)), axis=-1)
            mask = knp.moveaxis(mask, 1, 0)
        if self.go_backwards:
            xs = knp.flip(xs, axis=0)
            mask = None if mask is None else knp.flip(mask, axis=0)

        prepare = getattr(cell, "_kappa_prepare_dropout", None)
        if prepare is not None:
            prepare(kcore.shape(sequences)[0], sequences.shape[-1], sequences.dtype, training)

        first = leaves[0]
        out_size = _cell_output_size(cell)
        prev0 = knp.zeros((kcore.shape(first)[0], *_shape_of_size(out_size)), dtype=self.compute_dtype) \
            if out_size is not None else knp.zeros_like(first)
        keep_sequences = self.return_sequences

        def step(carry, x):
            states, prev = carry
            x_t, m_t = x if mask is not None else (x, None)
            packed = _pack(state_size, states) if use_structure else [states[0]]
            output, new = cell(x_t, packed, training=training)
            new = flatten(new if isinstance(new, (list, tuple)) else [new])
            new = [kcore.cast(n, s.dtype) for n, s in zip(new, states, strict=True)]
            output = kcore.cast(output, prev.dtype)
            if m_t is not None:
                new = [knp.where(_expand(m_t, n), n, s) for n, s in zip(new, states, strict=True)]
                fill = knp.zeros_like(output) if self.zero_output_for_mask else prev
                output = knp.where(_expand(m_t, output), output, fill)
            return (new, output), (output if keep_sequences else None)

        scanned = xs if mask is None else (xs, mask)
        try:
            if self.unroll:
                steps = sequences.shape[1]
                if steps is None:
                    raise ValueError(f"{type(self).__name__} '{self.name}': unroll=True needs a known number "
                                     "of timesteps.")
                carry, ys = (list(leaves), prev0), []
                for t in range(steps):
                    x = (xs[t], mask[t]) if mask is not None else xs[t]
                    carry, y = step(carry, x)
                    ys.append(y)
                outputs = knp.stack(ys, axis=0) if keep_sequences else None
            else:
                carry, outputs = kcore.scan(step, (list(leaves), prev0), scanned)
        finally:
            clear = getattr(cell, "_kappa_clear_dropout", None)
            if clear is not None:
                clear()
        states, last = carry
        if outputs is not None:
            outputs = knp.moveaxis(outputs, 0, 1)
        return last, outputs, list(states)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shape = tuple(sequences_shape)
        batch, steps = shape[0], shape[1]
        out = _shape_of_size(_cell_output_size(self.cell))
        output_shape = (batch, steps, *out) if self.return_sequences else (batch, *out)
        if not self.return_state:
            return output_shape
        states = _pack(self.cell.state_size,
                       [(batch, *_shape_of_size(s)) for s in _flat_sizes(self.cell.state_size)])
        return [output_shape, *states]

    def compute_mask(self, inputs, previous_mask):
        output_mask = previous_mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(_flat_sizes(self.cell.state_size))
        return output_mask

    # -- configuration ------------------------------------------------------------------
    def _rnn_config(self):
        config = Layer.get_config(self)
        config.pop("activity_regularizer", None)
        config.update({"return_sequences": self.return_sequences, "return_state": self.return_state,
                       "go_backwards": self.go_backwards, "stateful": self.stateful, "unroll": self.unroll,
                       "zero_output_for_mask": self.zero_output_for_mask})
        return config

    def get_config(self):
        config = self._rnn_config()
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        config["cell"] = serialize_keras_object(self.cell)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cell = deserialize_keras_object(config.pop("cell"), custom_objects=custom_objects,
                                        module_objects=builtin_objects("keras.layers"))
        return super().from_config({**config, "cell": cell})


def _expand(m_t, like):
    """A (batch,) step mask shaped to broadcast against `like`."""
    return knp.reshape(m_t, (-1, *([1] * (len(like.shape) - 1))))


# -- the fused layers ------------------------------------------------------------------
class _FusedRNN(RNN):
    """SimpleRNN / LSTM / GRU: an RNN whose cell is built from the layer's own arguments."""

    _cell_class = None
    _cell_name = None
    _cell_keys = ()

    def _init_fused(self, cell_args, rnn_args, kwargs):
        cell = self._cell_class(**cell_args, name=self._cell_name, dtype=kwargs.get("dtype"),
                                trainable=kwargs.get("trainable", True))
        super().__init__(cell, **rnn_args, **kwargs)

    def __getattr__(self, name):
        # units, activation, dropout... are the cell's (as Keras's properties read them)
        if name in type(self)._cell_keys and "cell" in self.__dict__:
            return getattr(self.__dict__["cell"], name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _check_cudnn_call(self):
        if getattr(self, "use_cudnn", "auto") is True:
            raise ValueError(f"{type(self).__name__} '{self.name}': use_cudnn=True, but kappa has no cuDNN "
                             "kernel on any backend; use use_cudnn='auto' (the scan path) instead.")

    def call(self, sequences, initial_state=None, mask=None, training=False):
        self._check_cudnn_call()
        return super().call(sequences, initial_state=initial_state, mask=mask, training=training)

    def get_config(self):
        config = self._rnn_config()
        cell = _serialized(self.cell, [k for k in self._cell_keys if k != "activity_regularizer"])
        for key in self._cell_keys:
            if key == "activity_regularizer":
                config[key] = regularizers.serialize(self.activity_regularizer) \
                    if self.activity_regularizer is not None else None
            else:
                config[key] = cell[key]
        return config

    @classmethod
    def from_config(cls, config):
        return Layer.from_config.__func__(cls, config)


_COMMON_HEAD = ("units", "activation")
_INIT_KEYS = ("kernel_initializer", "recurrent_initializer", "bias_initializer")
_TAIL = ("kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
         "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout")


@builtin("keras.layers")
class SimpleRNN(_FusedRNN):
    """A fully connected RNN layer: `RNN(SimpleRNNCell(...))` with the cell's arguments.

    Arguments are those of `SimpleRNNCell` and `RNN`.

    Example:
    >>> SimpleRNN(4, return_sequences=True)(np.ones((2, 5, 3))).shape
    (2, 5, 4)
    """

    _cell_class = SimpleRNNCell
    _cell_name = "simple_rnn_cell"
    _cell_keys = (*_COMMON_HEAD, "use_bias", *_INIT_KEYS, *_TAIL)

    def __init__(self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, seed=None, **kwargs):
        cell_args = dict(units=units, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                         kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout,
                         recurrent_dropout=recurrent_dropout, seed=seed)
        rnn_args = dict(return_sequences=return_sequences, return_state=return_state,
                        go_backwards=go_backwards, stateful=stateful, unroll=unroll)
        self._init_fused(cell_args, rnn_args, {**kwargs, "activity_regularizer": activity_regularizer})


@builtin("keras.layers")
class LSTM(_FusedRNN):
    """Long short-term memory layer: `RNN(LSTMCell(...))` with the cell's arguments.

    Arguments are those of `LSTMCell` and `RNN`, plus `use_cudnn` (accepted for
    compatibility: 'auto' and False take the scan path; True raises, kappa has no cuDNN kernel).

    Example:
    >>> output, h, c = LSTM(4, return_state=True)(np.ones((2, 5, 3)))
    """

    _cell_class = LSTMCell
    _cell_name = "lstm_cell"
    _cell_keys = (*_COMMON_HEAD, "recurrent_activation", "use_bias", *_INIT_KEYS, "unit_forget_bias", *_TAIL,
                  "seed")

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, use_cudnn="auto", **kwargs):
        kwargs.pop("implementation", None)
        cell_args = dict(units=units, activation=activation, recurrent_activation=recurrent_activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                         unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
                         recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
                         kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
                         bias_constraint=bias_constraint, dropout=dropout,
                         recurrent_dropout=recurrent_dropout, seed=seed)
        rnn_args = dict(return_sequences=return_sequences, return_state=return_state,
                        go_backwards=go_backwards, stateful=stateful, unroll=unroll)
        self._init_fused(cell_args, rnn_args, {**kwargs, "activity_regularizer": activity_regularizer})
        self.use_cudnn = _check_cudnn(use_cudnn, "LSTM")


@builtin("keras.layers")
class GRU(_FusedRNN):
    """Gated recurrent unit layer: `RNN(GRUCell(...))` with the cell's arguments.

    Arguments are those of `GRUCell` and `RNN`, plus `use_cudnn` (accepted for
    compatibility: 'auto' and False take the scan path; True raises, kappa has no cuDNN kernel).

    Example:
    >>> GRU(4, reset_after=False)(np.ones((2, 5, 3))).shape
    (2, 4)
    """

    _cell_class = GRUCell
    _cell_name = "gru_cell"
    _cell_keys = (*_COMMON_HEAD, "recurrent_activation", "use_bias", *_INIT_KEYS, *_TAIL, "reset_after",
                  "seed")

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
                 seed=None, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False,                  reset_after=True, use_cudnn="auto", **kwargs):
        kwargs.pop("implementation", None)
        cell_args = dict(units=units, activation=activation, recurrent_activation=recurrent_activation,
                         use_bias=use_bias, kernel_initializer=kernel_initializer,
                         recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
                         bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                         recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                         dropout=dropout, recurrent_dropout=recurrent_dropout, reset_after=reset_after,
                         seed=seed)
        rnn_args = dict(return_sequences=return_sequences, return_state=return_state,
                        go_backwards=go_backwards, stateful=stateful, unroll=unroll)
        self._init_fused(cell_args, rnn_args, {**kwargs, "activity_regularizer": activity_regularizer})
        self.use_cudnn = _check_cudnn(use_cudnn, "GRU")
