"""Math ops of `keras.ops` beyond NumPy: FFTs, segment reductions, top-k, special functions.

Complex values enter and leave the FFT ops as `(real, imag)` pairs of float
tensors, as in Keras, so they work on backends and dtypes without complex support.
"""

from k_backends.inference import dtype_of, float_dtype, promoted
from k_backends.rules import math as rules
from k_backends.selection import current
from k_ops import numpy as knp
from k_ops import shapes
from k_ops.core import cast, convert_to_tensor
from k_ops.dispatch import symbolic
from k_ops.numpy.linear import slogdet
from k_ops.symbolic import KerasTensor

__all__ = [
    "logsumexp", "erf", "erfc", "erfinv", "rsqrt", "logdet", "top_k", "in_top_k",
    "segment_sum", "segment_max", "segment_min", "segment_prod",
    "fft", "fft2", "ifft2", "rfft", "irfft", "view_as_complex", "view_as_real",
    "extract_sequences", "stft", "istft", "cdist",
]


# -- specs ------------------------------------------------------------------
def _logsumexp_spec(x, axis=None, keepdims=False):
    return KerasTensor(shapes.reduced_shape(shapes.shape_of(x), axis, keepdims), float_dtype(dtype_of(x)))


def _logdet_spec(x):
    shape = shapes.shape_of(x)
    _check_square(shape)
    return KerasTensor(shape[:-2], float_dtype(dtype_of(x)))


def _top_k_spec(x, k, sorted=True):
    shape = shapes.shape_of(x)
    k = rules.check_top_k(shape, k)
    out = shape[:-1] + (k,)
    return KerasTensor(out, shapes.standard_dtype(x)), KerasTensor(out, "int32")


def _in_top_k_spec(targets, predictions, k):
    t, p = shapes.shape_of(targets), shapes.shape_of(predictions)
    _check_in_top_k(t, p, k)
    return KerasTensor((t[0] if t[0] is not None else p[0],), "bool")


def _segment_spec(data, segment_ids, num_segments=None, sorted=False):
    shape = shapes.shape_of(data)
    rules.check_segment_ids(shape, shapes.shape_of(segment_ids), num_segments)
    return KerasTensor((num_segments,) + shape[1:], shapes.standard_dtype(data))


def _pair_dtype(real, imag):
    return float_dtype(promoted(real, imag))


def _complex_spec(op, rank):
    def spec(x):
        rules.check_complex_pair(x, op)
        real, imag = x
        shape = shapes.shape_of(real)
        rules.check_pair_shapes(shape, shapes.shape_of(imag), rank, op)
        dtype = _pair_dtype(real, imag)
        return KerasTensor(shape, dtype), KerasTensor(shape, dtype)
    return spec


def _rfft_spec(x, fft_length=None):
    shape = shapes.shape_of(x)
    rules.check_pair_shapes(shape, shape, 1, "rfft")
    n = rules.rfft_length(shape[-1], fft_length)
    out = shape[:-1] + (None if n is None else n // 2 + 1,)
    dtype = float_dtype(dtype_of(x))
    return KerasTensor(out, dtype), KerasTensor(out, dtype)


def _irfft_spec(x, fft_length=None):
    rules.check_complex_pair(x, "irfft")
    real, imag = x
    shape = shapes.shape_of(real)
    rules.check_pair_shapes(shape, shapes.shape_of(imag), 1, "irfft")
    return KerasTensor(shape[:-1] + (rules.irfft_length(shape[-1], fft_length),), _pair_dtype(real, imag))


def _view_as_complex_spec(x):
    shape = shapes.shape_of(x)
    rules.check_last_dimension_is_two(shape)
    return KerasTensor(shape[:-1], rules.complex_dtype_of(shapes.standard_dtype(x)))


def _view_as_real_spec(x):
    return KerasTensor(shapes.shape_of(x) + (2,), rules.real_dtype_of(shapes.standard_dtype(x)))


def _extract_sequences_spec(x, sequence_length, sequence_stride):
    shape = shapes.shape_of(x)
    if not shape:
        raise ValueError("extract_sequences needs an input of rank 1 or more; got a scalar.")
    count = rules.sequence_count(shape[-1], sequence_length, sequence_stride)
    return KerasTensor(shape[:-1] + (count, sequence_length), shapes.standard_dtype(x))


def _stft_spec(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    shape = shapes.shape_of(x)
    rules.check_stft_args(sequence_length, sequence_stride, fft_length, window, "stft")
    if not shape:
        raise ValueError("stft needs an input of rank 1 or more; got a scalar.")
    length = shape[-1]
    if center and length is not None:
        length += 2 * (fft_length // 2)
    count = rules.sequence_count(length, fft_length, sequence_stride)
    out = shape[:-1] + (count, fft_length // 2 + 1)
    dtype = float_dtype(dtype_of(x))
    return KerasTensor(out, dtype), KerasTensor(out, dtype)


def _istft_spec(x, sequence_length, sequence_stride, fft_length, length=None, window="hann", center=True):
    rules.check_complex_pair(x, "istft")
    rules.check_stft_args(sequence_length, sequence_stride, fft_length, window, "istft")
    real, imag = x
    shape = shapes.shape_of(real)
    rules.check_pair_shapes(shape, shapes.shape_of(imag), 2, "istft")
    start, end = _istft_crop(shape[-2], sequence_stride, fft_length, length, center)
    size = None if end is None else end - start
    return KerasTensor(shape[:-2] + (size,), _pair_dtype(real, imag))


def _istft_crop(frames, sequence_stride, fft_length, length, center):
    """The [start, end) of the overlap-added signal that istft returns (end None when unknown)."""
    start = fft_length // 2 if center else 0
    if length is not None:
        return start, start + length
    if frames is None:
        return start, None
    total = fft_length + sequence_stride * (frames - 1)
    return start, total - start


def _padded_window(window, sequence_length, fft_length, dtype):
    """The analysis window, zero-padded on both sides to `fft_length` (None: no window)."""
    if window is None:
        return None
    if isinstance(window, str):
        window = rules.stft_window(window, sequence_length)
    window = cast(window, dtype)
    if shapes.shape_of(window) != (sequence_length,):
        raise ValueError(f"the window must have shape ({sequence_length},) (sequence_length); got "
                         f"shape {shapes.shape_of(window)}.")
    left = (fft_length - sequence_length) // 2
    return knp.pad(window, [(left, fft_length - sequence_length - left)])


# -- checks shared by a spec and its eager path -------------------------------
def _check_square(shape):
    if len(shape) < 2 or (None not in shape[-2:] and shape[-1] != shape[-2]):
        raise ValueError(f"expected square matrices of shape (..., n, n); got shape {shape}.")


def _check_in_top_k(targets_shape, predictions_shape, k):
    if isinstance(k, bool) or not hasattr(k, "__index__") or k < 0:
        raise ValueError(f"in_top_k expected a non-negative int k; got k={k!r}.")
    if len(targets_shape) != 1 or len(predictions_shape) != 2:
        raise ValueError(f"in_top_k expected targets of shape (batch,) and predictions of shape "
                         f"(batch, classes); got {targets_shape} and {predictions_shape}.")
    if None not in (targets_shape[0], predictions_shape[0]) and targets_shape[0] != predictions_shape[0]:
        raise ValueError(f"in_top_k got {targets_shape[0]} targets for {predictions_shape[0]} rows of "
                         "predictions; they must be equal.")


# -- ops --------------------------------------------------------------------
@symbolic(_logsumexp_spec)
def logsumexp(x, axis=None, keepdims=False):
    """The log of the sum of exponentials of `x` over `axis`, computed without overflow.

    Args:
        x: the input; integers and bools are computed in floats.
        axis: an int, a tuple of ints, or None for all axes.
        keepdims: keep the reduced axes with size 1.

    Example:
    >>> kappa.ops.logsumexp([1000.0, 1000.0])  # 1000.6931
    """
    return current().math.logsumexp(x, axis=axis, keepdims=keepdims)


@symbolic(shapes.float_of_input)
def erf(x):
    """The error function 2/sqrt(pi) * integral of exp(-t**2) from 0 to x, elementwise.

    Example:
    >>> kappa.ops.erf([0.0, 1.0])  # [0.0, 0.8427]
    """
    return current().math.erf(x)


@symbolic(shapes.float_of_input)
def erfc(x):
    """The complementary error function 1 - erf(x), accurate where erf(x) is close to 1."""
    return current().math.erfc(x)


@symbolic(shapes.float_of_input)
def erfinv(x):
    """The inverse error function: y with erf(y) == x, for x in [-1, 1] (+-inf at the ends, nan outside).

    Example:
    >>> kappa.ops.erfinv([0.0, 0.5])  # [0.0, 0.4769]
    """
    return current().math.erfinv(x)


@symbolic(shapes.float_of_input)
def rsqrt(x):
    """The reciprocal square root 1 / sqrt(x), elementwise.

    Example:
    >>> kappa.ops.rsqrt([4.0, 16.0])  # [0.5, 0.25]
    """
    return current().math.rsqrt(x)


@symbolic(_logdet_spec)
def logdet(x):
    """The natural log of the determinant of square matrices `x` of shape (..., n, n).

    Meant for matrices with a positive determinant (e.g. positive definite); for those
    it equals `slogdet(x)[1]`. A negative determinant gives nan.

    Example:
    >>> kappa.ops.logdet([[2.0, 0.0], [0.0, 3.0]])  # log(6) = 1.7918
    """
    sign, logabsdet = slogdet(cast(x, float_dtype(dtype_of(x))))
    return knp.where(sign > 0, logabsdet, knp.where(sign < 0, float("nan"), float("-inf")))


@symbolic(_top_k_spec)
def top_k(x, k, sorted=True):
    """The `k` largest entries along the last axis of `x` and their indices.

    Args:
        x: the input, of rank 1 or more.
        k: how many entries to keep (at most the last dimension).
        sorted: accepted for compatibility; the entries are always returned in
            descending order (among equal values, the lower index first).

    Returns:
        `(values, indices)`: values of `x`'s dtype and int32 indices, both of shape
        `x.shape[:-1] + (k,)`.

    Example:
    >>> values, indices = kappa.ops.top_k([1, 5, 3, 4], 2)  # [5, 4], [1, 3]
    """
    rules.check_top_k(shapes.shape_of(x), k)
    return current().math.top_k(x, k, sorted=sorted)


@symbolic(_in_top_k_spec)
def in_top_k(targets, predictions, k):
    """Whether each target class is among the `k` highest predictions of its row.

    Args:
        targets: int class ids of shape (batch,).
        predictions: scores of shape (batch, classes).
        k: how many top classes count.

    Classes tied with the k-th highest score all count as in the top k; a target
    whose score is not finite is never in it. Returns bools of shape (batch,).

    Example:
    >>> kappa.ops.in_top_k([2, 0], [[0.1, 0.2, 0.7], [0.1, 0.6, 0.3]], 1)  # [True, False]
    """
    predictions = convert_to_tensor(predictions)
    targets = cast(targets, "int32")
    _check_in_top_k(shapes.shape_of(targets), shapes.shape_of(predictions), k)
    target_score = knp.take_along_axis(predictions, knp.expand_dims(targets, -1), axis=-1)
    higher = knp.sum(cast(predictions > target_score, "int32"), axis=-1)
    return knp.logical_and(higher < k, knp.isfinite(target_score[:, 0]))


def _segment(reduction, data, segment_ids, num_segments, sorted):
    rules.check_segment_ids(shapes.shape_of(data), shapes.shape_of(segment_ids), num_segments)
    return getattr(current().math, f"segment_{reduction}")(data, segment_ids, num_segments=num_segments,
                                                           sorted=sorted)


@symbolic(_segment_spec)
def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """Sum the rows of `data` that share a segment id.

    Args:
        data: a tensor whose first axis is split into segments.
        segment_ids: 1-D int ids, one per row of `data`; rows with an id outside
            `[0, num_segments)` are dropped.
        num_segments: the number of segments (the first dimension of the result);
            when None, one more than the largest id (unknown symbolically).
        sorted: a hint that `segment_ids` is sorted ascending, which some backends use.

    Returns a tensor of shape `(num_segments,) + data.shape[1:]` and `data`'s dtype;
    empty segments hold 0.

    Example:
    >>> kappa.ops.segment_sum([1, 2, 3, 4], [0, 0, 1, 1], num_segments=2)  # [3, 7]
    """
    return _segment("sum", data, segment_ids, num_segments, sorted)


@symbolic(_segment_spec)
def segment_max(data, segment_ids, num_segments=None, sorted=False):
    """The maximum of the rows of `data` that share a segment id (see `segment_sum`).

    Empty segments hold the lowest value of the dtype (-inf for floats).
    """
    return _segment("max", data, segment_ids, num_segments, sorted)


@symbolic(_segment_spec)
def segment_min(data, segment_ids, num_segments=None, sorted=False):
    """The minimum of the rows of `data` that share a segment id (see `segment_sum`).

    Empty segments hold the highest value of the dtype (inf for floats).
    """
    return _segment("min", data, segment_ids, num_segments, sorted)


@symbolic(_segment_spec)
def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    """The product of the rows of `data` that share a segment id (see `segment_sum`).

    Empty segments hold 1.
    """
    return _segment("prod", data, segment_ids, num_segments, sorted)


@symbolic(_complex_spec("fft", 1))
def fft(x):
    """The discrete Fourier transform along the last axis.

    Args:
        x: a tuple `(real, imag)` of float tensors of equal shape.

    Returns:
        A tuple `(real, imag)` of the transform, of the same shape and float dtype.

    Example:
    >>> real, imag = kappa.ops.fft(([1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]))  # real [1, 1, 1, 1]
    """
    rules.check_complex_pair(x, "fft")
    return current().math.fft(x)


@symbolic(_complex_spec("fft2", 2))
def fft2(x):
    """The 2-D discrete Fourier transform over the last two axes of `x = (real, imag)` (see `fft`)."""
    rules.check_complex_pair(x, "fft2")
    return current().math.fft2(x)


@symbolic(_complex_spec("ifft2", 2))
def ifft2(x):
    """The inverse of `fft2`, over the last two axes of `x = (real, imag)`; scaled by 1 / size."""
    rules.check_complex_pair(x, "ifft2")
    return current().math.ifft2(x)


@symbolic(_rfft_spec)
def rfft(x, fft_length=None):
    """The discrete Fourier transform of a real signal along its last axis (non-negative frequencies).

    Args:
        x: a real tensor.
        fft_length: the transform length; the last axis is cropped or zero-padded
            to it. Defaults to the last dimension.

    Returns:
        A tuple `(real, imag)` with last dimension `fft_length // 2 + 1`.

    Example:
    >>> real, imag = kappa.ops.rfft([1.0, 2.0, 3.0, 4.0])  # real [10, -2, -2], imag [0, 2, 0]
    """
    rules.rfft_length(None, fft_length)
    return current().math.rfft(x, fft_length=fft_length)


@symbolic(_irfft_spec)
def irfft(x, fft_length=None):
    """The inverse of `rfft`: a real signal from the non-negative frequencies `x = (real, imag)`.

    Args:
        x: a tuple `(real, imag)` of float tensors.
        fft_length: the output length; defaults to `2 * (x[0].shape[-1] - 1)`.

    Example:
    >>> kappa.ops.irfft(([10.0, -2.0, -2.0], [0.0, 2.0, 0.0]))  # [1, 2, 3, 4]
    """
    rules.check_complex_pair(x, "irfft")
    rules.rfft_length(None, fft_length)
    return current().math.irfft(x, fft_length=fft_length)


@symbolic(_view_as_complex_spec)
def view_as_complex(x):
    """Complex numbers from a real tensor whose last dimension of 2 holds (real, imag) parts.

    float64 gives complex128; other dtypes give complex64.

    Example:
    >>> kappa.ops.view_as_complex([[1.0, 2.0], [3.0, -1.0]])  # [1+2j, 3-1j]
    """
    return current().math.view_as_complex(x)


@symbolic(_view_as_real_spec)
def view_as_real(x):
    """The real and imaginary parts of a complex tensor, stacked along a new last axis of size 2.

    Example:
    >>> kappa.ops.view_as_real(kappa.ops.convert_to_tensor([1 + 2j]))  # [[1.0, 2.0]]
    """
    return current().math.view_as_real(x)


@symbolic(_extract_sequences_spec)
def extract_sequences(x, sequence_length, sequence_stride):
    """Windows of `sequence_length` along the last axis of `x`, starting every `sequence_stride` steps.

    Returns a tensor of shape `x.shape[:-1] + (num_sequences, sequence_length)`, with
    `num_sequences = 1 + (x.shape[-1] - sequence_length) // sequence_stride`; a
    window that would run past the end is left out.

    Example:
    >>> kappa.ops.extract_sequences([1, 2, 3, 4, 5], 3, 2)  # [[1, 2, 3], [3, 4, 5]]
    """
    x = convert_to_tensor(x)
    length = shapes.shape_of(x)[-1] if shapes.shape_of(x) else None
    _extract_sequences_spec(x, sequence_length, sequence_stride)
    count = rules.sequence_count(length, sequence_length, sequence_stride)
    # One gather of a (count, sequence_length) index grid: start of each window plus offsets.
    starts = knp.arange(count, dtype="int32") * sequence_stride
    offsets = knp.arange(sequence_length, dtype="int32")
    return knp.take(x, knp.expand_dims(starts, 1) + knp.expand_dims(offsets, 0), axis=-1)


@symbolic(_stft_spec)
def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """The short-time Fourier transform of a real signal along its last axis.

    Args:
        x: a real tensor of shape (..., samples).
        sequence_length: the length of the window.
        sequence_stride: the step between frames.
        fft_length: the frame and FFT length (>= sequence_length; the window is
            zero-padded to it, centred).
        window: "hann" or "hamming" (periodic), a tensor of shape (sequence_length,),
            or None for no window.
        center: reflect-pad `fft_length // 2` samples on both sides first, so frame
            t is centred at sample `t * sequence_stride`.

    Returns:
        A tuple `(real, imag)` of shape (..., frames, fft_length // 2 + 1).

    Example:
    >>> real, imag = kappa.ops.stft(kappa.ops.ones((2, 64)), 16, 8, 32)  # each (2, 9, 17)
    """
    rules.check_stft_args(sequence_length, sequence_stride, fft_length, window, "stft")
    x = convert_to_tensor(x)
    dtype = float_dtype(dtype_of(x))
    x = cast(x, dtype)
    if center:
        half = fft_length // 2
        x = knp.pad(x, [(0, 0)] * (len(shapes.shape_of(x)) - 1) + [(half, half)], mode="reflect")
    frames = extract_sequences(x, fft_length, sequence_stride)
    padded = _padded_window(window, sequence_length, fft_length, dtype)
    if padded is not None:
        frames = frames * padded
    return rfft(frames, fft_length=fft_length)


@symbolic(_istft_spec)
def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann", center=True):
    """The inverse of `stft`: a real signal from frames `x = (real, imag)` by windowed overlap-add.

    The overlap-added frames are divided by the overlap-added squared window, so
    `istft(stft(x, ...), ...)` gives back `x` wherever the windows cover it.

    Args:
        x: a tuple `(real, imag)` of shape (..., frames, fft_length // 2 + 1).
        sequence_length, sequence_stride, fft_length, window, center: as given to `stft`.
        length: the number of samples to return; by default all the frames cover
            (less the `center` padding).

    Example:
    >>> signal = kappa.ops.istft(kappa.ops.stft(kappa.ops.ones((64,)), 16, 4, 16), 16, 4, 16, length=64)
    """
    rules.check_complex_pair(x, "istft")
    rules.check_stft_args(sequence_length, sequence_stride, fft_length, window, "istft")
    frames = irfft(x, fft_length=fft_length)  # (..., count, fft_length)
    dtype = shapes.standard_dtype(frames)
    shape = shapes.shape_of(frames)
    count = shape[-2]
    padded = _padded_window(window, sequence_length, fft_length, dtype)
    weight = knp.ones((fft_length,), dtype=dtype) if padded is None else padded
    # Overlap-add as one segment sum: sample j of frame t lands at t * stride + j.
    positions = knp.reshape(knp.expand_dims(knp.arange(count, dtype="int32") * sequence_stride, 1)
                            + knp.expand_dims(knp.arange(fft_length, dtype="int32"), 0), (-1,))
    total = fft_length + sequence_stride * (count - 1)
    samples = knp.moveaxis(knp.reshape(frames * weight, shape[:-2] + (count * fft_length,)), -1, 0)
    signal = knp.moveaxis(segment_sum(samples, positions, num_segments=total, sorted=True), 0, -1)
    norm = segment_sum(knp.reshape(knp.tile(weight * weight, (count,)), (-1,)), positions,
                       num_segments=total, sorted=True)
    signal = signal / knp.where(norm > 1e-10, norm, knp.ones_like(norm))
    start, end = _istft_crop(count, sequence_stride, fft_length, length, center)
    if end > total:
        signal = knp.pad(signal, [(0, 0)] * (len(shape) - 2) + [(0, end - total)])
    return signal[..., start:end]


def _cdist_spec(x, y):
    xs, ys = shapes.shape_of(x), shapes.shape_of(y)
    _check_cdist(xs, ys)
    batch = shapes.broadcast_shapes(xs[:-2], ys[:-2])
    return KerasTensor(batch + (xs[-2], ys[-2]), float_dtype(promoted(x, y)))


def _check_cdist(xs, ys):
    if len(xs) < 2 or len(ys) < 2:
        raise ValueError(f"cdist expects x of shape (..., m, d) and y of shape (..., n, d); "
                         f"got {xs} and {ys}.")
    if xs[-1] is not None and ys[-1] is not None and xs[-1] != ys[-1]:
        raise ValueError(f"cdist expects x and y to share their last (feature) dimension; got {xs} and {ys}.")


@symbolic(_cdist_spec)
def cdist(x, y):
    """Euclidean distances between the rows of x (..., m, d) and of y (..., n, d): (..., m, n).

    Example:
        >>> cdist([[0.0, 0.0]], [[3.0, 4.0]])  # [[5.]]
    """
    x, y = convert_to_tensor(x), convert_to_tensor(y)
    _check_cdist(shapes.shape_of(x), shapes.shape_of(y))
    dtype = float_dtype(promoted(x, y))
    x, y = cast(x, dtype), cast(y, dtype)
    diff = knp.subtract(knp.expand_dims(x, -2), knp.expand_dims(y, -3))
    return knp.sqrt(knp.sum(knp.square(diff), axis=-1))
