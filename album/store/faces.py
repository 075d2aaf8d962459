"""Writing an analysis into the library without losing what a person decided.

A re-analyzed photo (changed file, new settings, new model) gets a fresh set of detections. Each
is matched to the photo's old face rows by box overlap, so a face keeps its id, and with it its
person, label and rejections. Old faces the new analysis no longer finds are dropped only when
nobody decided anything about them.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass

import numpy as np
from PIL import Image

from album.faces.analyze import FaceFound, PhotoAnalysis, iou
from album.store.file_names import apply_file_names
from album.store.library import Library
from album.store.ratings import apply_file_rating

MATCH_IOU = 0.4
# Labels a person chose (here, or in another program whose names a file carried).
DECIDED_SOURCES = ("user", "file")


@dataclass
class SaveResult:
    added: int = 0
    kept: int = 0
    dropped: int = 0


def embedding_blob(embedding: np.ndarray) -> bytes:
    return np.asarray(embedding, dtype=np.float32).tobytes()


def blob_embedding(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=np.float32)


def set_crop(library: Library, face_id: int, photo_id: int, face: FaceFound) -> None:
    """Stage the face's crop for the cache beside the library (`album.store.crop_cache`):
    written once the library's transaction commits, so a rolled-back face leaves none."""
    if face.crop:
        library.crops.put(face_id, photo_id, face.box, crop_side(face.crop), face.crop)


def crop_side(crop: bytes) -> int:
    """Pixels per side of a square crop, from its header alone; 0 when unreadable (the crop
    then serves no request and is re-made)."""
    try:
        with Image.open(io.BytesIO(crop)) as image:
            return int(min(image.size))
    except (OSError, ValueError):
        return 0


def face_frame(library: Library, face_id: int) -> int | None:
    """The millisecond of a video's frame the face's box is in; None for a photo's face."""
    row = library.conn.execute("SELECT frame_ms FROM faces WHERE id = ?", (face_id,)).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def add_manual_face(library: Library, photo_id: int, face: FaceFound) -> int:
    conn = library.conn
    top, right, bottom, left = face.box
    cursor = conn.execute(
        "INSERT INTO faces (photo_id, top, right, bottom, left, score, embedding, manual) "
        "VALUES (?, ?, ?, ?, ?, NULL, ?, 1)",
        (photo_id, top, right, bottom, left, embedding_blob(face.embedding)),
    )
    face_id = int(cursor.lastrowid or 0)
    set_crop(library, face_id, photo_id, face)
    return face_id


def save_analysis(library: Library, photo_id: int, analysis: PhotoAnalysis) -> SaveResult:
    """Store one photo's analysis in one transaction (nested in the caller's, if any)."""
    result = SaveResult()
    now = time.time()
    with library.write() as db:
        conn = db.conn
        if analysis.error is not None:
            conn.execute(
                "UPDATE photos SET status = 'error', error = ?, size = ?, mtime_ns = ?, "
                "content_hash = coalesce(nullif(?, ''), content_hash), fingerprint = ?, "
                "analyzed_at = ?, missing = 0 WHERE id = ?",
                (
                    analysis.error,
                    analysis.size,
                    analysis.mtime_ns,
                    analysis.content_hash,
                    analysis.fingerprint,
                    now,
                    photo_id,
                ),
            )
            return result
        conn.execute(
            "UPDATE photos SET status = 'done', error = NULL, size = ?, mtime_ns = ?, "
            "content_hash = ?, width = ?, height = ?, taken_at = ?, latitude = ?, longitude = ?, "
            # named again from the coordinates just read (album.scan.place_names)
            "city = NULL, region = NULL, country = NULL, fingerprint = ?, "
            "detector = ?, analyzed_at = ?, missing = 0, phash = ?, duration = ? WHERE id = ?",
            (
                analysis.size,
                analysis.mtime_ns,
                analysis.content_hash,
                analysis.width,
                analysis.height,
                analysis.taken_at,
                *(analysis.place or (None, None)),
                analysis.fingerprint,
                analysis.detector,
                now,
                analysis.phash,
                analysis.duration,
                photo_id,
            ),
        )
        old = conn.execute(
            "SELECT f.id, f.top, f.right, f.bottom, f.left, f.label_source, f.removed, f.manual, "
            "f.embedding IS NULL, EXISTS (SELECT 1 FROM rejections r WHERE r.face_id = f.id) "
            "FROM faces f WHERE f.photo_id = ?",
            (photo_id,),
        ).fetchall()
        pairs = sorted(
            (
                (iou(new.box, tuple(row[1:5])), n, o)
                for n, new in enumerate(analysis.faces)
                for o, row in enumerate(old)
            ),
            reverse=True,
        )
        face_ids: list[int] = []  # row of each face of the analysis, in its order
        new_to_old: dict[int, int] = {}
        used: set[int] = set()
        for overlap, n, o in pairs:
            if overlap < MATCH_IOU:
                break
            if n not in new_to_old and o not in used:
                new_to_old[n] = o
                used.add(o)
        for n, face in enumerate(analysis.faces):
            top, right, bottom, left = face.box
            if n in new_to_old:
                row = old[new_to_old[n]]
                face_id, manual, forgotten = row[0], row[7], row[8]
                if not manual:
                    conn.execute(
                        "UPDATE faces SET top = ?, right = ?, bottom = ?, left = ?, score = ?, "
                        "embedding = ?, sharpness = ?, frame_ms = ? WHERE id = ?",
                        (
                            top,
                            right,
                            bottom,
                            left,
                            face.score,
                            None if forgotten else embedding_blob(face.embedding),
                            face.sharpness,
                            face.frame_ms,
                            face_id,
                        ),
                    )
                    if not forgotten:
                        set_crop(library, face_id, photo_id, face)
                result.kept += 1
                face_ids.append(face_id)
                continue
            cursor = conn.execute(
                "INSERT INTO faces (photo_id, top, right, bottom, left, score, embedding, "
                "manual, sharpness, frame_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    photo_id,
                    top,
                    right,
                    bottom,
                    left,
                    face.score,
                    embedding_blob(face.embedding),
                    int(face.manual),
                    face.sharpness,
                    face.frame_ms,
                ),
            )
            face_id = int(cursor.lastrowid or 0)
            set_crop(library, face_id, photo_id, face)
            face_ids.append(face_id)
            result.added += 1
        for o, row in enumerate(old):
            if o in used:
                continue
            face_id, source, removed, manual, has_rejection = row[0], row[5], row[6], row[7], row[9]
            if source in DECIDED_SOURCES or removed or manual or has_rejection:
                result.kept += 1  # a decision lives on it: keep it even if not detected now
                continue
            conn.execute("DELETE FROM faces WHERE id = ?", (face_id,))
            library.crops.drop(face_id)
            result.dropped += 1
        if analysis.names is not None:
            apply_file_names(conn, photo_id, analysis.names, face_ids)
            apply_file_rating(conn, photo_id, analysis.names.rating)
    return result
