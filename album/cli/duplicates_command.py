"""`album duplicates`: the sets of exact and near copies among the library's photos, the one
album would keep first; `--keep PHOTO` keeps one of a set and sends the others to the trash
(after the user says yes), `--keep-all PHOTO` answers a set "they are not copies to drop"."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from album.cli.common import CommandError, add_library_option, library_path, photo_id

if TYPE_CHECKING:  # loaded when the command runs, not for `album --help`
    from album.duplicates import DuplicateSet, Member


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "duplicates",
        help="list exact and near copies of photos, and which one album would keep",
        description="Sets of photos that are copies of one another: the same file (exact) or "
        "the same picture resized, recompressed, lightly edited or a burst's next frame "
        "(near). The one album would keep comes first: the most pixels, then the earliest "
        "date, the largest file, the most metadata, the shortest path. Listing deletes "
        "nothing; --keep moves the set's other files to the system's trash once you say yes, "
        "their names, stars and albums carried to the photo kept.",
    )
    add_library_option(parser)
    parser.add_argument("--json", action="store_true", help="print JSON")
    decide = parser.add_mutually_exclusive_group()
    decide.add_argument(
        "--keep",
        metavar="PHOTO",
        help="keep this photo (id or path) of its set; its copies go to the trash",
    )
    decide.add_argument(
        "--keep-all",
        metavar="PHOTO",
        help="keep every photo of this photo's set: they are not asked about again",
    )
    parser.add_argument(
        "--yes", action="store_true", help="with --keep: do not ask before trashing"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from album import copies
    from album.store.duplicates import unhashed_count
    from album.store.library import Library

    if args.keep or args.keep_all:
        return _decide(args)
    with Library.open(library_path(args)) as library:
        sets = copies.sets(library)
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


def _decide(args: argparse.Namespace) -> int:
    from album import copies
    from album.store.library import Library

    with Library.open(library_path(args)) as library:
        chosen = photo_id(library, args.keep or args.keep_all)
        try:
            found = copies.set_of(library, chosen)
        except copies.CopiesError as exc:
            raise CommandError(str(exc)) from None
        if args.keep_all:
            copies.keep_all(library, [chosen], found=found)
            print(f"Kept all {len(found.members)} photos of the set; it is not asked about again.")
            return 0
        doomed = [m.photo.path for m in found.members if m.photo.id != chosen]
        if not args.yes and not _confirm(doomed):
            print("Nothing moved.")
            return 1
        report = copies.keep_one(library, chosen, found=found)
        copies.refresh(library)
    for path in report.trashed:
        print(f"to the trash: {path}")
    for path, why in report.held:
        print(f"kept: {path}: {why}", file=sys.stderr)
    carried = (
        f", {report.carried} name{'s' * (report.carried != 1)} carried" if report.carried else ""
    )
    print(
        f"{len(report.trashed)} of {len(doomed)} cop{'ies' if len(doomed) != 1 else 'y'} "
        f"moved to the trash{carried}."
    )
    return 0 if not report.held else 1


def _confirm(doomed: list[str]) -> bool:
    """Yes from the person at the terminal; no terminal, no yes (say --yes)."""
    if not sys.stdin.isatty():
        raise CommandError(
            f"--keep would move {len(doomed)} file{'s' * (len(doomed) != 1)} to the trash: "
            "add --yes to do it without a terminal to ask at"
        )
    for path in doomed:
        print(f"  {path}")
    answer = input(f"Move these {len(doomed)} files to the trash? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


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
    from album.terminal import file_size

    lines = [f"{found.kind} copies:"]
    for number, member in enumerate(found.members):
        photo = member.photo
        mark = "keep" if number == 0 else _likeness(member)
        pixels = f"{photo.width}x{photo.height}" if photo.width and photo.height else "?"
        date = (photo.taken_at or "no date")[:19].replace("T", " ")
        size = file_size(photo.size)
        lines.append(f"  {mark:<26} {size:>9}  {pixels:>11}  {date:<19}  {photo.path}")
    return "\n".join(lines)


def _likeness(member: Member) -> str:
    if member.exact:
        return "exact copy"
    if member.distance is None:
        return "near copy"
    if member.distance == 0:
        # Not "distance 0", which reads as "identical": the bytes differ (a re-save), so
        # keeping one still loses whatever the other file holds.
        return "same picture, another file"
    return f"near copy (distance {member.distance})"
