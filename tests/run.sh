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

# Real MCP servers for the MCP tests (no mocks): two from npm, one from PyPI.
if ! "$venv/bin/python" -c 'import mcp_server_time' 2>/dev/null; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'mcp-server-time'
fi
node_dir="$CLAUDED_TEST_ENV/node"
if [ ! -x "$node_dir/node_modules/.bin/mcp-server-everything" ] || [ ! -x "$node_dir/node_modules/.bin/mcp-server-filesystem" ]; then
    mkdir -p "$node_dir"
    [ -f "$node_dir/package.json" ] || (cd "$node_dir" && npm init -y >/dev/null)
    (cd "$node_dir" && npm install --no-audit --no-fund --silent \
        @modelcontextprotocol/server-everything @modelcontextprotocol/server-filesystem >/dev/null)
fi
export CLAUDED_MCP_BIN="$node_dir/node_modules/.bin"
export CLAUDED_MCP_TIME="$venv/bin/mcp-server-time"

# every locked package, for every platform: the rust-version test reads `cargo metadata --offline`
cargo fetch --locked --quiet

cargo test --locked "$@"
