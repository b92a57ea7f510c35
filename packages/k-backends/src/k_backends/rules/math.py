"""Shape and argument rules of the math family, shared by its specs and backends."""

from k_backends import dtypes

__all__ = [
    "check_top_k", "segment_count", "check_segment_ids", "check_complex_pair", "check_pair_shapes",
    "rfft_length", "irfft_length", "complex_dtype_of", "real_dtype_of",
    "check_last_dimension_is_two", "sequence_count", "check_stft_args", "stft_window",
]

def check_top_k(shape, k):
    """Raise unless `k` is an int between 0 and the last dimension of `shape` (which has rank >= 1)."""
    if isinstance(k, bool) or not hasattr(k, "__index__"):
        raise TypeError(f"top_k expected an int k; got k={k!r}.")
    if not shape:
        raise ValueError("top_k needs an input of rank 1 or more; got a scalar.")
    if k < 0 or (shape[-1] is not None and k > shape[-1]):
        raise ValueError(f"top_k expected 0 <= k <= {shape[-1]} (the last dimension of the input of "
                         f"shape {shape}); got k={k}.")
    return int(k)


def check_segment_ids(data_shape, ids_shape, num_segments):
    """Raise unless `segment_ids` is 1-D along `data`'s first axis and `num_segments` is None or an int."""
    if not data_shape:
        raise ValueError("segment reductions need data of rank 1 or more; got a scalar.")
    if len(ids_shape) != 1:
        raise ValueError(f"segment_ids must be 1-D (one segment per row of data); got shape {ids_shape}.")
    if None not in (data_shape[0], ids_shape[0]) and data_shape[0] != ids_shape[0]:
        raise ValueError(f"segment_ids has {ids_shape[0]} entries but data has {data_shape[0]} rows "
                         f"(data shape {data_shape}); they must be equal.")
    if num_segments is not None and (isinstance(num_segments, bool) or not hasattr(num_segments, "__index__")
                                     or num_segments < 0):
        raise ValueError(f"num_segments must be None or a non-negative int; got {num_segments!r}.")


def segment_count(num_segments, max_id):
    """The number of segments: `num_segments`, or one more than the largest id when it is None."""
    return int(num_segments) if num_segments is not None else int(max_id) + 1


def check_complex_pair(x, op):
    """Raise unless `x` is a (real, imag) pair, the way the FFT ops take complex input."""
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise TypeError(f"{op} expects x as a tuple (real, imag) of two float tensors; "
                        f"got {type(x).__name__}.")


def check_pair_shapes(real_shape, imag_shape, rank, op):
    """Raise unless the real and imaginary parts have equal shapes of rank `rank` or more."""
    real_shape, imag_shape = tuple(real_shape), tuple(imag_shape)
    if real_shape != imag_shape:
        raise ValueError(f"{op} needs real and imaginary parts of equal shapes; got {real_shape} "
                         f"and {imag_shape}.")
    if len(real_shape) < rank:
        raise ValueError(f"{op} needs inputs of rank {rank} or more; got shape {real_shape}.")


def rfft_length(n, fft_length):
    """The transform length of rfft/irfft: `fft_length`, or `n` when it is None."""
    if fft_length is None:
        return n
    if isinstance(fft_length, bool) or not hasattr(fft_length, "__index__") or fft_length < 1:
        raise ValueError(f"fft_length must be None or a positive int; got fft_length={fft_length!r}.")
    return int(fft_length)


def irfft_length(m, fft_length):
    """The output length of irfft for `m` complex inputs: `fft_length`, or 2 * (m - 1) when it is None."""
    if fft_length is None:
        return None if m is None else 2 * (m - 1)
    return rfft_length(m, fft_length)


def complex_dtype_of(dtype):
    """The complex dtype `view_as_complex` gives a real `dtype`: complex128 for float64, else complex64."""
    if dtypes.is_complex_dtype(dtype):
        raise TypeError(f"view_as_complex expects a real tensor whose last dimension of 2 holds "
                        f"(real, imag); got dtype {dtype}.")
    return "complex128" if dtype == "float64" else "complex64"


def real_dtype_of(dtype):
    """The float dtype of the parts of a complex `dtype`; a clear error for a real one."""
    if not dtypes.is_complex_dtype(dtype):
        raise TypeError(f"view_as_real expects a complex tensor; got dtype {dtype}.")
    return "float64" if dtype == "complex128" else "float32"


def check_last_dimension_is_two(shape):
    """Raise unless `shape` ends in 2, the (real, imag) axis of `view_as_complex`."""
    if not shape or (shape[-1] is not None and shape[-1] != 2):
        raise ValueError(f"view_as_complex expects a last dimension of 2 (real, imag); "
                         f"got shape {tuple(shape)}.")


def sequence_count(length, sequence_length, sequence_stride):
    """How many windows of `sequence_length`, `sequence_stride` apart, fit in `length` (None if unknown)."""
    for name, value in (("sequence_length", sequence_length), ("sequence_stride", sequence_stride)):
        if isinstance(value, bool) or not hasattr(value, "__index__") or value < 1:
            raise ValueError(f"extract_sequences expects a positive int {name}; got {name}={value!r}.")
    if length is None:
        return None
    return max(0, 1 + (length - sequence_length) // sequence_stride)


def check_stft_args(sequence_length, sequence_stride, fft_length, window, op):
    """Raise unless the framing arguments of stft/istft are consistent."""
    for name, value in (("sequence_length", sequence_length), ("sequence_stride", sequence_stride),
                        ("fft_length", fft_length)):
        if isinstance(value, bool) or not hasattr(value, "__index__") or value < 1:
            raise ValueError(f"{op} expects a positive int {name}; got {name}={value!r}.")
    if sequence_length > fft_length:
        raise ValueError(f"{op} expects sequence_length <= fft_length; got {sequence_length} > {fft_length}.")
    if isinstance(window, str) and window not in ("hann", "hamming"):
        raise ValueError(f"{op}'s window must be 'hann', 'hamming', a tensor or None; got {window!r}.")


def stft_window(name, sequence_length):
    """The periodic Hann or Hamming window of `sequence_length` samples, as float64 NumPy values."""
    import numpy as np

    phase = np.cos(2 * np.pi * np.arange(sequence_length) / sequence_length)
    return 0.5 - 0.5 * phase if name == "hann" else 0.54 - 0.46 * phase
