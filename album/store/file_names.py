"""Storing the names a photo's own files gave its faces (`label_source = 'file'`).

A name from a file is a person's earlier decision, made in another program: it is a label like
`user`, which nothing automatic changes. An older file never beats what the user decided here:
`faces.file_name` remembers what the file said last (or what album wrote into it), so a rescan
acts only when the file says something new; renaming "Ann" to "Anna" in album is not undone by
the old file. A face the user labelled in album takes the file's new name only when the file
changed after the user's latest people edit (another program edited album's names); a face they
removed stays removed, a rejected pair stays rejected.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass

from album.interop.name_faces import ImportedNames
from album.store.photos import fs_path


def apply_file_names(
    conn: sqlite3.Connection, photo_id: int, names: ImportedNames, face_ids: list[int]
) -> int:
    """Label the photo's faces with their files' names; returns how many were labelled."""
    from album.store import people as rows  # people imports faces, which imports this module

    conn.execute(
        "UPDATE photos SET names_state = ?, names_error = ? WHERE id = ?",
        (names.state, names.error, photo_id),
    )
    conn.execute("DELETE FROM name_hints WHERE photo_id = ?", (photo_id,))
    conn.executemany(
        "INSERT INTO name_hints (photo_id, name) VALUES (?, ?) ON CONFLICT DO NOTHING",
        [(photo_id, hint) for hint in names.hints],
    )
    labelled = 0
    for index, name in names.faces:
        face_id = face_ids[index]
        row = conn.execute(
            "SELECT person_id, label_source, removed, file_name FROM faces WHERE id = ?",
            (face_id,),
        ).fetchone()
        if row is None:
            continue
        person_id, source, removed, said_before = row
        conn.execute("UPDATE faces SET file_name = ? WHERE id = ?", (name, face_id))
        if (
            removed
            or said_before == name
            or (source == "user" and not _newer(conn, names, said_before))
        ):
            continue
        person = rows.person_named(conn, name)
        target = person.id if person is not None else None
        if target is not None and target == person_id:
            if source != "file":
                conn.execute(
                    "UPDATE faces SET label_source = 'file', confidence = NULL WHERE id = ?",
                    (face_id,),
                )
            continue
        if target is not None and _blocked(conn, face_id, photo_id, target):
            continue
        if target is None:
            target = rows.create_person(conn, name)
        rows.set_label(conn, face_id, target, "file")
        labelled += 1
        if person_id is not None:
            rows.delete_person_if_empty(conn, person_id)
    return labelled


def _newer(conn: sqlite3.Connection, names: ImportedNames, said_before: str | None) -> bool:
    """Whether the file's new name for a face the user labelled here is the newer word: the
    file told album something before (so this is a change, not an old file turning up) and
    changed after the user's latest people edit."""
    if said_before is None:
        return False
    last_edit = conn.execute("SELECT max(at) FROM edits WHERE undone = 0").fetchone()[0]
    return last_edit is None or names.newest_ns / 1e9 > last_edit


def _blocked(conn: sqlite3.Connection, face_id: int, photo_id: int, person_id: int) -> bool:
    """The user rejected this pair, or decided another face of the photo is this person."""
    rejected = conn.execute(
        "SELECT 1 FROM rejections WHERE face_id = ? AND person_id = ?", (face_id, person_id)
    ).fetchone()
    holder = conn.execute(
        "SELECT 1 FROM faces WHERE photo_id = ? AND person_id = ? AND id != ? "
        "AND label_source IN ('user', 'file')",
        (photo_id, person_id, face_id),
    ).fetchone()
    return rejected is not None or holder is not None


def names_states(conn: sqlite3.Connection, ids: list[int]) -> dict[int, str | None]:
    """Each photo's sidecar state when its names were last read."""
    out: dict[int, str | None] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        out.update(conn.execute(f"SELECT id, names_state FROM photos WHERE id IN ({marks})", chunk))
    return out


def imported_count(conn: sqlite3.Connection) -> int:
    """Faces whose name came from a file (the Folders view says how many)."""
    return conn.execute(
        "SELECT count(*) FROM faces WHERE label_source = 'file' AND removed = 0"
    ).fetchone()[0]


def import_summary(conn: sqlite3.Connection, roots: list[str]) -> str:
    """One or a few lines for the scan's report: names taken from files, and files whose
    names could not be read (with the first reasons)."""
    named = imported_count(conn)
    errors = conn.execute(
        "SELECT path, names_error FROM photos WHERE names_error IS NOT NULL AND missing = 0 "
        "ORDER BY path"
    ).fetchall()
    under = [
        r
        for r in errors
        if any(r[0].startswith(root.rstrip("/") + "/") or r[0] == root for root in roots)
    ]
    lines = [f"Names read from files: {named} faces"] if named else []
    if under:
        lines.append(f"Names not readable in {len(under)} photos:")
        lines += [f"  {path}: {message}" for path, message in under[:MAX_LISTED]]
    return "\n".join(lines)


MAX_LISTED = 10


@dataclass
class PhotoNames:
    """A photo's confirmed, named faces and the stars set in album: what album writes into
    its files."""

    photo_id: int
    path: str
    width: int
    height: int
    faces: list[tuple[str, tuple[int, int, int, int]]]  # (name, (top, right, bottom, left))
    rating: int | None = None  # set in album (`rated = 'user'`); None: the files' stay


def names_to_write(
    conn: sqlite3.Connection, person_ids: list[int] | None = None
) -> list[PhotoNames]:
    """Every photo with confirmed named faces (`user` or `file`; suggestions are not written
    until confirmed) or a rating set in album, optionally only photos of some people (then a
    photo is listed for its names only, though with its rating)."""
    where = ""
    params: list[int] = []
    if person_ids:
        marks = ",".join("?" * len(person_ids))
        where = f"AND p.id IN (SELECT photo_id FROM faces WHERE person_id IN ({marks}))"
        params = list(person_ids)
    rows_ = conn.execute(
        "SELECT p.id, p.path, p.raw_path, p.width, p.height, f.top, f.right, f.bottom, f.left, "
        "pe.name FROM photos p JOIN faces f ON f.photo_id = p.id AND f.removed = 0 "
        "AND f.label_source IN ('user', 'file') JOIN people pe ON pe.id = f.person_id "
        f"WHERE pe.name IS NOT NULL AND p.missing = 0 AND p.status = 'done' {where} "
        "ORDER BY p.path, f.left",
        params,
    )
    out: dict[int, PhotoNames] = {}
    for pid, text, raw, width, height, top, right, bottom, left, name in rows_:
        entry = out.get(pid)
        if entry is None:
            entry = out[pid] = PhotoNames(pid, fs_path(text, raw), width, height, [])
        entry.faces.append((name, (top, right, bottom, left)))
    _add_ratings(conn, out, rating_only=not person_ids)
    return list(out.values())


def _add_ratings(conn: sqlite3.Connection, out: dict[int, PhotoNames], rating_only: bool) -> None:
    """The user's rating on each listed photo; with `rating_only`, the photos rated in album
    that have no names to write join the list, after those with names (whose order stays).
    A rating read from the files is never written back: the files already say it."""
    rows_ = conn.execute(
        "SELECT id, path, raw_path, width, height, rating FROM photos WHERE rated = 'user' "
        "AND rating IS NOT NULL AND missing = 0 AND status = 'done' ORDER BY path"
    )
    for pid, text, raw, width, height, rating in rows_:
        entry = out.get(pid)
        if entry is not None:
            entry.rating = rating
        elif rating_only:
            out[pid] = PhotoNames(pid, fs_path(text, raw), width, height, [], rating)


def written(conn: sqlite3.Connection, path: str) -> list[str]:
    """The names album wrote into this file before."""
    row = conn.execute("SELECT names FROM written_files WHERE path = ?", (path,)).fetchone()
    return list(json.loads(row[0])) if row else []


def files_with_name(conn: sqlite3.Connection, name: str) -> list[tuple[str, int | None, list[str]]]:
    out = []
    for path, photo_id, names in conn.execute("SELECT path, photo_id, names FROM written_files"):
        listed = json.loads(names)
        if any(n.casefold() == name.casefold() for n in listed):
            out.append((path, photo_id, listed))
    return out


def record_written(
    conn: sqlite3.Connection,
    path: str,
    photo_id: int | None,
    names: list[str],
    photo: tuple[str, int, int, str | None] | None = None,
) -> None:
    """Remember what album wrote where; the photo's names state (and, for a photo written
    in place, its size, time and hash) as written, so a rescan does not read it again."""
    conn.execute(
        "INSERT INTO written_files (path, photo_id, names, written_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(path) DO UPDATE SET photo_id = excluded.photo_id, names = excluded.names, "
        "written_at = excluded.written_at",
        (path, photo_id, json.dumps(sorted(names), ensure_ascii=False), time.time()),
    )
    if photo is not None and photo_id is not None:
        state, size, mtime_ns, digest = photo
        conn.execute(
            "UPDATE photos SET names_state = ?, size = ?, mtime_ns = ?, "
            "content_hash = coalesce(?, content_hash) WHERE id = ?",
            (state, size, mtime_ns, digest, photo_id),
        )
    if photo_id is not None:
        conn.execute(
            "UPDATE faces SET file_name = (SELECT name FROM people WHERE id = faces.person_id) "
            "WHERE photo_id = ? AND label_source IN ('user', 'file') "
            "AND (SELECT name FROM people WHERE id = faces.person_id) "
            "IN (SELECT value FROM json_each(?))",
            (photo_id, json.dumps(names)),
        )


def forget_name(conn: sqlite3.Connection, name: str) -> None:
    """A forgotten person's name leaves every trace the import kept of it."""
    conn.execute("UPDATE faces SET file_name = NULL WHERE file_name = ? COLLATE NOCASE", (name,))
    conn.execute("DELETE FROM name_hints WHERE name = ? COLLATE NOCASE", (name,))


def photos_touched(conn: sqlite3.Connection, faces: set[int], people: set[int]) -> set[int]:
    """The photos an edit of these faces and people changes the names of."""
    out: set[int] = set()
    for column, ids in (("id", faces), ("person_id", people)):
        items = list(ids)
        for start in range(0, len(items), 500):
            chunk = items[start : start + 500]
            marks = ",".join("?" * len(chunk))
            out.update(
                r[0]
                for r in conn.execute(
                    f"SELECT DISTINCT photo_id FROM faces WHERE {column} IN ({marks})", chunk
                )
            )
    return out


def written_photo_ids(conn: sqlite3.Connection, photo_ids: set[int]) -> set[int]:
    """Which of these photos album wrote names for before."""
    ids = {r[0] for r in conn.execute("SELECT photo_id FROM written_files WHERE photo_id > 0")}
    return ids & photo_ids


def photo_without_names(conn: sqlite3.Connection, photo_id: int) -> PhotoNames | None:
    """The photo with no names, keeping the stars the user set in album: its files lose
    album's names, not its rating."""
    row = conn.execute(
        "SELECT path, raw_path, width, height, CASE WHEN rated = 'user' THEN rating END "
        "FROM photos WHERE id = ?",
        (photo_id,),
    ).fetchone()
    if row is None or not row[2] or not row[3]:
        return None
    return PhotoNames(photo_id, fs_path(row[0], row[1]), row[2], row[3], [], row[4])


def names_of(conn: sqlite3.Connection, person_ids: list[int]) -> set[str]:
    marks = ",".join("?" * len(person_ids))
    rows_ = conn.execute(f"SELECT name FROM people WHERE id IN ({marks})", person_ids)
    return {r[0] for r in rows_ if r[0]}


def hinted(conn: sqlite3.Connection) -> set[tuple[int, str]]:
    """(photo, casefolded name) of every name a file gave a photo without a face."""
    return {(pid, name.casefold()) for pid, name in conn.execute("SELECT * FROM name_hints")}
