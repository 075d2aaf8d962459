"""Face crops and photo thumbnails, decoded off the GUI thread, only for what is on screen.

A view asks for a picture when it paints a row; the first time, the answer is "not yet" and a
worker decodes it. Requests are served newest first, so after a fast scroll the rows now on
screen come before the ones scrolled past; and when a grid scrolls, `VisibleTiles` tells this
object which tiles are on screen now, and every waiting request for a tile scrolled away is
dropped (measured at 100,000 photos: scrolling the People grid to the end queued 5,905 crops
that took 11 s to drain after the scroll stopped, and the window grew by 480 MB). QImages are
made on the worker; QPixmaps only on the GUI thread. The pictures kept are bounded by their
bytes, not their count: a face crop's pixmap is 100 KB, a photo's 400 KB.
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
import traceback
from collections import OrderedDict
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QImage, QPixmap
from PySide6.QtWidgets import QAbstractItemView

from album.config import Settings
from album.faces.crops import face_crop
from album.imaging import PhotoError, thumbnail_image
from album.store.damage import is_damage
from album.ui.jobs import keep_threads, thread_library
from album.ui.pictures import qimage_of

CACHE_BYTES = 96 * 1024 * 1024
PHOTO_SIDE = 320
# JPEG: about 12 KB a photo in the cache. WebP was half the size but 8-10 ms to encode, against
# 0.5 ms: a screen of new photos cost the picture threads 0.4 s more.
THUMBNAIL_QUALITY = 80
WORKERS = 2
# How long a picture thread waits at most for the GUI thread to finish painting (see
# `Thumbnails._hold`): a bound, in case the event loop is blocked elsewhere.
PAINT_WAIT_S = 0.1

Key = tuple[str, int]  # ("face", face id) or ("photo", photo id)


class _Loaded(QObject):
    loaded = Signal(object, object)  # key, QImage or None
    damaged = Signal(str)  # reading a face's crop met a damaged library


class _Take(QRunnable):
    """Takes the newest request off the stack and decodes it, until none is left."""

    def __init__(self, owner: Thumbnails) -> None:
        super().__init__()
        self._owner = owner

    def run(self) -> None:
        owner = self._owner
        owner.threads.add(threading.get_ident())
        while True:
            owner._gui_idle.wait(PAINT_WAIT_S)
            with owner._lock:
                if not owner._stack:
                    owner._running -= 1
                    return
                key, path = owner._stack.popitem()
            image = owner._decode(key, path)
            try:
                owner._signals.loaded.emit(key, image)
            except RuntimeError:  # the window closed meanwhile: nobody to show it to
                with owner._lock:
                    owner._running -= 1
                return


class Thumbnails(QObject):
    # kind, ids: pictures asked for earlier, now available. Delivered together once per turn of
    # the event loop: a signal into Python costs about 50 µs per connected slot, and with a
    # dozen views listening, one emit per picture took 0.85 ms, 30 ms per screen scrolled.
    ready = Signal(str, list)
    damaged = Signal(str)  # the library failed while a picture was read (album.store.damage)

    def __init__(self, library_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._library_path = library_path
        # Face tiles are at most crop_size logical pixels; on a HiDPI screen (device pixel
        # ratio 2) the crop is asked for at twice that, so avatars stay sharp.
        screen = QGuiApplication.primaryScreen()
        ratio = screen.devicePixelRatio() if screen is not None else 1.0
        self.face_side = round(Settings().crop_size * max(1.0, ratio))
        self._cache: OrderedDict[Key, QPixmap | None] = OrderedDict()
        self._cache_bytes = 0
        self._requested: set[Key] = set()
        self._stale: set[Key] = set()  # shown until their new picture arrives
        # Waiting requests, newest last; a dict so a scroll drops the far ones in one pass.
        self._stack: OrderedDict[Key, str | None] = OrderedDict()
        self._running = 0  # workers taking from the stack
        self._lock = threading.Lock()
        self._pool = keep_threads(QThreadPool(self))
        self.threads: set[int] = set()  # whose connections `close_thread_libraries` closes
        self._pool.setMaxThreadCount(WORKERS)
        self._signals = _Loaded(self)
        self._signals.loaded.connect(self._store)
        self._arrived: dict[str, list[int]] = {}
        self._deliver = QTimer(self, singleShot=True, interval=0)
        self._deliver.timeout.connect(self._tell_ready)
        self._signals.damaged.connect(self.damaged)
        self.dropped = 0  # requests dropped because their tile left the screen
        # Set while the GUI thread is not painting. A paint is Python through and through (a
        # screen of tiles: ~25 ms), and with both picture threads running Python beside it,
        # it got the GIL a third of the time: scrolling the 100,000-photo timeline stalled
        # the window for up to 190 ms. The threads now wait between two pictures while a
        # paint asks for pictures, and go on once the event loop turns.
        self._gui_idle = threading.Event()
        self._gui_idle.set()
        self._resume = QTimer(self, singleShot=True, interval=0)
        self._resume.timeout.connect(self._gui_idle.set)

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

    def keep_only(self, kind: str, on_screen: set[int]) -> None:
        """Drop every waiting request of this kind for a picture not on screen now; a tile that
        comes back on screen asks again when it is painted."""
        with self._lock:
            gone = [k for k in self._stack if k[0] == kind and k[1] not in on_screen]
            for key in gone:
                del self._stack[key]
        self._requested.difference_update(gone)
        self.dropped += len(gone)

    def _get(self, key: Key, path: str | None) -> QPixmap | None:
        self._hold()
        if key in self._cache:
            self._cache.move_to_end(key)
            if key in self._stale:
                self._request(key, path)
            return self._cache[key]
        self._request(key, path)
        return None

    def _hold(self) -> None:
        """Keep the picture threads from starting another picture until this paint is over."""
        if self._gui_idle.is_set():
            self._gui_idle.clear()
            self._resume.start()

    def _request(self, key: Key, path: str | None) -> None:
        if key in self._requested:
            return
        self._requested.add(key)
        with self._lock:
            self._stack[key] = path
            start = self._running < WORKERS
            if start:
                self._running += 1
        if start:
            self._pool.start(_Take(self))

    def _decode(self, key: Key, path: str | None) -> QImage | None:
        try:
            if key[0] == "face":
                data = face_crop(thread_library(self._library_path), key[1], self.face_side)
                picture = Image.open(io.BytesIO(data)) if data else None
            else:
                picture = self._photo_picture(key[1], path or "")
        except (PhotoError, OSError):
            return None
        except Exception as exc:  # a worker that raised would stop taking requests for good
            if is_damage(exc):
                self._signals.damaged.emit(str(exc))
            else:
                traceback.print_exc()  # a bug: shown, and the other pictures still come
            return None
        # Pixels, not an encoded file, reach Qt (album/ui/pictures.py: the window froze).
        return None if picture is None else qimage_of(picture)

    def _photo_picture(self, photo_id: int, path: str) -> Image.Image:
        """From the cache beside the library when it was made from this very file (a
        reopened library decodes no photo), else made from the photo and kept there."""
        stat = os.stat(path)
        stamp = f"{stat.st_size}:{stat.st_mtime_ns}"
        cache = thread_library(self._library_path).crops
        kept = cache.thumbnail(photo_id, stamp, PHOTO_SIDE)
        if kept is not None:
            with contextlib.suppress(OSError, ValueError):  # unreadable: made again below
                picture = Image.open(io.BytesIO(kept))
                picture.load()
                return picture
        picture = thumbnail_image(path, PHOTO_SIDE)
        out = io.BytesIO()
        picture.save(out, "JPEG", quality=THUMBNAIL_QUALITY)
        cache.keep_thumbnail(photo_id, stamp, PHOTO_SIDE, out.getvalue())
        return picture

    def _store(self, key: Key, image: QImage | None) -> None:
        self._requested.discard(key)
        self._stale.discard(key)
        old = self._cache.pop(key, None)
        self._cache_bytes -= _bytes(old)
        pixmap = QPixmap.fromImage(image) if image is not None else None
        self._cache[key] = pixmap
        self._cache_bytes += _bytes(pixmap)
        while self._cache_bytes > CACHE_BYTES and len(self._cache) > 1:
            _, dropped = self._cache.popitem(last=False)
            self._cache_bytes -= _bytes(dropped)
        self._arrived.setdefault(key[0], []).append(key[1])
        if not self._deliver.isActive():
            self._deliver.start()

    def _tell_ready(self) -> None:
        arrived, self._arrived = self._arrived, {}
        for kind, ids in arrived.items():
            self.ready.emit(kind, ids)

    def cached(self, kind: str, picture_id: int | None) -> bool:
        """Whether this picture is loaded (what a benchmark or test waits for)."""
        return self._cache.get((kind, picture_id)) is not None  # type: ignore[arg-type]

    def queued(self) -> int:
        """Requests waiting for a worker."""
        with self._lock:
            return len(self._stack)

    def wait(self, msecs: int = 10_000) -> bool:
        # The GUI thread blocks here, so it paints nothing: the threads need not wait for it.
        self._resume.stop()
        self._gui_idle.set()
        return self._pool.waitForDone(msecs)


def _bytes(pixmap: QPixmap | None) -> int:
    if pixmap is None:
        return 0
    return pixmap.width() * pixmap.height() * max(1, pixmap.depth() // 8)


class VisibleTiles(QObject):
    """Tells `Thumbnails` which tiles of one grid are on screen whenever the grid scrolls or
    is resized, so requests for the tiles scrolled past are dropped."""

    def __init__(self, view: QAbstractItemView, thumbnails: Thumbnails, kind: str) -> None:
        super().__init__(view)
        self.view = view
        self.thumbnails = thumbnails
        self.kind = kind
        self._timer = QTimer(self, singleShot=True, interval=0)
        self._timer.timeout.connect(self._tell)
        # valueChanged(int) straight into QTimer.start(int) would set the interval to it.
        view.verticalScrollBar().valueChanged.connect(lambda _value: self._timer.start())
        view.horizontalScrollBar().valueChanged.connect(lambda _value: self._timer.start())

    def on_screen(self) -> set[int]:
        view = self.view
        model = view.model()
        if model is None or not view.isVisible():
            return set()
        rows_on_screen = getattr(view, "rows_on_screen", None)
        if rows_on_screen is not None:  # the timeline knows its tiles on screen (no headings)
            return {model.picture_id(row) for row in rows_on_screen()}  # type: ignore[attr-defined]
        rect = view.viewport().rect()
        count = model.rowCount()
        # The first row whose tile reaches into the viewport, by a binary search over the
        # rows' rectangles (laid out in order, top to bottom). Probing with indexAt at the
        # corner and the centre fell in the gaps between tiles at some offsets: nothing
        # seemed on screen, and every request, the screen's own too, was dropped (the last
        # screen of the 100,000-photo People grid stayed grey once the threads waited).
        # A grid laying its tiles out in batches has no rectangle yet for the rows after the
        # last batch: they count as below the screen.
        low, high = 0, count
        while low < high:
            middle = (low + high) // 2
            tile = view.visualRect(model.index(middle, 0))
            if tile.isValid() and tile.bottom() < rect.top():
                low = middle + 1
            else:
                high = middle
        ids: set[int] = set()
        for row in range(low, count):
            tile = view.visualRect(model.index(row, 0))
            if not tile.isValid() or tile.top() > rect.bottom():
                break
            if tile.intersects(rect):
                picture = model.picture_id(row)  # type: ignore[attr-defined]
                if picture is not None:
                    ids.add(picture)
        return ids

    def _tell(self) -> None:
        self.thumbnails.keep_only(self.kind, self.on_screen())
