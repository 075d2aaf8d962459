"""Writing names into files after each naming edit, in the background, one writer at a time.

When the library's "Write names to photos" setting is on, every edit that changes who is in a
photo queues that photo here. One thread per process writes (its own connection, as every
thread has); files are replaced atomically (see `write_names`), so a crash at any moment leaves
each file as it was or as it should be, never half written. At exit the queue is drained, so a
one-shot command's edit reaches the files too.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
from pathlib import Path

from album.interop.write_names import load_mode, write_names
from album.store.library import Library

log = logging.getLogger(__name__)
_STOP = None


class BackgroundWriter(threading.Thread):
    def __init__(self) -> None:
        super().__init__(name="album-xmp-writer", daemon=True)
        self.queue: queue.Queue[tuple[Path, set[int]] | None] = queue.Queue()
        self.failed: list[tuple[str, str]] = []

    def run(self) -> None:
        while True:
            item = self.queue.get()
            try:
                if item is _STOP:
                    return
                path, photo_ids = item
                # Gather what queued up meanwhile for the same library: one pass writes it.
                while True:
                    try:
                        more = self.queue.get_nowait()
                    except queue.Empty:
                        break
                    if more is _STOP:
                        self.queue.put(_STOP)
                        self.queue.task_done()
                        break
                    if more[0] == path:
                        photo_ids |= more[1]
                    else:
                        self.queue.put(more)
                    self.queue.task_done()
                self._write(path, photo_ids)
            finally:
                self.queue.task_done()

    def _write(self, path: Path, photo_ids: set[int]) -> None:
        try:
            with Library.open(path) as library:
                mode = load_mode(library)
                if mode == "never":
                    return
                report = write_names(library, in_file=mode == "file", photo_ids=photo_ids)
            self.failed.extend(report.failed)
            for file, message in report.failed:
                log.warning("names not written to %s: %s", file, message)
        except Exception as exc:  # never take the app down for a file that cannot be written
            log.warning("names not written: %s", exc)
            self.failed.append((str(path), str(exc)))

    def drain(self) -> None:
        self.queue.join()


_writer: BackgroundWriter | None = None
_lock = threading.Lock()


def writer() -> BackgroundWriter:
    global _writer
    with _lock:
        if _writer is None or not _writer.is_alive():
            _writer = BackgroundWriter()
            _writer.start()
            atexit.register(_writer.drain)
        return _writer


def queue_photos(library: Library, photo_ids: set[int]) -> None:
    """Queue these photos' names for writing, if the library's setting asks for it."""
    if photo_ids and load_mode(library) != "never":
        writer().queue.put((Path(library.path), set(photo_ids)))
