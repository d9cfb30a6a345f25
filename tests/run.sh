#!/usr/bin/env bash
# Runs the whole test suite, installing first whatever the tests need on a fresh machine.
# Usage: tests/run.sh [extra cargo test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

# The test tools live in .test-env (git-ignored), so nothing is installed system-wide.
export CLAUDED_TEST_ENV="$PWD/.test-env"
mkdir -p "$CLAUDED_TEST_ENV"

cargo test --locked "$@"
