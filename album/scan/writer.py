"""The scan's single writer: one thread, one connection, short batched transactions.

Workers never open the library. Their results queue up here and are committed a batch at a
time (at most a second's worth or BATCH_SIZE photos), so a kill loses at most the photos of one
uncommitted batch, and the scan resumes them because their rows are still 'pending'.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from album.faces.analyze import PhotoAnalysis
from album.store.faces import save_analysis
from album.store.library import Library

BATCH_SIZE = 64
BATCH_SECONDS = 1.0


@dataclass
class Committed:
    photos: int
    faces: int
    failed: int


class Writer(threading.Thread):
    def __init__(
        self, library_path: Path, on_commit: Callable[[Committed], None] | None = None
    ) -> None:
        super().__init__(name="album-writer", daemon=True)
        self._path = library_path
        self._queue: queue.Queue[tuple[int, PhotoAnalysis] | None] = queue.Queue()
        self._on_commit = on_commit
        self.error: BaseException | None = None
        self.seconds = 0.0  # spent storing, for the scan's per-stage split

    def put(self, photo_id: int, analysis: PhotoAnalysis) -> None:
        if self.error is not None:
            raise RuntimeError(f"cannot write to the library: {self.error}") from self.error
        self._queue.put((photo_id, analysis))

    def close(self) -> None:
        """Commit everything queued, then stop."""
        self._queue.put(None)
        self.join()
        if self.error is not None:
            raise RuntimeError(f"cannot write to the library: {self.error}") from self.error

    def run(self) -> None:
        library = Library.open(self._path)
        try:
            closing = False
            while not closing:
                item = self._queue.get()
                if item is None:
                    break
                batch = [item]
                deadline = time.monotonic() + BATCH_SECONDS
                while len(batch) < BATCH_SIZE:
                    try:
                        item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                    except queue.Empty:
                        break
                    if item is None:
                        closing = True
                        break
                    batch.append(item)
                self._commit(library, batch)
        except BaseException as exc:  # reported to the scan by put()/close()
            self.error = exc
            while True:  # unblock a producer; what is queued is lost and stays 'pending'
                try:
                    if self._queue.get_nowait() is None:
                        break
                except queue.Empty:
                    break
        finally:
            library.close()

    def _commit(self, library: Library, batch: list[tuple[int, PhotoAnalysis]]) -> None:
        started = time.perf_counter()
        with library.write():
            for photo_id, analysis in batch:
                save_analysis(library, photo_id, analysis)
        self.seconds += time.perf_counter() - started
        if self._on_commit is not None:
            self._on_commit(
                Committed(
                    photos=len(batch),
                    faces=sum(len(a.faces) for _, a in batch),
                    failed=sum(1 for _, a in batch if a.error is not None),
                )
            )
