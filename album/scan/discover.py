"""Find the photos and videos under the folders a user added, never stopping on a bad folder.

Symlink loops, unreadable folders and files that vanish between listing and stat are reported
as problems and the walk goes on. Hidden files and folders (".thumbnails", macOS "._IMG.JPG"
resource forks) are skipped: they are never a person's photos.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from album.imaging import is_media


@dataclass(frozen=True)
class Found:
    path: str
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class Problem:
    path: str
    message: str


def walk(root: str | Path) -> Iterator[Found | Problem]:
    """Every photo and video under `root` (a folder or a single file), depth first, in name
    order."""
    root = os.path.abspath(os.fspath(root))
    try:
        st = os.stat(root)
    except FileNotFoundError:
        yield Problem(root, "no such file or folder")
        return
    except OSError as exc:
        yield Problem(root, f"cannot read: {exc.strerror}")
        return
    if stat.S_ISDIR(st.st_mode):
        yield from _walk_dir(root, {(st.st_dev, st.st_ino)})
    elif is_media(Path(root)):
        yield Found(root, st.st_size, st.st_mtime_ns)


def _walk_dir(folder: str, ancestors: set[tuple[int, int]]) -> Iterator[Found | Problem]:
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except PermissionError:
        yield Problem(folder, "permission denied: folder skipped")
        return
    except FileNotFoundError:
        yield Problem(folder, "the folder disappeared during the scan")
        return
    except OSError as exc:
        yield Problem(folder, f"cannot list the folder: {exc.strerror}")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            is_dir = entry.is_dir(follow_symlinks=True)
        except OSError:
            is_dir = False
        if is_dir:
            try:
                st = entry.stat(follow_symlinks=True)
            except OSError as exc:
                yield Problem(entry.path, f"cannot read the folder: {exc.strerror}")
                continue
            key = (st.st_dev, st.st_ino)
            if key in ancestors:
                yield Problem(entry.path, "symbolic link loop: skipped")
                continue
            yield from _walk_dir(entry.path, ancestors | {key})
            continue
        if not is_media(Path(entry.name)):
            continue
        try:
            st = entry.stat(follow_symlinks=True)
        except FileNotFoundError:
            yield Problem(entry.path, "the file disappeared during the scan (or is a broken link)")
            continue
        except OSError as exc:
            yield Problem(entry.path, f"cannot read: {exc.strerror}")
            continue
        if stat.S_ISREG(st.st_mode):
            yield Found(entry.path, st.st_size, st.st_mtime_ns)
