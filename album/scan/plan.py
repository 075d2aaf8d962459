"""Deciding what a scan has to do: compare the files on disk with what the library knows.

A rescan must cost almost nothing: a file whose size and modification time are unchanged is
not opened at all. A file that disappeared from its path and reappears elsewhere with the same
content is the same photo, moved: it keeps its row, its faces and their names.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field

from album import stacks
from album.faces.analyze import file_hash
from album.interop.file_names import FolderListings
from album.scan.discover import Found, Problem, walk
from album.store import photos
from album.store.file_names import names_states
from album.store.library import Library


@dataclass
class FileCounts:
    """What the comparison of disk and library found; a scan's report starts from it."""

    new: int = 0
    changed: int = 0
    resumed: int = 0
    unchanged: int = 0
    moved: int = 0
    missing: int = 0
    returned: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)
    offline_roots: list[str] = field(default_factory=list)
    # New or changed files that are versions under a stack's top (album.stacks): recorded,
    # not analysed.
    versions: int = 0


@dataclass
class Plan(FileCounts):
    analyze: list[tuple[int, str]] = field(default_factory=list)  # (photo id, path)


def make_plan(
    library: Library,
    roots: list[str],
    *,
    fingerprint: str,
    reanalyze: bool = False,
    retry_failed: bool = False,
    cancelled: object = None,
    import_names: bool = False,
) -> Plan:
    plan = Plan()
    seen: dict[str, Found] = {}
    known: dict[str, photos.KnownPhoto] = {}
    for root in roots:
        root = os.path.abspath(root)
        known.update(photos.under(library, root))
        if not os.path.exists(root):
            plan.offline_roots.append(root)
            continue
        for item in walk(root):
            if isinstance(item, Problem):
                plan.problems.append((item.path, item.message))
            else:
                seen[item.path] = item
            if cancelled is not None and getattr(cancelled, "is_set", lambda: False)():
                return plan
    names_changed = _names_watch(library, known, import_names)
    gone = {path: photo for path, photo in known.items() if path not in seen}
    new_files: list[Found] = []
    returned: list[int] = []
    for path, found in seen.items():
        photo = known.get(path)
        if photo is None:
            new_files.append(found)
            continue
        if photo.missing:
            returned.append(photo.id)
        same_file = photo.size == found.size and photo.mtime_ns == found.mtime_ns
        if photo.status == "pending":
            plan.resumed += 1
            plan.analyze.append((photo.id, path))
        elif not same_file or (
            (photo.status == "error" and retry_failed)
            or (reanalyze and photo.fingerprint != fingerprint)
            or (reanalyze and photo.unhashed)
            or (reanalyze and photo.status == "error")
            or names_changed(photo)
        ):
            plan.changed += 1
            plan.analyze.append((photo.id, path))
        else:
            plan.unchanged += 1
    if returned:
        photos.set_missing(library, returned, False)
        plan.returned = len(returned)
    changed_ids = [(photo_id, path) for photo_id, path in plan.analyze]
    if changed_ids:
        photos.add_pending(
            library, [(path, seen[path].size, seen[path].mtime_ns) for _, path in changed_ids]
        )
    relinked = _relink_moved(library, new_files, gone, plan)
    fresh = [f for f in new_files if f.path not in relinked]
    ids = photos.add_pending(library, [(f.path, f.size, f.mtime_ns) for f in fresh])
    plan.new = len(fresh)
    plan.analyze.extend((ids[f.path], f.path) for f in fresh)
    vanished = [p.id for path, p in gone.items() if p.id not in relinked.values() and not p.missing]
    if vanished:
        photos.set_missing(library, vanished, True)
    plan.missing = sum(1 for p in gone.values() if p.id not in relinked.values())
    # A RAW beside its JPEG, an original beside its edit: one photo, analysed once.
    changed = bool(plan.analyze or plan.moved or vanished or returned)
    plan.analyze, plan.versions = stacks.before_analysis(library, plan.analyze, changed=changed)
    return plan


def _names_watch(
    library: Library, known: dict[str, photos.KnownPhoto], import_names: bool
) -> Callable[[photos.KnownPhoto], bool]:
    """Whether a photo's sidecars changed since its names were read (album.interop)."""
    if not import_names:
        return lambda photo: False
    states = names_states(library.conn, [p.id for p in known.values()])
    listings = FolderListings()
    return lambda photo: (
        photo.status == "done" and listings.changed(photo.path, states.get(photo.id))
    )


def _relink_moved(
    library: Library, new_files: list[Found], gone: dict[str, photos.KnownPhoto], plan: Plan
) -> dict[str, int]:
    """Match new paths to photos whose file is no longer where it was, by content hash."""
    relinked: dict[str, int] = {}
    claimed: set[int] = set()
    for found in new_files:
        candidates = [
            p
            for p in photos.with_size(library, found.size)
            if p.id not in claimed
            and p.content_hash
            and (p.path in gone or p.missing or not os.path.exists(p.path))
        ]
        if not candidates:
            continue
        try:
            digest = file_hash(found.path)
        except OSError:
            continue
        for candidate in candidates:
            if candidate.content_hash == digest:
                photos.relink(library, candidate.id, found.path, found.size, found.mtime_ns)
                relinked[found.path] = candidate.id
                claimed.add(candidate.id)
                plan.moved += 1
                break
    return relinked
