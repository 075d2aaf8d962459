"""`album check`: run the integrity check, rebuild derived data, say where the backups are."""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING

from album.cli.common import CommandError, add_library_option, library_path

if TYPE_CHECKING:  # the modules themselves load when the command runs (a fast --help)
    from album.store.library import Library


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "check",
        help="check the library for damage and rebuild what can be rebuilt",
        description="Run SQLite's integrity check over the whole library, repair damaged "
        "indexes, clear rows that point nowhere, analyze again the photos whose face data is "
        "unreadable, and match and group people again. Names, confirmed faces and rejections "
        "are never changed.",
    )
    add_library_option(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from album.people.update import update_people
    from album.store import damage
    from album.store.check import check, clear_unreadable
    from album.store.library import Library
    from album.store.recovery import recover

    path = library_path(args)
    if not path.exists():
        raise CommandError(f"there is no library at {path}")
    if damage.pending(path) is not None:
        # A window saw the library fail: the check that note asks for, restore included.
        report = recover(path)
        print("\n".join(report.lines()))
        if not report.sound:
            raise CommandError("the library could not be made sound (see above)")
    with Library.open(path) as library:
        lines = [f"Library: {library.path}"]
        lines += [f"Warning: {w}" for w in library.warnings]
        report = check(library)
        if report.damage:
            lines.append("Integrity check: damaged")
            lines += [f"  {problem}" for problem in report.damage[:10]]
        else:
            lines.append("Integrity check: ok")
        if not report.ok:
            print("\n".join(lines))
            library.close()
            restored = recover(path)
            print("\n".join(restored.lines()))
            if not restored.sound:
                raise CommandError(_damaged(library, report.remaining))
            return 0
        lines += [f"Repaired: {text}" for text in report.repaired] or ["Nothing to repair."]
        if report.reanalyze:
            lines.append(_reanalyze(library, report.reanalyze))
        unreadable = clear_unreadable(library)
        if unreadable:
            lines.append(
                f"Cleared: {unreadable} unreadable face data whose photo could not be analyzed "
                "again (the faces keep their names)"
            )
        people = update_people(library)
        lines.append(
            f"People: matched and grouped again ({people.matched} matched, "
            f"{people.clustered} grouped)"
        )
        lines.append(_backups_line(library))
    print("\n".join(lines))
    return 0


def _reanalyze(library: Library, paths: list[str]) -> str:
    """Analyze again, now, the photos whose face data was unreadable: a scan of just them."""
    from album.scan.runner import Scanner
    from album.store import settings as stored_settings

    settings = stored_settings.load(library)
    settings = settings.replace(workers=max(1, min(settings.workers, len(paths))))
    scan = Scanner(library.path, settings).run(list(paths))
    return f"Analyzed again: {scan.analyzed} photos ({len(scan.failed)} failed)"


def _backups_line(library: Library) -> str:
    from album.store import backup

    found = backup.backups(library.path)
    if not found:
        return "Backups: none yet"
    newest = found[-1]
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(newest.stat().st_mtime))
    return f"Backups: {len(found)} in {newest.parent} (newest {when})"


def _damaged(library: Library, problems: list[str]) -> str:
    from album.store import backup

    found = backup.backups(library.path)
    advice = (
        f"no backup could be restored either; the backups are in {found[-1].parent}"
        if found
        else "there is no backup to go back to"
    )
    shown = "; ".join(problems[:3])
    return (
        f"the library is damaged beyond what album can repair ({shown}). Your photos are "
        f"untouched; {advice}."
    )
