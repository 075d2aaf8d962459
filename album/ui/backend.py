"""The window's one door to the library: scans, people edits, undo, queries, all off-thread.

Widgets never touch SQL or the core's services directly; they call this object and listen to
its signals. Edits go to the single write thread and are committed the moment they are made;
`changed` then tells every view to reload what it shows.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from album import copies
from album.config import Settings
from album.copies import KeepReport
from album.interop.write_names import load_mode as load_write_mode
from album.interop.write_names import save_mode as save_write_mode
from album.organizer import OrganizeError, Organizer
from album.people.regroup import Regroup
from album.people.service import PeopleService
from album.people.update import UpdateReport, update_people
from album.scan.pool import WarmPool
from album.scan.runner import Scanner, ScanProgress, ScanReport
from album.scan.writer import Committed
from album.store import damage, locks, photos, recovery, scan_queue
from album.store import settings as stored_settings
from album.store.albums import AlbumRow
from album.store.library import Library
from album.terminal import counted
from album.ui.jobs import Jobs, thread_library

PEOPLE_REFRESH_SECONDS = 8.0
LOCK_WATCH_SECONDS = 2.0
LOST_LOCK = (
    "album lost its lock on the library (something in this process opened the library's "
    "file outside SQLite), so another program could damage it"
)
REGROUP_POLL_MS = 100


class Backend(QObject):
    changed = Signal()  # people, faces or photos changed: views reload
    message = Signal(str)  # a line for the status bar
    error = Signal(str)  # something the user must see
    history = Signal(str, str)  # what undo / redo would do now ("" when nothing)
    scan_progress = Signal(object)  # ScanProgress
    scan_finished = Signal(object)  # ScanReport
    regroup_progress = Signal(str, int)  # stage (a key of regroup.STAGES), faces it works on
    regroup_finished = Signal(str)  # "done", "cancelled" or "failed"
    damaged = Signal(str)  # the library failed: album stopped writing (said until closed)
    albums_changed = Signal()  # `albums` was read again
    _progress_from_thread = Signal(object)
    _commit_from_thread = Signal(object)
    _lock_lost = Signal()

    def __init__(self, library_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library_path = Path(library_path).absolute()
        # An earlier session saw the library fail: check it (restore it if it must be)
        # before anything else opens it, and keep the report for the window to show.
        self.recovery: list[str] = []
        if damage.pending(self.library_path) is not None:
            self.recovery = recovery.recover(self.library_path).lines()
        # Create and migrate up front; the day's backup waits for the window (`back_up`).
        with Library.open(self.library_path, scheduled_backup=False) as library:
            self.settings = stored_settings.load(library)
            self.min_group_size = stored_settings.load_min_group_size(library)
            self.write_names_mode = load_write_mode(library)  # XMP: never / sidecar / file
            self.warnings = list(library.warnings)  # e.g. a library on a network share
        self.jobs = Jobs(self)
        self.jobs.failed.connect(self.error)
        # The albums as last read: the sidebar, and every "Add to album" menu, show them.
        self.albums: list[AlbumRow] = []
        self.changed.connect(self.refresh_albums)
        QTimer.singleShot(0, self.refresh_albums)
        self.jobs.damaged.connect(self.library_damaged)
        self.stopped: str | None = None  # why album stopped writing (the library failed)
        # POSIX drops a process's locks when anything in it closes the library's file: the
        # window looks every few seconds that its own still hold (album.store.locks).
        # A thread of its own: queued behind the read pool's jobs (a warm-up, a big query),
        # the look came too late to stop anything.
        self._lock_lost.connect(lambda: self.library_damaged(LOST_LOCK))
        self._lock_watch = threading.Event()
        threading.Thread(target=self._watch_lock, name="album-lock-watch", daemon=True).start()
        self._scanner: Scanner | None = None
        self._scan_pool_busy = False
        self._last_people_update = 0.0
        self._people_update_queued = False
        self._progress_from_thread.connect(self.scan_progress)
        self._commit_from_thread.connect(self._after_commit)
        self._regroup_timer = QTimer(self, singleShot=True)
        self._regroup_timer.timeout.connect(lambda: self._update_people(recluster=True))
        self._regroup: Regroup | None = None  # planning in its own process
        self._regroup_tell = False  # File ▸ Group faces again asked: say what it found
        self._regroup_poll = QTimer(self, interval=REGROUP_POLL_MS)
        self._regroup_poll.timeout.connect(self._check_regroup)
        self._regroup_writing: Regroup | None = None  # its plan waits for the write thread
        # Workers started, models loaded, before any folder is dropped (once the event loop runs,
        # so the final settings are known): no scan waits for them.
        self._pool = WarmPool()
        QTimer.singleShot(0, self._warm_pool)
        self._asked: dict[Hashable, int] = {}  # query(latest=…): reads asked, and delivered
        self._delivered: dict[Hashable, int] = {}

    def _warm_pool(self) -> None:
        pool, settings = self._pool, self.settings
        if not self.jobs.closed:
            self.jobs.read(lambda: pool.start(settings))

    def back_up(self) -> None:
        """The day's backup, on a worker thread once the window is up: a backup of a large
        library takes seconds and once delayed the window by as much. Skipped when not due
        or when nothing changed since the newest backup."""
        path = self.library_path
        self.jobs.read(lambda: thread_library(path).scheduled_backup())

    # -- reading ---------------------------------------------------------------------------

    def query(
        self,
        fn: Callable[[Library], Any],
        on_done: Callable[[Any], None],
        *,
        latest: Hashable | None = None,
    ) -> None:
        """Run `fn(library)` on a worker thread; `on_done(result)` runs on the GUI thread.

        Reads run side by side, so they may answer out of order. With `latest` (a view's
        reload), an answer older than one already delivered under the same key is dropped:
        a page never goes back to what it showed before an edit."""
        path = self.library_path
        if latest is None:
            self.jobs.read(lambda: fn(thread_library(path)), on_done)
            return
        asked = self._asked[latest] = self._asked.get(latest, 0) + 1

        def deliver(value: Any) -> None:
            if asked > self._delivered.get(latest, 0):
                self._delivered[latest] = asked
                on_done(value)

        self.jobs.read(lambda: fn(thread_library(path)), deliver)

    # -- people edits ----------------------------------------------------------------------

    def edit(
        self,
        fn: Callable[[PeopleService], Any],
        on_done: Callable[[Any], None] | None = None,
        on_failed: Callable[[str], None] | None = None,
    ) -> None:
        """A people edit through the service, on the write thread, then every view refreshes.

        The matching the edit calls for runs after it as a job of its own, so the views show
        the edit (a new name) at once and refresh again when the matching is done."""
        path = self.library_path

        Edited = tuple[Any, str | None, str | None, set[int], set[int]]

        def run() -> Edited:
            service = PeopleService(thread_library(path), defer_rematch=True)
            result = fn(service)
            pending = service.pending_people, service.pending_faces
            return result, service.can_undo(), service.can_redo(), *pending

        def done(value: Edited) -> None:
            result, undo, redo, people, faces = value
            self.history.emit(undo or "", redo or "")
            summary = getattr(result, "summary", None)
            if isinstance(summary, str):
                self.message.emit(summary)
            self.changed.emit()
            if on_done is not None:
                on_done(result)
            if people or faces:
                self._follow_up(people, faces)

        def failed(text: str) -> None:
            if on_failed is not None:
                on_failed(text)
            else:
                self.error.emit(text)

        self.jobs.write(run, done, failed)

    def organize(
        self,
        fn: Callable[[Organizer], Any],
        on_done: Callable[[Any], None] | None = None,
    ) -> None:
        """An album or rating change, on the write thread like every edit (so edits keep
        their order and undo sees them in it); its message goes to the status bar, and a
        refusal (a smart album cannot take photos) to the user."""
        path = self.library_path

        def run() -> tuple[Any, str | None, str | None]:
            library = thread_library(path)
            try:
                result = fn(Organizer(library))
            except OrganizeError as exc:
                return exc, None, None
            service = PeopleService(library)
            return result, service.can_undo(), service.can_redo()

        def done(value: tuple[Any, str | None, str | None]) -> None:
            result, undo, redo = value
            if isinstance(result, OrganizeError):
                self.error.emit(str(result))
                return
            self.history.emit(undo or "", redo or "")
            if isinstance(result, str):
                self.message.emit(result)
            self.changed.emit()
            if on_done is not None:
                on_done(result)

        self.jobs.write(run, done, self.error.emit)

    # -- copies ----------------------------------------------------------------------------

    def keep_copy(self, keep: int, on_done: Callable[[KeepReport | None], None]) -> None:
        """Keep photo `keep` of its set of copies and send the others to the trash (the user
        said yes), on the write thread: their names, stars and albums go to the kept one."""
        path = self.library_path

        def run() -> KeepReport:
            library = thread_library(path)
            report = copies.keep_one(library, keep)
            copies.refresh(library)
            return report

        def done(report: KeepReport) -> None:
            trashed = len(report.trashed)
            self.message.emit(
                f"Kept {os.path.basename(report.kept_path)}; "
                f"{counted(trashed, 'copy', 'copies')} moved to the trash"
                + (f", {counted(report.carried, 'name')} carried over" if report.carried else "")
            )
            if report.held:
                self.error.emit(
                    "Some copies stayed where they are:\n"
                    + "\n".join(f"{p}: {why}" for p, why in report.held)
                )
            self.changed.emit()
            on_done(report)

        def failed(text: str) -> None:
            self.error.emit(text)
            on_done(None)

        self.jobs.write(run, done, failed)

    def keep_all_copies(self, photo_id: int, on_done: Callable[[None], None]) -> None:
        """The set of copies `photo_id` is in is not one to thin out: it is not asked again."""
        path = self.library_path

        def run() -> None:
            library = thread_library(path)
            copies.keep_all(library, [photo_id])
            copies.refresh(library)

        def done(_: None) -> None:
            self.message.emit("Kept every photo of the set")
            self.changed.emit()
            on_done(None)

        def failed(text: str) -> None:
            self.error.emit(text)
            on_done(None)

        self.jobs.write(run, done, failed)

    def refresh_albums(self) -> None:
        def read(library: Library) -> list[AlbumRow]:
            return Organizer(library).albums()

        def done(found: list[AlbumRow]) -> None:
            if found != self.albums:
                self.albums = found
                self.albums_changed.emit()

        self.query(read, done)

    def _follow_up(self, people: set[int], faces: set[int]) -> None:
        path = self.library_path

        def run() -> object:
            # Planned in a process of its own (the write thread waits for it, so edits keep
            # their order); only the writing happens here.
            matching = Regroup(path, around=set(people), faces=set(faces)).start()
            try:
                return matching.finish(thread_library(path))
            finally:
                matching.cancel()  # never left running, whatever happened

        def failed(text: str) -> None:
            self.error.emit(f"Matching faces to people failed: {text}")

        self.jobs.write(run, lambda _report: self.changed.emit(), failed)

    def undo(self, on_done: Callable[[Any], None] | None = None) -> None:
        self.edit(lambda s: _Stepped("Undone", "undo", s.undo()), on_done)

    def redo(self) -> None:
        self.edit(lambda s: _Stepped("Redone", "redo", s.redo()))

    def refresh_history(self) -> None:
        path = self.library_path

        def read() -> tuple[str, str]:
            service = PeopleService(thread_library(path))
            return service.can_undo() or "", service.can_redo() or ""

        self.jobs.read(read, lambda v: self.history.emit(*v))

    def recluster(self) -> None:
        """File ▸ Group faces again: says that it started and what it found."""
        self.message.emit("Grouping faces again…")
        self._update_people(recluster=True, tell=True)

    # -- scanning --------------------------------------------------------------------------

    @property
    def workers_ready(self) -> bool:
        """The warm pool is up: a scan started now waits for no worker to start."""
        return self._pool.ready

    @property
    def scanning(self) -> bool:
        return self._scanner is not None

    def scan(self, paths: list[str], *, reanalyze: bool = False) -> bool:
        """Start scanning; False when a scan is already running (the paths are queued then)."""
        if self._scanner is not None:
            return False
        if self.stopped is not None:
            self.damaged.emit(self._stopped_message())
            return True  # not queued either: nothing is written until album starts again
        self._scanner = Scanner(
            self.library_path,
            self.settings,
            executor_factory=self._pool.take,
            executor_release=self._pool.give_back,
            on_progress=self._progress_from_thread.emit,
            on_commit=self._commit_from_thread.emit,
            reanalyze=reanalyze,
        )
        scanner = self._scanner
        self.jobs.read(lambda: scanner.run(paths), self._scan_done, self._scan_failed)
        self.message.emit("Scanning…")
        return True

    def remember(self, paths: list[str]) -> None:
        """Record folders the window was given but cannot scan yet (a scan is running), on
        the write thread at once: if the window closes before their turn, the next start
        scans them. (A scan that starts at once records its own folders first thing.)"""
        path = self.library_path
        self.jobs.write(lambda: scan_queue.record(thread_library(path), paths))

    def still_to_scan(self, on_done: Callable[[scan_queue.Resume], None]) -> None:
        """What an interrupted scan (a closed window, a crash) or an unreached queue left."""
        self.query(scan_queue.to_resume, on_done)

    def pause_scan(self) -> None:
        if self._scanner is not None:
            self._scanner.pause()

    def resume_scan(self) -> None:
        if self._scanner is not None:
            self._scanner.resume()

    def cancel_scan(self) -> None:
        if self._scanner is not None:
            self._scanner.cancel()

    @property
    def scan_paused(self) -> bool:
        return self._scanner is not None and self._scanner.paused

    def _after_commit(self, committed: Committed) -> None:
        """New faces are in the library: show them, and regroup people at most every few
        seconds (the last commits are always regrouped, even when no more follow)."""
        self.changed.emit()
        waited = time.monotonic() - self._last_people_update
        if waited > PEOPLE_REFRESH_SECONDS:
            self._update_people(recluster=True)
        elif not self._regroup_timer.isActive():
            self._regroup_timer.start(int((PEOPLE_REFRESH_SECONDS - waited) * 1000) + 1)

    def _scan_done(self, report: ScanReport) -> None:
        self._scanner = None
        self._warm_pool()  # a cancelled scan stopped its workers: start the next ones
        self._regroup_timer.stop()
        self._update_people(recluster=True)
        self.scan_finished.emit(report)
        self.message.emit(scan_message(report))

    def _scan_failed(self, text: str) -> None:
        self._scanner = None
        self.scan_finished.emit(None)
        self.error.emit(f"The scan stopped: {text}")

    def _update_people(self, *, recluster: bool, tell: bool = False) -> None:
        if self.stopped is not None:
            return
        if self._people_update_queued:
            if not self._regroup_timer.isActive():  # busy: look again once it is done
                self._regroup_timer.start(int(PEOPLE_REFRESH_SECONDS * 1000))
            return
        self._people_update_queued = True
        self._last_people_update = time.monotonic()
        path = self.library_path
        if recluster:
            self._regroup = Regroup(path).start()
            self._regroup_tell = tell
            self._regroup_poll.start()
            self.regroup_progress.emit(*self._regroup.stage)
            return

        def run() -> UpdateReport:
            return update_people(thread_library(path), recluster=recluster)

        def done(report: UpdateReport) -> None:
            self._updated_people(report, tell)

        def failed(text: str) -> None:
            self._people_update_queued = False
            self.error.emit(f"Grouping faces failed: {text}")

        self.jobs.write(run, done, failed)

    def _updated_people(self, report: UpdateReport, tell: bool) -> None:
        self._people_update_queued = False
        self._last_people_update = time.monotonic()
        self.changed.emit()
        if tell:
            self.message.emit(
                f"Faces grouped again: {counted(report.matched, 'face')} matched to named "
                f"people, {counted(report.clustered, 'face')} in groups, "
                f"{report.unsorted} unsorted"
            )

    @property
    def regrouping(self) -> bool:
        return self._regroup is not None or self._regroup_writing is not None

    def cancel_regroup(self) -> bool:
        """Stop the regroup's process; nothing it planned is written. False when there is
        none, or when its plan is already being written (too late to cancel)."""
        if self._regroup is not None:
            return self._regroup.cancel()
        writing = self._regroup_writing
        return writing is not None and writing.cancel()

    def _check_regroup(self) -> None:
        """The regroup's process plans on; once its plan is in, the write thread writes it."""
        regroup = self._regroup
        if self.jobs.closed:  # the window went away: nobody will write or read the plan
            self.cancel_regroup()
            self._regroup_poll.stop()
            return
        if regroup is None:
            return
        for stage, faces in regroup.progress():
            if regroup.cancelled:
                break  # what it said before it was stopped no longer matters
            self.regroup_progress.emit(stage, faces)
        if regroup.planning():
            return
        self._regroup_poll.stop()
        self._regroup = None
        self._regroup_writing = regroup  # Cancel still works until the write begins
        path = self.library_path

        tell = self._regroup_tell

        def done(report: UpdateReport) -> None:
            self._regroup_writing = None
            self._updated_people(report, tell)
            self.regroup_finished.emit("done")

        def failed(text: str) -> None:
            self._regroup_writing = None
            self._people_update_queued = False
            if regroup.cancelled:
                self.message.emit("Grouping faces cancelled: the groups are as they were")
                self.regroup_finished.emit("cancelled")
            else:
                self.error.emit(f"Grouping faces failed: {text}")
                self.regroup_finished.emit("failed")

        def write() -> UpdateReport:
            return regroup.finish(thread_library(path), timeout=0)

        if not regroup.cancelled:
            self.regroup_progress.emit("writing", regroup.stage[1])
        self.jobs.write(write, done, failed)

    def remove_folder(self, root: str) -> None:
        """Forget a folder and what album found in it (the files stay where they are)."""
        if self.scanning:
            self.error.emit("Wait for the scan to finish before removing a folder")
            return
        path = self.library_path

        def done(removed: int) -> None:
            self.message.emit(f"Removed {root} from the library ({counted(removed, 'photo')})")
            self.changed.emit()

        def remove() -> int:
            library = thread_library(path)
            scan_queue.finish(library, [root])  # a removed folder is not carried on later
            return photos.remove_root(library, root)

        self.jobs.write(remove, done)

    # -- settings --------------------------------------------------------------------------

    def save_settings(self, settings: Settings) -> None:
        self.settings = settings
        self._warm_pool()
        path = self.library_path
        self.jobs.write(lambda: stored_settings.save(thread_library(path), settings))

    def save_write_names_mode(self, mode: str) -> None:
        """Whether naming edits are written into the photos' files (album.interop)."""
        self.write_names_mode = mode
        path = self.library_path
        self.jobs.write(lambda: save_write_mode(thread_library(path), mode))

    def save_min_group_size(self, size: int) -> None:
        """Kept in the library; people are grouped again at once so the grid shows it."""
        if size == self.min_group_size:
            return
        self.min_group_size = size
        path = self.library_path
        self.jobs.write(lambda: stored_settings.save_min_group_size(thread_library(path), size))
        self._update_people(recluster=True)

    # -- damage ----------------------------------------------------------------------------

    def library_damaged(self, text: str) -> None:
        """The library reported an I/O or corruption error: every writer stops at once, a
        copy of the library as it is now is kept, a note tells the next start to check it,
        and the window says all of that until it closes."""
        if self.stopped is not None:
            return
        self.stopped = text
        self.jobs.stop_writing(text)
        self._lock_watch.set()
        self._regroup_timer.stop()
        self.cancel_scan()
        self.cancel_regroup()
        self.damaged.emit(self._stopped_message())
        path = self.library_path

        def kept(note: damage.DamageNote) -> None:
            self.damaged.emit(self._stopped_message(note))

        self.jobs.read(lambda: damage.record(path, text), kept, lambda _t: None)

    def _stopped_message(self, note: damage.DamageNote | None = None) -> str:
        if note is None:
            copy = "album is keeping a copy of it as it is now"
        elif note.copy:
            copy = f"a copy of it as it was is kept at {note.copy}"
        else:
            copy = f"a copy could not be kept ({note.copy_error}); nothing was deleted"
        return (
            f"A problem with the library: {self.stopped}. album stopped writing to it "
            f"to lose nothing more; {copy}. Close album and start it again: it will check "
            "the library, restore it from the newest good backup if it must, and scan again "
            "what the backup lacks."
        )

    def _watch_lock(self) -> None:
        """Every few seconds until the window closes or writing stops (reads /proc only)."""
        path = self.library_path
        while not self._lock_watch.wait(LOCK_WATCH_SECONDS):
            if locks.lost_lock(path):
                self._lock_watch.set()
                with contextlib.suppress(RuntimeError):  # the window is already gone
                    self._lock_lost.emit()

    def shutdown(self) -> bool:
        """Stop everything; whether every job finished (their connections may be closed)."""
        self._lock_watch.set()
        self.cancel_scan()
        self.cancel_regroup()
        self._regroup_poll.stop()
        finished = self.jobs.close(10_000)
        self._pool.close()
        return finished


def scan_message(report: ScanReport) -> str:
    """The status line after a scan. A rescan that found nothing new is good news, not
    "0 photos analyzed"."""
    if report.cancelled:
        return (
            f"Scan cancelled: {counted(report.analyzed, 'photo')} analyzed, "
            f"{counted(report.faces, 'face')} found; the rest waits for the next scan"
        )
    failed = f", {len(report.failed)} could not be read" if report.failed else ""
    if report.analyzed == 0:
        kept = report.unchanged + report.moved
        return f"Up to date: {counted(kept, 'photo')} checked, nothing new{failed}"
    return (
        f"Scan finished: {counted(report.analyzed, 'photo')} analyzed, "
        f"{counted(report.faces, 'face')} found{failed}"
    )


def resume_message(resume: scan_queue.Resume) -> str:
    """The status line when the window starts and carries on with a scan that stopped: the
    photos it had listed but not analyzed, then the folders it never reached."""
    parts = []
    if resume.photos:
        parts.append(f"{counted(resume.photos, 'photo')} still to scan")
    if resume.folders:
        folders = counted(resume.folders, "folder")
        parts.append(f"{folders} not looked at yet" if parts else f"{folders} still to scan")
    return ", and ".join(parts or ["Still to scan"]) + ": carrying on where the last scan stopped"


class _Stepped:
    """What undo/redo did, shaped like an edit result for the status bar."""

    def __init__(self, done: str, verb: str, what: str | None) -> None:
        self.summary = f"{done}: {what}" if what else f"Nothing to {verb}"


__all__ = ["Backend", "ScanProgress"]
