"""`album scan` as a user runs it: real photos, a real library file, real worker processes."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import REPO, album, copy_photos, export, photos_by_name


@pytest.fixture
def folder(tmp_path: Path, lfw_people: dict[str, list[Path]], faces: Path) -> Path:
    """Eight portraits of four people, a two-person photo and a file that is not a photo."""
    root = tmp_path / "Pictures"
    names = ["Colin_Powell", "Serena_Williams", "Tony_Blair", "Laura_Bush"]
    copy_photos([p for name in names for p in lfw_people[name][:2]], root / "portraits")
    copy_photos([faces / "group-photos" / "mixed" / "frec_obama_and_biden.jpg"], root / "groups")
    (root / "groups" / "notes.jpg").write_text("not a photo")
    (root / "README.txt").write_text("ignored: not a photo")
    return root


def test_scan_fills_a_private_library_and_export_shows_it(folder: Path, library: Path):
    result = album("scan", folder, "--library", library, "--workers", "2")
    assert "10 new" in result.stdout
    assert "1 failed" in result.stdout and "notes.jpg" in result.stdout
    data = export(library)
    by_name = photos_by_name(data)
    assert len(by_name) == 10
    assert by_name["notes.jpg"]["status"] == "error"
    assert "not an image" in by_name["notes.jpg"]["error"]
    portraits = [p for n, p in by_name.items() if n.startswith("portraits__")]
    assert all(p["status"] == "done" and len(p["faces"]) >= 1 for p in portraits)
    group = by_name["mixed__frec_obama_and_biden.jpg"]
    assert len(group["faces"]) >= 2
    for photo in data["photos"]:
        for face in photo["faces"]:
            top, right, bottom, left = face["box"]
            assert 0 <= left < right <= photo["width"] and 0 <= top < bottom <= photo["height"]
            assert face["person_id"] is None or isinstance(face["person_id"], int)
    assert stat.S_IMODE(library.stat().st_mode) == 0o600
    assert stat.S_IMODE(library.parent.stat().st_mode) == 0o700


def test_rescan_analyzes_nothing_and_changes_nothing(folder: Path, library: Path):
    album("scan", folder, "--library", library)
    before = export(library)
    started = time.monotonic()
    again = album("scan", folder, "--library", library)
    assert "0 new, 0 changed or resumed, 10 unchanged" in again.stdout
    assert "in 0 analyzed photos" in again.stdout
    assert export(library) == before
    assert time.monotonic() - started < 30


def test_changed_moved_and_offline_photos_keep_their_faces(folder: Path, library: Path):
    album("scan", folder, "--library", library)
    before = photos_by_name(export(library))

    # Edited in place: re-saved, so size and time change; the face keeps its id.
    edited = folder / "portraits" / "Colin_Powell__Colin_Powell_0001.jpg"
    Image.open(edited).save(edited, "JPEG", quality=70)
    # Renamed into another folder: same content, found by its hash.
    moved_from = folder / "portraits" / "Tony_Blair__Tony_Blair_0001.jpg"
    (folder / "sorted").mkdir()
    moved_to = folder / "sorted" / "blair.jpg"
    shutil.move(moved_from, moved_to)

    result = album("scan", folder, "--library", library)
    assert "1 changed or resumed" in result.stdout and "1 moved" in result.stdout
    after = photos_by_name(export(library))
    old, new = before[edited.name], after[edited.name]
    assert [f["id"] for f in new["faces"]] == [f["id"] for f in old["faces"]]
    assert after["blair.jpg"]["id"] == before[moved_from.name]["id"]
    assert after["blair.jpg"]["faces"] == before[moved_from.name]["faces"]
    assert moved_from.name not in after

    # The whole folder goes offline (an unplugged drive): photos are kept, marked missing.
    offline = folder.with_name("Pictures-unplugged")
    folder.rename(offline)
    result = album("scan", folder, "--library", library)
    assert "Offline" in result.stdout
    gone = export(library)
    assert {p["status"] for p in gone["photos"]} == {"missing"}
    assert sum(len(p["faces"]) for p in gone["photos"]) == sum(
        len(p["faces"]) for p in after.values()
    )
    offline.rename(folder)
    album("scan", folder, "--library", library)
    back = photos_by_name(export(library))
    assert back == after


def test_bad_arguments_say_what_is_wrong(folder: Path, library: Path, tmp_path: Path):
    missing = album("scan", tmp_path / "no-such-folder", "--library", library, check=False)
    assert missing.returncode == 2
    assert "no such file or folder" in missing.stderr
    zero = album("scan", folder, "--workers", "0", "--library", library, check=False)
    assert zero.returncode == 2 and "at least 1" in zero.stderr
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    unwritable = album("scan", folder, "--library", blocker / "library.db", check=False)
    assert unwritable.returncode != 0
    assert "cannot create the library" in unwritable.stderr
    assert "Traceback" not in unwritable.stderr
    unknown = album("scan", folder, "--frobnicate", check=False)
    assert unknown.returncode == 2


def _start_scan(folder: Path, library: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "album", "scan", str(folder), "--library", str(library), *extra],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, like a job in a terminal
    )


def _done_count(library: Path) -> int:
    try:
        with sqlite3.connect(library, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM photos WHERE status != 'pending'").fetchone()[
                0
            ]
    except sqlite3.Error:
        return 0


def _wait_for_done(library: Path, at_least: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 180
    while _done_count(library) < at_least:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the scan made no progress"
        time.sleep(0.05)


# Enough photos that a scan is still running when a test interrupts it: a portrait takes
# about 0.1 s, and the writer commits its results in batches.
MANY = 60


@pytest.fixture
def many(tmp_path: Path, lfw_people: dict[str, list[Path]]) -> Path:
    folder = tmp_path / "many"
    people = list(lfw_people.values())[:12]
    copy_photos([p for photos in people for p in photos[:5]], folder)
    return folder


def test_killed_scan_resumes_without_duplicates(many: Path, tmp_path: Path):
    library = tmp_path / "killed.db"
    process = _start_scan(many, library, "--workers", "1")
    _wait_for_done(library, 3, process)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert _done_count(library) < MANY, "the scan finished before it was killed"

    album("scan", many, "--library", library)
    resumed = photos_by_name(export(library))
    clean_library = tmp_path / "clean.db"
    album("scan", many, "--library", clean_library)
    clean = photos_by_name(export(clean_library))
    assert resumed.keys() == clean.keys()
    for name, photo in resumed.items():
        assert photo["status"] == "done", name
        assert [f["box"] for f in photo["faces"]] == [f["box"] for f in clean[name]["faces"]]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_stops_quickly_and_keeps_the_work_done(many: Path, library: Path):
    process = _start_scan(many, library, "--workers", "2")
    _wait_for_done(library, 2, process)
    asked = time.monotonic()
    os.killpg(process.pid, signal.SIGINT)  # what a terminal sends the whole job
    stdout, stderr = process.communicate(timeout=30)
    stopped_after = time.monotonic() - asked
    assert process.returncode == 130, stderr
    assert "cancelled" in stdout
    assert stopped_after < 5.0, f"took {stopped_after:.1f} s to stop"  # the scan takes ~15 s
    kept = _done_count(library)
    assert kept >= 2
    result = album("scan", many, "--library", library)
    assert f"{MANY - kept} changed or resumed" in result.stdout
    assert all(p["status"] == "done" for p in export(library)["photos"])
