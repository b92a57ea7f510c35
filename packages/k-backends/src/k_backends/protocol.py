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
    ),
    # The operator set of Variable; the rest of the NumPy surface arrives with k-ops.
    "numpy": (
        "add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "mod",
        "power", "matmul", "negative", "absolute", "equal", "not_equal", "less",
        "less_equal", "greater", "greater_equal", "bitwise_and", "bitwise_or",
        "bitwise_xor", "bitwise_invert",
    ),
    # Draws from a seed pair (two uint32 values) made by k_backends.seed.
    "random": ("normal", "uniform", "randint", "truncated_normal"),
}
