"""Issue 20, item 10: a window says which library it shows and does not hide another one; Rescan
all leaves the user where they are; the Photos grid fills its width."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtNetwork import QLocalServer
from PySide6.QtWidgets import QStyle

from album.ui.single_instance import server_name
from tests.conftest import album, copy_photos, open_window

WAIT = 120_000


def test_two_libraries_two_titles_and_the_second_window_steps_aside(
    qtbot, tmp_path: Path, lfw_people: dict[str, list[Path]]
):
    family = tmp_path / "Family" / "library.db"
    first = open_window(qtbot, family)
    assert first.windowTitle() == "Family — album"
    grandma = open_window(qtbot, tmp_path / "grandma.db")
    assert grandma.windowTitle() == "grandma — album"

    # Another album window is open (on another library, in another process: its socket).
    other = QLocalServer()
    assert other.listen(server_name(str(tmp_path / "elsewhere" / "library.db")))
    try:
        second = open_window(qtbot, tmp_path / "Work" / "library.db")
        assert second.pos() - first.pos() == QPoint(40, 40), (first.pos(), second.pos())
    finally:
        other.close()


def test_rescan_all_keeps_the_folders_page_and_photos_fill_the_width(
    qtbot, tmp_path: Path, lfw_people: dict[str, list[Path]]
):
    folder, library = tmp_path / "Pictures", tmp_path / "library.db"
    for name in ("Colin_Powell", "Serena_Williams", "Hugo_Chavez"):
        copy_photos(lfw_people[name][:8], folder)
    album("scan", folder, "--library", library, "--workers", "1")
    window = open_window(qtbot, library)

    window.show_page("Folders")
    qtbot.waitUntil(lambda: window.current_page() == "Folders", timeout=10_000)
    # The page is looked at whenever the scan reports, not by waiting to see it scanning: a
    # rescan of unchanged photos can start and finish between two looks.
    pages: list[str] = []
    window.backend.scan_progress.connect(lambda *_: pages.append(window.current_page()))
    with qtbot.waitSignal(window.backend.scan_finished, timeout=WAIT):
        window.rescan()
        assert window.current_page() == "Folders", "Rescan all jumped to another page"
    assert set(pages) <= {"Folders"} and window.current_page() == "Folders", pages

    window.show_page("Photos")
    grid = window.photos.view
    qtbot.waitUntil(lambda: len(window.photos.model.rows) == 24, timeout=WAIT)
    for width in (1280, 1100, 1500):
        window.resize(width, 800)
        qtbot.waitUntil(lambda w=width: window.width() == w, timeout=5_000)
        qtbot.wait(300)
        rects = [grid.visualRect(window.photos.model.index(r)) for r in range(24)]
        top = min(r.top() for r in rects)
        row = [r for r in rects if r.top() == top]
        left = min(r.left() for r in row)
        right = grid.viewport().width() - max(r.right() for r in row)
        # Qt keeps a scroll bar's width free while none shows (it would otherwise re-lay out
        # the grid the moment one appears): that much is the view's, not ours.
        if not grid.verticalScrollBar().isVisible():
            right -= grid.style().pixelMetric(
                QStyle.PixelMetric.PM_ScrollBarExtent, None, grid.verticalScrollBar()
            )
        assert right <= left + 12, f"at {width} px the grid leaves {right} px on the right"
        assert len(row) >= 2


def test_the_window_opens_on_the_people_page_after_a_first_folder(qtbot, tmp_path: Path, faces):
    """The first scan still shows its people as they come (only a rescan stays put)."""
    folder = tmp_path / "Pictures"
    copy_photos(sorted((faces / "lfw-62x10" / "Colin_Powell").iterdir())[:2], folder)
    window = open_window(qtbot, tmp_path / "library.db")
    assert window.current_page() == "Empty"
    with qtbot.waitSignal(window.backend.scan_finished, timeout=WAIT):
        window.add_paths([str(folder)])
        assert window.current_page() == "People"
