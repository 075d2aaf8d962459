"""Pieces of SQL text several store modules build their statements from.

The lowest store module: it imports nothing of album's, so any store module may use it
without an import circle (album.store.people imports the scan's writer, which imports
album.store.ratings).
"""

from __future__ import annotations

from collections.abc import Iterable, Sized

# Values bound in one statement: far below SQLite's limit (32,766), and a chunk of ids
# this size is one quick indexed read or write.
CHUNK = 500


def ids_in(values: Sized) -> str:
    """`(?, ?, ?)` for an IN clause of that many values."""
    return "(" + ", ".join("?" * len(values)) + ")"


def chunks(values: list[int], size: int = CHUNK) -> Iterable[list[int]]:
    """`values` in slices of at most `size`, for statements with one `?` per value."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
