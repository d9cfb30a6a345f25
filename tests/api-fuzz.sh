#!/usr/bin/env bash
# schemathesis (PyPI) against a live `clauded serve`, from the server's own /openapi.json:
# no 5xx, and every status, content type, header and body as the document says.
# Usage: tests/api-fuzz.sh [path to the clauded binary]  (default: target/debug/clauded)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-target/debug/clauded}"
[ -x "$bin" ] || cargo build --locked --quiet
venv="${CLAUDED_TEST_ENV:-$PWD/.test-env}/lint"
if ! "$venv/bin/schemathesis" --version >/dev/null 2>&1; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'schemathesis>=4.3,<5'
fi

# a server of its own: a temp home, no upstream key (routes that need one answer 401, as
# documented), a free port
home="$(mktemp -d)"
log="$home/serve.log"
cleanup() {
    [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$home"
}
trap cleanup EXIT
env -i PATH="$PATH" HOME="$home" CLAUDED_HOME="$home" CLAUDED_KEYRING=file \
    ANTHROPIC_BASE_URL=http://127.0.0.1:9 GITHUB_API_URL=http://127.0.0.1:9 \
    "$bin" serve --port 0 >"$log" 2>&1 &
pid=$!
for _ in $(seq 100); do
    url="$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$log")"
    [ -n "$url" ] && break
    sleep 0.1
done
[ -n "$url" ] || { cat "$log"; echo "serve did not start" >&2; exit 1; }

# Tool execution and registering MCP servers are left out: generated data there would be
# commands run on this machine. The pass-throughs (Anthropic's Messages API, the Responses API)
# answer in their own clients' shapes from an upstream that is not here, and the permission hook
# and the approval stream wait by design. Everything else is fuzzed.
"$venv/bin/schemathesis" run "$url/openapi.json" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
    --exclude-operation-id executeTool --exclude-operation-id executeToolById \
    --exclude-operation-id createMcpServer \
    --exclude-operation-id anthropicMessages --exclude-operation-id anthropicCountTokens \
    --exclude-operation-id createResponse --exclude-operation-id permissionRequestHook \
    --exclude-operation-id approvalsStream \
    --phases examples,coverage,fuzzing \
    --max-examples "${FUZZ_EXAMPLES:-30}" --request-timeout 20 \
    --suppress-health-check all --workers 2
