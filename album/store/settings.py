"""A library remembers its settings: those it was scanned with, and the smallest group of faces
shown as a person. Kept in the library, not per computer, so the window, `album scan` and
`album cluster` treat one library alike; the settings dialog edits them."""

from __future__ import annotations

import dataclasses
import json

from album.config import Settings
from album.store.library import Library

_KEY = "settings"
_PER_MACHINE = ("workers",)  # depends on the computer, not the library
# Not the library's choice but the app's: follows the app's default (album scan
# --no-detection-plan overrides it for one scan), so a library saved before the detection plan
# became the default gets it too.
_APP_DEFAULT = ("detection_plan",)
_MIN_GROUP_KEY = "min_group_size"
DEFAULT_MIN_GROUP = 2
MAX_MIN_GROUP = 100


def load(library: Library) -> Settings:
    raw = library.meta(_KEY)
    defaults = Settings()
    if not raw:
        return defaults
    try:
        stored = json.loads(raw)
    except ValueError:
        return defaults
    known = {f.name for f in dataclasses.fields(Settings)} - {*_PER_MACHINE, *_APP_DEFAULT}
    values = {k: v for k, v in stored.items() if k in known}
    try:
        return defaults.replace(**values)
    except (TypeError, ValueError):
        return defaults


def save(library: Library, settings: Settings) -> None:
    values = dataclasses.asdict(settings)
    for name in (*_PER_MACHINE, *_APP_DEFAULT):
        values.pop(name, None)
    library.set_meta(_KEY, json.dumps(values, sort_keys=True))


def load_min_group_size(library: Library) -> int:
    """Smaller groups of look-alike faces stay unsorted."""
    raw = library.meta(_MIN_GROUP_KEY) or ""
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= MAX_MIN_GROUP else DEFAULT_MIN_GROUP


def save_min_group_size(library: Library, size: int) -> None:
    if not 1 <= size <= MAX_MIN_GROUP:
        raise ValueError(f"the smallest group must be 1 to {MAX_MIN_GROUP} faces, not {size}")
    library.set_meta(_MIN_GROUP_KEY, str(size))
