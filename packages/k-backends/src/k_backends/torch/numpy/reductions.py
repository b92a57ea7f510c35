"""Reductions, cumulative, nan-aware and statistical ops on PyTorch.

Output dtypes are kappa's (`k_backends.rules.reductions`). torch (2.13) has no
CPU kernels for several reductions on uint16/32/64 and none for max/argmax on
bool; those compute in a wider signed type and cast back. float16 and bfloat16
statistics accumulate in float32. Where NumPy reads `axis=()` as "reduce
nothing", torch reads `dim=()` as "reduce everything", so `()` is handled here.
"""

import torch

from k_backends import config
from k_backends.dtypes import standardize_dtype
from k_backends.inference import promoted
from k_backends.rules import reductions as rules
from k_backends.torch.core import COMPUTE_DTYPES, convert_to_tensor, to_torch_dtype

__all__ = [
    "sum", "prod", "mean", "max", "min", "all", "any", "argmax", "argmin", "count_nonzero", "ptp",
    "std", "var", "median", "quantile", "percentile", "average", "corrcoef", "trapezoid",
    "cumsum", "cumprod", "nansum", "nanprod", "nanmean", "nanstd", "nanvar", "nanmax", "nanmin",
    "nanargmax", "nanargmin", "nanmedian", "nanquantile", "nanpercentile", "nancumsum", "nancumprod",
]

# Output dtype of a sum or product of each dtype; _WIDE holds the dtypes torch computes those in.
_SUM_DTYPES = {d: to_torch_dtype(rules.sum_dtype(standardize_dtype(d))) for d in (
    torch.bool, torch.uint8, torch.uint16, torch.uint32, torch.uint64, torch.int8, torch.int16,
    torch.int32, torch.int64, torch.float16, torch.bfloat16, torch.float32, torch.float64)}
# Dtypes whose torch.sum(x) already has kappa's dtype (torch sums integers to int64).
_PLAIN_SUM = frozenset((torch.float32, torch.float64, torch.complex64, torch.complex128))
_WIDE = {**COMPUTE_DTYPES, torch.float16: torch.float32, torch.bfloat16: torch.float32}
# Where amax/argmax lack a kernel: bool compares as uint8.
_ORDER_DTYPES = {**COMPUTE_DTYPES, torch.bool: torch.uint8}
_STATISTIC_DTYPES = {}
_NOTHING = "reduce nothing"


def _dims(axis):
    """torch's `dim` for a NumPy `axis`; `_NOTHING` for `()`, which torch would read as every dim."""
    if type(axis) is list:
        axis = tuple(axis)
    return _NOTHING if axis == () else axis


def _statistic_dtypes(x):
    """(compute dtype, output dtype) of a statistic of x: float32 at least, float64 kept."""
    key = (x.dtype, config.floatx())
    found = _STATISTIC_DTYPES.get(key)
    if found is None:
        out = rules.statistic_dtype(standardize_dtype(x.dtype))
        found = _STATISTIC_DTYPES[key] = (to_torch_dtype(rules.accumulation_dtype(out)), to_torch_dtype(out))
    return found


def _reduced_shape(shape, axis, keepdims):
    axes = rules.reduction_axes(axis, len(shape))
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def _over_one_dim(func, x, axis, keepdims):
    """Apply `func(x, dim)` (which reduces one dim, keeping it) over an axis tuple by flattening them."""
    axes = rules.reduction_axes(axis, x.ndim)
    kept = [a for a in range(x.ndim) if a not in axes]
    rows = x.permute(*kept, *axes).reshape(*(x.shape[a] for a in kept), -1) if x.ndim else x.reshape(1)
    result = func(rows, -1)
    return result.reshape(_reduced_shape(x.shape, axis, keepdims))


# -- reductions -------------------------------------------------------------
def sum(x, axis=None, keepdims=False):
    x = convert_to_tensor(x)
    out = _SUM_DTYPES[x.dtype]
    if axis is None and not keepdims and x.dtype in _PLAIN_SUM:
        return torch.sum(x)  # the common case; torch parses no optional arguments
    dim = _dims(axis)
    compute = _WIDE.get(out, out)
    if dim is _NOTHING:
        return x.to(out)
    result = torch.sum(x, dim=dim, keepdim=keepdims, dtype=compute)
    return result if compute == out else result.to(out)


def prod(x, axis=None, keepdims=False, dtype=None):
    x = convert_to_tensor(x)
    out = _SUM_DTYPES[x.dtype] if dtype is None else to_torch_dtype(dtype)
    compute = _WIDE.get(out, out)
    # torch.prod reduces one dim at a time.
    if isinstance(axis, (tuple, list)) or axis is None:
        result = _over_one_dim(lambda v, d: torch.prod(v, d, keepdim=True, dtype=compute), x, axis, keepdims)
    else:
        result = torch.prod(x, axis, keepdim=keepdims, dtype=compute)
    return result.to(out)


def mean(x, axis=None, keepdims=False):
    x = convert_to_tensor(x)
    compute, out = _statistic_dtypes(x)
    dim = _dims(axis)
    if dim is _NOTHING:
        return x.to(out)
    # dtype= reads x in float32 without materializing a float32 copy of it.
    result = torch.mean(x, dim=dim, keepdim=keepdims, dtype=compute)
    return result if compute == out else result.to(out)


def _extreme(torch_func, torch_pair, name):
    def op(x, axis=None, keepdims=False, initial=None):
        x = convert_to_tensor(x)
        dim = _dims(axis)
        if dim is _NOTHING:
            result = x
        elif x.numel() == 0:
            if initial is None:
                rules.check_nonempty(name, x.shape, axis)
            result = torch.empty(_reduced_shape(x.shape, axis, keepdims), dtype=x.dtype, device=x.device)
        else:
            compute = _ORDER_DTYPES.get(x.dtype)
            result = torch_func(x if compute is None else x.to(compute), dim=dim, keepdim=keepdims)
            result = result if compute is None else result.to(x.dtype)
        if initial is None:
            return result
        initial = torch.tensor(initial, device=x.device).to(x.dtype)
        if result.numel() == 0 or x.numel() == 0:
            return initial.expand(result.shape).clone()
        compute = _ORDER_DTYPES.get(x.dtype)
        if compute is None:
            return torch_pair(result, initial)
        return torch_pair(result.to(compute), initial.to(compute)).to(x.dtype)
    op.__name__ = name
    return op


max = _extreme(torch.amax, torch.maximum, "max")
min = _extreme(torch.amin, torch.minimum, "min")


def _logical(torch_func):
    def op(x, axis=None, keepdims=False):
        x = convert_to_tensor(x)
        if x.dtype != torch.bool:
            x = x != 0  # torch.all/any keep uint8 as uint8
        dim = _dims(axis)
        return x if dim is _NOTHING else torch_func(x, dim=dim, keepdim=keepdims)
    op.__name__ = torch_func.__name__
    return op


all = _logical(torch.all)
any = _logical(torch.any)


def _index_op(torch_func, name, fill=None):
    """argmax/argmin; with `fill`, NaNs are replaced by it and all-NaN slices give -1."""
    def op(x, axis=None, keepdims=False):
        x = convert_to_tensor(x)
        axis = rules.single_axis(axis, x.ndim)
        if x.numel() == 0:
            rules.check_nonempty(name, x.shape, axis)
        compute = _ORDER_DTYPES.get(x.dtype)
        values = x if compute is None else x.to(compute)
        if fill is None or not x.is_floating_point():
            return torch_func(values, dim=axis, keepdim=keepdims).to(torch.int32)
        is_nan = torch.isnan(values)
        index = torch_func(torch.where(is_nan, fill, values), dim=axis, keepdim=keepdims)
        if axis is None:
            all_nan = is_nan.all().reshape((1,) * x.ndim if keepdims else ())
        else:
            all_nan = is_nan.all(dim=axis, keepdim=keepdims)
        return torch.where(all_nan, -1, index).to(torch.int32)
    op.__name__ = name
    return op


argmax = _index_op(torch.argmax, "argmax")
argmin = _index_op(torch.argmin, "argmin")
nanargmax = _index_op(torch.argmax, "nanargmax", fill=-float("inf"))
nanargmin = _index_op(torch.argmin, "nanargmin", fill=float("inf"))


def count_nonzero(x, axis=None):
    x = convert_to_tensor(x)
    if x.dtype in COMPUTE_DTYPES:
        x = x != 0  # no count_nonzero kernel for uint16/32/64
    dim = _dims(axis)
    if dim is _NOTHING:
        return (x != 0).to(torch.int32)
    return torch.count_nonzero(x, dim=dim).to(torch.int32)


def ptp(x, axis=None, keepdims=False):
    x = convert_to_tensor(x)
    rules.check_subtractable("ptp", standardize_dtype(x.dtype))
    if x.numel() == 0:
        rules.check_nonempty("ptp", x.shape, axis)
    compute = COMPUTE_DTYPES.get(x.dtype)
    values = x if compute is None else x.to(compute)
    return (max(values, axis, keepdims) - min(values, axis, keepdims)).to(x.dtype)


# -- statistics -------------------------------------------------------------
def _moments(x, axis, keepdims, skip_nan, want):
    """mean, var or std of x over axis, computed in float32 at least; NaNs skipped when asked."""
    compute, out = _statistic_dtypes(x)
    x = x.to(compute)
    dim = _dims(axis)
    if dim is _NOTHING:
        return (x if want == "mean" else x - x).to(out)  # zero spread, NaN kept
    if x.numel() == 0:  # NumPy's NaN for empty slices, without torch's degrees-of-freedom warning
        return torch.full(_reduced_shape(x.shape, axis, keepdims), float("nan"), dtype=out, device=x.device)
    if not skip_nan:
        if want == "mean":
            result = torch.mean(x, dim=dim, keepdim=keepdims)
        elif want == "var":
            result = torch.var(x, dim=dim, correction=0, keepdim=keepdims)
        else:
            result = torch.std(x, dim=dim, correction=0, keepdim=keepdims)
        return result.to(out)
    is_nan = torch.isnan(x)
    count = (~is_nan).sum(dim=dim, keepdim=True)
    zeroed = torch.where(is_nan, 0.0, x)
    mean_ = zeroed.sum(dim=dim, keepdim=True) / count
    if want == "mean":
        result = mean_
    else:
        result = torch.where(is_nan, 0.0, (x - mean_) ** 2).sum(dim=dim, keepdim=True) / count
        if want == "std":
            result = torch.sqrt(result)
    if not keepdims:
        result = result.reshape(_reduced_shape(x.shape, axis, False))
    return result.to(out)


def std(x, axis=None, keepdims=False):
    return _moments(convert_to_tensor(x), axis, keepdims, False, "std")


def var(x, axis=None, keepdims=False):
    return _moments(convert_to_tensor(x), axis, keepdims, False, "var")


def nanmean(x, axis=None, keepdims=False):
    return _moments(convert_to_tensor(x), axis, keepdims, True, "mean")


def nanstd(x, axis=None, keepdims=False):
    return _moments(convert_to_tensor(x), axis, keepdims, True, "std")


def nanvar(x, axis=None, keepdims=False):
    return _moments(convert_to_tensor(x), axis, keepdims, True, "var")


def _quantile(name, x, q, axis, method, keepdims, skip_nan=False, scale=1):
    x = convert_to_tensor(x)
    if x.numel() == 0:
        rules.check_nonempty(name, x.shape, axis)
    compute, out = _statistic_dtypes(x)
    # Positions are computed in float64 as NumPy does: 50 / 100 * 59 must round to 30, not 29.
    q = convert_to_tensor(q, "float64")
    if scale != 1:
        q = q / scale
    axes = rules.reduction_axes(axis, x.ndim)
    return _sorted_quantile(x.to(compute), q, axes, method, keepdims, skip_nan).to(out)


def _sorted_quantile(x, q, axes, method, keepdims, skip_nan):
    """Quantiles of x over `axes` by sorting, as NumPy defines them (q's shape leads the result).

    torch.quantile takes one dim, only float32/64 and at most 2**24 elements, so it is written out.
    """
    kept = [a for a in range(x.ndim) if a not in axes]
    kept_shape = tuple(x.shape[a] for a in kept)
    length = 1
    for a in axes:
        length *= x.shape[a]
    rows = x.permute(*kept, *axes).reshape(kept_shape + (length,))
    is_nan = torch.isnan(rows)
    if skip_nan:
        # NaNs sort last as +inf; each slice's quantiles come from its own count of numbers.
        count = (~is_nan).sum(dim=-1, keepdim=True)
        rows = torch.where(is_nan, float("inf"), rows)
    else:
        count = length
    rows = torch.sort(rows, dim=-1).values
    position = q.reshape(-1) * (count - 1)
    position = position.expand(kept_shape + position.shape[-1:])

    def take(index):
        return torch.gather(rows, -1, index.clamp(0, length - 1).long())

    if method == "nearest":
        value = take(torch.round(position))  # half to even, as NumPy
    else:
        below, above = take(torch.floor(position)), take(torch.ceil(position))
        if method == "lower":
            value = below
        elif method == "higher":
            value = above
        elif method == "midpoint":
            value = (below + above) / 2
        else:
            value = below + (above - below) * (position - torch.floor(position)).to(x.dtype)
    empty = count == 0 if skip_nan else is_nan.any(dim=-1, keepdim=True)
    value = torch.movedim(torch.where(empty, float("nan"), value), -1, 0)
    if keepdims:
        return value.reshape(q.shape + tuple(1 if a in axes else d for a, d in enumerate(x.shape)))
    return value.reshape(q.shape + kept_shape)


def quantile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile("quantile", x, q, axis, method, keepdims)


def percentile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile("percentile", x, q, axis, method, keepdims, scale=100)


def median(x, axis=None, keepdims=False):
    return _quantile("median", x, 0.5, axis, "linear", keepdims)


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile("nanquantile", x, q, axis, method, keepdims, skip_nan=True)


def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile("nanpercentile", x, q, axis, method, keepdims, skip_nan=True, scale=100)


def nanmedian(x, axis=None, keepdims=False):
    return _quantile("nanmedian", x, 0.5, axis, "linear", keepdims, skip_nan=True)


def average(x, axis=None, weights=None):
    x = convert_to_tensor(x)
    if weights is None:
        return mean(x, axis)
    weights = convert_to_tensor(weights)
    rules.check_average_weights(x.shape, weights.shape, axis)
    out = to_torch_dtype(promoted(x, weights, float))
    compute = to_torch_dtype(rules.accumulation_dtype(standardize_dtype(out)))
    x, weights = x.to(compute), weights.to(compute)
    if weights.shape != x.shape:
        axis = rules.single_axis(axis, x.ndim)
        weights = weights.reshape((-1,) + (1,) * (x.ndim - 1 - axis))
    dim = _dims(axis)
    total = torch.sum(x * weights, dim=dim)
    return (total / torch.sum(weights.expand(x.shape), dim=dim)).to(out)


def corrcoef(x):
    x = convert_to_tensor(x)
    rules.check_corrcoef_rank(x.shape)
    out = rules.corrcoef_dtype(standardize_dtype(x.dtype))
    return torch.corrcoef(x.to(to_torch_dtype(rules.accumulation_dtype(out)))).to(to_torch_dtype(out))


def trapezoid(y, x=None, dx=1.0, axis=-1):
    y = convert_to_tensor(y)
    out = to_torch_dtype(promoted(*[v for v in (y, x, dx) if v is not None], float))
    compute = to_torch_dtype(rules.accumulation_dtype(standardize_dtype(out)))
    if x is not None:
        return torch.trapezoid(y.to(compute), convert_to_tensor(x, compute), dim=axis).to(out)
    if not isinstance(dx, (int, float)):
        dx = float(dx)
    return torch.trapezoid(y.to(compute), dx=dx, dim=axis).to(out)


# -- cumulative ops ---------------------------------------------------------
def _cumulative(torch_func, nan_fill=None):
    def op(x, axis=None, dtype=None):
        x = convert_to_tensor(x)
        out = to_torch_dtype(rules.cumulative_dtype(standardize_dtype(x.dtype)) if dtype is None else dtype)
        if axis is None:
            x, axis = x.reshape(-1), 0
        else:
            axis = rules.single_axis(axis, x.ndim)
        if nan_fill is not None and x.is_floating_point():
            x = torch.where(torch.isnan(x), nan_fill, x)
        compute = _WIDE.get(out, out)
        if x.ndim == 0:
            x = x.reshape(1)
        return torch_func(x, axis, dtype=compute).to(out)
    op.__name__ = torch_func.__name__
    return op


cumsum = _cumulative(torch.cumsum)
cumprod = _cumulative(torch.cumprod)
nancumsum = _cumulative(torch.cumsum, nan_fill=0.0)
nancumprod = _cumulative(torch.cumprod, nan_fill=1.0)


# -- nan-aware sums and extremes ------------------------------------------------
def nansum(x, axis=None, keepdims=False):
    x = convert_to_tensor(x)
    if x.is_floating_point():
        x = torch.where(torch.isnan(x), 0.0, x)
    return sum(x, axis, keepdims)


def nanprod(x, axis=None, keepdims=False):
    x = convert_to_tensor(x)
    if x.is_floating_point():
        x = torch.where(torch.isnan(x), 1.0, x)
    return prod(x, axis, keepdims)


def _nan_extreme(plain, fill, name):
    def op(x, axis=None, keepdims=False):
        x = convert_to_tensor(x)
        if x.numel() == 0:
            rules.check_nonempty(name, x.shape, axis)
        if not x.is_floating_point():
            return plain(x, axis, keepdims)
        is_nan = torch.isnan(x)
        result = plain(torch.where(is_nan, fill, x), axis, keepdims)
        return torch.where(all(is_nan, axis, keepdims), float("nan"), result)
    op.__name__ = name
    return op


nanmax = _nan_extreme(max, -float("inf"), "nanmax")
nanmin = _nan_extreme(min, float("inf"), "nanmin")
