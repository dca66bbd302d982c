#!/bin/sh
# Get the CCP Assistant running on http://127.0.0.1:8000 from a fresh checkout:
# install into .venv, build the index from corpus/ if there is none, start the server.
# Extra arguments go to `python -m web` (for example --port 8080).
set -eu
cd "$(dirname "$0")/.."
. scripts/setup.sh
# The folder the server serves: CCP_INDEX_DIR, which the indexer reads too.
if [ ! -f "${CCP_INDEX_DIR:-index}/CURRENT" ]; then
    echo "Building the index from corpus/ ..."
    .venv/bin/python indexer.py build --source corpus
fi
exec .venv/bin/python -m web "$@"
