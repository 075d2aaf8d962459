"""The people commands: everything the window can do to people, from a terminal.

PERSON is a person's id (as `album people` lists them) or their name; FACE is a face id (as
`album faces PHOTO` or `album export --json` list them).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from album.cli.common import CommandError, add_library_option, open_library, usage_error
from album.people.service import EditError, NameTaken, PeopleService
from album.people.suggest import merge_suggestions, review_queue
from album.people.update import stored_people_settings
from album.store import edits, photos, queries
from album.store import people as rows
from album.store.library import Library
from album.store.settings import DEFAULT_MIN_GROUP, MAX_MIN_GROUP, save_min_group_size

Handler = Callable[[argparse.Namespace, PeopleService], Any]


def _command(
    sub: argparse._SubParsersAction, name: str, help_text: str, handler: Handler
) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help_text, description=help_text)
    add_library_option(parser)

    def run(args: argparse.Namespace) -> int:
        with open_library(args) as library:
            service = PeopleService(library)
            try:
                result = handler(args, service)
            except NameTaken as exc:
                raise CommandError(f"{exc}; add --merge to merge them", 1) from None
            except EditError as exc:
                raise CommandError(str(exc)) from None
        if isinstance(result, str):
            print(result)
        return 0

    parser.set_defaults(handler=run)
    return parser


def person_id(library: Library, ref: str) -> int:
    if ref.isdigit():
        if rows.person(library.conn, int(ref)) is None:
            raise usage_error(f"there is no person {ref}")
        return int(ref)
    found = rows.person_named(library.conn, ref)
    if found is None:
        raise usage_error(f"nobody is called {ref!r} (album people lists everyone)")
    return found.id


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
    p = _command(sub, "people", "list people with their face and photo counts", _people)
    p.add_argument("--json", action="store_true")
    p.add_argument("--all", action="store_true", help="include hidden people")
    p.add_argument("--sort", choices=("count", "name"), default="count")
    p.add_argument("--filter", metavar="TEXT", help="only names containing TEXT")

    p = _command(sub, "cluster", "match named people and group the other faces again", _cluster)
    p.add_argument(
        "--min-size",
        type=_group_size,
        metavar="N",
        help="smallest group of faces shown as a person (default "
        f"{DEFAULT_MIN_GROUP}); smaller groups stay unsorted. The library keeps it for later "
        "scans and the window",
    )

    p = _command(sub, "name", "name or rename a person (or a single face)", _name)
    p.add_argument("person", nargs="?", metavar="PERSON")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--face", type=_face_id, help="name this face instead of a whole person")
    p.add_argument("--merge", action="store_true", help="if NAME is taken, merge into that person")

    p = _command(sub, "merge", "merge people into one", _merge)
    p.add_argument("people", nargs="+", metavar="PERSON")
    p.add_argument("--into", metavar="PERSON", help="the person to keep (default: the first)")

    p = _command(sub, "move", "move faces to a person (a name creates one)", _move)
    p.add_argument("faces", nargs="+", type=_face_id, metavar="FACE")
    p.add_argument("--to", required=True, metavar="PERSON")

    p = _command(sub, "reject", "not this person: the face leaves and never comes back", _reject)
    p.add_argument("faces", nargs="+", type=_face_id, metavar="FACE")
    p.add_argument("--from", dest="person", metavar="PERSON", help="default: its current person")

    p = _command(sub, "remove-face", "not a face: remove it, for good", _remove)
    p.add_argument("faces", nargs="+", type=_face_id, metavar="FACE")

    for verb, hidden in (("hide", True), ("unhide", False)):
        p = _command(sub, verb, f"{verb} a person", _hide(hidden))
        p.add_argument("person", metavar="PERSON")

    p = _command(sub, "confirm", "confirm suggested faces (auto becomes user)", _confirm)
    p.add_argument("faces", nargs="*", type=_face_id, metavar="FACE")
    p.add_argument("--person", metavar="PERSON", help="confirm all of this person's suggestions")
    p.add_argument("--above", type=float, default=0.0, help="only at or above this confidence")

    p = _command(sub, "undo", "take back the latest people edit(s)", _undo)
    p.add_argument("--steps", type=int, default=1)
    p = _command(sub, "redo", "apply undone edit(s) again", _redo)
    p.add_argument("--steps", type=int, default=1)
    _command(sub, "history", "the latest people edits", _history)

    p = _command(
        sub,
        "forget",
        "erase a person: name, face data, rejections and old backups (not undoable)",
        _forget,
    )
    p.add_argument("person", metavar="PERSON")
    p.add_argument("--yes", action="store_true", help="really forget them")

    p = _command(sub, "review", 'faces to check: "is this X?", least certain first', _review)
    p.add_argument("--person", metavar="PERSON")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")

    p = _command(sub, "merges", "pairs of people who may be the same person", _merges)
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")

    p = _command(sub, "keep-apart", "two people are different: never suggest merging", _apart)
    p.add_argument("people", nargs=2, metavar="PERSON")

    p = _command(sub, "photos", "photos of a person, or of several people together", _photos)
    p.add_argument("--person", action="append", default=[], metavar="PERSON")
    p.add_argument("--json", action="store_true")

    p = _command(sub, "faces", "the faces in one photo, with their people", _faces)
    p.add_argument("photo", metavar="PHOTO", help="a photo's id or path")
    p.add_argument("--json", action="store_true")


def _people(args: argparse.Namespace, service: PeopleService) -> str:
    found = queries.people(
        service.library.conn, include_hidden=args.all, sort=args.sort, name_filter=args.filter
    )
    if args.json:
        return json.dumps([asdict(p) for p in found], indent=1)
    if not found:
        return "No people yet: scan some photos (album scan FOLDER)."
    lines = [f"{'id':>6}  {'name':<28} {'photos':>6} {'faces':>6} {'to review':>9}"]
    for p in found:
        name = (p.name or "(unnamed)") + (" [hidden]" if p.hidden else "")
        lines.append(f"{p.id:>6}  {name:<28} {p.photos:>6} {p.faces:>6} {p.suggested:>9}")
    return "\n".join(lines)


def _cluster(args: argparse.Namespace, service: PeopleService) -> str:
    if args.min_size is not None:
        save_min_group_size(service.library, args.min_size)
        service.settings = stored_people_settings(service.library)
    report = service.recluster()
    return (
        f"Groups of {service.settings.min_cluster_size} faces or more are people. "
        f"Matched {report.matched} faces to named people, grouped {report.clustered}, "
        f"{report.unsorted} unsorted; {report.people_created} new groups, "
        f"{report.people_removed} emptied ({report.seconds:.1f} s)"
    )


def _name(args: argparse.Namespace, service: PeopleService) -> str:
    if args.face is not None:
        if args.person is not None:
            raise usage_error("give either PERSON or --face, not both")
        return service.name_face(args.face, args.name).summary
    if args.person is None:
        raise usage_error("say who to name: album name PERSON NAME (or --face FACE NAME)")
    pid = person_id(service.library, args.person)
    return service.name_person(pid, args.name, merge=args.merge).summary


def _merge(args: argparse.Namespace, service: PeopleService) -> str:
    ids = [person_id(service.library, ref) for ref in args.people]
    into = person_id(service.library, args.into) if args.into else ids[0]
    return service.merge(ids, into=into).summary


def _move(args: argparse.Namespace, service: PeopleService) -> str:
    library = service.library
    if args.to.isdigit():
        return service.move_faces(args.faces, person_id(library, args.to)).summary
    return service.move_to_name(args.faces, args.to).summary


def _reject(args: argparse.Namespace, service: PeopleService) -> str:
    pid = person_id(service.library, args.person) if args.person else None
    return service.reject(args.faces, pid).summary


def _remove(args: argparse.Namespace, service: PeopleService) -> str:
    return service.remove_faces(args.faces).summary


def _hide(hidden: bool) -> Handler:
    def run(args: argparse.Namespace, service: PeopleService) -> str:
        return service.set_hidden(person_id(service.library, args.person), hidden).summary

    return run


def _confirm(args: argparse.Namespace, service: PeopleService) -> str:
    if args.person:
        if args.faces:
            raise usage_error("give either FACE numbers or --person, not both")
        return service.confirm_all(person_id(service.library, args.person), args.above).summary
    if not args.faces:
        raise usage_error("say which faces to confirm (or --person PERSON)")
    return service.confirm(args.faces).summary


def _steps(step: Callable[[], str | None], count: int, word: str) -> str:
    done = []
    for _ in range(max(count, 1)):
        summary = step()
        if summary is None:
            break
        done.append(f"{word}: {summary}")
    return "\n".join(done) or f"Nothing to {word.lower()}."


def _undo(args: argparse.Namespace, service: PeopleService) -> str:
    return _steps(service.undo, args.steps, "Undone")


def _redo(args: argparse.Namespace, service: PeopleService) -> str:
    return _steps(service.redo, args.steps, "Redone")


def _history(args: argparse.Namespace, service: PeopleService) -> str:
    entries = edits.history(service.library.conn)
    if not entries:
        return "No edits yet."
    return "\n".join(
        f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(at))}  {summary}"
        + ("  (undone)" if undone else "")
        for _, at, summary, undone in entries
    )


def _forget(args: argparse.Namespace, service: PeopleService) -> str:
    pid = person_id(service.library, args.person)
    if not args.yes:
        raise usage_error(
            "forgetting erases the person's name, face data and rejections, deletes the "
            "library's older backups (they hold the person too) and cannot be undone; add "
            "--yes to do it"
        )
    count = service.forget(pid)
    done = f"Forgot person {pid} and the data of {count} faces (the photos stay)."
    for path, message in service.files_not_cleaned:
        done += f"\nStill named in {path} (album wrote it there but cannot edit it: {message})."
    if not service.scrubbed:
        return (
            f"{done} Another album process is still reading the library, so older copies of "
            "their data remain in it until album next opens it."
        )
    return (
        f"{done} The library was rewritten without them and older backups were deleted; "
        "one clean backup was taken."
    )


def _review(args: argparse.Namespace, service: PeopleService) -> str:
    pid = person_id(service.library, args.person) if args.person else None
    items = review_queue(service.library, person_id=pid, limit=args.limit)
    if args.json:
        return json.dumps([asdict(i) for i in items], indent=1)
    if not items:
        return "Nothing to review."
    return "\n".join(
        f"face {i.face_id:>6} (photo {i.photo_id}): is this {i.person or f'person {i.person_id}'}? "
        f"{i.confidence:.0%}{'' if i.suggested else ' (not assigned)'}"
        for i in items
    )


def _merges(args: argparse.Namespace, service: PeopleService) -> str:
    found = merge_suggestions(service.library, limit=args.limit)
    if args.json:
        return json.dumps([asdict(s) for s in found], indent=1)
    if not found:
        return "No merge suggestions."
    return "\n".join(
        f"{s.a} {s.a_name or '(unnamed)'} + {s.b} {s.b_name or '(unnamed)'}: "
        f"distance {s.distance:.2f}"
        for s in found
    )


def _apart(args: argparse.Namespace, service: PeopleService) -> str:
    a, b = (person_id(service.library, ref) for ref in args.people)
    service.keep_apart(a, b)
    return f"People {a} and {b} will not be suggested for merging again."


def _photos(args: argparse.Namespace, service: PeopleService) -> str:
    ids = [person_id(service.library, ref) for ref in args.person]
    found = queries.photos_with(service.library.conn, ids)
    if args.json:
        return json.dumps([asdict(p) for p in found], indent=1)
    return "\n".join(p.path for p in found) or "No photos."


def _faces(args: argparse.Namespace, service: PeopleService) -> str:
    conn = service.library.conn
    photo = _photo_id(service.library, args.photo)
    found = queries.faces_in_photo(conn, photo)
    if args.json:
        return json.dumps([asdict(f) for f in found], indent=1)
    if not found:
        return "No faces in that photo."
    return "\n".join(
        f"face {f.id:>6}  box {list(f.box)}  "
        f"{f.person or (f'person {f.person_id}' if f.person_id else '(nobody)')}"
        f"{f' [{f.label_source}]' if f.label_source else ''}"
        for f in found
    )


def _photo_id(library: Library, ref: str) -> int:
    if ref.isdigit() and queries.photo(library.conn, int(ref)) is not None:
        return int(ref)
    found = photos.id_for_path(library, os.path.abspath(ref))
    if found is None:
        raise usage_error(f"no photo {ref!r} in the library")
    return found
