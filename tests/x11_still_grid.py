"""Naming during a scan, on a real X server: run by test_window_x11.py in its own process.

    python -m tests.x11_still_grid LIBRARY MORE_PHOTOS

The library holds a few people already. A real click selects one who is not first; a scan of
MORE_PHOTOS then brings people with more photos, who sort before them; F2, a name and Return
(real X key events) must name the person clicked. Once the pointer has left and the keys have
stopped, "Most photos first" must be true again without changing pages.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QPoint

from album.ui.main_window import MainWindow
from tests.x11_journey import focus, keys, pump, run_journey, sql, type_text, wait, xdotool


def journey(window: MainWindow, library: Path, more: Path) -> None:
    window.show_page("People")
    grid = window.people
    wait(lambda: len(grid.model.rows) >= 3, "the people of the first scan")
    before = len(grid.model.rows)
    focus(grid.view)

    # A real click on the last tile's picture: selected and current.
    row = before - 1
    clicked = grid.model.rows[row].id
    rect = grid.view.visualRect(grid.model.index(row))
    point = grid.view.viewport().mapToGlobal(QPoint(rect.center().x(), rect.top() + 30))
    xdotool("mousemove", "--sync", str(point.x()), str(point.y()))
    pump(0.2)
    xdotool("click", "1")
    pump(0.4)
    assert grid.selected_ids() == [clicked], grid.selected_ids()

    # A scan brings people with more photos while the pointer rests on the grid.
    window.add_paths([str(more)])
    wait(lambda: len(grid.model.rows) > before, "the scan's new people in the grid", 240)
    wait(lambda: not window.backend.scanning, "the scan to end", 240)
    pump(1.0)
    shown = [p.id for p in grid.model.rows]
    assert shown.index(clicked) == row, "the grid moved under the pointer"

    keys("F2")
    wait(lambda: grid.view.state() == grid.view.State.EditingState, "the name editor")
    type_text("Ada Lovelace")
    keys("Return")
    wait(lambda: bool(sql(library, "SELECT 1 FROM people WHERE name = 'Ada Lovelace'")), "a name")
    named = sql(library, "SELECT id FROM people WHERE name = 'Ada Lovelace'")
    assert named == [(clicked,)], f"the name went to {named}, not to person {clicked}"

    # The user leaves the grid: the pointer goes to the filter box, no more keys.
    corner = grid.filter.mapToGlobal(QPoint(10, 10))
    xdotool("mousemove", "--sync", str(corner.x()), str(corner.y()))

    def sorted_by_photos() -> bool:
        counts = [p.photos for p in grid.model.rows]
        return counts == sorted(counts, reverse=True)

    wait(sorted_by_photos, "Most photos first again once the user left the grid", 15)
    assert grid.view.currentIndex().isValid()
    assert grid.model.id_at(grid.view.currentIndex()) == clicked, "the keyboard's tile moved"


if __name__ == "__main__":
    sys.exit(run_journey(journey))
