#!/usr/bin/env bash
# Build album's one-folder bundle with PyInstaller from the project's venv.
#
#   packaging/build.sh [OUTPUT_DIR]     the bundle lands in OUTPUT_DIR/album/ (default: dist/)
#
# PyInstaller's work files go to $ALBUM_BUILD_WORK (default: OUTPUT_DIR/.work, then removed),
# so a build never writes into the source tree. The venv must have the dev group installed
# (./run-tests or `uv sync` does that): PyInstaller is pinned there.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$(mkdir -p "${1:-$ROOT/dist}" && cd "${1:-$ROOT/dist}" && pwd)"
WORK="${ALBUM_BUILD_WORK:-$OUT/.work}"
PYTHON="${ALBUM_BUILD_PYTHON:-$ROOT/.venv/bin/python}"

if [ ! -x "$PYTHON" ]; then
    echo "build.sh: no venv at $ROOT/.venv: run ./run-tests (or uv sync) first" >&2
    exit 1
fi
if ! "$PYTHON" -c "import PyInstaller" 2>/dev/null; then
    echo "build.sh: PyInstaller is not in $PYTHON's venv: run uv sync (it is in the dev group)" >&2
    exit 1
fi

# The window's X11 helper libraries (xcb-util and friends, MIT/X11-licensed) are copied into
# the bundle from this machine, so users need not install them. PyInstaller only warns when one
# is missing, and the bundle would then fail on every desktop that lacks it: say so here.
if missing="$(PYTHONPATH="$ROOT" "$PYTHON" - <<'PY'
import sys
from album.display_check import install_hint, missing_libraries, xcb_plugin
plugin = xcb_plugin()
missing = missing_libraries(plugin) if plugin else []
if missing:
    print(f"{', '.join(missing)} (install them: {install_hint(missing)})")
    sys.exit(1)
PY
)"; then :; else
    echo "build.sh: this machine lacks libraries the bundle should carry: $missing" >&2
    if [ -z "${ALBUM_BUILD_ALLOW_MISSING:-}" ]; then
        echo "build.sh: set ALBUM_BUILD_ALLOW_MISSING=1 to build without them anyway" >&2
        exit 1
    fi
fi

started=$SECONDS
"$PYTHON" -m PyInstaller --noconfirm --log-level "${ALBUM_BUILD_LOG:-WARN}" \
    --distpath "$OUT" --workpath "$WORK" "$ROOT/packaging/album.spec"
[ -n "${ALBUM_BUILD_WORK:-}" ] || rm -rf "$WORK"

echo "build.sh: $OUT/album/album ($(du -sh "$OUT/album" | cut -f1), $((SECONDS - started)) s)"
