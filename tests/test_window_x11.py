"""The real window on a real X server (Xvfb), driven by real key and mouse events (xdotool):
open, scan a folder of real faces, every page by menu and Ctrl+1-4, name by keyboard, merge then
Space, Review by keys only, the viewer by arrows, unsorted faces named in bulk, undo all.
Any traceback on stderr fails it. The journey itself is tests/x11_journey.py.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import album, copy_photos, run_on_x


def test_a_photographers_first_hour_on_a_real_x_server(x_display, faces: Path, tmp_path: Path):
    folder = tmp_path / "Pictures"
    for person in ("Colin_Powell", "Serena_Williams", "Hugo_Chavez"):
        copy_photos(sorted((faces / "lfw-62x10" / person).iterdir())[:5], folder)
    out = run_on_x("tests.x11_journey", tmp_path / "library.db", folder, env=x_display)
    assert "journey done" in out


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
    album("scan", folder, "--library", library, env=x_display, timeout=300)
    out = run_on_x("tests.x11_still_grid", library, more, env=x_display)
    assert "journey done" in out
