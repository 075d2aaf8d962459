"""The `album` command. With no command (or only folders) it opens the window; the rest is
headless: `album scan`, `album info`, `album export`, and the people commands.

Exit status: 0 done (a scan that completed is done even if some photos failed: they are
listed); 1 something went wrong; 2 a bad argument; 130 cancelled with Ctrl-C.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from collections.abc import Sequence

from album.cli.common import EXIT_USAGE, CommandError, add_library_option, usage_error
from album.cli.version import version_text
from album.store.library import LibraryError


def build_parser() -> argparse.ArgumentParser:
    from album.cli import commands

    parser = argparse.ArgumentParser(
        prog="album",
        description="Find the people in your photos. Without a command, opens the album window.",
    )
    parser.add_argument("--version", action="version", version=version_text())
    add_library_option(parser, top_level=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.register(sub)
    return parser


def _first_word_at(argv: list[str]) -> int | None:
    """Where the first argument that is neither an option nor the value of --library stands:
    len(argv) when there is none, None when another option comes first (argparse decides)."""
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg == "--library":
            index += 2
            continue
        return None if arg.startswith("-") else index
    return len(argv)


def _with_command(argv: list[str], names: set[str]) -> list[str]:
    """`album`, `album FOLDER` and `album --library X FOLDER` mean `album gui ...`."""
    index = _first_word_at(argv)
    if index is None or (index < len(argv) and argv[index] in names):
        return argv
    return [*argv[:index], "gui", *argv[index:]]


def _first_word(argv: list[str]) -> str | None:
    """The first argument that is neither an option nor the value of --library."""
    index = _first_word_at(argv)
    return argv[index] if index is not None and index < len(argv) else None


def unknown_command(argv: list[str], names: set[str]) -> str | None:
    """`album scna ~/Pictures` is a typo, not a folder called scna: say so before the window
    opens on it. A word that is no command and no existing file or folder is taken as a
    mistyped command unless it looks like a path."""
    word = _first_word(argv)
    if word is None or word in names or os.path.exists(word):
        return None
    close = difflib.get_close_matches(word, sorted(names - {"gui"}), n=1, cutoff=0.6)
    if close:
        return f"unknown command '{word}' — did you mean {close[0]}?"
    if os.sep in word or word.startswith(("~", ".")) or "." in word:
        return f"no such file or folder: {word}"
    return f"unknown command '{word}' (album --help lists the commands)"


def main(argv: Sequence[str] | None = None) -> int:
    # In a frozen (bundled) album each scan worker starts this same executable: this makes it
    # run the worker instead of the command line. A no-op everywhere else.
    if getattr(sys, "frozen", False):
        import multiprocessing

        multiprocessing.freeze_support()
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list == ["--version"]:  # answered before building the parser of every command
        print(version_text())
        return 0
    from album.cli import commands

    parser = build_parser()
    names = set(commands.names())
    problem = unknown_command(args_list, names)
    if problem is not None:
        print(f"album: {problem}", file=sys.stderr)
        return EXIT_USAGE
    args = parser.parse_args(_with_command(args_list, names))
    if not getattr(args, "command", None):
        args = parser.parse_args([*args_list, "gui"])
    try:
        return int(args.handler(args) or 0)
    except CommandError as exc:
        print(f"album: {exc}", file=sys.stderr)
        return exc.status
    except LibraryError as exc:
        print(f"album: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("album: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def gui_main() -> int:
    """The gui-script entry point (no console window on Windows)."""
    return main()


__all__ = ["EXIT_USAGE", "build_parser", "gui_main", "main", "usage_error"]
