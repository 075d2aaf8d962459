"""What every command shares: the --library option, opening the library, errors."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from album.config import default_library_path

if TYPE_CHECKING:
    from album.store.library import Library

EXIT_USAGE = 2


class CommandError(Exception):
    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def usage_error(message: str) -> CommandError:
    return CommandError(message, EXIT_USAGE)


def add_library_option(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    parser.add_argument(
        "--library",
        metavar="FILE",
        type=Path,
        default=None if top_level else argparse.SUPPRESS,
        help="library file to use (default: $ALBUM_LIBRARY or the per-user data folder)",
    )


def library_path(args: argparse.Namespace) -> Path:
    path = getattr(args, "library", None)
    return Path(path).expanduser() if path else default_library_path()


def open_library(args: argparse.Namespace) -> Library:
    from album.store.library import Library

    return Library.open(library_path(args))


def photo_id(library: Library, ref: str) -> int:
    """PHOTO on the command line: a photo's id (as `--json` lists them) or its path."""
    import os

    from album.store import photos, queries

    if ref.isdigit() and queries.photo(library.conn, int(ref)) is not None:
        return int(ref)
    found = photos.id_for_path(library, os.path.abspath(ref))
    if found is None:
        raise usage_error(f"no photo {ref!r} in the library")
    return found
