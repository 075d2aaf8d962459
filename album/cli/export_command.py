"""`album export-photos (--album A | --person P | --search S) DEST`: photos into a folder.

Exit status: 0 exported (photos whose originals are missing are listed, not fatal; nothing
matching is said and is not an error either); 1 stopped early (a full or failing destination:
what was finished stays, nothing half-written); 2 a bad argument (an unknown album or person,
DEST a file); 130 cancelled with Ctrl-C (finished files stay; run it again to go on: files
already there are recognised, not copied twice).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, TextIO

from album.cli.common import CommandError, add_library_option, library_path, usage_error
from album.paths import display_path

if TYPE_CHECKING:  # loaded when an export runs, not for `album --help`
    from album.photo_export import ExportReport
    from album.store.library import Library

EXIT_CANCELLED = 130
MIN_LONG_SIDE = 64  # smaller is a thumbnail, not a photo to share: most likely a typo


def _long_side(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < MIN_LONG_SIDE:
        raise argparse.ArgumentTypeError(f"must be at least {MIN_LONG_SIDE} pixels, got {value}")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "export-photos",
        help="copy an album's, a person's or a search's photos into a folder",
        description="Copy photos into a folder (created if missing). The originals are never "
        "changed; a file already in the folder is never overwritten (a clash gets ' (2)').",
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--album", metavar="ALBUM", help="the photos of this album")
    which.add_argument("--person", metavar="PERSON", help="a person's photos (name or id)")
    which.add_argument(
        "--search", metavar="TEXT", help='people, places and dates, as in the window: "Ada 2019"'
    )
    parser.add_argument("dest", metavar="DEST", help="the folder to export into")
    parser.add_argument(
        "--link",
        action="store_true",
        help="hard links instead of copies where DEST is on the originals' disk (no space "
        "used; an editor that changes a linked file in place changes the original too)",
    )
    parser.add_argument(
        "--sidecars",
        action="store_true",
        help="write NAME.EXT.xmp beside each photo with its people's names and its rating",
    )
    parser.add_argument(
        "--long-side",
        type=_long_side,
        metavar="PX",
        help="shrink to this many pixels on the long side (JPEG, turned upright; never enlarged)",
    )
    parser.add_argument(
        "--strip-gps", action="store_true", help="leave out where the photos were taken"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    add_library_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from album.photo_export import ExportOptions, ExportReport, export_photos
    from album.store import photos
    from album.store.export_rows import export_rows
    from album.store.library import Library

    dest = Path(args.dest).expanduser().absolute()
    if dest.exists() and not dest.is_dir():
        raise usage_error(f"{display_path(str(dest))} is a file, not a folder")
    with Library.open(library_path(args)) as library:
        rows = export_rows(library.conn, _photo_ids(library, args))
        roots = photos.roots(library)
    options = ExportOptions(
        link=args.link,
        sidecars=args.sidecars,
        long_side=args.long_side,
        strip_gps=args.strip_gps,
    )
    if not rows:
        empty = ExportReport(dest, 0)
        print(_json(empty) if args.json else "Nothing to export: no photo matches.")
        return 0
    _warn_if_scanned(dest, roots)
    printer = _Progress(sys.stderr) if sys.stderr.isatty() else None
    stop = threading.Event()
    try:
        with _ctrl_c_cancels(stop):
            report = export_photos(rows, dest, options, progress=printer, cancelled=stop.is_set)
    finally:
        if printer is not None:
            printer.clear()
    print(_json(report) if args.json else _summary(report))
    if report.error:
        raise CommandError(report.error)
    return EXIT_CANCELLED if report.cancelled else 0


def _photo_ids(library: Library, args: argparse.Namespace) -> list[int]:
    if args.album is not None:
        return _album_ids(library, args.album)
    if args.person is not None:
        from album.store import queries

        return [p.id for p in queries.photos_with(library.conn, [_person_id(library, args.person)])]
    from album.store.search import named_people, parse, search_photos

    wanted = parse(args.search, named_people(library.conn))
    if wanted.empty:  # exporting a whole library should be asked for by name, not by accident
        raise usage_error("the search asks for nothing: give people, places or dates")
    return [p.id for p in search_photos(library, wanted)]


def _album_ids(library: Library, name: str) -> list[int]:
    from album.organizer import NoSuchAlbum, Organizer

    organizer = Organizer(library)
    try:
        return organizer.photo_ids(organizer.album_named(name).id)
    except NoSuchAlbum as exc:
        raise usage_error(str(exc)) from None


def _person_id(library: Library, ref: str) -> int:
    from album.store import people

    if ref.isdigit() and people.person(library.conn, int(ref)) is not None:
        return int(ref)
    found = people.person_named(library.conn, ref)
    if found is None:
        raise usage_error(f"nobody is called {ref!r} (album people lists everyone)")
    return found.id


def _warn_if_scanned(dest: Path, roots: list[str]) -> None:
    """Copies inside a scanned folder come back as photos on the next scan: say so."""
    for root in roots:
        if dest.resolve().is_relative_to(Path(root).resolve()):
            print(
                f"album: note: {display_path(str(dest))} is inside {display_path(root)}, which "
                "the library scans: the next scan adds these copies as photos too",
                file=sys.stderr,
            )
            return


class _Progress:
    """One line on the terminal, redrawn in place."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.width = 0

    def __call__(self, done: int, total: int) -> None:
        line = f"Exporting… {done}/{total} photos"
        self.stream.write("\r" + line + " " * max(0, self.width - len(line)))
        self.stream.flush()
        self.width = len(line)

    def clear(self) -> None:
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()


@contextlib.contextmanager
def _ctrl_c_cancels(stop: threading.Event) -> Iterator[None]:
    """First Ctrl-C: stop after the file being written. Second: stop at once (the file being
    written is still removed)."""
    if sys.platform == "win32" or threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        print("\nStopping… (Ctrl-C again to quit at once)", file=sys.stderr)
        stop.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _photos(number: int) -> str:
    return f"{number} photo{'s' * (number != 1)}"


def _summary(report: ExportReport) -> str:
    where = display_path(str(report.dest))
    written = f"{_photos(len(report.written))} written to {where}"
    if report.linked:
        written += f" ({report.linked} as hard links)"
    lines = [written]
    if report.unchanged:
        lines.append(f"{_photos(len(report.unchanged))} already there, left as they were")
    if report.sidecars:
        lines.append(f"{len(report.sidecars)} XMP sidecar{'s' * (len(report.sidecars) != 1)}")
    if report.skipped:
        lines.append(f"Skipped {_photos(len(report.skipped))}:")
        lines += [f"  {display_path(path)}: {why}" for path, why in report.skipped]
    if report.cancelled:
        lines.append(
            f"Cancelled: {report.exported} of {_photos(report.total)} exported; run it again "
            "to go on (photos already there are not copied twice)."
        )
    return "\n".join(lines)


def _json(report: ExportReport) -> str:
    def paths(found: list[Path]) -> list[str]:
        return [display_path(str(p)) for p in found]

    data = {
        "dest": display_path(str(report.dest)),
        "total": report.total,
        "exported": report.exported,
        "written": paths(report.written),
        "linked": report.linked,
        "unchanged": paths(report.unchanged),
        "sidecars": paths(report.sidecars),
        "skipped": [{"path": display_path(p), "reason": why} for p, why in report.skipped],
        "cancelled": report.cancelled,
        "error": report.error,
    }
    return json.dumps(data, indent=1, ensure_ascii=False)
