"""The README's first run on a stock Debian or Ubuntu desktop: python3 is there, but not
python3-venv, so `python3 -m venv` fails for want of ensurepip. ./run must still set itself up.

The test runs scripts/ensure-env.sh (what ./run and ./run-tests source first) from a copy of
the scripts folder, with a `python3` that behaves like Debian's without python3-venv and no uv
on PATH, and checks that it ends with a working, pinned uv. It downloads uv from PyPI (18 MB)
and skips, saying so, where PyPI cannot be reached.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO

DEBIAN_PYTHON = f"""#!/bin/sh
# python3 as Debian and Ubuntu ship it without the python3-venv package.
case "$*" in
  *ensurepip*|*"-m venv"*)
    echo "The virtual environment was not successfully created because ensurepip is not"
    echo "available. On Debian/Ubuntu systems, you need to install the python3-venv package."
    exit 1;;
esac
exec {sys.executable} "$@"
"""


def pypi_reachable() -> bool:
    try:
        urllib.request.urlopen("https://files.pythonhosted.org/", timeout=10).close()
    except OSError as exc:
        return "HTTP Error" in str(exc)  # an answer, even an error page, means it is there
    return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Debian case is Linux")
def test_first_run_gets_uv_without_python3_venv(tmp_path: Path):
    if not pypi_reachable():
        pytest.skip("files.pythonhosted.org cannot be reached from here: uv cannot be fetched")
    checkout = tmp_path / "album"
    shutil.copytree(REPO / "scripts", checkout / "scripts")
    shims = tmp_path / "bin"
    shims.mkdir()
    python = shims / "python3"
    python.write_text(DEBIAN_PYTHON)
    python.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))}
    env["PATH"] = f"{shims}:/usr/bin:/bin"  # no uv anywhere on it
    assert shutil.which("uv", path=env["PATH"]) is None, "a uv on /usr/bin hides the case"

    done = subprocess.run(
        ["bash", "-c", 'source scripts/ensure-env.sh && "$UV" --version'],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    pinned = next(
        line.split('"')[1]
        for line in (REPO / "scripts" / "ensure-env.sh").read_text().splitlines()
        if line.startswith("UV_VERSION=")
    )
    assert done.stdout.startswith(f"uv {pinned} "), done.stdout
    assert (checkout / ".tools" / "bin" / "uv").is_file()
    assert not (checkout / ".tools" / "bin" / "python").exists(), "it tried a venv anyway"
