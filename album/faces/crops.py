"""A face's avatar: from the crop cache beside the library, or re-made from its photo.

Crops are derived data in a cache file the user may delete (`album.store.crop_cache`);
backups leave them out and a library restored from one starts without any. When a view
asks for a face's crop and the cache has none cut for that face's photo and box at the size
asked for, it is cut from the upright photo at the stored box, exactly as the scan cut it,
and kept (a video's face from the frame it was found in). A forgotten or removed face never
gets one back: only faces still shown are re-made.
"""

from __future__ import annotations

from album import video
from album.config import Settings
from album.imaging import PhotoError, is_video, open_photo, square_crop
from album.store import queries
from album.store.faces import face_frame
from album.store.library import Library


def face_crop(library: Library, face_id: int, crop_size: int | None = None) -> bytes | None:
    """The face's crop, at least `crop_size` pixels a side (default: the scan's), re-made and
    cached if missing; None when it cannot be (no such face, a removed or forgotten one, or
    its photo gone or unreadable)."""
    source = queries.face_source(library.conn, face_id)
    if source is None:
        return None
    settings = Settings()
    side = crop_size or settings.crop_size
    path, photo_id, box = source
    cached = library.crops.get(face_id, photo_id, box, side)
    if cached is not None:
        return cached
    try:
        frame_ms = face_frame(library, face_id) if is_video(path) else None
        if frame_ms is not None:  # a video's face: cut from the frame it was found in
            photo = video.frame_at(path, frame_ms)
        else:
            photo = open_photo(path, max_pixels=settings.max_pixels)
    except (PhotoError, OSError):
        return None
    s = photo.scale
    top, right, bottom, left = box
    scaled = (round(top * s), round(right * s), round(bottom * s), round(left * s))
    crop = square_crop(photo.image, scaled, side)
    library.crops.put(face_id, photo_id, box, side, crop)
    library.crops.flush()
    # Forget may have run while the photo was decoded: keep it only for a face still shown
    # (checked after the write, so a forget either sees this crop or is seen here).
    if queries.face_source(library.conn, face_id) != source:
        library.crops.forget([face_id])
        return None
    return crop
