#!/bin/sh
# Run the whole test suite from a fresh checkout: install the test dependencies into
# .venv (and Debian's Chromium, redis-server and PostgreSQL for the tests that need
# them, if missing), lint, then pytest.
# Extra arguments go to pytest.
set -eu
cd "$(dirname "$0")/.."
EXTRAS=test . scripts/setup.sh
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 \
    && [ -z "${CHROMIUM_PATH:-}" ]; then
    echo "Installing Chromium for the browser tests ..."
    apt_install chromium
fi
# The several-machines tests start a real Redis and PostgreSQL on loopback.
if ! command -v redis-server >/dev/null 2>&1; then
    echo "Installing redis-server for the several-machines tests ..."
    apt_install redis-server
fi
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && ! command -v postgres >/dev/null 2>&1; then
    echo "Installing PostgreSQL for the several-machines tests ..."
    apt_install postgresql
fi
.venv/bin/ruff check .
.venv/bin/python scripts/build_site.py --check
exec .venv/bin/python -m pytest "$@"
