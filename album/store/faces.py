"""Writing an analysis into the library without losing what a person decided.

A re-analyzed photo (changed file, new settings, new model) gets a fresh set of detections. Each
is matched to the photo's old face rows by box overlap, so a face keeps its id, and with it its
person, label and rejections. Old faces the new analysis no longer finds are dropped only when
nobody decided anything about them.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

import numpy as np

from album.faces.analyze import FaceFound, PhotoAnalysis, iou
from album.store.file_names import apply_file_names
from album.store.library import Library

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


def set_crop(conn: sqlite3.Connection, face_id: int, crop: bytes | None) -> None:
    """A face's crop (None: it has none, e.g. once forgotten). Kept apart from the face row so
    label changes and embedding reads never touch the picture bytes."""
    if crop is None:
        conn.execute("DELETE FROM face_crops WHERE face_id = ?", (face_id,))
    else:
        conn.execute(
            "INSERT INTO face_crops (face_id, crop) VALUES (?, ?) "
            "ON CONFLICT(face_id) DO UPDATE SET crop = excluded.crop",
            (face_id, crop),
        )


def add_manual_face(conn: sqlite3.Connection, photo_id: int, face: FaceFound) -> int:
    top, right, bottom, left = face.box
    cursor = conn.execute(
        "INSERT INTO faces (photo_id, top, right, bottom, left, score, embedding, manual) "
        "VALUES (?, ?, ?, ?, ?, NULL, ?, 1)",
        (photo_id, top, right, bottom, left, embedding_blob(face.embedding)),
    )
    face_id = int(cursor.lastrowid or 0)
    set_crop(conn, face_id, face.crop)
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
            "content_hash = ?, width = ?, height = ?, taken_at = ?, fingerprint = ?, "
            "detector = ?, analyzed_at = ?, missing = 0 WHERE id = ?",
            (
                analysis.size,
                analysis.mtime_ns,
                analysis.content_hash,
                analysis.width,
                analysis.height,
                analysis.taken_at,
                analysis.fingerprint,
                analysis.detector,
                now,
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
                        "embedding = ? WHERE id = ?",
                        (
                            top,
                            right,
                            bottom,
                            left,
                            face.score,
                            None if forgotten else embedding_blob(face.embedding),
                            face_id,
                        ),
                    )
                    set_crop(conn, face_id, None if forgotten else face.crop)
                result.kept += 1
                face_ids.append(face_id)
                continue
            cursor = conn.execute(
                "INSERT INTO faces (photo_id, top, right, bottom, left, score, embedding, "
                "manual) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    photo_id,
                    top,
                    right,
                    bottom,
                    left,
                    face.score,
                    embedding_blob(face.embedding),
                    int(face.manual),
                ),
            )
            face_id = int(cursor.lastrowid or 0)
            set_crop(conn, face_id, face.crop)
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
            result.dropped += 1
        if analysis.names is not None:
            apply_file_names(conn, photo_id, analysis.names, face_ids)
    return result
