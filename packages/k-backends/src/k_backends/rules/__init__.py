"""Dtype and argument rules shared by the backends and k_ops' symbolic specs.

One module per op group (the groups of `k_ops.numpy`). A rule written here
is applied by every backend's eager op and by the op's symbolic spec, so the
two agree by construction.
"""
