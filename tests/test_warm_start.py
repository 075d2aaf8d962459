"""No scan waits for its workers to start: the window keeps a warm pool, the CLI starts its
workers while it walks the folders. Real worker processes, real photos, a real library."""

from __future__ import annotations

import multiprocessing
import re
import threading
from concurrent.futures import Executor
from pathlib import Path

import pytest

from album.config import Settings
from album.scan.pool import headless_pool
from album.scan.runner import Scanner
from tests.conftest import album, copy_photos
from tests.test_window import WAIT, drop, open_window


@pytest.fixture(autouse=True)
def private_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
def portraits(tmp_path: Path, lfw_people: dict[str, list[Path]]) -> Path:
    folder = tmp_path / "Pictures"
    for name in ("Colin_Powell", "Serena_Williams"):
        copy_photos(lfw_people[name][:3], folder)
    return folder


def _workers() -> set[int]:
    """The scan workers (a regroup after the scan plans in a process of its own)."""
    from album.people.regroup import PROCESS_NAME

    return {
        p.pid
        for p in multiprocessing.active_children()
        if p.pid is not None and p.name != PROCESS_NAME
    }


def test_the_window_scans_a_dropped_folder_with_workers_started_before_the_drop(
    qtbot, tmp_path: Path, portraits: Path
):
    window = open_window(qtbot, tmp_path / "fresh.db")
    window.backend.settings = window.backend.settings.replace(workers=2)
    window.backend.save_settings(window.backend.settings)
    qtbot.waitUntil(lambda: window.backend.workers_ready, timeout=60_000)
    before = _workers()
    assert len(before) >= 2
    with qtbot.waitSignal(window.backend.scan_finished, timeout=WAIT) as finished:
        drop(window, [portraits])
    report = finished.args[0]
    assert report.analyzed == 6 and not report.failed and report.faces >= 6
    assert report.first_result is not None
    # The scan ran on the workers that were already up, and gave them back for the next one.
    assert _workers() == before
    qtbot.waitUntil(lambda: window.backend.workers_ready, timeout=10_000)


def test_a_first_scan_starts_its_workers_while_it_walks_the_folders(
    portraits: Path, tmp_path: Path
):
    started_on: list[str] = []

    def recording_pool(settings: Settings) -> Executor:
        started_on.append(threading.current_thread().name)
        return headless_pool(settings)

    scanner = Scanner(tmp_path / "lib.db", Settings(workers=2), executor_factory=recording_pool)
    report = scanner.run([portraits])
    assert report.analyzed == 6 and report.faces >= 6
    assert started_on == ["album-pool-start"]  # made beside the walk, not after it

    # A rescan of a folder the library knows walks first and starts no worker at all.
    started_on.clear()
    again = scanner.run([portraits])
    assert again.analyzed == 0 and started_on == []


def test_the_scan_summary_tells_photos_per_second_after_warm_up(portraits: Path, tmp_path: Path):
    result = album("scan", portraits, "--library", tmp_path / "lib.db", "--timings")
    assert "photos/s after warm-up" in result.stdout
    # How long the end of the scan left a worker idle: part of the scan, never more than it.
    tail = re.search(r"last ([\d.]+) s after a worker ran out of photos", result.stdout)
    total = re.search(r"Time: \S+ \(([\d.]+) s\)", result.stdout)
    assert tail and total and 0 <= float(tail[1]) <= float(total[1])
    stages = next(line for line in result.stdout.splitlines() if line.startswith("Stages"))
    for stage in ("decode", "detect", "refine", "encode", "store"):
        assert f"{stage} " in stages
