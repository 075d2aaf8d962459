"""`album --version` and `album --help` load only what they print: no numpy, no people engine,
no SQLite helpers. Each command loads what it uses when it runs."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("numpy", "scipy", "sklearn", "PIL", "sqlite_utils", "album.people", "album.faces")


def _modules_after(*argv: str) -> set[str]:
    code = (
        "import sys, contextlib, io\n"
        "from album.cli import main\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main({list(argv)!r})\n"
        "print('\\n'.join(sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return set(done.stdout.split())


def test_version_and_help_load_no_heavy_module():
    for argv in (["--version"], ["--help"], ["name", "--help"], ["scan", "--help"]):
        loaded = _modules_after(*argv)
        heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY or m.startswith(HEAVY))
        assert heavy == [], f"album {' '.join(argv)} loaded {heavy[:5]}"


def test_a_command_still_finds_what_it_needs(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "album", "--library", str(tmp_path / "lib.db"), "people"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "No people yet" in done.stdout
