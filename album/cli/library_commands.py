"""`album info` and `album export`: what is in the library, for people and for tools."""

from __future__ import annotations

import argparse
import json
import platform
import sqlite3
import sys
from importlib import metadata
from typing import Any

from album import __version__
from album.cli.common import add_library_option, library_path, usage_error
from album.store import export as exporting
from album.store import photos
from album.store import settings as stored_settings
from album.store.library import Library


def register(sub: argparse._SubParsersAction) -> None:
    info = sub.add_parser("info", help="library location, counts and versions")
    add_library_option(info)
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(handler=run_info)

    export = sub.add_parser("export", help="write the whole library as JSON")
    add_library_option(export)
    export.add_argument("--json", action="store_true", help="JSON (the only format so far)")
    export.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    export.set_defaults(handler=run_export)


def _package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def collect_info(library: Library) -> dict[str, Any]:
    """Everything `album info` and the About box show."""
    from album.faces.engine import versions

    engine = versions()
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
            "pyside6": _package_version("PySide6-Essentials") or _package_version("PySide6"),
        },
        "cuda": engine["cuda"],
    }


def run_info(args: argparse.Namespace) -> int:
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


def run_export(args: argparse.Namespace) -> int:
    if not args.json:
        raise usage_error("say which format: album export --json")
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
