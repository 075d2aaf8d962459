"""A face's avatar, re-made from its photo when the library has none.

Crops are derived data: backups leave them out (they were most of a library's bytes), so a
library restored from a backup starts without any. The first time a view asks for a face's
crop it is cut from the upright photo at the stored box, exactly as the scan cut it, and kept.
A forgotten or removed face never gets one back: only faces still shown are re-made.
"""

from __future__ import annotations

from album.config import Settings
from album.imaging import PhotoError, open_photo, square_crop
from album.store import faces, queries
from album.store.library import Library


def face_crop(library: Library, face_id: int, crop_size: int | None = None) -> bytes | None:
    """The face's crop, re-made and stored if it is missing; None when it cannot be (no such
    face, a removed or forgotten one, or its photo gone or unreadable)."""
    crop = queries.face_crop(library.conn, face_id)
    if crop is not None:
        return crop
    source = queries.face_source(library.conn, face_id)
    if source is None:
        return None
    path, (top, right, bottom, left) = source
    settings = Settings()
    try:
        photo = open_photo(path, max_pixels=settings.max_pixels)
    except (PhotoError, OSError):
        return None
    s = photo.scale
    box = (round(top * s), round(right * s), round(bottom * s), round(left * s))
    crop = square_crop(photo.image, box, crop_size or settings.crop_size)
    with library.write() as db:
        # Forget may have run while the photo was decoded: store only for a face still shown.
        if queries.face_source(db.conn, face_id) is None:
            return None
        faces.set_crop(db.conn, face_id, crop)
    return crop
