"""Merging layers: combine a list of tensors into one (sum, product, concatenation, dot product...).

Elementwise merges broadcast the non-batch dimensions (right-aligned, sizes 1 stretch); an input of
lower rank gets size-1 axes inserted after the batch axis. Masks: the output mask is the OR of the
input masks (None when any input has none); `Multiply`, `Maximum` and `Minimum` also keep masked
positions of one input from changing the result, as Keras does.
"""

from k_layers.layer import Layer, get_mask
from k_layers.serialization import builtin
from k_ops import core as _core
from k_ops import nn as _nn
from k_ops import numpy as knp

__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
           "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot"]

_NS = "keras.layers"


def _is_shape(s):
    return isinstance(s, (list, tuple)) and all(d is None or isinstance(d, int) for d in s)


def _check_shape_list(layer, input_shape, what="a list of inputs"):
    if not isinstance(input_shape, (list, tuple)) or not input_shape or \
            not all(s is None or _is_shape(s) for s in input_shape) or _is_shape(input_shape):
        raise ValueError(f"Layer '{layer.name}' ({type(layer).__name__}) should be called on {what}; "
                         f"got input_shape={input_shape}.")


class _Merge(Layer):
    """Shared machinery of the elementwise merges (not public: Keras does not export it)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _broadcast(self, shape1, shape2):
        """Right-aligned broadcast of two non-batch shapes (None: unknown)."""
        if shape1 is None or shape2 is None:
            return None
        if len(shape1) < len(shape2):
            shape1, shape2 = shape2, shape1
        if not shape2:
            return tuple(shape1)
        out = list(shape1[:len(shape1) - len(shape2)])
        for i, j in zip(shape1[len(shape1) - len(shape2):], shape2, strict=True):
            if i is None or j is None:
                out.append(None)
            elif i == 1 or j == 1:
                out.append(j if i == 1 else i)
            elif i != j:
                raise ValueError(f"Layer '{self.name}' ({type(self).__name__}): inputs have incompatible "
                                 f"shapes {tuple(shape1)} and {tuple(shape2)} (batch axis excluded).")
            else:
                out.append(i)
        return tuple(out)

    def _output_shape(self, input_shape):
        _check_shape_list(self, input_shape)
        batch_sizes = {s[0] for s in input_shape if s} - {None}
        if len(batch_sizes) > 1:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) cannot merge tensors with "
                             f"different batch sizes; got input shapes {list(input_shape)}.")
        out = None if input_shape[0] is None else tuple(input_shape[0][1:])
        for shape in input_shape[1:]:
            out = self._broadcast(out, None if shape is None else tuple(shape[1:]))
        if out is None:
            return None
        return ((batch_sizes.pop() if batch_sizes else None),) + out

    def build(self, input_shape):
        self._output_shape(input_shape)

    def compute_output_shape(self, input_shape):
        return self._output_shape(input_shape)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) should be called on a list of "
                             f"tensors; got a single input of shape {getattr(inputs, 'shape', None)}.")
        inputs = list(inputs)
        ranks = [len(x.shape) for x in inputs]
        if len(set(ranks)) == 1:
            masks = [get_mask(x) for x in inputs]
        else:  # lower-rank inputs get size-1 axes after the batch axis (their masks no longer fit)
            top = max(ranks)
            inputs = [_expand(x, top - r) for x, r in zip(inputs, ranks, strict=True)]
            masks = [None] * len(inputs)
        return self._merge(inputs, masks)

    def _merge(self, inputs, masks):
        raise NotImplementedError

    def _masks_to_shape(self, inputs, masks):
        """Each mask with a trailing axis, broadcast to its input's shape (None stays None)."""
        out = []
        for x, m in zip(inputs, masks, strict=True):
            if m is not None and len(m.shape) == len(x.shape) - 1:
                m = knp.broadcast_to(knp.expand_dims(_core.cast(m, "bool"), -1), _core.shape(x))
            elif m is not None and len(m.shape) != len(x.shape):
                m = None
            out.append(m)
        return out

    def _or_mask_op(self, op, inputs, masks):
        """Combine with `op`, skipping masked positions of each input (for min/max, which have no
        neutral value): where one side is masked, the other side's value is kept."""
        masks = self._masks_to_shape(inputs, masks)
        output, output_mask = inputs[0], masks[0]
        for x, mask in zip(inputs[1:], masks[1:], strict=True):
            if mask is not None:
                x = knp.where(mask, x, output)
            if output_mask is not None:
                output = knp.where(output_mask, output, x)
            output_mask = knp.logical_or(output_mask, mask) if mask is not None and output_mask is not None \
                else None
            output = op(output, x)
        return output

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)) or not isinstance(inputs, (list, tuple)) or \
                len(mask) != len(inputs):
            count = len(inputs) if isinstance(inputs, (list, tuple)) else 1
            raise ValueError(f"Layer '{self.name}': `mask` should be a list with one entry per input; got "
                             f"{type(mask).__name__} for {count} inputs.")
        if any(m is None for m in mask):
            return None
        output = mask[0]
        for m in mask[1:]:
            output = knp.logical_or(output, m)
        return output


def _expand(x, count):
    for _ in range(count):
        x = knp.expand_dims(x, 1)
    return x


@builtin(_NS)
class Add(_Merge):
    """Sum a list of inputs elementwise (shapes broadcast).

    Example:
    >>> Add()([np.ones((2, 3)), np.ones((2, 3))])   # all 2.0
    """

    def _merge(self, inputs, masks):
        output = inputs[0]
        for x in inputs[1:]:
            output = knp.add(output, x)
        return output


@builtin(_NS)
class Subtract(_Merge):
    """`inputs[0] - inputs[1]` for a list of exactly two inputs.

    Example:
    >>> Subtract()([np.full((2, 3), 3.0), np.ones((2, 3))])   # all 2.0
    """

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(f"Layer '{self.name}' (Subtract) should be called on exactly 2 inputs; got "
                             f"input shapes {list(input_shape)}.")

    def _merge(self, inputs, masks):
        if len(inputs) != 2:
            raise ValueError(f"Layer '{self.name}' (Subtract) should be called on exactly 2 inputs; got "
                             f"{len(inputs)}.")
        return knp.subtract(inputs[0], inputs[1])


@builtin(_NS)
class Multiply(_Merge):
    """Multiply a list of inputs elementwise (shapes broadcast).

    With masks, a masked position of an input counts as 1; when every input is masked the
    output is 0 where all inputs are masked.

    Example:
    >>> Multiply()([np.full((2, 3), 2.0), np.full((2, 3), 3.0)])   # all 6.0
    """

    def _merge(self, inputs, masks):
        masks = self._masks_to_shape(inputs, masks)
        all_masked = all(m is not None for m in masks)
        output, output_mask = None, None
        for x, mask in zip(inputs, masks, strict=True):
            if mask is not None:
                x = knp.where(mask, x, _core.cast(1, x.dtype))
                if all_masked:
                    output_mask = mask if output_mask is None else knp.logical_or(output_mask, mask)
            output = x if output is None else knp.multiply(output, x)
        if all_masked:
            output = knp.where(output_mask, output, _core.cast(0, output.dtype))
        return output


@builtin(_NS)
class Average(_Merge):
    """The elementwise mean of a list of inputs (shapes broadcast).

    Example:
    >>> Average()([np.ones((2, 3)), np.full((2, 3), 3.0)])   # all 2.0
    """

    def _merge(self, inputs, masks):
        output = inputs[0]
        for x in inputs[1:]:
            output = knp.add(output, x)
        return knp.divide(output, len(inputs))


@builtin(_NS)
class Maximum(_Merge):
    """The elementwise maximum of a list of inputs (masked positions are skipped).

    Example:
    >>> Maximum()([np.array([[1.0, 5.0]]), np.array([[3.0, 2.0]])])   # [[3, 5]]
    """

    def _merge(self, inputs, masks):
        return self._or_mask_op(knp.maximum, inputs, masks)


@builtin(_NS)
class Minimum(_Merge):
    """The elementwise minimum of a list of inputs (masked positions are skipped).

    Example:
    >>> Minimum()([np.array([[1.0, 5.0]]), np.array([[3.0, 2.0]])])   # [[1, 2]]
    """

    def _merge(self, inputs, masks):
        return self._or_mask_op(knp.minimum, inputs, masks)


@builtin(_NS)
class Concatenate(_Merge):
    """Concatenate a list of inputs along `axis`; the other dimensions must match.

    Args:
        axis: the axis to concatenate along.

    Example:
    >>> Concatenate(axis=1)([np.zeros((2, 2, 5)), np.ones((2, 1, 5))]).shape   # (2, 3, 5)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"Concatenate: `axis` must be an int; got axis={axis!r}.")
        self.axis = axis

    def _fail(self, input_shape):
        raise ValueError(f"Layer '{self.name}' (Concatenate) needs inputs whose shapes match except along "
                         f"the concatenation axis {self.axis}; got input shapes {list(input_shape)}.")

    def build(self, input_shape):
        _check_shape_list(self, input_shape)
        shapes = [list(s) for s in input_shape if s is not None]
        if not shapes:
            return
        if len({len(s) for s in shapes}) != 1:
            self._fail(input_shape)
        rank = len(shapes[0])
        if not -rank <= self.axis < rank:
            raise ValueError(f"Layer '{self.name}' (Concatenate): axis={self.axis} is out of range for "
                             f"inputs of rank {rank} (shapes {list(input_shape)}).")
        axis = self.axis % rank
        for i in range(rank):
            if i == axis:
                continue
            known = {s[i] for s in shapes} - {None}
            if len(known) > 1:
                self._fail(input_shape)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"Layer '{self.name}' (Concatenate) should be called on a list of tensors; "
                             f"got a single input of shape {getattr(inputs, 'shape', None)}.")
        return knp.concatenate(list(inputs), axis=self.axis)

    def compute_output_shape(self, input_shape):
        _check_shape_list(self, input_shape)
        output = list(input_shape[0])
        for shape in input_shape[1:]:
            if output[self.axis] is None or shape[self.axis] is None:
                output[self.axis] = None
                break
            output[self.axis] += shape[self.axis]
        return tuple(output)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)) or not isinstance(inputs, (list, tuple)) or \
                len(mask) != len(inputs):
            raise ValueError(f"Layer '{self.name}': `mask` should be a list with one entry per input.")
        if all(m is None for m in mask):
            return None
        full = []
        for x, m in zip(inputs, mask, strict=True):
            if m is None:
                m = knp.ones_like(x, dtype="bool")
            elif len(m.shape) < len(x.shape):
                m = knp.logical_or(knp.expand_dims(m, -1), knp.zeros_like(x, dtype="bool"))
            full.append(m)
        return knp.any(knp.concatenate(full, axis=self.axis), axis=-1, keepdims=False)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


@builtin(_NS)
class Dot(_Merge):
    """The dot product of two batched inputs over one axis of each (the batch axis is kept).

    The output shape is the first input's shape without its summed axis, followed by the
    second's without its batch and summed axes; a rank-1 result becomes `(batch, 1)`.

    Args:
        axes: an int (the same axis of both inputs) or a pair `(axis_of_first, axis_of_second)`;
            never the batch axis 0.
        normalize: L2-normalize both inputs along the summed axes first (giving cosine similarity).

    Example:
    >>> Dot(axes=(1, 2))([np.ones((1, 5, 2)), np.ones((1, 2, 5))]).shape   # (1, 2, 2)
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, bool) or not isinstance(axes, (int, list, tuple)):
            raise TypeError(f"Dot: `axes` must be an int or a pair of ints; got axes={axes!r}.")
        if not isinstance(axes, int):
            if len(axes) != 2:
                raise ValueError(f"Dot: `axes` must hold exactly two ints; got axes={axes!r}.")
            if any(isinstance(a, bool) or not isinstance(a, int) for a in axes):
                raise ValueError(f"Dot: `axes` must hold ints; got axes={axes!r}.")
        self.axes = axes
        self.normalize = normalize

    def _axes(self, rank1, rank2):
        pair = [self.axes, self.axes] if isinstance(self.axes, int) else list(self.axes)
        out = []
        for a, rank in zip(pair, (rank1, rank2), strict=True):
            if not -rank <= a < rank:
                raise ValueError(f"Layer '{self.name}' (Dot): axes={self.axes} is out of range for inputs "
                                 f"of ranks {rank1} and {rank2}.")
            out.append(a % rank)
        if 0 in out:
            raise ValueError(f"Layer '{self.name}' (Dot): cannot take the dot product over the batch axis 0 "
                             f"(axes={self.axes}).")
        return out

    def _check(self, input_shape):
        _check_shape_list(self, input_shape, "a list of 2 inputs")
        if len(input_shape) != 2:
            raise ValueError(f"Layer '{self.name}' (Dot) should be called on a list of 2 inputs; got input "
                             f"shapes {list(input_shape)}.")
        shape1, shape2 = input_shape
        if shape1 is None or shape2 is None:
            return None
        if len(shape1) < 2 or len(shape2) < 2:
            raise ValueError(f"Layer '{self.name}' (Dot) needs inputs of rank >= 2 (batch first); got "
                             f"shapes {tuple(shape1)} and {tuple(shape2)}.")
        if None not in (shape1[0], shape2[0]) and shape1[0] != shape2[0]:
            raise ValueError(f"Layer '{self.name}' (Dot): inputs have different batch sizes; got shapes "
                             f"{tuple(shape1)} and {tuple(shape2)}.")
        a1, a2 = self._axes(len(shape1), len(shape2))
        if None not in (shape1[a1], shape2[a2]) and shape1[a1] != shape2[a2]:
            raise ValueError(f"Layer '{self.name}' (Dot): incompatible input shapes: size {shape1[a1]} at "
                             f"axis {a1} != size {shape2[a2]} at axis {a2}; shapes {tuple(shape1)} and "
                             f"{tuple(shape2)}.")
        return a1, a2

    def build(self, input_shape):
        self._check(input_shape)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(f"Layer '{self.name}' (Dot) should be called on a list of exactly 2 tensors.")
        x1, x2 = inputs
        a1, a2 = self._check([tuple(x1.shape), tuple(x2.shape)])
        if self.normalize:
            x1 = _nn.normalize(x1, axis=a1)
            x2 = _nn.normalize(x2, axis=a2)
        letters = "abcdefghijklmnopqrstuvwxyz"
        r1, r2 = len(x1.shape), len(x2.shape)
        s1 = ["b"] + list(letters[2:r1 + 1])            # c, d, ... for the first input
        s2 = ["b"] + list(letters[r1 + 1:r1 + r2])     # further letters for the second
        s2[a2] = s1[a1] = "a"
        out = [c for i, c in enumerate(s1) if i != a1] + [c for i, c in enumerate(s2) if i not in (0, a2)]
        result = knp.einsum(f"{''.join(s1)},{''.join(s2)}->{''.join(out)}", x1, x2)
        if len(out) == 1:
            result = knp.expand_dims(result, -1)
        return result

    def compute_output_shape(self, input_shape):
        axes = self._check(input_shape)
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        a1, a2 = axes if axes is not None else self._axes(len(shape1), len(shape2))
        shape1.pop(a1)
        shape2.pop(a2)
        shape2.pop(0)
        out = shape1 + shape2
        if len(out) == 1:
            out.append(1)
        return tuple(out)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


# -- functional forms: build the layer and call it on the inputs ------------------------
@builtin(_NS)
def add(inputs, **kwargs):
    """`Add(**kwargs)(inputs)`."""
    return Add(**kwargs)(inputs)


@builtin(_NS)
def subtract(inputs, **kwargs):
    """`Subtract(**kwargs)(inputs)`."""
    return Subtract(**kwargs)(inputs)


@builtin(_NS)
def multiply(inputs, **kwargs):
    """`Multiply(**kwargs)(inputs)`."""
    return Multiply(**kwargs)(inputs)


@builtin(_NS)
def average(inputs, **kwargs):
    """`Average(**kwargs)(inputs)`."""
    return Average(**kwargs)(inputs)


@builtin(_NS)
def maximum(inputs, **kwargs):
    """`Maximum(**kwargs)(inputs)`."""
    return Maximum(**kwargs)(inputs)


@builtin(_NS)
def minimum(inputs, **kwargs):
    """`Minimum(**kwargs)(inputs)`."""
    return Minimum(**kwargs)(inputs)


@builtin(_NS)
def concatenate(inputs, axis=-1, **kwargs):
    """`Concatenate(axis=axis, **kwargs)(inputs)`.

    Example:
    >>> concatenate([np.zeros((2, 3)), np.ones((2, 2))]).shape   # (2, 5)
    """
    return Concatenate(axis=axis, **kwargs)(inputs)


@builtin(_NS)
def dot(inputs, axes=-1, **kwargs):
    """`Dot(axes=axes, **kwargs)(inputs)` (`normalize=True` may be passed in kwargs)."""
    return Dot(axes=axes, **kwargs)(inputs)
