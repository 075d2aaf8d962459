"""Shared fixtures: real face photos from ../shared/faces, fresh libraries, the CLI in-process."""

from __future__ import annotations

import io
import json
import multiprocessing.util
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QSettings

from album.config import LIBRARY_ENV
from album.display_check import window_problem
from album.ui.single_instance import server_name

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
# The user's own folders, read before any fixture moves them: tests check they stay clear.
REAL_HOME = Path.home()
REAL_TEMP = Path(tempfile.gettempdir())
# Bytes in a Unix socket's path, its closing NUL included (sockaddr_un.sun_path).
SOCKET_PATH_MAX = 108 if sys.platform.startswith("linux") else 104


@dataclass(frozen=True)
class OwnFolders:
    """The HOME, XDG and temporary folders one test (or the session) runs with."""

    home: Path
    config: Path
    data: Path
    cache: Path
    state: Path
    runtime: Path
    tmp: Path

    def holds(self, path: Path) -> bool:
        """Whether `path` is one of these folders or inside one, for tests that list theirs."""
        return any(path.is_relative_to(folder) for folder in vars(self).values())


def socket_fits(folder: Path) -> bool:
    """Whether album's single-instance socket can live in `folder` (Windows: a pipe name)."""
    if os.name == "nt":
        return True
    return len(os.fsencode(folder / server_name(str(folder)))) < SOCKET_PATH_MAX


def _own_folders(root: Path, mp: pytest.MonkeyPatch, *, short_tmp: bool) -> OwnFolders:
    """Fresh folders under `root` and the environment pointed at them, so that album, Qt and
    every subprocess a test starts find no trace of the user's album, nor leave one.

    Hidden names: a test that scans `root` as a photo folder skips them, and they cannot clash
    with folders a test makes itself."""
    tmp = root / ".tmp"
    if short_tmp and not socket_fits(tmp):
        # Too deep for single_instance's socket: a fresh short folder in the real temp folder.
        tmp = Path(tempfile.mkdtemp(prefix="album-test-", dir=REAL_TEMP))
    own = OwnFolders(
        home=root / ".home",
        config=root / ".config",
        data=root / ".data",
        cache=root / ".cache",
        state=root / ".state",
        runtime=root / ".runtime",
        tmp=tmp,
    )
    for folder in (own.home, own.config, own.data, own.cache, own.state, own.tmp):
        folder.mkdir(parents=True, exist_ok=True)
    own.runtime.mkdir(mode=0o700, exist_ok=True)
    own.runtime.chmod(0o700)  # Qt and the XDG spec refuse a runtime folder others can read
    for name, folder in (
        ("HOME", own.home),
        ("XDG_CONFIG_HOME", own.config),
        ("XDG_DATA_HOME", own.data),
        ("XDG_CACHE_HOME", own.cache),
        ("XDG_STATE_HOME", own.state),
        ("XDG_RUNTIME_DIR", own.runtime),
        ("TMPDIR", own.tmp),  # Python's tempfile and Qt's QDir.tempPath() on Unix
        ("TEMP", own.tmp),  # the same on Windows
        ("TMP", own.tmp),
    ):
        mp.setenv(name, str(folder))
    mp.delenv(LIBRARY_ENV, raising=False)
    mp.setattr(tempfile, "tempdir", None)  # tempfile caches its folder: make it look again
    _qt_settings_in(own.config)
    return own


def _qt_settings_in(config: Path) -> None:
    """QSettings reads XDG_CONFIG_HOME once per process and caches it: point it by hand."""
    for settings_format in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(settings_format, QSettings.Scope.UserScope, str(config))


@pytest.fixture(scope="session", autouse=True)
def session_folders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnFolders]:
    """Own folders for session- and module-scoped fixtures, which start before any test's."""
    root = tmp_path_factory.mktemp("session-folders")  # pytest's base folder exists from here on
    with pytest.MonkeyPatch.context() as mp:
        own = _own_folders(root, mp, short_tmp=False)
        # multiprocessing makes one temporary folder per process, on first use, and removes it
        # at exit: here, not in a test's folder that may be gone by then.
        multiprocessing.util.get_temp_dir()
        yield own


@pytest.fixture(autouse=True)
def own_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, session_folders: OwnFolders
) -> Iterator[OwnFolders]:
    """Each test's own HOME, XDG and temporary folders, under its tmp_path."""
    own = _own_folders(tmp_path, monkeypatch, short_tmp=True)
    yield own
    _qt_settings_in(session_folders.config)
    if not own.tmp.is_relative_to(tmp_path):  # the short one in the real temporary folder
        shutil.rmtree(own.tmp, ignore_errors=True)


# The inverse of what each EXIF orientation asks a viewer to do: stored = inverse(upright).
STORE_AS = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def faces_root() -> Path | None:
    env = os.environ.get("ALBUM_FACES")
    candidates = [Path(env)] if env else []
    candidates.append(REPO.parent / "shared" / "faces")
    for candidate in candidates:
        if (candidate / "lfw-62x10").is_dir():
            return candidate
    return None


@pytest.fixture(scope="session")
def faces() -> Path:
    root = faces_root()
    if root is None:
        pytest.skip("real face photos not found: set $ALBUM_FACES or put them in ../shared/faces")
    return root


@pytest.fixture
def library(tmp_path: Path) -> Path:
    return tmp_path / "lib" / "library.db"


def library_copy(template: Path, folder: Path) -> Path:
    """A test's own copy of a library scanned once for many tests, made by SQLite's backup API
    (only SQLite touches a library's files, in tests as in album)."""
    target = folder / "library.db"
    source = sqlite3.connect(template)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    return target


def copy_photos(sources: list[Path], folder: Path) -> list[Path]:
    """Copies (not links) of real photos, so a test can change, move or delete them."""
    folder.mkdir(parents=True, exist_ok=True)
    copies = []
    for source in sources:
        target = folder / f"{source.parent.name}__{source.name}"
        shutil.copy2(source, target)
        copies.append(target)
    return copies


@pytest.fixture
def lfw_people(faces: Path) -> dict[str, list[Path]]:
    root = faces / "lfw-62x10"
    return {p.name: sorted(p.iterdir()) for p in sorted(root.iterdir()) if p.is_dir()}


def album(*args: str | Path, check: bool = True, env: dict | None = None, timeout: float = 600):
    """Run the real `album` command in a subprocess, as a user would."""
    result = subprocess.run(
        [sys.executable, "-m", "album", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=REPO,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"album {' '.join(map(str, args))} exited {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return result


def run_on_x(module: str, *args: object, env: dict[str, str], timeout: float = 600) -> str:
    """Run one of the tests' window scripts (``python -m tests.MODULE``) on the X server in
    ``env``, in a process of its own (this session's Qt is offscreen); its stdout, once it has
    exited 0 with no traceback."""
    result = subprocess.run(
        [sys.executable, "-m", module, *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=REPO,
    )
    print(result.stdout[-4000:])
    print(result.stderr[-8000:], file=sys.stderr)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "Traceback" not in result.stderr, result.stderr[-4000:]
    return result.stdout


def open_window(qtbot, library: Path):  # -> MainWindow (Qt loads only when a test calls it)
    """The real window on a library, shown (offscreen) at a desktop's size, closed by qtbot."""
    from album.ui.app import application, create_window

    application()
    window = create_window(library)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


def export(library: Path) -> dict:
    return json.loads(album("export", "--json", "--library", library).stdout)


def photos_by_name(data: dict) -> dict[str, dict]:
    return {Path(p["path"]).name: p for p in data["photos"]}


def crop_difference(crop: bytes, other: bytes) -> float:
    """Mean difference of two face crops, grey at 32 px (0-255): under about 12, the same
    face cut from the same photo, whatever re-encoding or rescaling came between."""
    pictures = [Image.open(io.BytesIO(c)).convert("L").resize((32, 32)) for c in (crop, other)]
    a, b = (p.tobytes() for p in pictures)
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / (32 * 32)


def cached_crops(library: Path) -> dict[int, bytes]:
    """face id -> crop, as the cache file beside the library holds them (empty if none)."""
    cache = library.with_name(library.name + ".cache")
    if not cache.exists():
        return {}
    with sqlite3.connect(cache) as conn:
        return {r[0]: bytes(r[1]) for r in conn.execute("SELECT face_id, crop FROM crops")}


@pytest.fixture
def x_display(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A real X server (Xvfb) of its own for a test's window, as `env` for its process."""
    missing = [tool for tool in ("Xvfb", "xdotool") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {' and '.join(missing)} (./run-tests installs them when run as root)")
    for number in range(91, 120):
        if not Path(f"/tmp/.X{number}-lock").exists():
            break
    display = f":{number}"
    server = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1400x1000x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while not Path(f"/tmp/.X11-unix/X{number}").exists():
        if server.poll() is not None or time.monotonic() > deadline:
            pytest.skip(f"Xvfb did not start on {display}")
        time.sleep(0.1)
    env = {k: v for k, v in os.environ.items() if k != "WAYLAND_DISPLAY"}
    env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb", XDG_CONFIG_HOME=str(tmp_path / "config"))
    problem = window_problem(env)
    if problem is not None:
        server.terminate()
        pytest.skip(f"the window cannot open on X here: {problem}")
    yield env
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def x_desktop(x_display: dict[str, str]) -> Iterator[dict[str, str]]:
    """The X server with a window manager, as on a desktop: openbox places, maps and focuses
    the viewer dialog the way users' window managers do."""
    if shutil.which("openbox") is None:
        pytest.skip("needs openbox (apt-get install openbox)")
    manager = subprocess.Popen(
        ["openbox", "--sm-disable"],
        env=x_display,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)  # openbox takes the screen before the window maps
    yield x_display
    manager.terminate()
    manager.wait(timeout=10)


# The timeline's library (issue 21): real faces with dates, places and one name.
KYOTO = ("N", (35.0, 0.0, 36.0), "E", (135.0, 46.0, 0.0))
LISBON = ("N", (38.0, 42.0, 50.0), "W", (9.0, 8.0, 22.0))


def dated_copy(source: Path, target: Path, taken: str | None, where: tuple = ()) -> None:
    """A copy of a real photo with the EXIF a camera writes: when, and where if given."""
    image = Image.open(source)
    exif = Image.Exif()
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken
    if where:
        gps = exif.get_ifd(0x8825)
        gps[1], gps[2], gps[3], gps[4] = where
    target.parent.mkdir(parents=True, exist_ok=True)
    image.save(target, exif=exif)


@pytest.fixture
def dated_library(tmp_path: Path, lfw_people: dict[str, list[Path]]) -> Path:
    folder, library = tmp_path / "Pictures", tmp_path / "library.db"
    colin, serena, hugo = (
        lfw_people[n] for n in ("Colin_Powell", "Serena_Williams", "Hugo_Chavez")
    )
    for i, hour in enumerate((10, 11, 12)):
        dated_copy(colin[i], folder / f"kyoto-{i}.jpg", f"2019:07:14 {hour}:05:30", KYOTO)
    dated_copy(colin[3], folder / "june.jpg", "2019:06:02 09:00:00")
    dated_copy(serena[0], folder / "christmas-0.jpg", "2018:12:25 10:00:00", LISBON)
    dated_copy(serena[1], folder / "christmas-1.jpg", "2018:12:25 11:00:00")
    # No date in the file: the file's own time is the only clue, and only a guess.
    dated_copy(hugo[0], folder / "scanned-print.jpg", None)
    guess = time.mktime((2017, 3, 1, 12, 0, 0, 0, 0, -1))
    os.utime(folder / "scanned-print.jpg", (guess, guess))
    # Not even that (a file time of 1970 is no time at all).
    dated_copy(hugo[1], folder / "unknown.jpg", None)
    os.utime(folder / "unknown.jpg", ns=(0, 0))
    album("scan", folder, "--library", library, "--workers", "1")
    faces = {Path(p["path"]).name: p["faces"] for p in export(library)["photos"]}
    album(
        "name", "--face", str(faces["kyoto-0.jpg"][0]["id"]), "Colin Powell", "--library", library
    )
    return library
