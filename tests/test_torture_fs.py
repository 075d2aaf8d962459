"""Torture: the file system under a scan. Symlink loops, a locked folder, a file deleted between
listing and reading, names that are not UTF-8, very long paths, a folder that goes away and
comes back, photos moved to another folder: the scan goes on, and no name is ever lost."""

from __future__ import annotations

import os
import shutil
import tempfile
import traceback
from collections.abc import Iterator
from concurrent.futures import Executor, Future
from pathlib import Path

import pytest

from album.config import Settings
from album.faces.analyze import analyze_photo
from album.people.service import PeopleService
from album.scan.pool import local_pool
from album.scan.runner import Scanner
from album.store.library import Library
from album.terminal import summary
from tests.conftest import REAL_TEMP, album, copy_photos, export, photos_by_name

NOBODY = 65534


def _area(face: dict) -> int:
    top, right, bottom, left = face["box"]
    return (right - left) * (bottom - top)


def _named(library: Path, who: str, name: str) -> None:
    """Name the main face of each photo whose file name starts with `who`."""
    faces = [
        max(p["faces"], key=_area)["id"]
        for p in export(library)["photos"]
        if Path(p["path"]).name.startswith(who) and p["faces"]
    ]
    assert faces
    with Library.open(library) as lib:
        PeopleService(lib).move_to_name(faces, name)


def _people_of(library: Path) -> dict[int, list[tuple]]:
    """photo id -> its faces (id, box, person, label source): what a user has decided."""
    return {
        p["id"]: [(f["id"], tuple(f["box"]), f["person"], f["label_source"]) for f in p["faces"]]
        for p in export(library)["photos"]
    }


def test_loops_odd_names_and_long_paths(tmp_path: Path, lfw_people: dict[str, list[Path]]):
    root = tmp_path / "Pictures"
    sources = lfw_people["Tony_Blair"][:3]
    copy_photos(sources[:1], root / "loop")
    os.symlink("..", root / "loop" / "back-up")  # Pictures/loop/back-up/loop/back-up/...
    os.symlink(root / "loop", root / "loop" / "self")
    raw_name = os.fsencode(root) + b"/caf\xe9-\xff.jpg"  # Latin-1 bytes: not UTF-8
    with open(raw_name, "wb") as handle:
        handle.write(sources[1].read_bytes())
    deep = root / ("d" * 60) / ("e" * 60) / ("f" * 60)
    deep.mkdir(parents=True)
    long_file = deep / ("long-" + "n" * 200 + ".jpg")
    shutil.copy(sources[2], long_file)
    assert len(os.fsencode(long_file)) > 400 and len(long_file.name) > 200
    library = tmp_path / "lib" / "library.db"

    result = album("scan", root, "--library", library, "--workers", "2")
    assert "3 new" in result.stdout and "0 failed" in result.stdout
    assert "symbolic link loop" in result.stdout
    photos = export(library)["photos"]
    assert len(photos) == 3, [p["path"] for p in photos]
    assert all(p["status"] == "done" and len(p["faces"]) == 1 for p in photos)
    assert any("caf\\xe9-\\xff.jpg" in p["path"] for p in photos)
    assert any(p["path"].endswith(long_file.name) for p in photos)
    before = _people_of(library)

    again = album("scan", root, "--library", library)
    assert "0 new, 0 changed or resumed, 3 unchanged" in again.stdout
    os.rename(raw_name, os.fsencode(root) + b"/\xe9t\xe9.jpg")  # renamed, still not UTF-8
    moved = album("scan", root, "--library", library)
    assert "1 moved" in moved.stdout and "0 new" in moved.stdout
    assert _people_of(library) == before


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder another user can reach (pytest's tmp_path, and the test's own temp folder
    inside it, are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="album-torture-", dir=REAL_TEMP))
    os.chmod(folder, 0o755)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            os.chmod(path, 0o755)
    shutil.rmtree(folder, ignore_errors=True)


class InlineExecutor(Executor):
    """Analyzes in the calling process: the scan below runs as another user in a forked child,
    which cannot start Python anew (the interpreter may live in root's private home)."""

    def submit(self, fn, /, *args, **kwargs):
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


def _scan_as(uid: int | None, root: Path, library: Path) -> str:
    """A scan of `root` as user `uid` (None: as we are); returns its summary."""
    out = library.parent / "summary.txt"

    def scan() -> None:
        scanner = Scanner(library, Settings(workers=1), executor_factory=lambda s: InlineExecutor())
        out.write_text(summary(scanner.run([root])))

    if uid is None:
        scan()
        return out.read_text()
    # Everything the scan imports and loads, loaded now: the child cannot read what lives in
    # root's private home (the interpreter's own library, maybe) once it is `uid`.
    analyze_photo(next(root.rglob("*.jpg")), Settings(workers=1))
    pid = os.fork()
    if pid == 0:  # the child: become `uid` for good, scan, and leave without pytest's cleanup
        code = 1
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            scan()
            code = 0
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the scan as another user failed"
    return out.read_text()


def _can_become(uid: int) -> bool:
    pid = os.fork()
    if pid == 0:
        try:
            os.setresuid(uid, uid, uid)
        except OSError:
            os._exit(1)
        os._exit(0)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


def test_a_locked_folder_is_skipped_and_its_photos_are_kept(
    shared_tmp: Path, lfw_people: dict[str, list[Path]]
):
    # Root reads any folder whatever its mode: the scan runs as nobody to meet a locked one.
    user = NOBODY if os.geteuid() == 0 else None
    if user is not None and not _can_become(user):
        pytest.skip(
            "root here may not become another user (no CAP_SETUID), and root reads a "
            "chmod 000 folder anyway: nothing to test"
        )
    root = shared_tmp / "Pictures"
    copy_photos(lfw_people["Laura_Bush"][:2], root / "open")
    locked = root / "locked"
    copy_photos(lfw_people["Hugo_Chavez"][:2], locked)
    for path in [root, *root.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    library = shared_tmp / "lib" / "library.db"
    library.parent.mkdir(mode=0o700)
    if user is not None:
        os.chown(library.parent, user, user)

    assert "4 new" in _scan_as(user, root, library)
    _named(library, "Hugo_Chavez", "Hugo")
    os.chmod(locked, 0o000)
    result = _scan_as(user, root, library)
    assert "permission denied: folder skipped" in result
    assert "2 missing" in result
    photos = photos_by_name(export(library))
    hidden = {n: p for n, p in photos.items() if n.startswith("Hugo_Chavez")}
    assert [p["status"] for p in hidden.values()] == ["missing", "missing"]
    assert all(f["person"] == "Hugo" for p in hidden.values() for f in p["faces"])
    os.chmod(locked, 0o755)
    back = _scan_as(user, root, library)
    assert "0 new" in back and "Faces found: 0 in 0 analyzed" in back
    after = photos_by_name(export(library))
    for name, photo in hidden.items():
        assert after[name]["status"] == "done" and after[name]["faces"] == photo["faces"]


class DeletingPool(Executor):
    """The local worker pool, except one photo is deleted just before it is handed to a
    worker: after the scan listed it, before anything read it."""

    def __init__(self, settings: Settings, victim: str) -> None:
        self._pool = local_pool(settings)
        self._victim = victim

    def submit(self, fn, /, *args, **kwargs):
        paths = args[0] if isinstance(args[0], list) else [args[0]]  # one photo or a batch
        for path in paths:
            if str(path).endswith(self._victim):
                os.unlink(path)
        return self._pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def test_a_file_deleted_between_listing_and_reading(
    tmp_path: Path, lfw_people: dict[str, list[Path]]
):
    root = tmp_path / "Pictures"
    copies = copy_photos(lfw_people["Jack_Straw"][:4], root)
    victim = copies[2].name
    library = tmp_path / "lib" / "library.db"
    settings = Settings(workers=2)
    report = Scanner(library, settings, executor_factory=lambda s: DeletingPool(s, victim)).run(
        [root]
    )
    assert report.analyzed == 4 and not report.cancelled
    assert [Path(p).name for p, _ in report.failed] == [victim]
    photos = photos_by_name(export(library))
    assert "disappeared" in photos[victim]["error"]
    assert all(p["status"] == "done" for n, p in photos.items() if n != victim)
    album("scan", root, "--library", library)
    assert photos_by_name(export(library))[victim]["status"] == "missing"


def test_a_folder_that_goes_away_keeps_its_people_and_comes_back(
    tmp_path: Path, lfw_people: dict[str, list[Path]]
):
    root = tmp_path / "Pictures"
    copy_photos(lfw_people["Gray_Davis"][:3], root / "trip")
    copy_photos(lfw_people["Naomi_Watts"][:3], root / "home")
    library = tmp_path / "lib" / "library.db"
    album("scan", root, "--library", library, "--workers", "2")
    _named(library, "Gray_Davis", "Gray")
    before = _people_of(library)

    away = tmp_path / "unplugged-trip"
    (root / "trip").rename(away)
    gone = album("scan", root, "--library", library)
    assert "3 missing" in gone.stdout
    photos = export(library)["photos"]
    trip = [p for p in photos if "/trip/" in p["path"]]
    assert len(trip) == 3 and {p["status"] for p in trip} == {"missing"}
    assert _people_of(library) == before, "missing is not deleted: faces and names stay"
    assert any(p["name"] == "Gray" for p in export(library)["people"])

    away.rename(root / "trip")
    back = album("scan", root, "--library", library)
    assert "0 new" in back.stdout and "Faces found: 0 in 0 analyzed" in back.stdout
    assert {p["status"] for p in export(library)["photos"]} == {"done"}
    assert _people_of(library) == before


def test_photos_moved_to_another_folder_keep_their_names(
    tmp_path: Path, lfw_people: dict[str, list[Path]]
):
    old_root, new_root = tmp_path / "Camera", tmp_path / "Sorted"
    copy_photos(lfw_people["John_Ashcroft"][:3] + lfw_people["Hans_Blix"][:3], old_root)
    new_root.mkdir()
    library = tmp_path / "lib" / "library.db"
    album("scan", old_root, "--library", library, "--workers", "2")
    _named(library, "John_Ashcroft", "John")
    before = _people_of(library)

    for n, photo in enumerate(sorted(old_root.glob("John_Ashcroft*"))):
        (new_root / f"{2020 + n}").mkdir()
        shutil.move(photo, new_root / f"{2020 + n}" / f"renamed-{n}.jpg")
    moved = album("scan", new_root, "--library", library)
    assert "3 moved" in moved.stdout and "0 new" in moved.stdout
    assert "Faces found: 0 in 0 analyzed" in moved.stdout
    rest = album("scan", old_root, "--library", library)
    assert "0 missing" in rest.stdout and "3 unchanged" in rest.stdout
    assert _people_of(library) == before
    paths = [p["path"] for p in export(library)["photos"]]
    assert len(paths) == 6 and sum("/Sorted/" in p for p in paths) == 3
