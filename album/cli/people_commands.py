"""The people commands: everything the window can do to people, from a terminal.

PERSON is a person's id (as `album people` lists them) or their name; FACE is a face id (as
`album faces PHOTO` or `album export --json` list them).

This module only describes the commands; what they do lives in `people_actions`, loaded when
one runs, so `album --help` does not load the people engine.
"""

from __future__ import annotations

import argparse
import importlib

from album.cli.common import add_library_option
from album.store.settings import DEFAULT_MIN_GROUP, MAX_MIN_GROUP


def _command(
    sub: argparse._SubParsersAction, name: str, help_text: str, handler: str
) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help_text, description=help_text)
    add_library_option(parser)

    def run(args: argparse.Namespace) -> int:
        actions = importlib.import_module("album.cli.people_actions")
        return int(actions.run(args, getattr(actions, handler)))

    parser.set_defaults(handler=run)
    return parser


def _face_id(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a face is given by its number, not {text!r}") from None


def _group_size(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= MAX_MIN_GROUP:
        raise argparse.ArgumentTypeError(f"give a number of faces from 1 to {MAX_MIN_GROUP}")
    return int(text)


def register(sub: argparse._SubParsersAction) -> None:
    p = _command(sub, "people", "list people with their face and photo counts", "_people")
    p.add_argument("--json", action="store_true")
    p.add_argument("--all", action="store_true", help="include hidden people")
    p.add_argument("--sort", choices=("count", "name"), default="count")
    p.add_argument("--filter", metavar="TEXT", help="only names containing TEXT")

    p = _command(sub, "cluster", "match named people and group the other faces again", "_cluster")
    p.add_argument(
        "--min-size",
        type=_group_size,
        metavar="N",
        help="smallest group of faces shown as a person (default "
        f"{DEFAULT_MIN_GROUP}); smaller groups stay unsorted. The library keeps it for later "
        "scans and the window",
    )

    p = _command(sub, "name", "name or rename a person (or a single face)", "_name")
    p.add_argument("person", nargs="?", metavar="PERSON")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--face", type=_face_id, help="name this face instead of a whole person")
    p.add_argument("--merge", action="store_true", help="if NAME is taken, merge into that person")

    p = _command(sub, "merge", "merge people into one", "_merge")
    p.add_argument("people", nargs="+", metavar="PERSON")
    p.add_argument("--into", metavar="PERSON", help="the person to keep (default: the first)")

    p = _command(sub, "move", "move faces to a person (a name creates one)", "_move")
    p.add_argument("faces", nargs="+", type=_face_id, metavar="FACE")
    p.add_argument("--to", required=True, metavar="PERSON")

    p = _command(sub, "reject", "not this person: the face leaves and never comes back", "_reject")
    p.add_argument("faces", nargs="+", type=_face_id, metavar="FACE")
    p.add_argument(
        "--from",
        dest="person",
        action="append",
        metavar="PERSON",
        help="default: its current person; repeat it for none of several (Ada or Ben? neither)",
    )

    p = _command(sub, "remove-face", "not a face: remove it, for good", "_remove")
    p.add_argument("faces", nargs="+", type=_face_id, metavar="FACE")

    p = _command(sub, "birthday", "set (or --clear) a person's birthday", "_birthday")
    p.add_argument("person", metavar="PERSON")
    p.add_argument("date", nargs="?", metavar="DATE", help="the birthday, as YYYY-MM-DD")
    p.add_argument("--clear", action="store_true", help="remove the birthday")

    for verb in ("hide", "unhide"):
        p = _command(sub, verb, f"{verb} a person", verb)
        p.add_argument("person", metavar="PERSON")

    p = _command(sub, "confirm", "confirm suggested faces (auto becomes user)", "_confirm")
    p.add_argument("faces", nargs="*", type=_face_id, metavar="FACE")
    p.add_argument("--person", metavar="PERSON", help="confirm all of this person's suggestions")
    p.add_argument("--above", type=float, default=0.0, help="only at or above this confidence")

    p = _command(sub, "undo", "take back the latest people edit(s)", "_undo")
    p.add_argument("--steps", type=int, default=1)
    p = _command(sub, "redo", "apply undone edit(s) again", "_redo")
    p.add_argument("--steps", type=int, default=1)
    _command(sub, "history", "the latest people edits", "_history")

    p = _command(
        sub,
        "forget",
        "erase a person: name, face data, rejections and old backups (not undoable)",
        "_forget",
    )
    p.add_argument("person", metavar="PERSON")
    p.add_argument("--yes", action="store_true", help="really forget them")

    p = _command(
        sub,
        "review",
        'faces to check: "is this X?" and "X or Y?" (answer with move, reject, confirm)',
        "_review",
    )
    p.epilog = (
        'Answer "is this X?" with `album move FACE --to X` (or `album confirm FACE` for a '
        'suggestion) or `album reject FACE --from X`; "X or Y?" with `album move FACE --to X` '
        "(or Y), or for neither `album reject FACE --from X --from Y`. `album undo` takes an "
        "answer back."
    )
    p.add_argument("--person", metavar="PERSON")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")

    p = _command(sub, "merges", "pairs of people who may be the same person", "_merges")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")

    p = _command(sub, "keep-apart", "two people are different: never suggest merging", "_apart")
    p.add_argument("people", nargs=2, metavar="PERSON")

    p = _command(sub, "photos", "photos of a person, or of several people together", "_photos")
    p.add_argument("--person", action="append", default=[], metavar="PERSON")
    p.add_argument(
        "--search",
        metavar="TEXT",
        help='people, places and dates, as in the window: "Ada Kyoto 2019" (newest first)',
    )
    p.add_argument("--json", action="store_true")

    p = _command(sub, "faces", "the faces in one photo, with their people", "_faces")
    p.add_argument("photo", metavar="PHOTO", help="a photo's id or path")
    p.add_argument("--json", action="store_true")
