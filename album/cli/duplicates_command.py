"""`album duplicates`: the sets of exact and near copies among the library's photos, the one
album would keep first. It lists; it never deletes or moves a file."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from album.cli.common import add_library_option, library_path

if TYPE_CHECKING:  # loaded when the command runs, not for `album --help`
    from album.duplicates import DuplicateSet, Member


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "duplicates",
        help="list exact and near copies of photos, and which one album would keep",
        description="Sets of photos that are copies of one another: the same file (exact) or "
        "the same picture resized, recompressed, lightly edited or a burst's next frame "
        "(near). The one album would keep comes first: the most pixels, then the earliest "
        "date, the largest file, the most metadata, the shortest path. Nothing is deleted.",
    )
    add_library_option(parser)
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from album.duplicates import find_sets
    from album.store.duplicates import duplicate_candidates, unhashed_count
    from album.store.library import Library

    with Library.open(library_path(args)) as library:
        sets = find_sets(duplicate_candidates(library.conn))
        unhashed = unhashed_count(library.conn)
    if args.json:
        print(json.dumps([_set_json(s) for s in sets], indent=1, ensure_ascii=False))
    else:
        print(_text(sets))
    if unhashed:
        note = (
            f"{unhashed} photo{'s were' if unhashed != 1 else ' was'} analysed before near "
            "copies were looked for: album scan --reanalyze finds theirs."
        )
        # With --json on stderr, so that stdout stays one JSON document.
        print(note if args.json else f"\n{note}", file=sys.stderr if args.json else sys.stdout)
    return 0


def _set_json(found: DuplicateSet) -> dict:
    return {
        "kind": found.kind,
        "keep": found.keep,
        "photos": [
            {
                "id": m.photo.id,
                "path": m.photo.path,
                "size": m.photo.size,
                "width": m.photo.width,
                "height": m.photo.height,
                "taken_at": m.photo.taken_at,
                "distance": m.distance,
            }
            for m in found.members
        ],
    }


def _text(sets: list[DuplicateSet]) -> str:
    if not sets:
        return "No copies found."
    blocks = [_block(s) for s in sets]
    copies = sum(len(s.members) - 1 for s in sets)
    summary = (
        f"{len(sets)} set{'s' * (len(sets) != 1)}, {copies} cop{'ies' if copies != 1 else 'y'}"
    )
    return "\n\n".join([*blocks, summary])


def _block(found: DuplicateSet) -> str:
    """One set: the keeper first, marked "keep", then its copies, each with what tells them
    apart (size, pixels, date) and how close it is."""
    lines = [f"{found.kind} copies:"]
    for number, member in enumerate(found.members):
        photo = member.photo
        mark = "keep" if number == 0 else _likeness(member)
        pixels = f"{photo.width}x{photo.height}" if photo.width and photo.height else "?"
        date = (photo.taken_at or "no date")[:19].replace("T", " ")
        lines.append(f"  {mark:<22} {_size(photo.size):>9}  {pixels:>11}  {date:<19}  {photo.path}")
    return "\n".join(lines)


def _likeness(member: Member) -> str:
    if member.exact:
        return "exact copy"
    if member.distance is None:
        return "near copy"
    return f"near copy (distance {member.distance})"


def _size(size: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"
