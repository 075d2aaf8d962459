"""What the people commands do (their arguments are described in `people_commands`)."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from album.cli.common import CommandError, open_library, photo_id, usage_error
from album.people import ages
from album.people.service import EditError, NameTaken, PeopleService
from album.people.suggest import ReviewItem, merge_suggestions, review_queue
from album.people.update import stored_people_settings
from album.store import edits, queries
from album.store import people as rows
from album.store.library import Library
from album.store.settings import save_min_group_size
from album.store.stacks import versions_of

Handler = Callable[[argparse.Namespace, PeopleService], Any]


def run(args: argparse.Namespace, handler: Handler) -> int:
    """Open the library, run one people command, say what it did, then match around it."""
    with open_library(args) as library:
        service = PeopleService(library, defer_rematch=True)
        try:
            result = handler(args, service)
        except NameTaken as exc:
            raise CommandError(f"{exc}; add --merge to merge them", 1) from None
        except EditError as exc:
            raise CommandError(str(exc)) from None
        if isinstance(result, str):
            print(result, flush=True)
        _follow_up(service)
    return 0


def _follow_up(service: PeopleService) -> None:
    """The edit is committed and said; the matching it calls for runs now, and says so."""
    if not service.pending_people and not service.pending_faces:
        return
    names = rows.named_people(service.library.conn)
    who = sorted(names[p] for p in service.pending_people if p in names)
    label = ", ".join(repr(n) for n in who[:3]) if who else "the people you edited"
    print(f"Matching the library to {label}...", end="", flush=True)
    report = service.follow_up()
    print(f" done, {report.matched} face{'s' * (report.matched != 1)}")


def person_id(library: Library, ref: str) -> int:
    if ref.isdigit():
        if rows.person(library.conn, int(ref)) is None:
            raise usage_error(f"there is no person {ref}")
        return int(ref)
    found = rows.person_named(library.conn, ref)
    if found is None:
        raise usage_error(f"nobody is called {ref!r} (album people lists everyone)")
    return found.id


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
        born = f"  born {p.birthday}" if p.birthday else ""
        lines.append(f"{p.id:>6}  {name:<28} {p.photos:>6} {p.faces:>6} {p.suggested:>9}{born}")
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
    people = [person_id(service.library, ref) for ref in args.person or ()]
    if len(people) > 1:  # "Ada or Ben?" answered neither: one edit, one undo
        return service.reject_each(args.faces, people).summary
    return service.reject(args.faces, people[0] if people else None).summary


def _remove(args: argparse.Namespace, service: PeopleService) -> str:
    return service.remove_faces(args.faces).summary


def _hide(hidden: bool) -> Handler:
    def run(args: argparse.Namespace, service: PeopleService) -> str:
        return service.set_hidden(person_id(service.library, args.person), hidden).summary

    return run


hide, unhide = _hide(True), _hide(False)


def _birthday(args: argparse.Namespace, service: PeopleService) -> str:
    """A bad date is a bad argument (exit 2), said before anything is written."""
    if args.clear == (args.date is not None):
        raise usage_error(
            "give the birthday as YYYY-MM-DD, or --clear to remove it (not both): "
            "album birthday PERSON 2015-03-12"
        )
    pid = person_id(service.library, args.person)
    if args.clear:
        return service.set_birthday(pid, None).summary
    try:
        day = ages.parse_birthday(args.date)
    except ages.BirthdayError as exc:
        raise usage_error(f"cannot use that birthday: {exc}") from None
    return service.set_birthday(pid, day).summary


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
        return json.dumps([_review_json(i) for i in items], indent=1)
    if not items:
        return "Nothing to review."
    return "\n".join(_review_line(i) for i in items)


def _review_line(item: ReviewItem) -> str:
    """One question as a line. "Ada or Ben?" is answered with `album move FACE --to PERSON`
    or, for neither, `album reject FACE --from PERSON` once for each (see the command's help)."""
    who = item.person or f"person {item.person_id}"
    if item.is_choice and item.distances is not None:
        near, far = item.distances
        kept = ", kept apart" if item.apart else ""
        return (
            f"face {item.face_id:>6} (photo {item.photo_id}): {who} or {item.rival}? "
            f"({near:.2f} / {far:.2f}{kept})"
        )
    return (
        f"face {item.face_id:>6} (photo {item.photo_id}): is this {who}? "
        f"{item.confidence:.0%}{'' if item.suggested else ' (not assigned)'}"
    )


def _review_json(item: ReviewItem) -> dict[str, Any]:
    """Every field of the question (fields are only added), its kind, and for a choice both
    candidates, the nearer first, with their distances and confidences."""
    out: dict[str, Any] = {**asdict(item), "kind": "choice" if item.is_choice else "person"}
    if item.is_choice and item.distances is not None:
        out["candidates"] = [
            {"id": pid, "name": name, "distance": distance, "confidence": round(conf, 4)}
            for pid, name, distance, conf in (
                (item.person_id, item.person, item.distances[0], item.confidence),
                (item.rival_id, item.rival, item.distances[1], item.rival_confidence or 0.0),
            )
        ]
    return out


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
    return (
        f"People {a} and {b} are kept apart: never suggested for merging, never grouped "
        "together, and a face close to both is asked about (album review), not filed."
    )


def _photos(args: argparse.Namespace, service: PeopleService) -> str:
    ids = [person_id(service.library, ref) for ref in args.person]
    if args.search is not None:
        from album.store.search import named_people, parse, search_photos

        wanted = parse(args.search, named_people(service.library.conn))
        wanted.people = list(dict.fromkeys([*ids, *wanted.people]))
        found = search_photos(service.library, wanted)
    else:
        found = queries.photos_with(service.library.conn, ids)
    if args.json:
        # A stack's top lists the files under it (album.stacks): its RAW, its original.
        versions = versions_of(service.library.conn, [p.id for p in found if p.stack])
        return json.dumps(
            [{**p._asdict(), "versions": versions.get(p.id, [])} for p in found], indent=1
        )
    return "\n".join(p.path for p in found) or "No photos."


def _faces(args: argparse.Namespace, service: PeopleService) -> str:
    conn = service.library.conn
    photo = photo_id(service.library, args.photo)
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
