#!/usr/bin/env bash
# Refresh requirements.lock from pyproject.toml: every dependency (and the test and build extras) pinned,
# one file for Linux, Windows and macOS. CI and the bundle install with it as constraints.
#   bash scripts/lock.sh            (needs uv: .venv/bin/pip install uv)
set -euo pipefail
cd "$(dirname "$0")/.."
UV="${UV:-.venv/bin/uv}"
command -v "$UV" >/dev/null || UV=uv
"$UV" pip compile pyproject.toml --extra test --extra build --universal --python-version 3.11 \
    --no-header --annotation-style line -o requirements.lock --quiet
echo "requirements.lock refreshed"
