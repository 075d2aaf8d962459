"""The edit log: what each people edit changed, so undo and redo restore it exactly.

Each edit stores a snapshot of the rows it touched, before and after: the faces' labels, the
people rows (or null where a person did not exist), and the faces' rejections; an organizing
edit (album.organizer) the albums it changed and the photos' ratings, in sections of their own,
so Ctrl+Z takes back the last change whichever kind it was. A people row is
[name, hidden, cover face, created, birthday]; edits logged before birthdays existed (schema v6)
have the first four only, and undoing them leaves the birthday as it is. Undo writes the
"before" snapshot back, redo the "after" one. Automatic work between edits (matching,
clustering) only ever touches non-user labels, which undo is free to overwrite.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from album.store import albums, ratings
from album.store.sql import chunks, ids_in

Snapshot = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Edit:
    id: int
    kind: str
    summary: str
    before: Snapshot
    after: Snapshot
    undone: bool


def snapshot(
    conn: sqlite3.Connection, face_ids: Iterable[int], person_ids: Iterable[int]
) -> Snapshot:
    face_ids = sorted(set(face_ids))
    person_ids = sorted(set(person_ids))
    faces: dict[str, Any] = {}
    rejected: dict[str, list[int]] = {str(f): [] for f in face_ids}
    people: dict[str, Any] = {str(p): None for p in person_ids}
    for chunk in chunks(face_ids):
        for row in conn.execute(
            "SELECT id, person_id, label_source, confidence, removed FROM faces "
            f"WHERE id IN {ids_in(chunk)}",
            chunk,
        ):
            faces[str(row[0])] = list(row[1:])
        for face_id, person_id in conn.execute(
            f"SELECT face_id, person_id FROM rejections WHERE face_id IN {ids_in(chunk)}", chunk
        ):
            rejected[str(face_id)].append(person_id)
    for chunk in chunks(person_ids):
        for row in conn.execute(
            f"SELECT id, name, hidden, cover_face_id, created_at, birthday FROM people "
            f"WHERE id IN {ids_in(chunk)}",
            chunk,
        ):
            people[str(row[0])] = list(row[1:])
    return {"faces": faces, "people": people, "rejections": rejected}


def restore(conn: sqlite3.Connection, state: Snapshot) -> None:
    # Organizing edits (album.organizer) log albums and ratings beside the people sections.
    albums.restore(conn, state.get("albums", {}))
    ratings.restore(conn, state.get("ratings", {}))  # type: ignore[arg-type]
    people = state["people"]
    for pid, row in people.items():
        if row is None:
            continue
        name, hidden, cover, created, *rest = row
        if name is not None:  # free the name if an unrelated person took it meanwhile
            conn.execute(
                "UPDATE people SET name = NULL WHERE name = ? COLLATE NOCASE AND id != ?",
                (name, int(pid)),
            )
        known = bool(rest)  # a row logged before v6 says nothing about the birthday
        conn.execute(
            "INSERT INTO people (id, name, hidden, cover_face_id, created_at, birthday) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, "
            "hidden = excluded.hidden, cover_face_id = excluded.cover_face_id, "
            "birthday = CASE WHEN ? THEN excluded.birthday ELSE people.birthday END",
            (int(pid), name, hidden, cover, created, rest[0] if known else None, known),
        )
    faces = state["faces"]
    ids = [int(f) for f in faces]
    for chunk in chunks(ids):
        conn.execute(
            "UPDATE faces SET person_id = NULL, label_source = NULL, confidence = NULL "
            f"WHERE id IN {ids_in(chunk)}",
            chunk,
        )
    for fid, (person_id, source, confidence, removed) in faces.items():
        if person_id is not None:
            # Whatever automatic guess took this person in this photo meanwhile yields.
            conn.execute(
                "UPDATE faces SET person_id = NULL, label_source = NULL, confidence = NULL "
                "WHERE person_id = ? AND label_source NOT IN ('user', 'file') "
                "AND photo_id = (SELECT photo_id FROM faces WHERE id = ?)",
                (person_id, int(fid)),
            )
        conn.execute(
            "UPDATE faces SET person_id = ?, label_source = ?, confidence = ?, removed = ? "
            "WHERE id = ?",
            (person_id, source, confidence, removed, int(fid)),
        )
    for fid, person_ids in state["rejections"].items():
        conn.execute("DELETE FROM rejections WHERE face_id = ?", (int(fid),))
        conn.executemany(
            "INSERT OR IGNORE INTO rejections (face_id, person_id, created_at) "
            "SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM people WHERE id = ?)",
            [(int(fid), p, time.time(), p) for p in person_ids],
        )
    for pid, row in people.items():
        if row is None:
            # A person this edit made may have been suggested faces since (the matcher runs
            # after every naming): they go back to no one with the person.
            conn.execute(
                "UPDATE faces SET person_id = NULL, label_source = NULL, confidence = NULL "
                "WHERE person_id = ?",
                (int(pid),),
            )
            conn.execute("DELETE FROM people WHERE id = ?", (int(pid),))


def record(
    conn: sqlite3.Connection, kind: str, summary: str, before: Snapshot, after: Snapshot
) -> int:
    """Log an edit. A new edit ends what could be redone."""
    conn.execute("DELETE FROM edits WHERE undone = 1")
    cursor = conn.execute(
        "INSERT INTO edits (at, kind, summary, before, after) VALUES (?, ?, ?, ?, ?)",
        (time.time(), kind, summary, json.dumps(before), json.dumps(after)),
    )
    return int(cursor.lastrowid or 0)


def combine(conn: sqlite3.Connection, first: int, summary: str) -> None:
    """Make the edits from `first` on one edit, undone and redone as one: what each row was
    before the first of them touched it, and after the last. For one click that took several
    steps (confirming what each step's matching suggested)."""
    rows = conn.execute(
        "SELECT id, before, after FROM edits WHERE id >= ? ORDER BY id", (first,)
    ).fetchall()
    if len(rows) < 2:
        conn.execute("UPDATE edits SET summary = ? WHERE id = ?", (summary, first))
        return
    before: Snapshot = {}
    after: Snapshot = {}
    for _, was, became in rows:
        for section, values in json.loads(was).items():
            earliest = before.setdefault(section, {})
            for key, value in values.items() if isinstance(values, dict) else ():
                earliest.setdefault(key, value)
        for section, values in json.loads(became).items():
            if isinstance(values, dict):
                after.setdefault(section, {}).update(values)
            else:  # a list of ids (people whose grouped faces an edit confirms)
                after[section] = sorted({*after.get(section, []), *values})  # type: ignore[list-item]
    conn.execute(
        "UPDATE edits SET summary = ?, before = ?, after = ? WHERE id = ?",
        (summary, json.dumps(before), json.dumps(after), first),
    )
    conn.execute("DELETE FROM edits WHERE id > ?", (first,))


def latest(conn: sqlite3.Connection, *, undone: bool) -> Edit | None:
    """The edit undo would take back (undone=False) or redo would apply again (undone=True)."""
    order = "ASC" if undone else "DESC"
    row = conn.execute(
        "SELECT id, kind, summary, before, after, undone FROM edits WHERE undone = ? "
        f"ORDER BY id {order} LIMIT 1",
        (int(undone),),
    ).fetchone()
    if row is None:
        return None
    return Edit(row[0], row[1], row[2], json.loads(row[3]), json.loads(row[4]), bool(row[5]))


def mark(conn: sqlite3.Connection, edit_id: int, *, undone: bool) -> None:
    conn.execute("UPDATE edits SET undone = ? WHERE id = ?", (int(undone), edit_id))


def history(conn: sqlite3.Connection, limit: int = 50) -> list[tuple[int, float, str, bool]]:
    rows = conn.execute(
        "SELECT id, at, summary, undone FROM edits ORDER BY id DESC LIMIT ?", (limit,)
    )
    return [(r[0], r[1], r[2], bool(r[3])) for r in rows]


def forget_mentions(conn: sqlite3.Connection, face_ids: set[int], person_id: int) -> int:
    """Drop every logged edit that mentions the person or any of their faces (forget)."""
    doomed = []
    for edit_id, before, after in conn.execute("SELECT id, before, after FROM edits"):
        for text in (before, after):
            if _mentions(json.loads(text), face_ids, person_id):
                doomed.append(edit_id)
                break
    conn.executemany("DELETE FROM edits WHERE id = ?", [(e,) for e in doomed])
    return len(doomed)


def _mentions(state: Snapshot, face_ids: set[int], person_id: int) -> bool:
    if str(person_id) in state["people"]:
        return True
    if any(str(f) in state["faces"] for f in face_ids):
        return True
    if any(row[0] == person_id for row in state["faces"].values()):
        return True
    return any(person_id in rejected for rejected in state["rejections"].values())
