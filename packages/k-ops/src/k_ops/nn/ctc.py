"""Connectionist temporal classification: loss, written once from public ops (no backend functions).

`ctc_loss` runs the CTC forward algorithm in log space over the extended label sequence
(blank, l1, blank, l2, ..., blank), one `scan` step per frame, batched over samples.
Unreachable states hold a large finite negative log-probability (-1e5) instead of -inf so
that gradients stay finite; a target that no alignment can produce (too long for its
frames) therefore gets a very large finite loss (about 1e5) rather than inf.
"""

from k_backends import dtypes
from k_backends.inference import float_dtype
from k_ops import numpy as knp
from k_ops import shapes
from k_ops.core import cast, convert_to_tensor, scan
from k_ops.dispatch import symbolic
from k_ops.nn.activations import log_softmax
from k_ops.symbolic import KerasTensor

__all__ = ["ctc_loss"]

_LOG_ZERO = -1e5


def _forward_step(carry, inputs):
    """One frame of the forward algorithm: alpha (batch, states) from the previous frame's.

    A module-level function with every tensor in `carry`, so jax reuses its trace between calls.
    """
    alpha, extended, skip, output_length, t = carry
    frame = inputs
    log_zero = knp.full_like(alpha, _LOG_ZERO)
    one_back = knp.concatenate([log_zero[:, :1], alpha[:, :-1]], axis=1)
    two_back = knp.where(skip, knp.concatenate([log_zero[:, :2], alpha[:, :-2]], axis=1), log_zero)
    new = knp.logaddexp(knp.logaddexp(alpha, one_back), two_back)
    new = new + knp.take_along_axis(frame, extended, axis=1)
    alpha = knp.where(knp.less(t, output_length)[:, None], new, alpha)
    return (alpha, extended, skip, output_length, t + 1), t  # (a y of None trips the tensorflow scan)


def _loss_dtype(output):
    """Floats keep their dtype, except 16-bit floats (computed and returned in float32)."""
    dtype = float_dtype(shapes.standard_dtype(output))
    return "float32" if dtype in ("float16", "bfloat16") else dtype


def _check_ctc(target, output, target_length, output_length, mask_index):
    target_shape, output_shape = shapes.shape_of(target), shapes.shape_of(output)
    if len(target_shape) != 2:
        raise ValueError(f"ctc_loss expected target of rank 2 (batch, max_label_length); got shape "
                         f"{target_shape}.")
    if len(output_shape) != 3:
        raise ValueError(f"ctc_loss expected output of rank 3 (batch, time, classes); got shape "
                         f"{output_shape}.")
    for name, value in (("target", target), ("target_length", target_length),
                        ("output_length", output_length)):
        if not dtypes.is_int_dtype(shapes.standard_dtype(value)):
            raise TypeError(f"ctc_loss expected {name} to hold integers; got dtype "
                            f"{shapes.standard_dtype(value)}.")
    name = shapes.standard_dtype(output)
    if dtypes.is_complex_dtype(name) or name in ("string", "bool"):
        raise TypeError(f"ctc_loss expected real logits as output; got dtype {name}.")
    for name, value in (("target_length", target_length), ("output_length", output_length)):
        if len(shapes.shape_of(value)) != 1:
            raise ValueError(f"ctc_loss expected {name} of rank 1 (batch,); got shape "
                             f"{shapes.shape_of(value)}.")
    batches = {target_shape[0], output_shape[0], shapes.shape_of(target_length)[0],
               shapes.shape_of(output_length)[0]} - {None}
    if len(batches) > 1:
        raise ValueError(f"ctc_loss expected target, output, target_length and output_length to share "
                         f"the batch size; got {sorted(batches)}.")
    if isinstance(mask_index, bool) or not isinstance(mask_index, int):
        raise TypeError(f"ctc_loss expected mask_index to be an int (the blank class); got "
                        f"{mask_index!r}.")
    classes = output_shape[2]
    if mask_index < 0 or (classes is not None and mask_index >= classes):
        raise ValueError(f"ctc_loss expected mask_index in [0, {classes}) (a class of output); got "
                         f"{mask_index}.")
    return output_shape[0] if output_shape[0] is not None else target_shape[0]


def _ctc_loss_spec(target, output, target_length, output_length, mask_index=0):
    batch = _check_ctc(target, output, target_length, output_length, mask_index)
    return KerasTensor((batch,), _loss_dtype(output))


@symbolic(_ctc_loss_spec)
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """Per-sample CTC negative log-likelihood of `target` under the logits `output`.

    Args:
        target: int labels of shape (batch, max_label_length); entries past a sample's
            `target_length` are ignored.
        output: logits of shape (batch, time, classes) (a softmax over classes is applied).
        target_length: int (batch,) number of labels per sample.
        output_length: int (batch,) number of valid frames per sample.
        mask_index: the blank class.

    Returns:
        float (batch,) losses: float32 for 16-bit or int logits, else the logits' dtype.

    Example:
    >>> kappa.ops.ctc_loss([[1, 2]], kappa.ops.zeros((1, 4, 3)), [2], [4])  # -log(p(target))
    """
    _check_ctc(target, output, target_length, output_length, mask_index)
    dtype = _loss_dtype(output)
    output = convert_to_tensor(output)
    log_probs = log_softmax(cast(output, dtype), axis=-1)
    target = cast(convert_to_tensor(target), "int32")
    target_length = cast(convert_to_tensor(target_length), "int32")
    output_length = cast(convert_to_tensor(output_length), "int32")
    time = shapes.shape_of(log_probs)[1]
    labels = shapes.shape_of(target)[1]

    # Extended labels (batch, 2 * labels + 1): blank, l1, blank, l2, ..., blank. Shapes come
    # from tensors (full_like), so an unknown batch size works in graphs.
    extended = knp.full_like(target_length[:, None], mask_index)
    if labels:
        pairs = knp.stack([knp.full_like(target, mask_index), target], axis=-1)
        extended = knp.concatenate([knp.reshape(pairs, (-1, 2 * labels)), extended], axis=1)
    # A state may be reached from two back when it is a label differing from the label before.
    before = knp.concatenate([knp.full_like(extended[:, :2], -1), extended[:, :-2]], axis=1)
    skip = knp.logical_and(knp.not_equal(extended, mask_index), knp.not_equal(extended, before))
    log_zero = knp.full_like(extended, _LOG_ZERO, dtype=dtype)

    states = shapes.shape_of(extended)[1]
    first = knp.less(knp.arange(states), 2)[None, :]
    alpha = knp.where(first, knp.take_along_axis(log_probs[:, 0], extended, axis=1), log_zero)
    if time is None or time > 1:
        frames = knp.transpose(log_probs, (1, 0, 2))[1:]
        start = convert_to_tensor(1, dtype="int32")
        (alpha, *_), _ = scan(_forward_step, (alpha, extended, skip, output_length, start), frames)

    last = 2 * target_length
    end = knp.take_along_axis(alpha, last[:, None], axis=1)[:, 0]
    before_end = knp.take_along_axis(alpha, knp.maximum(last - 1, 0)[:, None], axis=1)[:, 0]
    before_end = knp.where(target_length > 0, before_end, knp.full_like(before_end, _LOG_ZERO))
    return -knp.logaddexp(end, before_end)
