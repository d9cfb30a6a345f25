#!/usr/bin/env bash
# Runs the whole test suite, installing first whatever the tests need on a fresh machine, then
# the server's route tests a second time on the PostgreSQL engine (tests/pg.sh finds a server).
# Usage: tests/run.sh [cargo test arguments]
# With arguments it runs one `cargo test` with them, on the engine CLAUDED_TEST_ENGINE names
# (SQLite unless it says postgres): CLAUDED_TEST_ENGINE=postgres tests/run.sh --test it webedt::
set -euo pipefail
cd "$(dirname "$0")/.."

# The test tools live in .test-env (git-ignored), so nothing is installed system-wide.
export CLAUDED_TEST_ENV="$PWD/.test-env"
mkdir -p "$CLAUDED_TEST_ENV"

# The official openai and anthropic Python SDKs, for the compatibility suite (tests/compat/).
venv="$CLAUDED_TEST_ENV/venv"
if ! "$venv/bin/python" -c 'import openai, anthropic' 2>/dev/null; then
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'openai>=1.50,<4' 'anthropic>=0.40'
fi
export CLAUDED_PYTHON="$venv/bin/python"

# Real MCP servers for the MCP tests (no mocks): two from npm, one from PyPI.
if ! "$venv/bin/python" -c 'import mcp_server_time' 2>/dev/null; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'mcp-server-time'
fi
node_dir="$CLAUDED_TEST_ENV/node"
# Browser clients (tests/compat/browser.mjs): playwright-core drives the system's Chromium (it
# downloads no browser), and the openai JS SDK runs in the page. Claude Code and Codex are the
# real agents (tests/it/agents.rs runs them in a loopback-only network namespace).
if [ ! -x "$node_dir/node_modules/.bin/mcp-server-everything" ] || [ ! -x "$node_dir/node_modules/.bin/mcp-server-filesystem" ] \
    || [ ! -d "$node_dir/node_modules/playwright-core" ] || [ ! -d "$node_dir/node_modules/openai" ] \
    || [ ! -x "$node_dir/node_modules/.bin/claude" ] || [ ! -x "$node_dir/node_modules/.bin/codex" ]; then
    mkdir -p "$node_dir"
    [ -f "$node_dir/package.json" ] || (cd "$node_dir" && npm init -y >/dev/null)
    (cd "$node_dir" && npm install --no-audit --no-fund --silent \
        @modelcontextprotocol/server-everything @modelcontextprotocol/server-filesystem \
        playwright-core openai @anthropic-ai/claude-code @openai/codex >/dev/null)
fi
export CLAUDED_MCP_BIN="$node_dir/node_modules/.bin"
export CLAUDED_NODE_MODULES="$node_dir/node_modules"
if [ -z "${CLAUDED_CHROMIUM:-}" ]; then
    for c in /usr/bin/chromium /usr/bin/chromium-browser; do
        [ -x "$c" ] && export CLAUDED_CHROMIUM="$c" && break
    done
fi
export CLAUDED_MCP_TIME="$venv/bin/mcp-server-time"

# PostgreSQL: CLAUDED_TEST_PG_URL, or a throwaway server stopped when this script exits
. tests/pg.sh

# every locked package, for every platform: the rust-version test reads `cargo metadata --offline`
cargo fetch --locked --quiet

if [ $# -gt 0 ]; then
    if [ "${CLAUDED_TEST_ENGINE:-}" = postgres ] && [ -z "${CLAUDED_TEST_PG_URL:-}" ]; then
        echo "CLAUDED_TEST_ENGINE=postgres needs a PostgreSQL server: install postgresql or set CLAUDED_TEST_PG_URL" >&2
        exit 1
    fi
    cargo test --locked "$@"
    exit
fi

# The whole suite on SQLite, then the route tests on PostgreSQL; both run, and the script fails
# if either did.
status=0
CLAUDED_TEST_ENGINE=sqlite cargo test --locked || status=$?
if [ -n "${CLAUDED_TEST_PG_URL:-}" ]; then
    # the modules whose tests drive the server's routes (a bare `server_` would also pick
    # agent, mcp_client and doctor tests that merely name an MCP server)
    routes=(accounts:: github_oauth:: server_faults:: server_guards:: server_routes:: webedt:: openai_sdk:: anthropic_sdk::
        approvals:: shared_store:: mcp_registry:: observability:: openapi:: webedt_sessions::)
    echo "== the route tests again, on PostgreSQL" >&2
    CLAUDED_TEST_ENGINE=postgres cargo test --locked --test it -- "${routes[@]}" || status=$?
fi
exit "$status"
