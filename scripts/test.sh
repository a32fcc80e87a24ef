#!/usr/bin/env bash
# Sets up (if needed) and runs the test suite: `bash scripts/test.sh` (extra args go to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${VIRTUAL_ENV:-}" ]; then
  [ -d .venv ] || python3 -m venv .venv
  . .venv/bin/activate
  python -m pip install --quiet --upgrade pip
  python -m pip install --quiet -e ".[dev]"
  python -m ipykernel install --sys-prefix --name python3 >/dev/null
fi
export MPLBACKEND=Agg PYTHONHASHSEED=0
exec python -m pytest -q "$@"
