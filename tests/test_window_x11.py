"""The real window on a real X server (Xvfb), driven by real key and mouse events (xdotool):
open, scan a folder of real faces, every page by menu and Ctrl+1-4, name by keyboard, merge then
Space, Review by keys only, the viewer by arrows, unsorted faces named in bulk, undo all.
Any traceback on stderr fails it. The journey itself is tests/x11_journey.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO, copy_photos


def test_a_photographers_first_hour_on_a_real_x_server(x_display, faces: Path, tmp_path: Path):
    folder = tmp_path / "Pictures"
    for person in ("Colin_Powell", "Serena_Williams", "Hugo_Chavez"):
        copy_photos(sorted((faces / "lfw-62x10" / person).iterdir())[:5], folder)
    result = subprocess.run(
        [sys.executable, "-m", "tests.x11_journey", str(tmp_path / "library.db"), str(folder)],
        capture_output=True,
        text=True,
        timeout=600,
        env=x_display,
        cwd=REPO,
    )
    print(result.stdout[-4000:])
    print(result.stderr[-8000:], file=sys.stderr)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "journey done" in result.stdout
    assert "Traceback" not in result.stderr, result.stderr[-4000:]


def test_naming_while_a_scan_changes_the_grid_names_the_person_clicked(
    x_display, faces: Path, tmp_path: Path
):
    """Issue 20: the grid reordered under F2 and the name went to someone else; and the order
    stayed stale after the scan until the page changed."""
    folder, more = tmp_path / "Pictures", tmp_path / "More"
    for person, count in (("Colin_Powell", 5), ("Serena_Williams", 4), ("Hugo_Chavez", 3)):
        copy_photos(sorted((faces / "lfw-62x10" / person).iterdir())[:count], folder)
    for person in ("Tony_Blair", "Vladimir_Putin"):
        copy_photos(sorted((faces / "lfw-62x10" / person).iterdir())[:7], more)
    library = tmp_path / "library.db"
    subprocess.run(
        [sys.executable, "-m", "album", "scan", str(folder), "--library", str(library)],
        check=True,
        capture_output=True,
        cwd=REPO,
        env=x_display,
        timeout=300,
    )
    result = subprocess.run(
        [sys.executable, "-m", "tests.x11_still_grid", str(library), str(more)],
        capture_output=True,
        text=True,
        timeout=600,
        env=x_display,
        cwd=REPO,
    )
    print(result.stdout[-4000:])
    print(result.stderr[-8000:], file=sys.stderr)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "journey done" in result.stdout
    assert "Traceback" not in result.stderr, result.stderr[-4000:]
