"""Reusable checks for backend implementations and kappa packages."""

from k_backends.testing.conformance import missing_protocol_names as missing_protocol_names
from k_backends.testing.isolation import frameworks_loaded_by as frameworks_loaded_by
from k_backends.testing.packaging import check_kappa_package as check_kappa_package
