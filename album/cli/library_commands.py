"""`album info`, `album places` and `album export`: what is in the library, for people and
for tools."""

from __future__ import annotations

import argparse
import json
import sys

from album.cli.common import add_library_option, library_path, usage_error


def register(sub: argparse._SubParsersAction) -> None:
    info = sub.add_parser("info", help="library location, counts and versions")
    add_library_option(info)
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(handler=run_info)

    places = sub.add_parser(
        "places", help="the places photos were taken, with how many photos each"
    )
    add_library_option(places)
    places.add_argument("--json", action="store_true", help="print JSON")
    places.set_defaults(handler=run_places)

    export = sub.add_parser("export", help="write the whole library as JSON")
    add_library_option(export)
    export.add_argument("--json", action="store_true", help="JSON (the only format so far)")
    export.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    export.set_defaults(handler=run_export)


def run_info(args: argparse.Namespace) -> int:
    from album.info import collect_info
    from album.store.library import Library

    with Library.open(library_path(args)) as library:
        info = collect_info(library)
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    counts = info["counts"]
    versions = info["versions"]
    lines = [
        f"Library:  {info['library']} (version {info['library_version']})",
        f"Photos:   {counts['photos']} ({counts['done']} analyzed, {counts['failed']} failed, "
        f"{counts['pending']} pending, {counts['missing']} missing)",
        f"Faces:    {counts['faces']} ({counts['faces_with_person']} with a person)",
        f"People:   {counts['people']} ({counts['named_people']} named)",
        f"Folders:  {', '.join(info['roots']) or '(none yet)'}",
        f"Versions: album {versions['album']}, Python {versions['python']}, "
        f"dlib {versions['dlib']}, SQLite {versions['sqlite']}, PySide6 {versions['pyside6']}",
        f"CUDA:     {'yes: dlib uses the GPU' if info['cuda'] else 'no (CPU build of dlib)'}",
    ]
    print("\n".join(lines))
    return 0


def run_places(args: argparse.Namespace) -> int:
    from album.store.library import Library
    from album.store.places import places

    with Library.open(library_path(args)) as library:
        found = places(library.conn)
    if args.json:
        fields = ("country", "region", "city", "photos", "cover_id")
        rows = [{**{f: getattr(p, f) for f in fields}, "name": p.name} for p in found]
        print(json.dumps(rows, indent=1, ensure_ascii=False))
        return 0
    if not found:
        print("No photo has a place yet (none carries GPS coordinates).")
        return 0
    width = max(len(p.name) for p in found)
    for place in found:
        print(f"{place.name:<{width}}  {place.photos:>6} photo{'s' * (place.photos != 1)}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    if not args.json:
        raise usage_error("say which format: album export --json")
    from album.store import export as exporting
    from album.store.library import Library

    with Library.open(library_path(args)) as library:
        data = exporting.export(library)
    text = json.dumps(data, indent=1, ensure_ascii=False)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
        except OSError as exc:
            raise usage_error(f"cannot write {args.output}: {exc.strerror}") from None
    else:
        sys.stdout.write(text + "\n")
    return 0
