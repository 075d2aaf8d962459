"""What is still to scan: folders given to album whose scan has not ended, photos not analyzed.

A folder (or photo) handed to album is recorded the moment it is given, before its scan starts
(or while it waits behind another scan), and only a scan that runs to its end crosses it off.
So a window closed mid-scan, a scan that crashed, a killed `album scan`, or a folder queued
behind another scan is never forgotten: the next window start reads `to_resume` and carries on.
A cancelled scan keeps its record too: the user stopped it for now, not for good.

The record is one meta value (a JSON list of paths) rather than a table: no migration, and it
stays small (one entry per folder the user gave, never one per photo). Paths are kept as the
file system spells them (JSON keeps undecodable bytes as \\udcXX escapes), so they can be
scanned again exactly.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from album.store import photos
from album.store.library import Library

UNFINISHED_KEY = "scan_unfinished"


@dataclass(frozen=True)
class Resume:
    """What the next scan should carry on with; `paths` empty when nothing waits."""

    paths: list[str] = field(default_factory=list)  # folders or photos, none inside another
    photos: int = 0  # listed by a scan that stopped, not analyzed yet
    folders: int = 0  # given to album but never listed (no photo of theirs known yet)


def _normal(path: str) -> str:
    return os.path.abspath(path).rstrip(os.sep) or os.sep


def _covers(root: str, path: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def unfinished(library: Library) -> list[str]:
    """The folders and photos whose scan has not run to its end, in the order given."""
    try:
        entries = json.loads(library.meta(UNFINISHED_KEY) or "[]")
    except ValueError:  # never written by album: treat as nothing recorded
        return []
    return [e for e in entries if isinstance(e, str)] if isinstance(entries, list) else []


def _save(library: Library, entries: list[str]) -> None:
    if entries:
        library.set_meta(UNFINISHED_KEY, json.dumps(entries))
    else:
        with library.write() as db:
            db.conn.execute("DELETE FROM meta WHERE key = ?", (UNFINISHED_KEY,))


def record(library: Library, paths: Iterable[str]) -> None:
    """Folders become library folders at once, and every path is marked as still to scan,
    in one transaction: a kill a moment later still finds them on the next start."""
    given = [_normal(p) for p in paths]
    folders = [p for p in given if os.path.isdir(p)]  # looked at outside the write lock
    with library.write():
        for folder in folders:
            photos.add_root(library, folder)
        entries = unfinished(library)
        new = [p for p in dict.fromkeys(given) if p not in entries]
        if new:
            _save(library, entries + new)


def finish(library: Library, paths: Iterable[str]) -> None:
    """A scan of `paths` ran to its end (or the folders left the library): they, and anything
    recorded inside them, are no longer waiting."""
    done = [_normal(p) for p in paths]
    with library.write():
        entries = unfinished(library)
        left = [e for e in entries if not any(_covers(d, e) for d in done)]
        if len(left) != len(entries):
            _save(library, left)


def to_resume(library: Library) -> Resume:
    """What a scan that stopped left behind: the library folders holding photos still
    'pending' (listed, not analyzed), the folders and photos recorded but never finished, and
    any pending photo outside them. Folders that are offline now wait for another start (a scan
    of an unplugged drive would only mark its photos missing); a recorded folder that is no
    longer a library folder was removed by the user and is left alone."""
    roots = photos.roots(library)
    known = set(roots)
    entries = [e for e in unfinished(library) if photos.db_path(e) in known or not os.path.isdir(e)]
    pending = [
        photos.fs_path(text, raw)
        for text, raw in library.conn.execute(
            "SELECT path, raw_path FROM photos WHERE status = 'pending' AND NOT missing"
        )
    ]
    holding = [r for r in roots if any(_covers(r, p) for p in pending)]
    outside = [p for p in pending if not any(_covers(r, p) for r in holding + entries)]
    candidates = [p for p in dict.fromkeys(entries + holding + outside) if os.path.exists(p)]
    kept: list[str] = []
    for path in sorted(candidates, key=len):  # a folder's scan covers everything inside it
        if not any(_covers(k, path) for k in kept):
            kept.append(path)
    waiting = 0
    listed: set[str] = set()  # kept paths with at least one pending photo inside
    for path in pending:
        within = next((k for k in kept if _covers(k, path)), None)
        if within is not None:
            waiting += 1
            listed.add(within)
    unlisted = [e for e in entries if e in kept and e not in listed and os.path.isdir(e)]
    return Resume(paths=kept, photos=waiting, folders=len(unlisted))
