"""Running work off the GUI thread and getting the answer back onto it.

Every query, edit, thumbnail decode and scan runs on a QThreadPool. The callback that receives
its result runs on the GUI thread: the worker emits a signal of this long-lived object (it lives
on the GUI thread), tagged with the job's number, through a queued connection.

No QObject is made per job: a worker thread that dropped the last reference to one would
destroy it on the wrong thread, which crashes PySide (seen as a segfault in ~QObject). The
runnable holds only plain Python values and this object's signals. Edits and people updates
share a pool of a single thread, so they reach the library one at a time, in the order the
user made them.
"""

from __future__ import annotations

import itertools
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal, Slot

from album.store.damage import is_damage
from album.store.library import Library

Done = Callable[[Any], None]
Failed = Callable[[str], None]

_libraries: dict[tuple[int, Path], Library] = {}
_libraries_lock = threading.Lock()


def thread_library(path: Path) -> Library:
    """This worker thread's own connection to the library, kept while the thread lives.

    Not a `threading.local`: PySide gives each QRunnable.run a fresh Python thread state, so
    such a cache held for one job only, and the garbage collector closed its connection later
    on whatever thread it ran. The window's connections came and went at random, its lock on
    the library with them. The pools' threads never expire (`keep_threads`), so a thread's
    ident names one live thread for the window's lifetime; `close_thread_libraries` closes them
    once the pools are done.
    """
    key = (threading.get_ident(), Path(path))
    with _libraries_lock:
        library = _libraries.get(key)
    if library is None:
        library = Library.open(path, scheduled_backup=False)
        with _libraries_lock:
            _libraries[key] = library
    return library


def close_thread_libraries(path: Path, threads: set[int]) -> None:
    """Close these worker threads' connections to the library (their pools are done)."""
    with _libraries_lock:
        keys = [key for key in _libraries if key[1] == Path(path) and key[0] in threads]
        closing = [_libraries.pop(key) for key in keys]
    for library in closing:
        library.close()


def keep_threads(pool: QThreadPool) -> QThreadPool:
    """A pool whose threads live as long as it does, each keeping its connection."""
    pool.setExpiryTimeout(-1)
    return pool


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], number: int, jobs: Jobs) -> None:
        super().__init__()
        self._fn = fn
        self._number = number
        self._done = jobs._finished
        self._failed = jobs._crashed
        self._threads = jobs.threads

    def run(self) -> None:
        self._threads.add(threading.get_ident())
        try:
            value = self._fn()
        except Exception as exc:  # shown to the user; the traceback helps a bug report
            traceback.print_exc()
            self._failed.emit(self._number, str(exc) or type(exc).__name__, is_damage(exc))
        else:
            self._done.emit(self._number, value)
        finally:
            self._fn = None  # type: ignore[assignment]  # drop the closure here, not later


class Jobs(QObject):
    """Background work for the window: `read` for queries and pictures, `write` for edits."""

    failed = Signal(str)  # a job without its own error handler failed
    # The library reported an I/O or corruption error: never a passing message (see
    # album.store.damage). Said once; every write after it is refused.
    damaged = Signal(str)
    _finished = Signal(int, object)
    _crashed = Signal(int, str, bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._read = keep_threads(QThreadPool(self))
        self._read.setMaxThreadCount(3)
        self._write = keep_threads(QThreadPool(self))
        self._write.setMaxThreadCount(1)
        self._callbacks: dict[int, tuple[Done | None, Failed | None]] = {}
        self.threads: set[int] = set()  # whose connections `close_thread_libraries` closes
        self._numbers = itertools.count(1)
        self.closed = False  # the window went away: results are dropped, not delivered
        self.stopped: str | None = None  # why writing stopped (the library is damaged)
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._crashed.connect(self._report, Qt.ConnectionType.QueuedConnection)

    def read(
        self, fn: Callable[[], Any], on_done: Done | None = None, on_failed: Failed | None = None
    ) -> None:
        self._start(self._read, fn, on_done, on_failed)

    def write(
        self, fn: Callable[[], Any], on_done: Done | None = None, on_failed: Failed | None = None
    ) -> None:
        if self.stopped is not None:
            refusal = f"album stopped writing to the library: {self.stopped}"
            if on_failed is not None:
                QTimer.singleShot(0, lambda: on_failed(refusal))
            return
        self._start(self._write, fn, on_done, on_failed)

    def stop_writing(self, why: str) -> None:
        """No write starts from now on (the ones running finish or fail on their own)."""
        if self.stopped is None:
            self.stopped = why
            self._write.clear()  # queued edits never start

    def _start(
        self,
        pool: QThreadPool,
        fn: Callable[[], Any],
        on_done: Done | None,
        on_failed: Failed | None,
    ) -> None:
        number = next(self._numbers)
        self._callbacks[number] = (on_done, on_failed)
        pool.start(_Task(fn, number, self))

    @Slot(int, object)
    def _deliver(self, number: int, value: object) -> None:
        on_done, _ = self._callbacks.pop(number, (None, None))
        if on_done is not None and not self.closed:
            on_done(value)

    @Slot(int, str, bool)
    def _report(self, number: int, message: str, damage: bool) -> None:
        _, on_failed = self._callbacks.pop(number, (None, None))
        if self.closed:
            return  # the window is gone: nobody to tell
        if damage:
            self.damaged.emit(message)
        if on_failed is not None:
            on_failed(message)
        else:
            self.failed.emit(message)

    @property
    def busy(self) -> bool:
        return bool(self._callbacks)

    def close(self, msecs: int = 30_000) -> bool:
        """Finish the running jobs and deliver no more results (the window is closing)."""
        self.closed = True
        return self.wait(msecs)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until every started job is done (shutdown and tests only)."""
        return self._read.waitForDone(msecs) and self._write.waitForDone(msecs)
