"""Rules shared by the image ops: data formats, ranks, channel axes, compute dtypes.

Images are batched (N, H, W, C) / (N, C, H, W) or unbatched (H, W, C) / (C, H, W);
`data_format=None` means `kappa.config.image_data_format()`.
"""

from k_backends import config

_LOW_FLOATS = ("float16", "bfloat16")


def data_format_of(data_format):
    data_format = config.image_data_format() if data_format is None else data_format
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first'; got {data_format!r}")
    return data_format


def check_rank(shape, op):
    if len(shape) not in (3, 4):
        raise ValueError(f"{op}: images must be rank 3 (unbatched) or 4 (batched); got shape {shape}")


def channel_axis(data_format):
    return -1 if data_format == "channels_last" else -3


def spatial_axes(data_format):
    return (-3, -2) if data_format == "channels_last" else (-2, -1)


def check_rgb(shape, data_format, op):
    check_rank(shape, op)
    c = shape[channel_axis(data_format)]
    if c is not None and c != 3:
        raise ValueError(f"{op}: images must have 3 channels; got {c} in shape {shape} ({data_format})")


def check_float(dtype, op):
    if not dtype.startswith("float"):
        raise ValueError(f"{op}: images must have a float dtype; got {dtype}")


def compute_dtype(dtype):
    return "float32" if dtype in _LOW_FLOATS else dtype
