"""Check that a backend package provides every name of the backend protocol.

A third-party backend runs the same check on its own package:

    from k_backends.testing import missing_protocol_names
    assert missing_protocol_names(my_backend) == []
"""

from k_backends.protocol import PROTOCOL


def missing_protocol_names(backend_package):
    """The `family.name` entries of PROTOCOL that `backend_package` lacks or that are not callable."""
    missing = []
    for family, names in PROTOCOL.items():
        module = getattr(backend_package, family, None)
        for name in names:
            if not callable(getattr(module, name, None)):
                missing.append(f"{family}.{name}")
    return missing
