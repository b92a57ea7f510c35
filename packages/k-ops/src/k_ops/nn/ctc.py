"""Connectionist temporal classification: loss, written once from public ops (no backend functions).

`ctc_loss` runs the CTC forward algorithm in log space over the extended label sequence
(blank, l1, blank, l2, ..., blank), one `scan` step per frame, batched over samples.
Unreachable states hold a large finite negative log-probability (-1e5) instead of -inf so
that gradients stay finite; a target that no alignment can produce (too long for its
frames) therefore gets a very large finite loss (about 1e5) rather than inf.

`ctc_decode` decodes greedily with tensor ops (any backend, traceable), or by CTC prefix
beam search, which runs eagerly on the host in NumPy (see its docstring).
"""

import numpy as np

from k_backends import dtypes
from k_backends.inference import float_dtype
from k_ops import numpy as knp
from k_ops import shapes
from k_ops.core import cast, convert_to_numpy, convert_to_tensor, scan
from k_ops.dispatch import symbolic
from k_ops.nn.activations import log_softmax
from k_ops.symbolic import KerasTensor

__all__ = ["ctc_loss", "ctc_decode"]

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


# --- ctc_decode --------------------------------------------------------------------------------

_STRATEGIES = ("greedy", "beam_search")


def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"ctc_decode expected {name} to be a positive int; got {value!r}.")


def _check_decode(inputs, sequence_lengths, strategy, beam_width, top_paths, mask_index):
    """Validate the arguments; return (batch, time, classes, blank index, decoded paths, score dtype)."""
    if strategy not in _STRATEGIES:
        raise ValueError(f"ctc_decode expected strategy to be one of {_STRATEGIES}; got {strategy!r}.")
    _check_positive_int("beam_width", beam_width)
    _check_positive_int("top_paths", top_paths)
    if strategy == "beam_search" and top_paths > beam_width:
        raise ValueError(f"ctc_decode expected top_paths <= beam_width (a beam holds at most beam_width "
                         f"paths); got top_paths={top_paths}, beam_width={beam_width}.")
    shape = shapes.shape_of(inputs)
    if len(shape) != 3:
        raise ValueError(f"ctc_decode expected inputs of rank 3 (batch, time, classes); got shape {shape}.")
    name = shapes.standard_dtype(inputs)
    if dtypes.is_complex_dtype(name) or name == "string":
        raise TypeError(f"ctc_decode expected real inputs; got dtype {name}.")
    lengths_shape = shapes.shape_of(sequence_lengths)
    if len(lengths_shape) != 1:
        raise ValueError(f"ctc_decode expected sequence_lengths of rank 1 (batch,); got shape "
                         f"{lengths_shape}.")
    if not dtypes.is_int_dtype(shapes.standard_dtype(sequence_lengths)):
        raise TypeError(f"ctc_decode expected sequence_lengths to hold integers; got dtype "
                        f"{shapes.standard_dtype(sequence_lengths)}.")
    if None not in (shape[0], lengths_shape[0]) and shape[0] != lengths_shape[0]:
        raise ValueError(f"ctc_decode expected inputs and sequence_lengths to share the batch size; got "
                         f"{shape[0]} and {lengths_shape[0]}.")
    classes = shape[2]
    if mask_index is None:
        if classes is None:
            raise ValueError("ctc_decode needs a known number of classes when mask_index is None.")
        mask_index = classes - 1
    if isinstance(mask_index, bool) or not isinstance(mask_index, (int, np.integer)):
        raise TypeError(f"ctc_decode expected mask_index to be an int (the blank class) or None; got "
                        f"{mask_index!r}.")
    if mask_index < 0 or (classes is not None and mask_index >= classes):
        raise ValueError(f"ctc_decode expected mask_index in [0, {classes}) (a class of inputs); got "
                         f"{mask_index}.")
    batch = shape[0] if shape[0] is not None else lengths_shape[0]
    paths = 1 if strategy == "greedy" else top_paths
    return batch, shape[1], classes, int(mask_index), paths, dtypes.result_type(name, "float32")


def _ctc_decode_spec(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
                     merge_repeated=True, mask_index=0):
    batch, time, _, _, paths, dtype = _check_decode(inputs, sequence_lengths, strategy, beam_width,
                                                    top_paths, mask_index)
    return KerasTensor((paths, batch, time), "int32"), KerasTensor((batch, paths), dtype)


def _greedy_decode(inputs, lengths, merge_repeated, blank, dtype):
    time = shapes.shape_of(inputs)[1]
    steps = knp.arange(time, dtype="int32")[None, :]
    valid = knp.less(steps, lengths[:, None])
    best = cast(knp.argmax(inputs, axis=-1), "int32")
    best = knp.where(valid, best, knp.full_like(best, blank))
    scores = knp.where(valid, knp.max(inputs, axis=-1), knp.zeros((), dtype=dtype))
    if merge_repeated and time > 1:
        repeat = knp.equal(best[:, 1:], best[:, :-1])
        repeat = knp.concatenate([knp.zeros_like(repeat[:, :1]), repeat], axis=1)
        best = knp.where(repeat, knp.full_like(best, blank), best)
    dropped = knp.equal(best, blank)
    best = knp.where(dropped, knp.full_like(best, -1), best)
    # Move the kept labels to the front, in order: sort frame numbers, dropped frames last.
    order = knp.where(dropped, knp.full_like(best, time), steps + knp.zeros_like(best))
    best = knp.take_along_axis(best, knp.argsort(order, axis=-1), axis=-1)
    return best[None], -knp.sum(scores, axis=1, keepdims=True)


def _log_softmax_host(x):
    top = np.max(x, axis=-1, keepdims=True)
    return x - top - np.log(np.sum(np.exp(x - top), axis=-1, keepdims=True))


def _ranked(paths, scores, classes, count):
    """Indices of the `count` best candidates: highest score first; ties go to the path that is
    smallest lexicographically with padding counted above every class (Keras's jax order)."""
    keys = np.where(paths < 0, classes, paths)
    order = np.lexsort(tuple(keys[:, i] for i in range(keys.shape[1] - 1, -1, -1)) + (-scores,))
    return order[:count]


def _beam_search_one(log_probs, length, beam_width, top_paths, blank):
    """CTC prefix beam search over one sample's (time, classes) log-probabilities."""
    time, classes = log_probs.shape
    neg_inf = -np.inf
    # Frame 0: the best min(classes, beam_width) classes (ties: lower class first).
    first = np.lexsort((np.arange(classes), -log_probs[0]))[: min(classes, beam_width)]
    paths = np.full((len(first), time), -1, dtype=np.int64)
    paths[:, 0] = np.where(first == blank, -1, first)
    blank_end = np.where(first == blank, log_probs[0, first], neg_inf)     # prefix, last frame blank
    label_end = np.where(first == blank, neg_inf, log_probs[0, first])     # last frame its last label
    sizes = (first != blank).astype(np.int64)
    labels = np.array([c for c in range(classes) if c != blank], dtype=np.int64)
    for t in range(1, min(int(length), time)):
        frame = log_probs[t]
        beams = len(paths)
        total = np.logaddexp(blank_end, label_end)
        last = np.where(sizes > 0, paths[np.arange(beams), np.maximum(sizes - 1, 0)], -1)
        # Staying on the same prefix: a blank frame, or repeating the last label.
        stay_blank = total + frame[blank]
        stay_label = np.where(sizes > 0, label_end + frame[np.maximum(last, 0)], neg_inf)
        # Extending prefix i by label c (a repeat of the last label needs a blank in between).
        source = np.where(labels[None, :] == last[:, None], blank_end[:, None], total[:, None])
        extend = source + frame[labels][None, :]
        # An extension equal to a kept prefix j (its parent is i, its last label c) merges into j.
        index = {paths[i].tobytes(): i for i in range(beams)}
        for j in np.nonzero(sizes > 0)[0]:
            parent = paths[j].copy()
            parent[sizes[j] - 1] = -1
            i = index.get(parent.tobytes())
            if i is not None:
                k = int(np.searchsorted(labels, paths[j, sizes[j] - 1]))
                stay_label[j] = np.logaddexp(stay_label[j], extend[i, k])
                extend[i, k] = neg_inf
        grown = np.repeat(paths, len(labels), axis=0)
        grown[np.arange(len(grown)), np.repeat(sizes, len(labels))] = np.tile(labels, beams)
        candidates = np.concatenate([paths, grown])
        new_blank = np.concatenate([stay_blank, np.full(grown.shape[0], neg_inf)])
        new_label = np.concatenate([stay_label, extend.reshape(-1)])
        new_sizes = np.concatenate([sizes, np.repeat(sizes + 1, len(labels))])
        scores = np.logaddexp(new_blank, new_label)
        keep = np.isfinite(scores)  # impossible extensions (probability 0) are dropped
        candidates, new_blank, new_label, new_sizes, scores = (
            a[keep] for a in (candidates, new_blank, new_label, new_sizes, scores))
        best = _ranked(candidates, scores, classes, beam_width)
        paths, blank_end, label_end = candidates[best], new_blank[best], new_label[best]
        sizes = new_sizes[best]
    scores = np.logaddexp(blank_end, label_end)
    best = _ranked(paths, scores, classes, top_paths)
    decoded = np.full((top_paths, time), -1, dtype=np.int32)
    log_probs_out = np.full((top_paths,), neg_inf)
    decoded[: len(best)] = paths[best]
    log_probs_out[: len(best)] = scores[best]
    return decoded, log_probs_out


def _beam_search_decode(inputs, lengths, beam_width, top_paths, blank, dtype):
    try:
        values, lengths = convert_to_numpy(inputs), convert_to_numpy(lengths)
    except Exception as error:
        raise RuntimeError("ctc_decode(strategy='beam_search') runs eagerly on the host in NumPy and "
                           "cannot be traced (jax.jit, tf.function, ...); call it outside the traced "
                           f"function, or use strategy='greedy'. ({type(error).__name__}: {error})") from None
    log_probs = _log_softmax_host(np.asarray(values, dtype=np.float64))
    batch, time, _ = log_probs.shape
    decoded = np.full((top_paths, batch, time), -1, dtype=np.int32)
    scores = np.full((batch, top_paths), -np.inf)
    if time:
        for b in range(batch):
            decoded[:, b], scores[b] = _beam_search_one(log_probs[b], lengths[b], beam_width, top_paths,
                                                        blank)
    return convert_to_tensor(decoded, dtype="int32"), convert_to_tensor(scores.astype(dtype), dtype=dtype)


@symbolic(_ctc_decode_spec)
def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """Decode CTC outputs greedily or by prefix beam search.

    Args:
        inputs: float (batch, time, classes) unnormalized logits.
        sequence_lengths: int (batch,) number of valid frames per sample (later frames are ignored;
            beam search always reads the first frame).
        strategy: "greedy" (best class per frame) or "beam_search" (CTC prefix beam search).
        beam_width: prefixes kept per frame by beam search.
        top_paths: number of decoded paths returned by beam search, at most `beam_width` (greedy
            returns 1).
        merge_repeated: greedy only: merge repeated classes of consecutive frames before dropping
            blanks (beam search always merges repeats not separated by a blank, as Keras does).
        mask_index: the blank class (None: the last class).

    Returns:
        (decoded, scores): decoded int32 (paths, batch, time), each path's labels padded with -1;
        scores (batch, paths) in the float dtype of `inputs` (float32 for ints and 16-bit floats).
        Greedy scores are minus the sum over valid frames of each frame's largest input (raw
        inputs, no softmax, as in Keras); beam-search scores are the log-probabilities of the
        decoded label sequences under a softmax of `inputs`, best first (-inf where fewer paths exist).

    Greedy decoding uses tensor ops and works in traced functions. Beam search runs eagerly on the
    host in NumPy on every backend (inputs are copied with `convert_to_numpy`); inside a traced
    function (jax.jit, tf.function) it raises a RuntimeError. It sums in float64. Ties and
    zero sequence lengths follow Keras's jax backend (its tensorflow backend differs there: it
    breaks ties otherwise and decodes a zero-length sequence as empty with score 0).

    Example:
    >>> decoded, scores = kappa.ops.nn.ctc_decode(logits, lengths, strategy="beam_search", top_paths=2)
    """
    _, _, _, blank, _, dtype = _check_decode(inputs, sequence_lengths, strategy, beam_width, top_paths,
                                             mask_index)
    lengths = cast(convert_to_tensor(sequence_lengths), "int32")
    if strategy == "beam_search":
        return _beam_search_decode(inputs, lengths, int(beam_width), int(top_paths), blank, dtype)
    inputs = cast(convert_to_tensor(inputs), dtype)
    return _greedy_decode(inputs, lengths, merge_repeated, blank, dtype)
