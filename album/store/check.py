"""`album check`: is the library sound, and rebuild what can be rebuilt.

The integrity check reads every page. Damage confined to indexes is repaired by REINDEX
(indexes hold nothing that is not in the tables). Then the derived data is rebuilt: rows that
point at nothing, covers that show someone else, duplicated detections, and faces whose
embedding is unreadable (their photo is queued to be analyzed again, which matches the
new faces to the old rows by box, so names and rejections stay). The crop cache beside the
library is checked too: a damaged one is replaced by an empty one, and crops of faces no
longer shown (forgotten, removed, re-detected) are deleted; a missing crop is re-made from
its photo when shown (`album.faces.crops`). A user's decisions are never deleted here.

Only SQL lives here; `album check` (cli/check_command.py) runs the re-analysis and then
matches and groups people again, which rebuilds the automatic labels.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from album.faces.analyze import iou
from album.store.library import Library
from album.store.photos import fs_path

EMBEDDING_BYTES = 128 * 4
DUPLICATE_IOU = 0.9
MAX_PROBLEMS = 20
# A face carries a decision: a confirmed person, "not a face", drawn by hand, or a rejection.
_DECIDED = (
    "(faces.label_source IN ('user', 'file') OR faces.removed OR faces.manual "
    "OR EXISTS (SELECT 1 FROM rejections r WHERE r.face_id = faces.id))"
)


@dataclass
class CheckReport:
    damage: list[str] = field(default_factory=list)  # what the integrity check found first
    remaining: list[str] = field(default_factory=list)  # still damaged after repairing
    repaired: list[str] = field(default_factory=list)  # what was rebuilt, for the user
    reanalyze: list[str] = field(default_factory=list)  # photos to analyze again, now

    @property
    def ok(self) -> bool:
        return not self.remaining


def integrity(conn: sqlite3.Connection) -> list[str]:
    """PRAGMA integrity_check's findings; empty when the library is sound."""
    try:
        rows = [r[0] for r in conn.execute(f"PRAGMA integrity_check({MAX_PROBLEMS})")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    return [] if rows == ["ok"] else rows


def check(library: Library) -> CheckReport:
    conn = library.conn
    report = CheckReport(damage=integrity(conn))
    if report.damage:
        try:
            conn.execute("REINDEX")
        except sqlite3.DatabaseError as exc:
            report.remaining = [str(exc)]
            return report
        report.remaining = integrity(conn)
        if report.remaining:
            return report
        report.repaired.append("rebuilt the damaged indexes")
    try:
        with library.write() as db:
            _rebuild_derived(db.conn, report)
    except sqlite3.DatabaseError as exc:
        report.remaining = [str(exc)]
        return report
    _check_crops(library, report)
    return report


def _check_crops(library: Library, report: CheckReport) -> None:
    """The crop cache holds nothing a person decided: damage is repaired by starting it
    again, and crops that show no current face are deleted (privacy: a forget that a kill
    interrupted leaves none behind)."""
    damage = library.crops.check()
    if damage:
        report.repaired.append(
            f"the face crop cache was damaged ({damage}): replaced, avatars are re-made "
            "from the photos"
        )
    stale = library.crops.sweep(library.conn)
    if stale:
        report.repaired.append(f"face crops of faces no longer shown, deleted: {stale}")


def _rebuild_derived(conn: sqlite3.Connection, report: CheckReport) -> None:
    def note(count: int, text: str) -> None:
        if count:
            report.repaired.append(f"{text}: {count}")

    note(_dangling_references(conn), "references to rows that no longer exist, cleared")
    stale_covers = conn.execute(
        "UPDATE people SET cover_face_id = NULL WHERE cover_face_id IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM faces f WHERE f.id = people.cover_face_id AND f.removed = 0 "
        "AND f.person_id = people.id)"
    ).rowcount
    note(stale_covers, "cover photos showing someone else, reset")
    note(len(_drop_duplicates(conn)), "duplicated faces removed")
    note(_requeue_unreadable(conn, report), "photos with unreadable face data, to analyze again")
    note(
        conn.execute(
            "DELETE FROM people WHERE name IS NULL AND NOT EXISTS "
            "(SELECT 1 FROM faces WHERE faces.person_id = people.id)"
        ).rowcount,
        "empty unnamed groups removed",
    )


def _dangling_references(conn: sqlite3.Connection) -> int:
    """Rows that point nowhere (foreign keys prevent them, but not after damage or with an
    older tool that wrote with keys off). A face of a vanished photo is kept if it carries a
    decision: it can do no harm, and album never deletes one."""
    return sum(
        conn.execute(statement).rowcount
        for statement in (
            "UPDATE faces SET person_id = NULL, label_source = NULL, confidence = NULL "
            "WHERE person_id IS NOT NULL AND person_id NOT IN (SELECT id FROM people)",
            "DELETE FROM rejections WHERE face_id NOT IN (SELECT id FROM faces) "
            "OR person_id NOT IN (SELECT id FROM people)",
            f"DELETE FROM faces WHERE photo_id NOT IN (SELECT id FROM photos) AND NOT {_DECIDED}",
            "DELETE FROM distinct_people WHERE a NOT IN (SELECT id FROM people) "
            "OR b NOT IN (SELECT id FROM people)",
        )
    )


def duplicate_faces(conn: sqlite3.Connection) -> list[tuple[int, int]]:
    """(kept, duplicate) pairs: two live faces of one photo with (nearly) the same box."""
    faces: dict[int, list[tuple[int, tuple[int, int, int, int]]]] = {}
    for face_id, photo_id, *box in conn.execute(
        "SELECT id, photo_id, top, right, bottom, left FROM faces WHERE removed = 0 "
        "ORDER BY photo_id, id"
    ):
        faces.setdefault(photo_id, []).append((face_id, tuple(box)))  # type: ignore[arg-type]
    pairs = []
    for found in faces.values():
        for i, (a, box_a) in enumerate(found):
            for b, box_b in found[i + 1 :]:
                if iou(box_a, box_b) >= DUPLICATE_IOU:
                    pairs.append((a, b))
    return pairs


def _drop_duplicates(conn: sqlite3.Connection) -> list[int]:
    """Of each pair, delete the face nobody decided anything about (both decided: keep both)."""
    dropped: list[int] = []
    for pair in duplicate_faces(conn):
        if any(face in dropped for face in pair):
            continue
        for face in sorted(pair, reverse=True):
            decided = conn.execute(
                f"SELECT {_DECIDED} FROM faces WHERE id = ?", (face,)
            ).fetchone()[0]
            if not decided:
                conn.execute(
                    "UPDATE people SET cover_face_id = NULL WHERE cover_face_id = ?", (face,)
                )
                conn.execute("DELETE FROM faces WHERE id = ?", (face,))
                dropped.append(face)
                break
    return dropped


def _requeue_unreadable(conn: sqlite3.Connection, report: CheckReport) -> int:
    """Photos whose faces lost their embedding (or hold one of the wrong size):
    'pending', and listed for `album check` to analyze again at once. Re-analysis matches
    the new faces to these rows by box, so their names and rejections stay."""
    rows = conn.execute(
        "SELECT id, path, raw_path FROM photos WHERE status = 'done' AND ((width IS NULL "
        "AND stack_of IS NULL) OR id IN "
        "(SELECT photo_id FROM faces WHERE removed = 0 AND manual = 0 AND (embedding IS NULL "
        f"OR length(embedding) != {EMBEDDING_BYTES})))"
    ).fetchall()
    conn.executemany("UPDATE photos SET status = 'pending' WHERE id = ?", [(r[0],) for r in rows])
    report.reanalyze.extend(fs_path(text, raw) for _, text, raw in rows)
    return len(rows)


def clear_unreadable(library: Library) -> int:
    """Embeddings of the wrong size that analyzing again could not replace (the photo is gone):
    cleared, so matching and grouping can run. The face keeps its person; it no longer helps
    to recognise them."""
    with library.write() as db:
        return db.conn.execute(
            "UPDATE faces SET embedding = NULL WHERE embedding IS NOT NULL "
            f"AND length(embedding) != {EMBEDDING_BYTES}"
        ).rowcount
