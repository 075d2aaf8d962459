"""What album is and runs on: versions, the library's counts, whether dlib has CUDA.

Shared by `album info` and the window's About box.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import platform
import sqlite3
from importlib import metadata
from typing import Any

from platformdirs import user_cache_path

from album import __version__
from album.store import photos
from album.store import settings as stored_settings
from album.store.library import Library


def package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _engine_facts() -> dict[str, Any]:
    """dlib's version and whether it was built with CUDA, remembered per dlib install.

    Importing dlib (and the numpy under it) was most of `album info`'s time; the answer only
    changes when dlib is reinstalled, so it is kept in the user cache keyed by dlib's file."""
    spec = importlib.util.find_spec("dlib")
    origin = spec.origin if spec is not None else None
    key = f"{origin}:{os.stat(origin).st_mtime_ns}" if origin and os.path.exists(origin) else ""
    cache = user_cache_path("album", appauthor=False) / "engine.json"
    with contextlib.suppress(OSError, ValueError):
        cached = json.loads(cache.read_text())
        if key and cached.get("key") == key:
            return cached
    from album.faces.engine import versions

    facts = {"key": key, **versions()}
    with contextlib.suppress(OSError):
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(facts))
    return facts


def collect_info(library: Library) -> dict[str, Any]:
    """Everything `album info` and the About box show."""
    engine = _engine_facts()
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
