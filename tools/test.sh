#!/usr/bin/env bash
# Set up (on first run) and run kappa's test matrix. Arguments go to nox,
# e.g. `bash tools/test.sh -s lint`. Environments are cached outside the
# clone in $KAPPA_NOX_CACHE (default ~/.cache/kappa-nox), so a second run
# installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
export KAPPA_NOX_CACHE="${KAPPA_NOX_CACHE:-$HOME/.cache/kappa-nox}"
tools="$KAPPA_NOX_CACHE/tools"
if [ ! -x "$tools/bin/nox" ] || [ ! -x "$tools/bin/uv" ]; then
  python3 -m venv --clear "$tools"
  "$tools/bin/python" -m pip install --quiet "nox>=2024.10" "uv>=0.4"
fi
export PATH="$tools/bin:$PATH"
exec nox --non-interactive "$@"
