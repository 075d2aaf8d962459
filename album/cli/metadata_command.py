"""`album write-metadata`: album's names into the photos' XMP, for other programs to read."""

from __future__ import annotations

import argparse

from album.cli.common import add_library_option, open_library

MAX_LISTED = 20


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "write-metadata",
        help="write the names of confirmed faces and the stars given in album as XMP "
        "(sidecars, or --in-file)",
        description="Write every confirmed, named face as XMP face regions (MWG and Microsoft), "
        "PersonInImage and People keywords (digiKam, Lightroom), and the stars given in album "
        "(xmp:Rating, as Lightroom, digiKam and Windows read them). By default into sidecars "
        "(photo.jpg.xmp), merged with what other programs put there; the photos stay "
        "byte-identical. Suggestions and unnamed groups are not written.",
    )
    add_library_option(parser)
    parser.add_argument(
        "--person",
        action="append",
        default=[],
        metavar="PERSON",
        help="only this person (a name or number; may be given more than once)",
    )
    parser.add_argument(
        "--in-file",
        action="store_true",
        help="write inside JPEG photos (verified, atomic); other formats get sidecars",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="say which files would be written, write none"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from album.cli.people_actions import person_id
    from album.interop.write_names import write_names  # loaded by this command only

    with open_library(args) as library:
        people = [person_id(library, ref) for ref in args.person]
        report = write_names(
            library, in_file=args.in_file, person_ids=people or None, dry_run=args.dry_run
        )
    verb = "Would write" if args.dry_run else "Wrote"
    for item in report.written[:MAX_LISTED]:
        stars = [] if item.rating is None else ["★" * item.rating or "no stars"]
        print(f"{verb} {', '.join([*item.names, *stars])} -> {item.path}")
    if len(report.written) > MAX_LISTED:
        print(f"… and {len(report.written) - MAX_LISTED} more files")
    faces = sum(len(w.names) for w in report.written)
    print(f"{verb} {faces} names into {len(report.written)} files.")
    for path, message in report.failed:
        print(f"Not written: {path}: {message}")
    return 1 if report.failed else 0
