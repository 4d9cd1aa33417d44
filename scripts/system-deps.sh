#!/usr/bin/env bash
# Install the Debian packages the test suite uses when they are missing:
# PostgreSQL (store tests run against a real server) and Chromium (report page
# tests). Needs root and apt-get; elsewhere it says what is missing and goes on,
# and the tests that need the missing program are skipped with that reason.
set -euo pipefail

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: missing ${missing[*]}; install them with your package manager" >&2
    exit 0
fi
echo "system-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
