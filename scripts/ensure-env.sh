# Sourced by ./run and ./run-tests: make sure uv exists and the pinned environment is in place.
# A fresh machine needs only Python 3.11+ (or uv itself); everything else comes from uv.lock.
set -euo pipefail

UV_VERSION="0.13.8"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

find_uv() {
    if command -v uv >/dev/null 2>&1; then
        UV="$(command -v uv)"
    elif [ -x "$ROOT/.tools/bin/uv" ]; then
        UV="$ROOT/.tools/bin/uv"
    else
        echo "album: installing uv $UV_VERSION into .tools/ (once)" >&2
        PYTHON="$(command -v python3 || command -v python || true)"
        if [ -z "$PYTHON" ]; then
            echo "album: needs Python 3.11 or newer (or uv: https://docs.astral.sh/uv/)" >&2
            exit 1
        fi
        if "$PYTHON" -c "import ensurepip, venv" >/dev/null 2>&1; then
            "$PYTHON" -m venv "$ROOT/.tools"
            "$ROOT/.tools/bin/python" -m pip install --quiet "uv==$UV_VERSION"
        else
            # Debian and Ubuntu ship python3 without venv/ensurepip (python3-venv): fetch uv's
            # wheel from PyPI with the standard library instead (pinned, hash-checked).
            "$PYTHON" "$ROOT/scripts/fetch_uv.py" "$ROOT/.tools" >/dev/null
        fi
        UV="$ROOT/.tools/bin/uv"
    fi
}

sync_env() {
    # A CUDA build of dlib (scripts/use-cuda-dlib) replaces the CPU wheel: keep it. (So does
    # the BLAS build that scripts/use-fast-dlib made before the numpy encoder replaced it.)
    local args=(--frozen --quiet)
    if [ -f "$ROOT/.venv/.album-cuda-dlib" ] || [ -f "$ROOT/.venv/.album-fast-dlib" ]; then
        args+=(--inexact --no-install-package dlib-bin)
    elif [ "${1:-}" = "--app" ]; then
        args+=(--inexact)  # leave the test tools alone if ./run-tests installed them
    fi
    [ "${1:-}" = "--app" ] && args+=(--no-default-groups)
    "$UV" sync "${args[@]}"
}

find_uv
