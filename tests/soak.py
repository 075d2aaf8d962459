"""A window kept busy the way the issue 18 trial kept it, with the library checked after every step.

The trial that lost work had, all at once: a real window scanning, folders added with Ctrl+O
and by dropping while it scanned, "Group faces again" (the regroup process), naming, another
process reading the library, a second launch handing folders over, and the window closed and
opened again mid-scan. `Soak` does each of those through the real parts (the real window,
the real file dialog, `album` subprocesses, the single-instance hand-over) in a seeded random
order, and after every step checks what a user would call losing work:

- `PRAGMA integrity_check` is ok, read by another process;
- everything the window has shown (its photos analyzed, their faces, the names typed) is in
  the library as another process reads it afterwards, and nothing another process once read
  has gone since;
- while the window is open, the library's `-wal` and `-shm` exist and the window's process
  still holds its lock on the library (see `album.store.locks`).

`tests/test_library_soak.py` runs it for about a minute; `benchmarks/library_soak.py` for as
long as asked. Both read their photos from ../shared/faces (or $ALBUM_FACES).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit

from album.store import export as export_rows
from album.store.locks import lost_lock
from album.ui.app import application, create_window
from album.ui.jobs import thread_library
from album.ui.main_window import MainWindow
from album.ui.single_instance import SingleInstance

REPO = Path(__file__).resolve().parent.parent
CHILD_TIMEOUT = 120

INTEGRITY = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=60)
print(";".join(r[0] for r in conn.execute("PRAGMA integrity_check(5)")))
conn.close()
"""


@dataclass
class State:
    """What one reading of the library holds: analyzed photos, their faces, the names."""

    photos: set[str] = field(default_factory=set)
    faces: set[tuple[str, tuple[int, ...]]] = field(default_factory=set)
    names: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, data: dict) -> State:
        state = cls()
        for photo in data["photos"]:
            if photo["status"] != "done":
                continue
            state.photos.add(photo["path"])
            for face in photo["faces"]:
                state.faces.add((photo["path"], tuple(face["box"])))
        state.names = {p["name"] for p in data["people"] if p["name"]}
        return state

    def missing_from(self, other: State) -> list[str]:
        """What this state holds that `other` lacks, said for a person."""
        lost = []
        if gone := self.photos - other.photos:
            lost.append(f"{len(gone)} analyzed photos, e.g. {sorted(gone)[:2]}")
        if gone := self.faces - other.faces:
            lost.append(f"{len(gone)} faces, e.g. {sorted(gone)[:2]}")
        if gone := self.names - other.names:
            lost.append(f"names {sorted(gone)}")
        return lost


@dataclass
class Tally:
    steps: dict[str, int] = field(default_factory=dict)
    checks: int = 0
    reads: int = 0
    problems: list[str] = field(default_factory=list)


class Soak:
    """One library, one window at a time, real photos; `run()` for a number of steps or seconds."""

    def __init__(self, qtbot, workdir: Path, photos: list[Path], seed: int = 1) -> None:
        self.qtbot = qtbot
        self.workdir = workdir
        self.library = workdir / "library.db"
        self.photos = photos
        self.random = random.Random(seed)
        self.window: MainWindow | None = None
        self.instance: SingleInstance | None = None
        self.seen = State()  # the union of what other processes have read
        self.typed: set[str] = set()  # names the window said were saved
        self.named = 0
        self.named_ids: set[int] = set()
        self.folders: list[Path] = []
        self.tally = Tally()
        self.log: list[str] = []

    # -- the window -----------------------------------------------------------------------

    def open(self) -> MainWindow:
        application()
        window = create_window(self.library)
        self.qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        self.qtbot.waitExposed(window)
        instance = SingleInstance(str(self.library.absolute()))
        if instance.listen():
            instance.received.connect(window.open_paths)
            self.instance = instance
        window.backend.back_up()  # the scheduled backup at start, as `album` does
        self.window = window
        return window

    def close(self) -> None:
        if self.window is None:
            return
        self.window.close()
        if self.instance is not None:
            self.instance.close()
            self.instance = None
        self.window = None

    # -- steps ----------------------------------------------------------------------------

    def new_folder(self, size: int) -> Path:
        """A folder of copies beside the library, as a user's photos folder may sit."""
        folder = self.workdir / f"photos-{len(self.folders) + 1:03d}"
        folder.mkdir()
        for index, source in enumerate(self.random.sample(self.photos, size)):
            shutil.copy2(source, folder / f"{index:03d}-{source.name}")
        self.folders.append(folder)
        return folder

    def drop_folder(self) -> None:
        window = self._window()
        data = QMimeData()
        data.setUrls([QUrl.fromLocalFile(str(self.new_folder(self._size())))])
        event = QDropEvent(
            QPointF(window.width() / 2, window.height() / 2),
            Qt.DropAction.CopyAction,
            data,
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
        )
        window.dropEvent(event)

    def folder_from_dialog(self) -> None:
        """File ▸ Add folder… (Ctrl+O): the real dialog, shown long enough to list the folder
        that holds the library, then the new folder typed in, as a user would."""
        window = self._window()
        folder = self.new_folder(self._size())
        answered: list[bool] = []

        def answer() -> None:
            dialog = QApplication.activeModalWidget()
            if not isinstance(dialog, QFileDialog):
                QTimer.singleShot(50, answer)
                return
            dialog.setDirectory(str(self.workdir))  # the user browses to their photos

            def type_and_accept() -> None:
                edit = dialog.findChild(QLineEdit, "fileNameEdit") or dialog.findChild(QLineEdit)
                if edit is not None:
                    edit.setText(str(folder))
                dialog.selectFile(str(folder))
                answered.append(True)
                dialog.accept()

            QTimer.singleShot(1500, type_and_accept)  # long enough to list every file

        QTimer.singleShot(0, answer)
        window.choose_folder()
        assert answered, "the folder dialog never showed"

    def regroup(self) -> None:
        self._window().backend.recluster()

    def name_someone(self) -> None:
        window = self._window()
        # The grid may not show a naming of a moment ago yet: never rename our own.
        unnamed = [
            p for p in window.people.model.rows if p.name is None and p.id not in self.named_ids
        ]
        if not unnamed:
            return
        person = self.random.choice(unnamed)
        self.named += 1
        name = f"Soak {self.named}"
        saved: list[str] = []
        failed: list[str] = []
        window.backend.edit(
            lambda service: service.name_person(person.id, name),
            on_done=lambda _result: (saved.append(name), self.named_ids.add(person.id)),
            on_failed=failed.append,
        )
        self.qtbot.waitUntil(lambda: bool(saved or failed), timeout=60_000)
        self.typed.update(saved)
        self.log += [f"naming {name} failed: {text}" for text in failed]

    def name_several(self) -> None:
        """A few namings in a row, as someone going through the People grid does."""
        for _ in range(self.random.randint(2, 4)):
            self.name_someone()

    def browse(self) -> None:
        """Going through the pages: each reloads what it shows from the library."""
        window = self._window()
        for page in self.random.sample(["Photos", "People", "Review", "Folders"], 3):
            window.show_page(page)
            self.qtbot.wait(150)

    def read_people(self) -> None:
        """`album people` from another process, while the window works."""
        self._album("people", "--all")
        self.tally.reads += 1

    def second_launch(self) -> None:
        """`album FOLDER` while the window is open: the folder goes to the window."""
        if self.instance is None:
            return
        folder = self.new_folder(self._size())
        process = subprocess.Popen(
            [sys.executable, "-m", "album", "--library", str(self.library), str(folder)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )
        self.qtbot.waitUntil(lambda: process.poll() is not None, timeout=CHILD_TIMEOUT * 1000)
        _, err = process.communicate()
        if process.returncode != 0 or "already open" not in err:
            self.tally.problems.append(f"the second launch did not hand over: {err.strip()}")

    def reopen(self) -> None:
        """Close the window (mid-scan when one runs) and open it again."""
        self.close()
        self.open()

    def wait(self) -> None:
        self.qtbot.wait(self.random.randint(500, 3000))

    STEPS: tuple[tuple[str, int], ...] = (
        ("drop_folder", 2),
        ("folder_from_dialog", 2),
        ("regroup", 3),
        ("name_someone", 2),
        ("name_several", 2),
        ("browse", 2),
        ("read_people", 2),
        ("second_launch", 2),
        ("reopen", 1),
        ("wait", 3),
    )

    def run(
        self,
        *,
        steps: int | None = None,
        seconds: float | None = None,
        first: list[str] = (),
        stop: bool = True,
    ) -> Tally:
        """`first` steps in order, then random ones, each followed by `check()`; `stop`:
        at the first problem (False goes on, to see what the damage turns into)."""
        self.open()
        self.drop_folder()
        self.check("start")
        plan = list(first)
        names = [name for name, weight in self.STEPS for _ in range(weight)]
        started = time.monotonic()
        done = 0
        while True:
            if steps is not None and done >= steps:
                break
            if seconds is not None and time.monotonic() - started >= seconds:
                break
            name = plan.pop(0) if plan else self.random.choice(names)
            getattr(self, name)()
            self.tally.steps[name] = self.tally.steps.get(name, 0) + 1
            done += 1
            self.check(name)
            if self.tally.problems and stop:
                break
        return self.tally

    def settle(self, timeout_ms: int = 600_000) -> None:
        """Let the scans (and the regroups after them) finish, then check once more."""
        window = self._window()
        self.qtbot.waitUntil(
            lambda: not window.backend.scanning and not window._queued, timeout=timeout_ms
        )
        self.qtbot.waitUntil(lambda: not window.backend.regrouping, timeout=timeout_ms)
        self.check("settled")

    # -- checks ---------------------------------------------------------------------------

    def check(self, after: str) -> None:
        """The library after a step: sound, and holding all the window has shown."""
        self.tally.checks += 1
        problems = []
        window = self.window
        if window is not None:
            for suffix in ("-wal", "-shm"):
                if not Path(f"{self.library}{suffix}").exists():
                    problems.append(f"library{suffix} vanished while the window is open")
            if lost_lock(self.library):
                problems.append("the window's process lost its lock on the library")
            if window.backend.stopped is not None:  # album itself saw the library fail
                problems.append(f"the window stopped writing: {window.backend.stopped}")
        shown = (self._window_state() if window is not None else None) or State()
        integrity = self._python(INTEGRITY, str(self.library)).strip()
        if integrity != "ok":
            problems.append(f"integrity_check: {integrity}")
        read = State.of(json.loads(self._album("export", "--json")))
        self.tally.reads += 1
        if lost := shown.missing_from(read):
            problems.append("shown by the window, missing for other processes: " + "; ".join(lost))
        if lost := self.seen.missing_from(read):
            problems.append("read before, gone now: " + "; ".join(lost))
        if gone := self.typed - read.names:
            problems.append(f"names typed and saved, now missing: {sorted(gone)}")
        self.seen.photos |= read.photos
        self.seen.faces |= read.faces
        self.seen.names |= read.names
        self.log.append(
            f"{after}: {len(read.photos)} photos, {len(read.faces)} faces, {len(read.names)} names"
        )
        for problem in problems:
            self.tally.problems.append(f"after {after}: {problem}")

    def _window_state(self) -> State | None:
        """What the window's own connections read now (what it shows); None when they
        cannot read (said as a problem)."""
        got: list[dict] = []
        failed: list[str] = []
        path = self._window().backend.library_path

        def read() -> dict:
            return export_rows.export(thread_library(path))

        self._window().backend.jobs.read(read, got.append, failed.append)
        self.qtbot.waitUntil(lambda: bool(got or failed), timeout=60_000)
        if failed:
            self.tally.problems.append(f"the window cannot read its library: {failed[0]}")
            return None
        return State.of(got[0])

    # -- helpers --------------------------------------------------------------------------

    def _window(self) -> MainWindow:
        assert self.window is not None, "no window is open"
        return self.window

    def _size(self) -> int:
        return self.random.randint(4, 10)

    def _album(self, *args: str) -> str:
        return self._child([sys.executable, "-m", "album", "--library", str(self.library), *args])

    def _python(self, code: str, *args: str) -> str:
        return self._child([sys.executable, "-c", code, *args])

    def _child(self, command: list[str]) -> str:
        """Another process, with the window's event loop running meanwhile (as in life). Its
        output is read as it comes (a full pipe would stop it)."""
        process = subprocess.Popen(
            command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        said: list[tuple[str, str]] = []
        reader = threading.Thread(target=lambda: said.append(process.communicate()), daemon=True)
        reader.start()
        self.qtbot.waitUntil(lambda: bool(said), timeout=CHILD_TIMEOUT * 1000)
        out, err = said[0]
        if process.returncode != 0:
            self.tally.problems.append(f"{' '.join(command[2:4])}: {err.strip()[-500:]}")
        return out
