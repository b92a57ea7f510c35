"""Check in a fresh interpreter which frameworks an import pulls in."""

import json
import os
import subprocess
import sys

FRAMEWORKS = ("jax", "torch", "tensorflow")


def frameworks_loaded_by(code, env=None):
    """Run `code` in a new Python process; return the frameworks it imported (sorted)."""
    script = (code + "\nimport json, sys\n"
              f"print(json.dumps(sorted(m for m in {FRAMEWORKS!r} if m in sys.modules)))")
    result = subprocess.run([sys.executable, "-c", script], env=dict(os.environ, **(env or {})),
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"`{code}` failed in a fresh interpreter:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])
