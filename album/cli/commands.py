"""The table of `album` commands; each module adds its own subparsers."""

from __future__ import annotations

import argparse

from album.cli import (
    check_command,
    desktop_commands,
    duplicates_command,
    export_command,
    library_commands,
    metadata_command,
    organize_commands,
    people_commands,
    scan_command,
)

_MODULES = (
    scan_command,
    library_commands,
    export_command,
    people_commands,
    organize_commands,
    metadata_command,
    desktop_commands,
    check_command,
    duplicates_command,
)


def register(sub: argparse._SubParsersAction) -> None:
    gui = sub.add_parser("gui", help="open the album window (the default)")
    gui.add_argument("folders", nargs="*", help="folders or photos to add and scan")
    from album.cli.common import add_library_option

    add_library_option(gui)
    gui.set_defaults(handler=_run_gui)
    for module in _MODULES:
        module.register(sub)


def names() -> list[str]:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    return []


def _run_gui(args: argparse.Namespace) -> int:
    import os

    from album.cli.common import CommandError, usage_error
    from album.display_check import window_problem

    missing = [f for f in getattr(args, "folders", []) or [] if not os.path.exists(f)]
    if missing:
        raise usage_error(f"no such file or folder: {missing[0]}")
    # Before Qt loads: without a display or its X11 libraries Qt aborts the whole process.
    problem = window_problem()
    if problem is not None:
        raise CommandError(problem)
    try:
        from album.ui.app import run_app
    except ImportError as exc:
        raise CommandError(f"the window is not available: {exc}") from None
    return run_app(args)
