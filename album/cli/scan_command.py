"""`album scan PATH...`: analyze folders into the library, headless."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from concurrent.futures import Executor
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from album.cli.common import CommandError, add_library_option, library_path, usage_error
from album.config import DETECTORS, Settings
from album.paths import display_path

if TYPE_CHECKING:  # loaded when a scan runs, not for `album --help`
    from album.scan.runner import ExecutorFactory, Scanner
    from album.store.library import Library

EXIT_CANCELLED = 130


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "scan",
        help="find the faces in folders of photos (headless)",
        description="Scan folders (or single photos) into the library. A rescan skips "
        "unchanged files, follows moved ones and keeps every name you gave.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="folders or photos to scan")
    add_library_option(parser)
    parser.add_argument(
        "--workers", type=_positive, help="worker processes (default: one per core)"
    )
    parser.add_argument("--detector", choices=DETECTORS, help="face detector (default: auto)")
    parser.add_argument(
        "--detect-size", type=_positive, metavar="PX", help="long side detection runs at"
    )
    parser.add_argument(
        "--reanalyze",
        action="store_true",
        help="re-analyze photos scanned with other settings or before near copies were looked for",
    )
    parser.add_argument(
        "--retry-failed", action="store_true", help="try photos that failed before again"
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the analysis on a Dask cluster (tcp://host:8786)",
    )
    parser.add_argument(
        "--no-import-names",
        action="store_true",
        help="do not read the face names other programs wrote (XMP regions, sidecars, Picasa)",
    )
    parser.add_argument(
        "--detection-plan",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="HOG detection that searches fewer pixels (the default); --no-detection-plan: "
        "the earlier detection at --detect-size over every photo",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--timings", action="store_true", help="also print the seconds spent per stage"
    )
    parser.set_defaults(handler=run)


def _settings(args: argparse.Namespace, library: Library) -> Settings:
    from album.store import settings as stored_settings

    base = stored_settings.load(library)
    changes: dict[str, object] = {}
    if args.workers:
        changes["workers"] = args.workers
    if args.detector:
        changes["detector"] = args.detector
    if args.detect_size:
        changes["detect_side"] = args.detect_size
    if args.no_import_names:
        changes["import_names"] = False
    if args.detection_plan is not None:
        changes["detection_plan"] = args.detection_plan
    try:
        return base.replace(**changes)
    except ValueError as exc:
        raise usage_error(str(exc)) from None


def _check_paths(paths: list[str], library: Library) -> list[str]:
    from album.store import photos

    known_roots = set(photos.roots(library))
    checked = []
    for raw in paths:
        path = os.path.abspath(os.path.expanduser(raw))
        if not os.path.exists(path):
            if photos.db_path(path) in known_roots:
                checked.append(path)  # an offline folder: its photos become missing
                continue
            raise usage_error(f"no such file or folder: {display_path(raw)}")
        checked.append(path)
    return checked


@contextlib.contextmanager
def _dask_executor(address: str) -> Iterator[ExecutorFactory]:
    try:
        from distributed import Client
    except ImportError:
        raise usage_error(
            "--scheduler needs Dask: install album with the 'dask' extra (uv sync --extra dask)"
        ) from None
    try:
        client = Client(address, timeout="10s")
    except Exception as exc:
        raise CommandError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:

        def factory(_settings: Settings) -> Executor:
            return client.get_executor()

        yield factory
    finally:
        client.close()


@contextlib.contextmanager
def _ctrl_c_cancels(scanner: Scanner) -> Iterator[None]:
    """First Ctrl-C: stop soon and keep what was done. Second: stop at once."""
    if sys.platform == "win32" or not _is_main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        if scanner.cancelled:
            raise KeyboardInterrupt
        print("\nStopping… (Ctrl-C again to quit at once)", file=sys.stderr)
        scanner.cancel()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _is_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def run(args: argparse.Namespace) -> int:
    from album.people.update import update_people
    from album.scan.pool import headless_pool
    from album.scan.runner import Scanner
    from album.store import file_names, photos
    from album.store.library import Library
    from album.terminal import ProgressPrinter, stage_line, summary

    path = library_path(args)
    with Library.open(path) as library:
        settings = _settings(args, library)
        roots = _check_paths(args.paths, library)
    if Path(path).absolute() in {Path(r) for r in roots}:
        raise usage_error("the library file cannot be one of the paths to scan")
    printer = None if args.quiet else ProgressPrinter(sys.stderr)
    with contextlib.ExitStack() as stack:
        factory: ExecutorFactory = headless_pool
        if args.scheduler:
            factory = stack.enter_context(_dask_executor(args.scheduler))
        scanner = Scanner(
            path,
            settings,
            executor_factory=factory,
            on_progress=printer,
            reanalyze=args.reanalyze,
            retry_failed=args.retry_failed,
        )
        stack.enter_context(_ctrl_c_cancels(scanner))
        report = scanner.run(roots)
    print(summary(report))
    if report.places_error:
        print(f"album: places not named this time: {report.places_error}", file=sys.stderr)
    if args.timings and report.stages:
        print(stage_line(report))
    if report.cancelled:
        return EXIT_CANCELLED
    if report.analyzed or report.moved or report.missing:
        with Library.open(path) as library:
            people = update_people(library)
            counts = photos.counts(library)
            imported = file_names.import_summary(library.conn, roots)
        print(
            f"People: {counts['people']} ({counts['named_people']} named); "
            f"{people.unsorted} faces unsorted ({people.seconds:.1f} s)"
        )
        if imported:
            print(imported)
    return 0
