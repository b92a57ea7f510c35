#!/usr/bin/env bash
# Set up (on first run) and run kappa's demo, examples/digits.py, on the default backend (jax), or on
# the one KAPPA_BACKEND names (jax, torch or tensorflow). The environment is cached outside the
# clone, next to the test environments ($KAPPA_NOX_CACHE, default ~/.cache/kappa-nox).
set -euo pipefail
cd "$(dirname "$0")/.."
backend="${KAPPA_BACKEND:-jax}"
case "$backend" in
  jax) framework="jax>=0.4.30" ;;
  torch) framework="torch==2.13.0" ;;  # the CPU build; pip's configuration here finds it
  tensorflow) framework="tensorflow-cpu>=2.16" ;;
  *) echo "demo: KAPPA_BACKEND must be jax, torch or tensorflow to train; got '$backend'" >&2; exit 2 ;;
esac
env_dir="${KAPPA_NOX_CACHE:-$HOME/.cache/kappa-nox}/demo-$backend"
requirements="$framework scikit-learn>=1.3 h5py>=3.10 ml_dtypes>=0.4"
if [ ! -x "$env_dir/bin/python" ] || [ "$(cat "$env_dir/requirements.txt" 2>/dev/null)" != "$requirements" ]; then
  python3 -m venv --clear "$env_dir"
  # shellcheck disable=SC2086
  "$env_dir/bin/python" -m pip install --quiet $requirements
  echo "$requirements" > "$env_dir/requirements.txt"
fi
PYTHONPATH="$(ls -d "$PWD"/packages/*/src | tr '\n' ':')" KAPPA_BACKEND="$backend" \
  exec "$env_dir/bin/python" examples/digits.py "$@"
