"""Starting the app as a user does: `album FOLDER` opens the window and scans it; a second
launch on the same library hands its folder to the first window and exits."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO, album, copy_photos


def _done(library: Path) -> set[str]:
    try:
        with sqlite3.connect(library, timeout=5) as conn:
            rows = conn.execute("SELECT path FROM photos WHERE status = 'done'").fetchall()
    except sqlite3.Error:
        return set()
    return {Path(r[0]).parent.name for r in rows}


def test_second_launch_lands_in_the_first_window(tmp_path: Path, lfw_people):
    first_folder, second_folder = tmp_path / "trip", tmp_path / "party"
    copy_photos(lfw_people["Tony_Blair"][:2], first_folder)
    copy_photos(lfw_people["Laura_Bush"][:2], second_folder)
    library = tmp_path / "library.db"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    first = subprocess.Popen(
        [sys.executable, "-m", "album", "--library", str(library), str(first_folder)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while "trip" not in _done(library):
            assert first.poll() is None, first.communicate()[0]
            assert time.monotonic() < deadline, "album FOLDER did not scan the folder"
            time.sleep(0.2)
        second = subprocess.run(
            [sys.executable, "-m", "album", "--library", str(library), str(second_folder)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 0, second.stderr
        assert "already open" in second.stderr
        while "party" not in _done(library):
            assert first.poll() is None, "the first window went away"
            assert time.monotonic() < deadline, "the handed-over folder was not scanned"
            time.sleep(0.2)
    finally:
        first.terminate()
        first.wait(timeout=30)


def test_python_m_album_and_bad_folder_arguments(tmp_path: Path):
    assert "Find the people in your photos" in album("--help").stdout
    result = album("--library", tmp_path / "l.db", tmp_path / "nowhere", check=False)
    assert result.returncode == 2
    assert "no such file or folder" in result.stderr
