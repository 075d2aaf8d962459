"""What album is and runs on: versions, the library's counts, whether dlib has CUDA.

Shared by `album info` and the window's About box.
"""

from __future__ import annotations

import platform
import sqlite3
from importlib import metadata
from typing import Any

from album import __version__
from album.store import photos
from album.store import settings as stored_settings
from album.store.library import Library


def package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def collect_info(library: Library) -> dict[str, Any]:
    """Everything `album info` and the About box show."""
    from album.faces.engine import versions

    engine = versions()
    settings = stored_settings.load(library)
    return {
        "library": str(library.path),
        "library_version": library.version,
        "counts": photos.counts(library),
        "roots": photos.roots(library),
        "settings": {
            "detector": settings.detector,
            "detect_side": settings.detect_side,
            "landmarks": settings.landmarks,
            "workers": settings.workers,
        },
        "versions": {
            "album": __version__,
            "python": platform.python_version(),
            "dlib": engine["dlib"],
            "sqlite": sqlite3.sqlite_version,
            "pyside6": package_version("PySide6-Essentials") or package_version("PySide6"),
        },
        "cuda": engine["cuda"],
    }
