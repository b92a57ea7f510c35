"""Reusable checks for backend implementations (kappa's own and third parties')."""

from k_backends.testing.conformance import missing_protocol_names as missing_protocol_names
