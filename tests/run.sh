#!/usr/bin/env bash
# Runs the whole test suite, installing first whatever the tests need on a fresh machine.
# Usage: tests/run.sh [extra cargo test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

# The test tools live in .test-env (git-ignored), so nothing is installed system-wide.
export CLAUDED_TEST_ENV="$PWD/.test-env"
mkdir -p "$CLAUDED_TEST_ENV"

# The official openai Python SDK, for the compatibility suite (tests/compat/).
venv="$CLAUDED_TEST_ENV/venv"
if ! "$venv/bin/python" -c 'import openai' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'openai>=1.50,<4'
fi
export CLAUDED_PYTHON="$venv/bin/python"

cargo test --locked "$@"
