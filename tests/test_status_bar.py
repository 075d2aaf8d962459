"""The status bar with a scan and a regroup at once, in a window 1280 px wide: each job's line
is readable (whole, or elided with the whole line in its tooltip) and the Pause button stays
where the mouse left it, whatever the numbers say and whether the scan is paused or not."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel

from album.scan.runner import ScanProgress
from tests.conftest import copy_photos, open_window

WAIT = 180_000  # ms: a real scan on a 2-core machine


def readable(label: QLabel) -> str:
    """The line as the user can read it: what is drawn when it fits, else the tooltip's."""
    shown = label.text()
    room = label.contentsRect().width()
    assert label.isVisible() and label.fontMetrics().horizontalAdvance(shown) <= room, (
        f"cut off: {shown!r} in {room} px"
    )
    if shown.endswith("…"):
        full = label.toolTip()
        assert full.startswith(shown[:-1]) and len(full) > len(shown) - 1, (shown, full)
        return full
    return shown


def lay_out() -> None:
    """Let the layouts settle, and nothing else: the real scan's own progress and the real
    regroups it starts wait in the event queue, so the lines checked are the ones emitted."""
    for _ in range(4):
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)


def pause_x(window) -> int:
    return window.scan_bar.pause.mapToGlobal(QPoint(0, 0)).x()


def scan_lines(window, speed: float) -> Iterator[tuple[int, str]]:
    """A large scan's numbers, small to huge, each as the scan's line reads once laid out; the
    regroup's line stays whole beside every one of them."""
    for done, faces in ((12, 9), (12345, 23456), (123456, 234567)):
        window.backend.scan_progress.emit(
            ScanProgress("analyzing", done=done, total=250000, faces=faces, elapsed=done / speed)
        )
        lay_out()
        yield done, readable(window.scan_bar.label)
        assert "grouping the other faces (81234 faces)" in readable(window.regroup_bar.label)


def test_two_jobs_in_the_status_bar_stay_readable_and_pause_stays_put(
    qtbot, tmp_path: Path, lfw_people
):
    folder = tmp_path / "Pictures"
    for person in ("Colin_Powell", "Hugo_Chavez", "Serena_Williams", "Tony_Blair"):
        copy_photos(lfw_people[person], folder)
    window = open_window(qtbot, tmp_path / "library.db")
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.width() == 1280)
    backend, scan, regroup = window.backend, window.scan_bar, window.regroup_bar

    def pause_early(progress: object) -> None:
        # The user pauses at the first photo: small photos go fast, and the scan must last.
        if getattr(progress, "done", 0) >= 1 and not backend.scan_paused:
            scan.pause.click()

    backend.scan_progress.connect(pause_early)
    window.add_paths([str(folder)])
    qtbot.waitUntil(lambda: backend.scan_paused, timeout=WAIT)
    backend.scan_progress.disconnect(pause_early)
    qtbot.waitUntil(lambda: not backend.regrouping, timeout=WAIT)
    # From here on only layouts run: a regroup of a large library starts planning meanwhile
    # (during a scan they come and go every few seconds).
    lay_out()
    where = pause_x(window)
    backend.regroup_progress.emit("grouping", 81234)
    lay_out()
    assert regroup.isVisible()
    assert pause_x(window) == where, "Pause moved when a regroup started"
    # A large scan's numbers, paused: the line says so, with no speed and no time left.
    for done, line in scan_lines(window, speed=12.3):
        assert f"Paused · {done} / 250000 photos" in line, line
        assert "/s" not in line and "ETA" not in line, line
        assert pause_x(window) == where, "Pause moved while paused"
    # Resume: the same place, and the numbers that come do not move it.
    QTest.mouseClick(scan.pause, Qt.MouseButton.LeftButton)
    lay_out()
    assert not backend.scan_paused and scan.pause.text() == "Pause"
    assert pause_x(window) == where, "Pause moved when it became Resume and back"
    for done, line in scan_lines(window, speed=2.3):
        assert f"{done} / 250000 photos" in line and "2.3/s" in line and "ETA" in line, line
        assert pause_x(window) == where, f"Pause moved at {done} photos"
    # Pause again: still there, and the paused line has no speed.
    QTest.mouseClick(scan.pause, Qt.MouseButton.LeftButton)
    lay_out()
    assert backend.scan_paused and scan.pause.text() == "Resume"
    assert pause_x(window) == where
    line = readable(scan.label)
    assert "Paused" in line and "/s" not in line, line
    backend.regroup_finished.emit("done")
    lay_out()
    assert not regroup.isVisible() and pause_x(window) == where, "Pause moved: regroup done"
