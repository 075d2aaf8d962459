"""Deciding a set of copies: keep one photo and send the others to the trash, or keep them all.

Trashing a copy must lose nothing a person decided. Before a copy's file goes, what the user
decided about it moves to the photo kept: each named face's name (to the kept photo's face of
the same person, found by its descriptor, or, where the kept photo has no such face, the face
itself with its box scaled), the people a face is "not", stars, heart and albums. A copy whose
decisions cannot all be carried (its named face is someone else's on the kept photo) stays,
and the report says why. Files go to the system's trash (Send2Trash), never deleted: a user
who regrets it restores them from there, and the next scan finds them again.

Until the user decides, a set counts once: `refresh` marks each copy with its keeper
(`photos.copy_of`), which the people counts and the grouping read.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from album.duplicates import DuplicatePhoto, DuplicateSet, find_sets, twin, undecided
from album.faces.analyze import iou
from album.interop.file_names import sidecars
from album.store import duplicates as rows
from album.store.library import Library

# A copy's face is the kept photo's face whose box, scaled, overlaps it at least this much.
SAME_BOX = 0.4
# A copy whose picture keeps the kept photo's shape (within this share) is the same frame
# resized: a face's box scales with it. A crop moves boxes in ways the hash cannot tell.
SAME_SHAPE = 0.02

Trash = Callable[[str], None]


class CopiesError(Exception):
    """A set that cannot be decided as asked (a photo not in it, a set changed since)."""


@dataclass
class KeepReport:
    kept: int
    kept_path: str
    trashed: list[str] = field(default_factory=list)
    held: list[tuple[str, str]] = field(default_factory=list)  # (path, why it stays)
    carried: int = 0  # decisions (names, "not" answers) moved to the kept photo


class CannotCarry(Exception):
    """A decision on a copy that has no place on the kept photo (the message says why)."""


def sets(library: Library) -> list[DuplicateSet]:
    """The sets of copies the user has not answered yet."""
    return undecided(find_sets(rows.duplicate_candidates(library.conn)))


def refresh(library: Library) -> int:
    """Mark every copy with the photo its set would keep; returns how many marks changed."""
    found = sets(library)
    with library.write() as db:
        return rows.mark_copies(db.conn, found)


def keep_all(library: Library, photo_ids: list[int], *, found: DuplicateSet | None = None) -> None:
    """These photos are not copies to drop (a burst the user wants whole): not asked again.
    `found`: their set, when the caller has it (finding it reads every photo's hash)."""
    found = set_of(library, photo_ids[0]) if found is None else found
    with library.write() as db:
        rows.mark_kept(db.conn, [m.photo.id for m in found.members], found.keep)


def keep_one(
    library: Library,
    keep: int,
    trash: Trash | None = None,
    *,
    found: DuplicateSet | None = None,
) -> KeepReport:
    """Keep photo `keep`, send the other photos of its set to the trash, carrying their
    decisions to it first. `trash` moves one file to the trash (Send2Trash by default);
    `found`: the set, when the caller has it (finding it reads every photo's hash: 1 s at
    100,000 photos)."""
    if trash is None:
        from send2trash import send2trash

        trash = send2trash
    found = set_of(library, keep) if found is None else found
    kept = next(m.photo for m in found.members if m.photo.id == keep)
    report = KeepReport(kept=keep, kept_path=kept.path)
    for member in found.members:
        copy = member.photo
        if copy.id == keep:
            continue
        try:
            with library.write() as db:
                report.carried += carry_decisions(db.conn, kept, copy)
        except CannotCarry as why:
            report.held.append((copy.path, str(why)))
            continue
        try:
            for path in [copy.path, *_own_sidecars(Path(copy.path))]:
                if os.path.lexists(path):
                    trash(str(path))
        except OSError as exc:
            report.held.append((copy.path, f"could not move it to the trash: {exc}"))
            continue
        with library.write() as db:
            rows.forget_photo(db.conn, copy.id)
        library.crops.forget_photos([copy.id])
        report.trashed.append(copy.path)
    return report


def set_of(library: Library, photo_id: int) -> DuplicateSet:
    """The undecided set `photo_id` is in (CopiesError: none)."""
    for found in sets(library):
        if any(m.photo.id == photo_id for m in found.members):
            return found
    raise CopiesError(f"photo {photo_id} has no copies left to decide")


def carry_decisions(conn: sqlite3.Connection, kept: DuplicatePhoto, copy: DuplicatePhoto) -> int:
    """Move the copy's decisions to the kept photo (in the caller's transaction); how many.
    Also what a version of a stack carries to its top (album.stacks)."""
    keeper_faces = rows.faces_to_carry(conn, kept.id)
    carried = 0
    for face in rows.faces_to_carry(conn, copy.id):
        if not face.worth_carrying:
            continue
        match = _twin(face, keeper_faces, copy, kept)
        if match is not None:
            if match.decided and face.decided and match.person_id != face.person_id:
                raise CannotCarry(
                    "a face named on it is someone else on the photo kept: name it the same "
                    "on both, then keep one"
                )
            if match.decided and match.person_id == face.person_id and not face.rejected:
                continue
            rows.give_decision(conn, face, match.id)
            carried += 1
            continue
        held = {f.person_id for f in keeper_faces if f.decided}
        if face.decided and face.person_id in held:
            continue  # the kept photo names this person already
        box = _scaled(face.box, copy, kept)
        if box is None:
            raise CannotCarry(
                "a face named on it is not on the photo kept (a crop or an edit): album "
                "cannot carry its name"
            )
        rows.move_face(conn, face.id, kept.id, box)
        carried += 1
    rows.carry_photo_marks(conn, kept.id, copy.id)
    return carried


def _twin(
    face: rows.FaceToCarry,
    faces: list[rows.FaceToCarry],
    copy: DuplicatePhoto,
    kept: DuplicatePhoto,
) -> rows.FaceToCarry | None:
    """The kept photo's face that is this face, if it has one: by its box where the copy is
    the same frame resized (descriptors of a small face drift on a copy), else by its
    descriptor."""
    box = _scaled(face.box, copy, kept)
    if box is not None:
        overlaps = [(iou(box, f.box), f) for f in faces]
        best = max(overlaps, key=lambda pair: pair[0], default=None)
        if best is not None and best[0] >= SAME_BOX:
            return best[1]
    known = [f for f in faces if f.embedding is not None]
    if face.embedding is None or not known:
        return None
    found = twin(face.embedding, np.stack([f.embedding for f in known]))
    return None if found is None else known[found]


def _scaled(
    box: tuple[int, int, int, int], copy: DuplicatePhoto, kept: DuplicatePhoto
) -> tuple[int, int, int, int] | None:
    """The box on the kept photo, where the copy is the same frame at another size."""
    if not (copy.width and copy.height and kept.width and kept.height):
        return None
    if abs(copy.width / copy.height - kept.width / kept.height) > SAME_SHAPE * (
        kept.width / kept.height
    ):
        return None
    scale = kept.width / copy.width
    top, right, bottom, left = (round(v * scale) for v in box)
    return top, right, bottom, left


def _own_sidecars(photo: Path) -> list[Path]:
    """The copy's XMP sidecars that are its alone: "IMG_1.jpg.xmp" always; "IMG_1.xmp" only
    when no other file of that name but another extension (a RAW beside it) shares it."""
    try:
        listing = set(os.listdir(photo.parent))
    except OSError:
        return []
    stem = photo.stem.lower()
    others = [
        n
        for n in listing
        if n != photo.name
        and os.path.splitext(n)[0].lower() == stem
        and not n.lower().endswith(".xmp")
    ]
    found = sidecars(photo, listing)
    return [p for p in found if p.name.lower().startswith(photo.name.lower()) or not others]
