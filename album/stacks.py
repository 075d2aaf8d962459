"""Stacks: one photo kept as several files, shown, analysed and named once.

A camera that shoots RAW+JPEG leaves `IMG_0001.CR2` beside `IMG_0001.JPG`; an editor leaves
`photo_edited.jpg` beside `photo.jpg`. Each is one moment, not two photos of it: the timeline,
albums, search and people pages show the stack once, by its top, and only the top is searched
for faces. The other files are its versions: recorded (size, time, hash, so a rescan knows them
and a move keeps their row), listed by `album photos --json` and the viewer, never analysed.

Files are one stack when they are in the same folder and their names, compared without case,
are one of these (the patterns cameras and editors write; nothing looser):
- the same name with a RAW extension (album.imaging.RAW_SUFFIXES) and a picture's
  (`IMG_0001.CR2` + `IMG_0001.JPG`, `DSC_0001.NEF` + `DSC_0001.HEIC`);
- an edit: the original's name followed by `_edited`, `-edited`, ` edited` or ` (edited)`
  (phones, Google Photos' download, editors' "save a copy"), `_edit` or `-edit` (Lightroom's
  "Edit In" copies: `IMG_0001-Edit.tif`), or `-effects` (Google Photos' auto-effects);
  or Apple's `IMG_E0001.JPG` for `IMG_0001.JPG` (the edited photo an iPhone exports).
Not stacked: `IMG_0001-1.jpg` and `IMG_0001 (1).jpg` (often another photo, else a copy, which
album.copies handles), Google's `-COLLAGE` / `-ANIMATION` (new pictures), Live Photos' video,
and any group where a role is doubled (`IMG_0001.JPG` and `IMG_0001.HEIC`, two edits): which
file is the photo is then a guess, so each stays a photo of its own.

The top is the edit over the original (the version the user chose), and the camera's picture
over its RAW (what the camera rendered, and what other programs show). A file whose analysis
failed is never the top. Stacks are recomputed from the names on every scan
(`before_analysis`), and again at its end (`refresh`) for versions whose names could only move
once their top was analysed.

Names are never lost to a stack: before a file becomes a version (a library from before
stacks, or a RAW named before its JPEG arrived), the decisions on its faces move to the same
face on the top, as keeping one of a set of copies does (album.copies.carry_decisions), with
its stars, heart and albums. A version whose named face cannot be placed on the top (an edit
cropped that face away, or names it someone else) stays a photo of its own.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from album.copies import CannotCarry, carry_decisions
from album.faces.analyze import file_hash
from album.imaging import PHOTO_SUFFIXES, RAW_SUFFIXES
from album.store import duplicates as copies_rows
from album.store import stacks as rows
from album.store.library import Library

EDIT_SUFFIXES = ("_edited", "-edited", " edited", " (edited)", "_edit", "-edit", "-effects")
_APPLE_EDIT = re.compile(r"^(img_)e(\d+)$")
# Which file of a stack is its top: the lowest rank.
EDIT, PICTURE, RAW = 0, 1, 2
DUE = "stacks_due"  # meta: work the stacks out on the next scan (a library from before them)
# meta: the end of the scan works the stacks out again: versions with names wait for their
# top's analysis, or a top is analysed that may fail (its RAW is then the photo).
RECHECK = "stacks_recheck"
_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".jpe": "JPEG", ".jfif": "JPEG", ".heif": "HEIC"}


def name_key(path: str) -> tuple[tuple[str, str], int] | None:
    """((folder, the original's name without case), role) of a file that may be in a stack;
    None for one that cannot be (a video, a file of another kind). Run on every file of the
    library by each scan: plain string operations, no regular expression unless the name
    starts as Apple's edits do."""
    folder, _, name = path.rpartition(os.sep)
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        return None
    suffix, stem = "." + suffix.lower(), stem.casefold()
    if suffix in RAW_SUFFIXES:
        return (folder, stem), RAW
    if suffix not in PHOTO_SUFFIXES:
        return None
    if stem.startswith("img_e"):
        apple = _APPLE_EDIT.match(stem)
        if apple:
            return (folder, apple.group(1) + apple.group(2)), EDIT
    if stem.endswith(EDIT_SUFFIXES):
        for ending in EDIT_SUFFIXES:
            if stem.endswith(ending) and len(stem) > len(ending):
                return (folder, stem[: -len(ending)]), EDIT
    return (folder, stem), PICTURE


@dataclass(frozen=True)
class Stack:
    top: int
    versions: tuple[int, ...]  # under the top
    label: str  # what the top's tile says: "RAW+JPEG", "3 versions"


def find_stacks(files: Iterable[tuple[int, str, bool]]) -> list[Stack]:
    """The stacks among these files, (id, path, failed); a failed file is never a top."""
    keyed = [(name_key(path), photo_id, path, failed) for photo_id, path, failed in files]
    # Most files are alone: only names seen twice are grouped (a third of the time at
    # 100,000 photos).
    seen: set[tuple[str, str]] = set()
    twice: set[tuple[str, str]] = set()
    for key, *_ in keyed:
        if key is not None:
            (twice if key[0] in seen else seen).add(key[0])
    groups: dict[tuple[str, str], list[tuple[int, int, str, bool]]] = {}
    for key, photo_id, path, failed in keyed:
        if key is not None and key[0] in twice:
            groups.setdefault(key[0], []).append((key[1], photo_id, path, failed))
    found = []
    for members in groups.values():
        if len(members) < 2 or len({role for role, *_ in members}) < len(members):
            continue  # alone, or a role doubled: which is the photo would be a guess
        members.sort()
        usable = [m for m in members if not m[3]]
        if not usable:
            continue
        top = usable[0]
        found.append(
            Stack(top[1], tuple(m[1] for m in members if m is not top), _label(members, top))
        )
    return found


def _label(members: list[tuple[int, int, str, bool]], top: tuple[int, int, str, bool]) -> str:
    roles = {m[0] for m in members}
    if roles == {PICTURE, RAW} and top[0] == PICTURE:
        suffix = os.path.splitext(top[2])[1].lower()
        return "RAW+" + _FORMATS.get(suffix, suffix.lstrip(".").upper())
    return f"{len(members)} versions"


@dataclass
class StackReport:
    stacks: int = 0
    versions: set[int] = field(default_factory=set)  # ids under a top now
    tops: set[int] = field(default_factory=set)
    freed: list[tuple[int, str]] = field(default_factory=list)  # versions alone again: analyse
    held: list[tuple[str, str]] = field(default_factory=list)  # (path, why it is not stacked)
    waiting: int = 0  # versions with names waiting for their top's analysis
    carried: int = 0  # decisions moved to a top


def refresh(library: Library) -> StackReport:
    """Work the stacks out again from the files' names and mark them in the library."""
    report = StackReport()
    conn = library.conn
    found = find_stacks(rows.stack_files(conn))
    marks = rows.stack_marks(conn)
    wanted: dict[int, int] = {}
    labels: dict[int, str | None] = {}
    for stack in found:
        labels[stack.top] = stack.label
        for version in stack.versions:
            wanted[version] = stack.top
    for photo_id, mark in marks.items():  # a folder offline is not a stack undone
        if not mark.present and mark.stack_of is not None:
            wanted[photo_id] = mark.stack_of
    tops = set(wanted.values())
    for photo_id, mark in marks.items():
        if not mark.present and mark.label is not None and photo_id in tops:
            labels.setdefault(photo_id, mark.label)
    new = [v for v, top in wanted.items() if marks.get(v, rows.UNMARKED).stack_of != top]
    with_faces = rows.with_faces(conn, new)
    with library.write() as db:
        for version in new:
            top = wanted[version]
            if version in with_faces:
                why = _carry(library, version, top, report)
                if why is not None:
                    wanted.pop(version)
                    if why:
                        report.held.append((rows.paths(conn, [version])[version], why))
                    continue
            rows.under_top(db.conn, version, top)
        if with_faces:
            rows.clear_lost_covers(db.conn)
        freed = [
            i for i, m in marks.items() if m.stack_of is not None and m.present and i not in wanted
        ]
        rows.out_of_stacks(db.conn, freed)
        report.freed = list(rows.paths(conn, freed).items())
        tops = set(wanted.values())  # a top whose versions wait for it is not one yet
        labels = {top: label if top in tops else None for top, label in labels.items()}
        labels.update(
            {i: None for i, m in marks.items() if m.label is not None and i not in labels}
        )
        rows.set_tops(
            db.conn,
            {
                top: label
                for top, label in labels.items()
                if marks.get(top, rows.UNMARKED) != rows.Mark(None, label, True)
            },
        )
    library.crops.forget_photos(sorted(with_faces & set(wanted)))
    report.stacks = len(found)
    report.versions = set(wanted)
    report.tops = set(wanted.values())
    return report


def _carry(library: Library, version: int, top: int, report: StackReport) -> str | None:
    """Move what the user decided on a version's faces to the top (in the caller's
    transaction). None when done; "" when it must wait for the top's analysis; else why the
    version stays a photo of its own."""
    conn = library.conn
    kept, copy = rows.carried_photo(conn, top), rows.carried_photo(conn, version)
    decided = any(f.worth_carrying for f in copies_rows.faces_to_carry(conn, version))
    if decided and (kept is None or copy is None):
        report.waiting += 1
        return ""
    if decided and kept is not None and copy is not None:
        conn.execute("SAVEPOINT carry")
        try:
            report.carried += carry_decisions(conn, kept, copy)
        except CannotCarry as why:
            conn.execute("ROLLBACK TO carry")
            conn.execute("RELEASE carry")
            return f"not shown as a version of {os.path.basename(kept.path)}: {why}"
        conn.execute("RELEASE carry")
    else:
        copies_rows.carry_photo_marks(conn, top, version)
    return None


def before_analysis(
    library: Library, analyze: list[tuple[int, str]], *, changed: bool
) -> tuple[list[tuple[int, str]], int]:
    """The scan's photos to analyse once the stacks are worked out: a version under a top is
    recorded (hashed) instead of analysed, and a version alone again joins the photos to
    analyse. Returns them, and how many versions were passed by. Stacks follow the files'
    names, so a scan that found no file new, changed, moved or gone leaves them as they are
    (worked out again, they took 0.5-0.8 s at 100,000 photos)."""
    if not changed and library.meta(DUE) is None:
        return analyze, 0
    report = refresh(library)
    with library.write() as db:
        db.conn.execute("DELETE FROM meta WHERE key = ?", (DUE,))
        if report.waiting or any(i in report.tops for i, _ in analyze):
            db.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, '1')", (RECHECK,))
    passed = [(i, path) for i, path in analyze if i in report.versions]
    recorded = []
    for photo_id, path in passed:
        try:
            st = os.stat(path)
            recorded.append((photo_id, st.st_size, st.st_mtime_ns, file_hash(path)))
        except OSError:
            continue  # gone since it was listed: the next scan finds it missing
    if recorded:
        with library.write() as db:
            rows.record_versions(db.conn, recorded)
    kept = [(i, path) for i, path in analyze if i not in report.versions]
    listed = {i for i, _ in kept}
    kept += [(i, path) for i, path in report.freed if i not in listed]
    return kept, len(passed)


def after_analysis(library: Library) -> None:
    """At the end of a scan that analysed a stack's top: the versions whose names waited for
    it (a RAW named before its JPEG arrived) give them to it now, and join its stack; a top
    that could not be read gives its place to the next version."""
    if library.meta(RECHECK) is None:
        return
    # A version freed now (its top failed its analysis) is 'pending': the next scan takes it.
    refresh(library)
    with library.write() as db:
        db.conn.execute("DELETE FROM meta WHERE key = ?", (RECHECK,))
