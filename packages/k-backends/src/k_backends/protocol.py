"""The names every backend package must provide, family by family.

A backend is a package `k_backends.<name>` with one module per family below.
The conformance suite (`k_backends.testing.conformance`) checks every name on
every backend; a family's list grows as the issues that need it land, and a
name listed here is implemented on all backends.
"""

PROTOCOL = {
    # Tensors, conversion, variables' storage and device placement.
    "core": (
        "convert_to_tensor",  # (x, dtype=None, sparse=None, ragged=None)
        "convert_to_numpy",  # (x) -> np.ndarray
        "is_tensor",  # (x) -> bool, True for the framework's own tensors
        "cast",  # (x, dtype)
        "shape",  # (x) -> tuple; a dim is an int when known statically
        "variable_storage",  # (value, trainable, name) -> the framework object holding a Variable
        "assign_storage",  # (storage, value) -> storage holding value (may be the same object)
        "read_storage",  # (storage) -> a tensor of the current value, unchanged by later assigns
        "device_scope",  # (device_name) -> context manager placing new tensors
        "tensor_types",  # () -> tuple of the framework's tensor classes
        # slicing, scattering, casting (k_ops.core)
        "slice", "slice_update", "scatter", "scatter_update", "stop_gradient", "saturate_cast",
        "unstack",
        # control flow, compiled by each framework (Python loops on numpy and torch)
        "cond", "while_loop", "fori_loop", "scan", "associative_scan", "map", "switch",
        "vectorized_map",
        "custom_gradient",  # (f) -> f with the gradient from the grad_fn f returns
    ),
    # NumPy-like ops, by group: each group is k_backends/<backend>/numpy/<group>.py and
    # k_ops/numpy/<group>.py. Ops written once in k_ops from other ops are not listed.
    "numpy": (
        # elementwise
        "absolute", "angle", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh",
        "bitwise_invert", "cbrt", "ceil", "clip", "conjugate", "cos", "cosh", "deg2rad", "exp",
        "exp2", "expm1", "fabs", "floor", "i0", "imag", "isfinite", "isinf", "isnan", "isneginf",
        "isposinf", "isreal", "log", "log10", "log1p", "log2", "logical_not", "nan_to_num",
        "negative", "rad2deg", "real", "reciprocal", "round", "sign", "signbit", "sin", "sinc",
        "sinh", "sqrt", "square", "tan", "tanh", "trunc",
        # binary
        "add", "allclose", "arctan2", "bitwise_and", "bitwise_left_shift", "bitwise_or",
        "bitwise_right_shift", "bitwise_xor", "divide", "divide_no_nan", "equal", "floor_divide",
        "fmax", "fmin", "fmod", "gcd", "greater", "greater_equal", "heaviside", "hypot", "isclose",
        "lcm", "ldexp", "less", "less_equal", "logaddexp", "logaddexp2", "logical_and",
        "logical_or", "logical_xor", "matmul", "maximum", "minimum", "mod", "multiply", "nextafter",
        "not_equal", "power", "subtract", "true_divide",
        # reductions
        "all", "any", "argmax", "argmin", "average", "corrcoef", "count_nonzero", "cumprod",
        "cumsum", "max", "mean", "median", "min", "nanargmax", "nanargmin", "nancumprod",
        "nancumsum", "nanmax", "nanmean", "nanmedian", "nanmin", "nanpercentile", "nanprod",
        "nanquantile", "nanstd", "nansum", "nanvar", "percentile", "prod", "ptp", "quantile", "std",
        "sum", "trapezoid", "var",
        # creation
        "arange", "array", "bartlett", "blackman", "copy", "diag", "diagflat", "empty",
        "empty_like", "eye", "full", "full_like", "geomspace", "hamming", "hanning", "kaiser",
        "linspace", "logspace", "meshgrid", "ones", "ones_like", "tri", "tril", "triu", "vander",
        "zeros", "zeros_like",
        # manipulation
        "array_split", "broadcast_to", "concatenate", "expand_dims", "flip", "moveaxis", "pad",
        "repeat", "reshape", "roll", "rot90", "size", "split", "squeeze", "stack", "swapaxes",
        "tile", "transpose", "unravel_index", "view",
        # indexing
        "argpartition", "argsort", "bincount", "diagonal", "digitize", "get_item", "histogram",
        "isin", "nonzero", "searchsorted", "select", "sort", "take", "take_along_axis", "trace",
        "unique", "where",
        # linear
        "correlate", "cross", "diff", "dot", "einsum", "inner", "kron", "outer", "slogdet",
        "tensordot", "vdot", "vectorize",
    ),
    # Draws from a seed pair (two int32 values) made by k_backends.seed.
    "random": (
        "normal", "uniform", "randint", "truncated_normal", "categorical", "dropout", "shuffle",
        "gamma", "binomial", "beta",
    ),
    # Linear algebra (k_ops.linalg): decompositions, solvers, inverses, norms, forward-mode jvp.
    "linalg": (
        "cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "jvp", "lstsq", "lu_factor",
        "matrix_rank", "norm", "pinv", "qr", "solve", "solve_triangular", "svd",
    ),
    # Neural-network ops with a backend kernel; the rest of k_ops.nn is built from other ops.
    "nn": ("conv", "conv_transpose", "max_pool", "average_pool"),
    # Math ops beyond NumPy with a backend kernel.
    "math": (
        "logsumexp", "erf", "erfc", "erfinv", "rsqrt", "top_k", "segment_sum", "segment_max",
        "segment_min", "segment_prod", "fft", "fft2", "ifft2", "rfft", "irfft", "view_as_complex",
        "view_as_real",
    ),
}
