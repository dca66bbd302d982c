# Sourced by run.sh and test.sh: make .venv with the project installed.
# Usage: EXTRAS=test . scripts/setup.sh
set -eu

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else
        echo "error: need root to run: $*" >&2
        return 1
    fi
}

apt_install() {
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "error: please install $* with your system's package manager" >&2
        return 1
    fi
    if [ -z "${APT_UPDATED:-}" ]; then
        as_root apt-get update -qq
        APT_UPDATED=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "error: CCP Assistant needs Python 3.11 or newer ($PYTHON is older)" >&2
    exit 1
}
if [ ! -x .venv/bin/python ]; then
    # Debian ships venv separately from python3.
    "$PYTHON" -c 'import ensurepip' 2>/dev/null || apt_install python3-venv
    "$PYTHON" -m venv .venv
fi

stamp=".venv/.installed-$(cat pyproject.toml | cksum | cut -d' ' -f1)-${EXTRAS:-none}"
if [ ! -f "$stamp" ]; then
    # pip's own lines show the progress: quiet, the minute or two looked like a hang.
    echo "Installing CCP Assistant and its dependencies into .venv (a minute or two) ..."
    .venv/bin/python -m pip install --upgrade pip
    if [ -n "${EXTRAS:-}" ]; then
        .venv/bin/python -m pip install -e ".[${EXTRAS}]"
    else
        .venv/bin/python -m pip install -e .
    fi
    rm -f .venv/.installed-*
    touch "$stamp"
fi
