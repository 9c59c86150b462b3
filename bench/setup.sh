#!/usr/bin/env bash
# What `python -m bench` needs beside the project: wrk (Debian), py-spy (PyPI, in the
# project's virtual environment) and the Node peers, Apollo Gateway with its composition and
# Hive Gateway (npm, pinned by bench/apollo/package-lock.json: nothing is fetched when a run
# starts them). `python -m bench` runs this itself when one of them is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq wrk
  else
    sudo apt-get update -qq && sudo apt-get install -y -qq wrk
  fi
fi
"$PYTHON" -m pip install -q "py-spy>=0.4"
(cd bench/apollo && npm ci --no-audit --no-fund --loglevel=error)
