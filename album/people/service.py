"""Every people edit a user can make, each one transaction, each recorded for undo.

The CLI and the window both call these methods; nothing else writes a `user` label, a
rejection or a name. After an edit that confirms faces, the named people are matched again
right away (`rematch`), so the next face of a person just named is already suggested.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from album import organizer
from album.faces.analyze import analyze_region
from album.imaging import PhotoError
from album.interop.background import queue_photos
from album.interop.write_names import load_mode as load_write_mode
from album.interop.write_names import remove_name
from album.people import ages
from album.people.update import (
    PeopleSettings,
    UpdateReport,
    stored_people_settings,
    update_people,
)
from album.store import edits, file_names, named_groups, photos
from album.store import people as rows
from album.store import settings as stored_settings
from album.store.faces import add_manual_face
from album.store.library import SCRUB_KEY, Library

USER = "user"
DECIDED = (USER, "file")  # a file's names were decided by a person too


class EditError(Exception):
    """An edit that cannot be made as asked; the message says why, for the user."""


class NameTaken(EditError):
    """Renaming to a name another person has: the caller may confirm a merge instead."""

    def __init__(self, name: str, existing_id: int) -> None:
        super().__init__(f"another person is already called {name!r} (merge them instead?)")
        self.name = name
        self.existing_id = existing_id


# Edits that change nothing the matching or the names written into photos depend on: undoing
# them needs no matching afterwards.
FACES_UNTOUCHED = frozenset({"birthday"})

# Rounds of confirm-then-match one "Confirm suggestions" may take; each finds fewer.
CONFIRM_ROUNDS = 5


@dataclass(frozen=True)
class EditResult:
    edit_id: int | None
    summary: str
    person_id: int | None = None
    face_id: int | None = None


class PeopleService:
    """`defer_rematch=True` leaves the matching an edit calls for to `follow_up()`, which the
    caller runs after the edit has been shown (the CLI says when it is done; the window runs
    it as a job of its own), so the edit itself stays a short transaction."""

    def __init__(
        self,
        library: Library,
        settings: PeopleSettings | None = None,
        *,
        defer_rematch: bool = False,
    ) -> None:
        self.library = library
        self.settings = settings or stored_people_settings(library)
        self.defer_rematch = defer_rematch
        # What the deferred rematch must look at: the people edits touched, and their faces.
        self.pending_people: set[int] = set()
        self.pending_faces: set[int] = set()

    # -- the plumbing every edit shares ------------------------------------------------------

    def _edit(
        self,
        kind: str,
        summary: str,
        faces: Iterable[int],
        people: Iterable[int],
        change: Callable[[sqlite3.Connection], Iterable[int] | None],
        *,
        rematch: bool = False,
        confirm: Iterable[int] = (),
        names_change: bool = True,
    ) -> EditResult:
        """`confirm`: people whose grouped faces this edit confirms, by `named_groups.settle`
        after the edit (the edit's cost then does not grow with the group). `names_change`:
        whether the photos' names may change, so the files album writes names into must be
        written again (a birthday is not written into photos)."""
        faces, people = set(faces), set(people)
        with self.library.write() as db:
            conn = db.conn
            before = edits.snapshot(conn, faces, people)
            created = set(change(conn) or ())
            after = edits.snapshot(conn, faces, people | created)
            for pid in created:
                before["people"].setdefault(str(pid), None)
            confirm = sorted(set(confirm))
            if confirm:
                after[named_groups.CONFIRM] = confirm
            edit_id = edits.record(conn, kind, summary, before, after)
            for person_id in confirm:
                named_groups.queue(conn, person_id, edit_id)
        if names_change:
            self._write_files(faces, people | created)
        if rematch:
            self._after_edit(before, after)
        person = next(iter(created), None) if created else None
        return EditResult(edit_id, summary, person)

    def _write_files(self, faces: Iterable[int], people: Iterable[int]) -> None:
        """The library's "Write names to photos" setting: queue the photos this edit renamed."""
        if load_write_mode(self.library) != "never":
            touched = file_names.photos_touched(self.library.conn, set(faces), set(people))
            queue_photos(self.library, touched)

    def _after_edit(self, *states: edits.Snapshot) -> None:
        """Queue (or run) the rematch around everyone and every face these snapshots name."""
        for state in states:
            self.pending_people.update(int(p) for p in state["people"])
            for face_id, row in state["faces"].items():
                self.pending_faces.add(int(face_id))
                if row and row[0] is not None:
                    self.pending_people.add(int(row[0]))
        if not self.defer_rematch:
            self.follow_up()

    def follow_up(self) -> UpdateReport:
        """The matching the edits so far call for: only faces near the people they touched."""
        people, faces = self.pending_people, self.pending_faces
        self.pending_people, self.pending_faces = set(), set()
        self.settle()
        if not people and not faces:
            return UpdateReport()
        return self.rematch(people, faces)

    def settle(self) -> set[int]:
        """Confirm the grouped faces of the people named since the last settle (their own
        short transaction, after the naming's); returns those people."""
        if not named_groups.is_pending(self.library.conn):
            return set()
        with self.library.write() as db:
            settled = named_groups.settle(db.conn)
        if settled:
            self._write_files((), settled)
        return settled

    def rematch(
        self, people: Iterable[int] | None = None, faces: Iterable[int] = ()
    ) -> UpdateReport:
        """Match the named people again: around `people` (and `faces`), or everywhere."""
        return update_people(
            self.library, self.settings, recluster=False, around=people, faces=faces
        )

    def recluster(self) -> UpdateReport:
        return update_people(self.library, self.settings, recluster=True)

    def _person(self, person_id: int) -> rows.Person:
        person = rows.person(self.library.conn, person_id)
        if person is None:
            raise EditError(f"there is no person {person_id}")
        return person

    def _face(self, face_id: int) -> rows.Face:
        face = rows.face(self.library.conn, face_id)
        if face is None or face.removed:
            raise EditError(f"there is no face {face_id}")
        return face

    def _who(self, person: rows.Person | None) -> str:
        """A person as the user knows them, for messages and the undo history: the name, or
        which unnamed group (by size): never an internal id."""
        if person is None:
            return "someone"
        if person.name:
            return repr(person.name)
        count = len(self._face_ids(person.id))
        return f"an unnamed person ({count} face{'s' * (count != 1)})"

    def _face_ids(self, person_id: int) -> list[int]:
        return [f.id for f in rows.faces_of_person(self.library.conn, person_id)]

    def _photo_faces(self, face_ids: Iterable[int]) -> set[int]:
        """Faces sharing a photo with these: an edit may take a person away from them."""
        return rows.photo_mates(self.library.conn, face_ids)

    # -- naming ------------------------------------------------------------------------------

    def name_person(self, person_id: int, name: str, *, merge: bool = False) -> EditResult:
        """Name (or rename) a person. Naming an unnamed group confirms its faces."""
        name = _clean_name(name)
        person = self._person(person_id)
        existing = rows.person_named(self.library.conn, name)
        if existing is not None and existing.id != person_id:
            if not merge:
                raise NameTaken(name, existing.id)
            return self.merge([person_id], into=existing.id)
        confirm = person.name is None

        def change(conn: sqlite3.Connection) -> None:
            rows.rename(conn, person_id, name)

        verb = "Named" if person.name is None else f"Renamed {person.name!r} to"
        # No face row changes in the edit itself: naming a group confirms its faces, and
        # that is written (and added to the undo log) by `named_groups.settle` just after.
        return self._edit(
            "name",
            f"{verb} {name!r}",
            [],
            [person_id],
            change,
            rematch=True,
            confirm=[person_id] if confirm else [],
        )

    def name_face(self, face_id: int, name: str) -> EditResult:
        """This face is `name`: an existing person by that name, or a new one."""
        return self.move_to_name([face_id], name)

    # -- moving faces between people ---------------------------------------------------------

    def merge(self, people: list[int], *, into: int) -> EditResult:
        """Everyone in `people` becomes `into`. A named source lends its name to an unnamed
        target; two faces of one photo cannot both stay, the confirmed one wins."""
        sources = [p for p in dict.fromkeys(people) if p != into]
        target = self._person(into)
        source_rows = [self._person(p) for p in sources]
        if not sources:
            raise EditError("merge needs at least two different people")
        faces = [f for p in [into, *sources] for f in self._face_ids(p)]
        new_name = target.name or next((p.name for p in source_rows if p.name), None)
        # A birthday, like a name, is lent by a source when the target has none.
        birthday = target.birthday or next((p.birthday for p in source_rows if p.birthday), None)

        def change(conn: sqlite3.Connection) -> None:
            taken = {f.photo_id: f for f in rows.faces_of_person(conn, into)}
            for source in sources:
                for face in rows.faces_of_person(conn, source):
                    holder = taken.get(face.photo_id)
                    if holder is not None:
                        if face.label_source in DECIDED and holder.label_source not in DECIDED:
                            rows.set_label(conn, holder.id, None, None)
                        else:
                            rows.set_label(conn, face.id, None, None)
                            continue
                    label = USER if face.label_source in (USER, "cluster") else face.label_source
                    if new_name is None and face.label_source == "cluster":
                        label = "cluster"
                    rows.set_label(conn, face.id, into, label, face.confidence)
                    taken[face.photo_id] = face
                rows.delete_person(conn, source)
            rows.rename(conn, into, new_name)
            rows.set_birthday(conn, into, birthday)
            if new_name is not None:
                rows.confirm_grouped_faces(conn, into)

        if new_name is not None:
            summary = f"Merged {len(sources) + 1} people into {new_name!r}"
        else:
            summary = f"Merged {len(sources) + 1} unnamed people into one ({len(faces)} faces)"
        return self._edit("merge", summary, faces, [into, *sources], change, rematch=True)

    def move_faces(self, face_ids: list[int], to: int) -> EditResult:
        """These faces are person `to` (a user decision)."""
        target = self._person(to)
        faces = [self._face(f) for f in face_ids]
        conn = self.library.conn
        for face in faces:
            holder = rows.user_face_in_photo(conn, to, face.photo_id, face.id)
            if holder is not None:
                raise EditError(
                    f"{self._who(target)} is already confirmed in that photo "
                    f"(face {holder}); two faces of one photo cannot be the same person"
                )
        if len({f.photo_id for f in faces}) < len(faces):
            raise EditError("two of these faces are in the same photo: they cannot be one person")
        previous = {f.person_id for f in faces if f.person_id is not None and f.person_id != to}

        def change(conn: sqlite3.Connection) -> None:
            for face in faces:
                rows.set_label(conn, face.id, to, USER)
            for person in previous:
                rows.delete_person_if_empty(conn, person)

        summary = f"Moved {len(faces)} face{'s' * (len(faces) != 1)} to {self._who(target)}"
        touched = self._photo_faces(face_ids)
        return self._edit("move", summary, touched, [to, *previous], change, rematch=True)

    def move_to_name(self, face_ids: list[int], name: str) -> EditResult:
        """These faces are `name`: the person by that name, or a new one made for them."""
        name = _clean_name(name)
        existing = rows.person_named(self.library.conn, name)
        if existing is not None:
            return self.move_faces(face_ids, existing.id)
        faces = [self._face(f) for f in face_ids]
        if len({f.photo_id for f in faces}) < len(faces):
            raise EditError("two of these faces are in the same photo: they cannot be one person")
        previous = {f.person_id for f in faces if f.person_id is not None}

        def change(conn: sqlite3.Connection) -> list[int]:
            new = rows.create_person(conn, name)
            for face in faces:
                rows.set_label(conn, face.id, new, USER)
            for person in previous:
                rows.delete_person_if_empty(conn, person)
            return [new]

        count = f"{len(faces)} face{'s' * (len(faces) != 1)}"
        touched = self._photo_faces(face_ids)
        return self._edit(
            "move", f"Named {count} {name!r}", touched, previous, change, rematch=True
        )

    def reject(self, face_ids: list[int], person_id: int | None = None) -> EditResult:
        """'Not this person': the face leaves, and is never proposed for them again."""
        faces = [self._face(f) for f in face_ids]
        pairs = []
        for face in faces:
            person = person_id if person_id is not None else face.person_id
            if person is None:
                raise EditError(f"face {face.id} has no person to reject")
            pairs.append((face, person))
        return self._reject(pairs)

    def reject_each(self, face_ids: list[int], people: Iterable[int]) -> EditResult:
        """'Neither': these faces are none of these people (Review's "Ada or Ben?" answered N,
        `album reject FACE --from Ada --from Ben`). One edit, so one undo brings all back."""
        faces = [self._face(f) for f in face_ids]
        chosen = list(dict.fromkeys(people))
        if not chosen:
            raise EditError("no person to reject")
        for person in chosen:
            self._person(person)
        return self._reject([(face, person) for face in faces for person in chosen])

    def _reject(self, pairs: list[tuple[rows.Face, int]]) -> EditResult:
        faces = list({face.id: face for face, _ in pairs}.values())
        people = {p for _, p in pairs}

        def change(conn: sqlite3.Connection) -> None:
            for face, person in pairs:
                rows.add_rejection(conn, face.id, person)
                if face.person_id == person:
                    rows.set_label(conn, face.id, None, None)
            for person in people:
                rows.delete_person_if_empty(conn, person)

        names = {rows.person(self.library.conn, p) for p in people}
        shown = ", ".join(sorted(p.name or self._who(p) for p in names if p))
        summary = f"{len(faces)} face{'s' * (len(faces) != 1)}: not {shown}"
        return self._edit("reject", summary, [f.id for f in faces], people, change)

    def remove_faces(self, face_ids: list[int]) -> EditResult:
        """Not a face at all (a false detection): gone, and it stays gone across rescans."""
        faces = [self._face(f) for f in face_ids]
        people = {f.person_id for f in faces if f.person_id is not None}

        def change(conn: sqlite3.Connection) -> None:
            for face in faces:
                rows.set_label(conn, face.id, None, None)
                rows.set_removed(conn, face.id, True)
            for person in people:
                rows.delete_person_if_empty(conn, person)

        summary = f"Removed {len(faces)} face{'s' * (len(faces) != 1)}"
        result = self._edit("remove", summary, face_ids, people, change)
        self.library.crops.forget(face_ids)  # an undo re-makes them from the photo
        return result

    def add_face(self, photo_id: int, box: tuple[int, int, int, int]) -> EditResult:
        """A face the detector missed, drawn by the user: encoded, stored and matched."""
        photo = photos.by_id(self.library, photo_id)
        if photo is None:
            raise EditError(f"there is no photo {photo_id}")
        try:
            face = analyze_region(photo.path, box, stored_settings.load(self.library))
        except PhotoError as exc:
            raise EditError(f"cannot add that face: {exc}") from None
        with self.library.write() as db:
            face_id = add_manual_face(self.library, photo_id, face)
            before = {
                "faces": {str(face_id): [None, None, None, 1]},
                "people": {},
                "rejections": {},
            }
            after = edits.snapshot(db.conn, [face_id], [])
            edit_id = edits.record(db.conn, "add", "Added a face", before, after)
        self._after_edit(after)
        return EditResult(edit_id, "Added a face", None, face_id)

    # -- confirming suggestions --------------------------------------------------------------

    def confirm(self, face_ids: list[int]) -> EditResult:
        faces = [self._face(f) for f in face_ids]
        for face in faces:
            if face.person_id is None:
                raise EditError(f"face {face.id} has no suggested person to confirm")

        def change(conn: sqlite3.Connection) -> None:
            for face in faces:
                rows.confirm_face(conn, face.id)

        summary = f"Confirmed {len(faces)} face{'s' * (len(faces) != 1)}"
        return self._edit("confirm", summary, face_ids, [], change, rematch=True)

    def confirm_all(self, person_id: int, above: float = 0.0) -> EditResult:
        """Confirm every suggestion for a person at or above a confidence, including those
        that confirming brings: each confirmation is matched again at once, and what that
        suggests above the bar is confirmed too (the user clicked once and found three more
        at 90-96% waiting: issue 20). One edit: one Ctrl+Z takes it all back."""
        person = self._person(person_id)
        faces = self._suggested(person_id, above)
        if not faces:
            raise EditError(f"no suggestions for {self._who(person)} to confirm")
        first = self.confirm(faces)
        total = len(faces)
        for _ in range(CONFIRM_ROUNDS):
            self.follow_up()
            more = self._suggested(person_id, above)
            if not more:
                break
            self.confirm(more)
            total += len(more)
        summary = f"Confirmed {total} face{'s' * (total != 1)} of {self._who(person)}"
        with self.library.write() as db:
            edits.combine(db.conn, first.edit_id, summary)
        return EditResult(first.edit_id, summary, None)

    def _suggested(self, person_id: int, above: float) -> list[int]:
        return [
            f.id
            for f in rows.faces_of_person(self.library.conn, person_id)
            if f.label_source not in DECIDED and (f.confidence is None or f.confidence >= above)
        ]

    # -- people ------------------------------------------------------------------------------

    def set_hidden(self, person_id: int, hidden: bool) -> EditResult:
        person = self._person(person_id)

        def change(conn: sqlite3.Connection) -> None:
            rows.set_hidden(conn, person_id, hidden)

        verb = "Hid" if hidden else "Showed"
        return self._edit("hide", f"{verb} {self._who(person)}", [], [person_id], change)

    def set_cover(self, person_id: int, face_id: int) -> EditResult:
        person = self._person(person_id)
        if self._face(face_id).person_id != person_id:
            raise EditError(f"face {face_id} is not {self._who(person)}")

        def change(conn: sqlite3.Connection) -> None:
            rows.set_cover(conn, person_id, face_id)

        return self._edit("cover", "Changed the cover photo", [], [person_id], change)

    def set_birthday(self, person_id: int, birthday: date | str | None) -> EditResult:
        """A person's birthday (None clears it): a user decision, committed at once and
        undoable like a rename. Only a named person has one: an unnamed group is the
        clustering's guess and may be regrouped away, birthday and all."""
        person = self._person(person_id)
        if person.name is None:
            raise EditError("name this person first: only a named person has a birthday")
        try:
            if isinstance(birthday, str):
                birthday = ages.parse_birthday(birthday)
            elif birthday is not None:
                ages.check_birthday(birthday)
        except ages.BirthdayError as exc:
            raise EditError(f"cannot use that birthday: {exc}") from None
        stored = birthday.isoformat() if birthday is not None else None
        if stored == person.birthday:  # nothing to change: nothing for undo to take back
            if stored is None:
                return EditResult(None, f"{self._who(person)} has no birthday to clear")
            return EditResult(
                None, f"The birthday of {self._who(person)} is already {ages.long_date(stored)}"
            )

        def change(conn: sqlite3.Connection) -> None:
            rows.set_birthday(conn, person_id, stored)

        if stored is None:
            summary = f"Cleared the birthday of {self._who(person)}"
        else:
            summary = f"Birthday of {self._who(person)}: {ages.long_date(stored)}"
        # Matching goes by age where it knows it (album.people.match): match this person again.
        return self._edit(
            "birthday", summary, [], [person_id], change, names_change=False, rematch=True
        )

    def keep_apart(self, a: int, b: int) -> None:
        """Two people the user says are different: never suggested for merging again, never
        grouped together, and a face about as close to both is filed to neither (it becomes a
        "Ada or Ben?" question in Review). Their suggestions are matched again at once."""
        if a == b:
            raise EditError("a person cannot be kept apart from themselves")
        self._person(a), self._person(b)
        with self.library.write() as db:
            rows.keep_apart(db.conn, a, b)
        self.pending_people.update((a, b))
        if not self.defer_rematch:
            self.follow_up()

    # -- undo / redo -------------------------------------------------------------------------

    def undo(self) -> str | None:
        """Take back the latest edit; returns what it was, or None when there is none."""
        return self._step(undone=False)

    def redo(self) -> str | None:
        return self._step(undone=True)

    def _step(self, *, undone: bool) -> str | None:
        with self.library.write() as db:
            edit = edits.latest(db.conn, undone=undone)
            if edit is None:
                return None
            state = edit.after if undone else edit.before
            edits.restore(db.conn, state)
            edits.mark(db.conn, edit.id, undone=not undone)
            if edit.kind in organizer.KINDS or edit.kind in FACES_UNTOUCHED:
                restarred = organizer.undone_photos(state)
            else:
                restarred = None
                for person_id in state.get(named_groups.CONFIRM, ()):  # a naming done again
                    named_groups.queue(db.conn, person_id, edit.id)
                for person_id, row in state["people"].items():  # named, maybe grouped again
                    if row is not None and row[0] is not None:
                        named_groups.queue(db.conn, int(person_id))
        if restarred is not None:  # an album, a rating or a birthday: no faces to match again
            if restarred:
                queue_photos(self.library, restarred)
            return edit.summary
        self._write_files(map(int, edit.before["faces"]), map(int, edit.before["people"]))
        self._after_edit(edit.before, edit.after)
        return edit.summary

    def can_undo(self) -> str | None:
        edit = edits.latest(self.library.conn, undone=False)
        return edit.summary if edit else None

    def can_redo(self) -> str | None:
        edit = edits.latest(self.library.conn, undone=True)
        return edit.summary if edit else None

    # -- forgetting --------------------------------------------------------------------------

    def forget(self, person_id: int) -> int:
        """Erase a person: name, their faces' embeddings and crops, their rejections and every
        logged edit that mentions them. The photos stay. Not undoable, on purpose.

        Deleted rows linger as bytes in free pages, the `-wal` file and every backup, so the
        erase commits together with a "scrub pending" mark, and the scrub then rewrites the
        file (VACUUM), empties the WAL, deletes every older backup and takes one clean copy.
        A kill, or a window that keeps reading the old pages, leaves the mark set and the
        next open of the library finishes the scrub. Returns how many faces were erased.
        """
        name = self._person(person_id).name
        if name is not None:  # out of the files album wrote it into, first (they name it)
            self.files_not_cleaned = tuple(remove_name(self.library, name).failed)
        with self.library.write() as db:
            faces = {f.id for f in rows.faces_of_person(db.conn, person_id)}
            if name is not None:
                file_names.forget_name(db.conn, name)  # what the XMP import kept of it
            edits.forget_mentions(db.conn, faces, person_id)
            rows.erase_person(db.conn, person_id)
            self.library.set_meta(SCRUB_KEY, "1")
        self.library.crops.forget(faces)  # their avatars, from the cache beside the library
        self.scrubbed = self.library.scrub()
        return len(faces)

    scrubbed: bool = True  # whether the last forget's scrub finished at once
    # Files album wrote the last forgotten name into but could not edit.
    files_not_cleaned: tuple[tuple[str, str], ...] = ()


def _clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise EditError("a name cannot be empty")
    if len(cleaned) > 200:
        raise EditError("a name can be at most 200 characters")
    return cleaned
