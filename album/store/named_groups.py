"""Naming a group confirms its faces: the person-level fact now, the per-face rows just after.

Naming a group is the user saying "these faces are her", and a grouped face of a named person
means exactly that. But rewriting every face row in the edit made the edit's cost grow with
the group: a group of 5,357 faces dirtied about 4,900 pages of the faces table (each row holds
its 512-byte embedding), 19 MB of WAL and a checkpoint, 1.1-1.4 s on the 100,000-photo
library. So the edit commits the name and a note of the group to confirm (one meta row, in
the same transaction), and `settle` turns the grouped faces into `user` labels in a
transaction of its own: the matching step that follows every edit runs it first, and so do
the regroup's writer and the next open of the library (after a kill in between).

`settle` also writes those faces into the naming's undo snapshots, so undo gives the group
back exactly as it was, as when the edit listed every face itself.
"""

from __future__ import annotations

import json
import sqlite3

PENDING_KEY = "names_to_confirm"  # meta: {person id: id of the edit that named them}
CONFIRM = "confirm"  # in a naming's "after" snapshot: the people whose groups it confirms


def _pending(conn: sqlite3.Connection) -> dict[str, int]:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (PENDING_KEY,)).fetchone()
    return json.loads(row[0]) if row else {}


def _save(conn: sqlite3.Connection, pending: dict[str, int]) -> None:
    if pending:
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (PENDING_KEY, json.dumps(pending)),
        )
    else:
        conn.execute("DELETE FROM meta WHERE key = ?", (PENDING_KEY,))


def queue(conn: sqlite3.Connection, person_id: int, edit_id: int = 0) -> None:
    """Inside the naming's transaction: this person's grouped faces are to be confirmed.

    `edit_id` 0: by the latest naming of them still done (an undo gave a named person
    grouped faces back: a merge into them, made before the naming settled, was undone)."""
    pending = _pending(conn)
    if edit_id or str(person_id) not in pending:
        pending[str(person_id)] = edit_id
    _save(conn, pending)


def is_pending(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM meta WHERE key = ?", (PENDING_KEY,)).fetchone() is not None


def settle(conn: sqlite3.Connection) -> set[int]:
    """Inside a write transaction: confirm the grouped faces of every person named since the
    last settle (and still named); returns the people whose faces changed."""
    pending = _pending(conn)
    if not pending:
        return set()
    settled = set()
    for key, edit_id in pending.items():
        person_id = int(key)
        named = conn.execute(
            "SELECT 1 FROM people WHERE id = ? AND name IS NOT NULL", (person_id,)
        ).fetchone()
        if named is None:  # undone (or merged away) before it was settled: nothing to confirm
            continue
        grouped = conn.execute(
            "SELECT id, confidence, removed FROM faces "
            "WHERE person_id = ? AND label_source = 'cluster'",
            (person_id,),
        ).fetchall()
        if not grouped:
            continue
        conn.execute(
            "UPDATE faces SET label_source = 'user', confidence = NULL "
            "WHERE person_id = ? AND label_source = 'cluster'",
            (person_id,),
        )
        _into_undo(conn, edit_id, person_id, grouped)
        settled.add(person_id)
    _save(conn, {})
    return settled


def _into_undo(
    conn: sqlite3.Connection, edit_id: int, person_id: int, grouped: list[tuple]
) -> None:
    """The naming's snapshots gain the faces it confirmed: grouped before, the user's after."""
    if not edit_id:
        edit_id = _latest_naming(conn, person_id)
    row = conn.execute(
        "SELECT before, after FROM edits WHERE id = ? AND undone = 0", (edit_id,)
    ).fetchone()
    if row is None:  # the edit was forgotten or undone: there is nothing to give back
        return
    before, after = json.loads(row[0]), json.loads(row[1])
    for face_id, confidence, removed in grouped:
        key = str(face_id)
        if key in before["faces"]:  # the edit itself recorded this face: that stays
            continue
        before["faces"][key] = [person_id, "cluster", confidence, removed]
        after["faces"][key] = [person_id, "user", None, removed]
    conn.execute(
        "UPDATE edits SET before = ?, after = ? WHERE id = ?",
        (json.dumps(before), json.dumps(after), edit_id),
    )


def _latest_naming(conn: sqlite3.Connection, person_id: int) -> int:
    for edit_id, after in conn.execute(
        "SELECT id, after FROM edits WHERE kind = 'name' AND undone = 0 ORDER BY id DESC LIMIT 50"
    ):
        if person_id in json.loads(after).get(CONFIRM, ()):
            return int(edit_id)
    return 0
