"""`album install-desktop` and `album uninstall-desktop`: album in the application menu.

A command rather than a packaging step because every way album is installed (a uv venv, a
pip install, the PyInstaller bundle) ends with a program the menu cannot find: the entry has
to name this installation's own executable, and only the installation knows it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from album.cli.common import CommandError, usage_error
from album.desktop import DesktopError, Result, data_home, install, uninstall


def register(sub: argparse._SubParsersAction) -> None:
    for name, verb, handler in (
        ("install-desktop", "add album to", run_install),
        ("uninstall-desktop", "remove album from", run_uninstall),
    ):
        parser = sub.add_parser(
            name,
            help=f"{verb} the desktop's application menu (Linux)",
            description=f"{verb.capitalize()} the application menu: a .desktop entry and "
            "icons in the XDG data folder, so menus, docks and file managers (Open with "
            "album, for folders) find it.",
        )
        parser.add_argument(
            "--data-dir",
            metavar="DIR",
            type=Path,
            help="XDG data folder to use (default: $XDG_DATA_HOME or ~/.local/share)",
        )
        parser.add_argument("--dry-run", action="store_true", help="list the files, change nothing")
        parser.set_defaults(handler=handler)


def _home(args: argparse.Namespace) -> Path:
    """The data folder to use; a bad --data-dir is a usage error (exit 2)."""
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        raise CommandError("desktop entries are for Linux and BSD desktops (freedesktop.org)")
    if args.data_dir is None:
        return data_home()
    if not str(args.data_dir).strip():
        raise usage_error("--data-dir needs a folder")
    home = args.data_dir.expanduser().absolute()
    if home.exists() and not home.is_dir():
        raise usage_error(f"--data-dir {args.data_dir}: not a folder")
    return home


def _report(result: Result, heading: str) -> None:
    print(heading)
    for path in result.files:
        print(f"  {path}")


def run_install(args: argparse.Namespace) -> int:
    try:
        result = install(_home(args), dry_run=args.dry_run)
    except DesktopError as exc:
        raise CommandError(str(exc)) from None
    verb = "Would install" if args.dry_run else "Installed"
    _report(result, f"{verb} album in the application menu ({result.layout.data_home}):")
    print(f"The menu entry starts: {' '.join(result.command)} gui")
    return 0


def run_uninstall(args: argparse.Namespace) -> int:
    try:
        result = uninstall(_home(args), dry_run=args.dry_run)
    except DesktopError as exc:
        raise CommandError(str(exc)) from None
    if not result.files:
        print(f"album is not in the application menu of {result.layout.data_home}: nothing to do")
        return 0
    verb = "Would remove" if args.dry_run else "Removed"
    _report(result, f"{verb} album from the application menu ({result.layout.data_home}):")
    return 0
