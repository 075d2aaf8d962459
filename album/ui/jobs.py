"""Running work off the GUI thread and getting the answer back onto it.

Every query, edit, thumbnail decode and scan runs on a QThreadPool. The callback that receives
its result runs on the GUI thread: a small relay QObject, created on the GUI thread, receives the
worker's signal through a queued connection. Edits and people updates share one pool of a single
thread, so they reach the library one at a time, in the order the user made them.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

from album.store.library import Library

_local = threading.local()


def thread_library(path: Path) -> Library:
    """This worker thread's own connection to the library (SQLite connections are per thread)."""
    cache: dict[Path, Library] = getattr(_local, "libraries", None) or {}
    _local.libraries = cache
    library = cache.get(path)
    if library is None:
        library = cache[path] = Library.open(path)
    return library


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(str)


class _Relay(QObject):
    """Lives on the GUI thread; its slots run the callbacks there."""

    def __init__(
        self,
        jobs: Jobs,
        on_done: Callable[[Any], None] | None,
        on_failed: Callable[[str], None] | None,
    ) -> None:
        super().__init__(jobs)
        self._jobs = jobs
        self._on_done = on_done
        self._on_failed = on_failed

    @Slot(object)
    def done(self, value: object) -> None:
        try:
            if self._on_done is not None and not self._jobs.closed:
                self._on_done(value)
        finally:
            self._finish()

    @Slot(str)
    def failed(self, message: str) -> None:
        try:
            if self._jobs.closed:
                pass  # the window is gone: nobody to tell
            elif self._on_failed is not None:
                self._on_failed(message)
            else:
                self._jobs.failed.emit(message)
        finally:
            self._finish()

    def _finish(self) -> None:
        self._jobs._pending.discard(self)
        self.deleteLater()


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self._fn = fn
        self._signals = signals

    def run(self) -> None:
        try:
            value = self._fn()
        except Exception as exc:  # shown to the user; the traceback helps a bug report
            traceback.print_exc()
            self._signals.failed.emit(str(exc) or type(exc).__name__)
            return
        self._signals.done.emit(value)


class Jobs(QObject):
    """Background work for the window: `read` for queries and pictures, `write` for edits."""

    failed = Signal(str)  # a job without its own error handler failed

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._read = QThreadPool(self)
        self._read.setMaxThreadCount(3)
        self._write = QThreadPool(self)
        self._write.setMaxThreadCount(1)
        self._pending: set[_Relay] = set()
        self.closed = False  # the window went away: results are dropped, not delivered

    def read(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_failed: Callable[[str], None] | None = None,
    ) -> None:
        self._start(self._read, fn, on_done, on_failed)

    def write(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_failed: Callable[[str], None] | None = None,
    ) -> None:
        self._start(self._write, fn, on_done, on_failed)

    def _start(
        self,
        pool: QThreadPool,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None] | None,
        on_failed: Callable[[str], None] | None,
    ) -> None:
        relay = _Relay(self, on_done, on_failed)
        self._pending.add(relay)
        signals = _Signals()
        signals.done.connect(relay.done, Qt.ConnectionType.QueuedConnection)
        signals.failed.connect(relay.failed, Qt.ConnectionType.QueuedConnection)
        relay.destroyed.connect(signals.deleteLater)
        pool.start(_Task(fn, signals))

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def close(self, msecs: int = 30_000) -> bool:
        """Finish the running jobs and deliver no more results (the window is closing)."""
        self.closed = True
        return self.wait(msecs)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until every started job is done (shutdown and tests only)."""
        return self._read.waitForDone(msecs) and self._write.waitForDone(msecs)
