"""A scan that stops before its end carries on by itself, and no folder given to album is lost.

The user's view: close the window half-way through a scan (or have it die), open it again, and
the status bar says how many photos are still to scan while the scan carries on to the end. A
folder added while another scan runs, or handed over by a second launch, becomes one of the
library's folders at once, and is scanned on the next start if the window closed before its
turn. Real windows (offscreen), real photos, real scans.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from album.ui.main_window import MainWindow
from tests.conftest import REPO, copy_photos, open_window

WAIT = 180_000  # ms: a real scan on a 2-core machine


@pytest.fixture(autouse=True)
def private_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The window's own settings (QSettings) go to a temporary folder, not the user's."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def folder_of(lfw_people: dict[str, list[Path]], folder: Path, names: tuple[str, ...]) -> Path:
    for name in names:
        copy_photos(lfw_people[name][:6], folder)
    return folder


def done_and_total(library: Path) -> tuple[int, int]:
    """(photos analyzed, photos listed); (0, 0) while the library is still being created."""
    try:
        with sqlite3.connect(f"file:{library}?mode=ro", uri=True) as conn:
            row = conn.execute(
                "SELECT count(*) FILTER (WHERE status = 'done'), count(*) FROM photos"
            ).fetchone()
    except sqlite3.OperationalError:  # no library file, or no photos table, yet
        return 0, 0
    return row[0], row[1]


def library_folders(library: Path) -> set[str]:
    with sqlite3.connect(library) as conn:
        return {r[0] for r in conn.execute("SELECT path FROM roots")}


def photos_done_in(library: Path, folder: Path) -> int:
    with sqlite3.connect(library) as conn:
        return conn.execute(
            "SELECT count(*) FROM photos WHERE status = 'done' AND path LIKE ?",
            (f"{folder}/%",),
        ).fetchone()[0]


def pause_half_way(window: MainWindow) -> None:
    """Pause the scan at its first photo: these small photos take a moment each, and a scan
    left running would end before a test could close the window in its middle."""

    def progress(progress: object) -> None:
        if getattr(progress, "done", 0) >= 1 and not window.backend.scan_paused:
            window.backend.pause_scan()

    window.backend.scan_progress.connect(progress)


def status(window: MainWindow) -> str:
    return window.statusBar().currentMessage()


def scanned_to_the_end(window: MainWindow, library: Path, photos: int) -> bool:
    return not window.backend.scanning and done_and_total(library) == (photos, photos)


def scanning_half_way(qtbot, tmp_path: Path, lfw_people) -> tuple[MainWindow, Path]:
    """A window scanning two people's 12 photos, paused with at least one of them saved."""
    folder = folder_of(lfw_people, tmp_path / "Pictures", ("Colin_Powell", "Hugo_Chavez"))
    library = tmp_path / "library.db"
    window = open_window(qtbot, library)
    pause_half_way(window)
    window.add_paths([str(folder)])
    qtbot.waitUntil(lambda: done_and_total(library)[0] >= 1, timeout=WAIT)
    return window, library


def test_a_window_closed_mid_scan_says_what_is_left_and_carries_on(
    qtbot, tmp_path: Path, lfw_people
):
    window, library = scanning_half_way(qtbot, tmp_path, lfw_people)
    window.close()  # the user closes the window half-way
    done, total = done_and_total(library)
    assert total == 12 and 0 < done < total

    again = open_window(qtbot, library)
    left = total - done
    qtbot.waitUntil(lambda: f"{left} photos still to scan" in status(again), timeout=30_000)
    assert again.backend.scanning  # by itself: no Rescan all needed
    qtbot.waitUntil(lambda: scanned_to_the_end(again, library, 12), timeout=WAIT)
    qtbot.waitUntil(lambda: len(again.people.model.rows) >= 2, timeout=30_000)


def test_a_folder_added_during_a_scan_is_kept_when_the_window_closes_first(
    qtbot, tmp_path: Path, lfw_people
):
    first = folder_of(lfw_people, tmp_path / "First", ("Colin_Powell", "Hugo_Chavez"))
    later = folder_of(lfw_people, tmp_path / "Later", ("Serena_Williams",))
    library = tmp_path / "library.db"
    window = open_window(qtbot, library)
    pause_half_way(window)
    window.add_paths([str(first)])
    qtbot.waitUntil(lambda: done_and_total(library)[0] >= 1, timeout=WAIT)
    window.add_paths([str(later)])  # waits for the running scan...
    assert "after the current scan" in status(window)
    window.close()  # ...which never ends in this session
    assert str(later) in library_folders(library)  # one of the library's folders at once

    again = open_window(qtbot, library)
    qtbot.waitUntil(lambda: "1 folder not looked at yet" in status(again), timeout=30_000)
    qtbot.waitUntil(lambda: scanned_to_the_end(again, library, 18), timeout=WAIT)
    assert photos_done_in(library, later) == 6
    assert library_folders(library) == {str(first), str(later)}


def test_a_cancelled_scan_waits_for_the_next_start_not_for_this_session(
    qtbot, tmp_path: Path, lfw_people
):
    window, library = scanning_half_way(qtbot, tmp_path, lfw_people)
    with qtbot.waitSignal(window.backend.scan_finished, timeout=WAIT):
        window.scan_bar.cancel.click()
    assert "the rest waits for the next scan" in status(window)
    qtbot.wait(1000)
    assert not window.backend.scanning  # the user said stop: not restarted behind their back
    window.close()
    done, total = done_and_total(library)
    assert 0 < done < total

    again = open_window(qtbot, library)
    left = total - done
    qtbot.waitUntil(lambda: f"{left} photos still to scan" in status(again), timeout=30_000)
    qtbot.waitUntil(lambda: scanned_to_the_end(again, library, 12), timeout=WAIT)


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # comes to the front
def test_folders_from_a_second_launch_are_scanned_even_if_the_window_closes_at_once(
    qtbot, tmp_path: Path, lfw_people
):
    handed = folder_of(lfw_people, tmp_path / "Handed over", ("Serena_Williams",))
    library = tmp_path / "library.db"
    window = open_window(qtbot, library)
    window.open_paths([str(handed)])  # "album is already open: the folders went to its window"
    window.close()

    again = open_window(qtbot, library)
    qtbot.waitUntil(lambda: "still to scan" in status(again), timeout=30_000)
    qtbot.waitUntil(lambda: scanned_to_the_end(again, library, 6), timeout=WAIT)
    assert library_folders(library) == {str(handed)}


def test_a_killed_album_scan_is_carried_on_by_the_window(qtbot, tmp_path: Path, lfw_people):
    folder = folder_of(lfw_people, tmp_path / "Pictures", ("Colin_Powell", "Hugo_Chavez"))
    library = tmp_path / "library.db"
    scan = subprocess.Popen(
        [sys.executable, "-m", "album", "scan", folder, "--library", library, "--workers", "1"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + WAIT / 1000
        while time.monotonic() < deadline and scan.poll() is None:
            if done_and_total(library)[1]:  # listed: killed before the end for sure
                break
            time.sleep(0.05)
        assert scan.poll() is None, "the scan ended before it could be killed"
        scan.send_signal(signal.SIGKILL)
    finally:
        scan.wait(30)
    done, total = done_and_total(library)
    assert total == 12 and done < total

    window = open_window(qtbot, library)
    left = total - done
    qtbot.waitUntil(lambda: f"{left} photos still to scan" in status(window), timeout=30_000)
    qtbot.waitUntil(lambda: scanned_to_the_end(window, library, 12), timeout=WAIT)
