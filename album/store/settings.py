"""A library remembers the analysis settings it was scanned with; the settings dialog edits them."""

from __future__ import annotations

import dataclasses
import json

from album.config import Settings
from album.store.library import Library

_KEY = "settings"
_PER_MACHINE = ("workers",)  # depends on the computer, not the library


def load(library: Library) -> Settings:
    raw = library.meta(_KEY)
    defaults = Settings()
    if not raw:
        return defaults
    try:
        stored = json.loads(raw)
    except ValueError:
        return defaults
    known = {f.name for f in dataclasses.fields(Settings)} - set(_PER_MACHINE)
    values = {k: v for k, v in stored.items() if k in known}
    try:
        return defaults.replace(**values)
    except (TypeError, ValueError):
        return defaults


def save(library: Library, settings: Settings) -> None:
    values = dataclasses.asdict(settings)
    for name in _PER_MACHINE:
        values.pop(name, None)
    library.set_meta(_KEY, json.dumps(values, sort_keys=True))
