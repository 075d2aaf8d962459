"""Face crops and photo thumbnails, decoded off the GUI thread, only for what is on screen.

A view asks for a picture when it paints a row; the first time, the answer is "not yet" and a
worker decodes it. Requests are served newest first, so after a fast scroll the rows now on
screen come before the ones scrolled past. QImages are made on the worker; QPixmaps only on the
GUI thread.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QGuiApplication, QImage, QPixmap

from album.config import Settings
from album.faces.crops import face_crop
from album.imaging import PhotoError, thumbnail_jpeg
from album.ui.jobs import thread_library

CACHE_SIZE = 4000
PHOTO_SIDE = 320

Key = tuple[str, int]  # ("face", face id) or ("photo", photo id)


class _Loaded(QObject):
    loaded = Signal(object, object)  # key, QImage or None


class _Take(QRunnable):
    """Takes the newest request off the stack and decodes it."""

    def __init__(self, owner: Thumbnails) -> None:
        super().__init__()
        self._owner = owner

    def run(self) -> None:
        with self._owner._lock:
            if not self._owner._stack:
                return
            key, path = self._owner._stack.pop()
        image = self._owner._decode(key, path)
        self._owner._signals.loaded.emit(key, image)


class Thumbnails(QObject):
    ready = Signal(str, int)  # kind, id: a picture asked for earlier is now available

    def __init__(self, library_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._library_path = library_path
        # Face tiles are at most crop_size logical pixels; on a HiDPI screen (device pixel
        # ratio 2) the crop is asked for at twice that, so avatars stay sharp.
        screen = QGuiApplication.primaryScreen()
        ratio = screen.devicePixelRatio() if screen is not None else 1.0
        self.face_side = round(Settings().crop_size * max(1.0, ratio))
        self._cache: OrderedDict[Key, QPixmap | None] = OrderedDict()
        self._requested: set[Key] = set()
        self._stale: set[Key] = set()  # shown until their new picture arrives
        self._stack: list[tuple[Key, str | None]] = []
        self._lock = threading.Lock()
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self._signals = _Loaded(self)
        self._signals.loaded.connect(self._store)

    def face(self, face_id: int | None) -> QPixmap | None:
        if face_id is None:
            return None
        return self._get(("face", face_id), None)

    def photo(self, photo_id: int, path: str) -> QPixmap | None:
        return self._get(("photo", photo_id), path)

    def forget_faces(self) -> None:
        """Crops change when faces are re-detected: load them again, but keep showing the old
        ones until the new ones arrive (dropping them made every avatar flash grey)."""
        self._stale.update(k for k in self._cache if k[0] == "face")

    def _get(self, key: Key, path: str | None) -> QPixmap | None:
        if key in self._cache:
            self._cache.move_to_end(key)
            if key in self._stale:
                self._request(key, path)
            return self._cache[key]
        self._request(key, path)
        return None

    def _request(self, key: Key, path: str | None) -> None:
        if key not in self._requested:
            self._requested.add(key)
            with self._lock:
                self._stack.append((key, path))
            self._pool.start(_Take(self))

    def _decode(self, key: Key, path: str | None) -> QImage | None:
        try:
            if key[0] == "face":
                data = face_crop(thread_library(self._library_path), key[1], self.face_side)
            else:
                data = thumbnail_jpeg(path or "", PHOTO_SIDE)
        except (PhotoError, OSError):
            return None
        if not data:
            return None
        image = QImage.fromData(data)
        return None if image.isNull() else image

    def _store(self, key: Key, image: QImage | None) -> None:
        self._requested.discard(key)
        self._stale.discard(key)
        self._cache[key] = QPixmap.fromImage(image) if image is not None else None
        while len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        self.ready.emit(key[0], key[1])

    def wait(self, msecs: int = 10_000) -> bool:
        return self._pool.waitForDone(msecs)
