"""Every organizing edit a user can make (albums, stars, hearts), each one transaction, each
logged in the same edit log as the people edits, so Ctrl+Z takes back the last change of
either kind (album.people.service undoes them).

The CLI and the window both call these; nothing else writes an album or a user rating.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from album.interop.background import queue_photos
from album.store import albums as rows
from album.store import edits, queries, ratings
from album.store.library import Library
from album.store.queries import PhotoSummary
from album.store.search import count_photos, named_people, parse, search_photos

# Edit kinds this module logs: undoing one needs no matching of faces afterwards.
KINDS = frozenset({"album", "rating"})
MAX_NAME = 200


class OrganizeError(Exception):
    """A change that cannot be made as asked; the message says why, for the user."""


class NoSuchAlbum(OrganizeError):
    """An album asked for by a name no album has (a bad argument on the command line)."""


def _clean(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise OrganizeError("an album needs a name")
    if len(name) > MAX_NAME:
        raise OrganizeError(f"an album name has at most {MAX_NAME} characters")
    return name


class Organizer:
    def __init__(self, library: Library) -> None:
        self.library = library

    # -- reading -----------------------------------------------------------------------------

    def albums(self) -> list[rows.AlbumRow]:
        """The sidebar's albums; a smart album's count is its search's, counted now."""
        people = named_people(self.library.conn)
        return [
            rows.AlbumRow(
                a.id,
                a.name,
                a.search,
                a.cover_photo_id,
                count_photos(self.library, parse(a.search or "", people)),
            )
            if a.smart
            else a
            for a in rows.albums(self.library.conn)
        ]

    def album_named(self, name: str) -> rows.AlbumRow:
        found = rows.album_named(self.library.conn, name)
        if found is None:
            known = ", ".join(a.name for a in rows.albums(self.library.conn)) or "none yet"
            raise NoSuchAlbum(f"no album called {name!r} (albums: {known})")
        return found

    def photos(self, album_id: int) -> list[PhotoSummary]:
        """A plain album's photos in the user's order; a smart album's, newest first."""
        album = rows.album(self.library.conn, album_id)
        if album is None:
            return []
        if album.smart:
            return self._searched(album)
        return rows.photos_in(self.library.conn, album_id)

    def photo_ids(self, album_id: int) -> list[int]:
        return [p.id for p in self.photos(album_id)]

    def cover(self, album_id: int) -> PhotoSummary | None:
        """The photo the user chose, else the album's first."""
        album = rows.album(self.library.conn, album_id)
        if album is None:
            return None
        if album.cover_photo_id is not None:
            chosen = queries.photo(self.library.conn, album.cover_photo_id)
            if chosen is not None:
                return chosen
        # A smart album's first photo only: the sidebar asks for every album's cover, and
        # reading a whole search to keep its first photo cost each a full search.
        first = self._searched(album, limit=1) if album.smart else self.photos(album_id)[:1]
        return first[0] if first else None

    def _searched(self, album: rows.AlbumRow, limit: int = -1) -> list[PhotoSummary]:
        search = parse(album.search or "", named_people(self.library.conn))
        if search.empty:
            return []
        return search_photos(self.library, search, limit)

    # -- albums ------------------------------------------------------------------------------

    def create(
        self, name: str, photo_ids: list[int] | None = None, search: str | None = None
    ) -> int:
        """A new album holding `photo_ids`, or a smart album keeping `search`."""
        name = _clean(name)
        if rows.album_named(self.library.conn, name) is not None:
            raise OrganizeError(f"there is already an album called {name!r}")
        if search is not None and parse(search, named_people(self.library.conn)).empty:
            raise OrganizeError(f"a smart album needs a search that finds something: {search!r}")
        created: list[int] = []

        def change(conn: sqlite3.Connection) -> list[int]:
            album_id = rows.create(conn, name, search)
            rows.add(conn, album_id, list(photo_ids or []))
            created.append(album_id)
            return [album_id]

        kind = "smart album" if search is not None else "album"
        self._edit(f"Made the {kind} “{name}”", [], change)
        return created[0]

    def add(self, album_id: int, photo_ids: list[int]) -> str:
        album = self._plain(album_id)
        added: list[int] = []
        self._edit(
            f"Added photos to “{album.name}”",
            [album_id],
            lambda conn: added.extend(rows.add(conn, album_id, photo_ids)),
        )
        return _count(len(added), f"added to “{album.name}”", len(photo_ids) - len(added))

    def remove(self, album_id: int, photo_ids: list[int]) -> str:
        album = self._plain(album_id)
        removed: list[int] = []
        self._edit(
            f"Took photos out of “{album.name}”",
            [album_id],
            lambda conn: removed.append(rows.remove(conn, album_id, photo_ids)),
        )
        return _count(removed[0], f"taken out of “{album.name}”")

    def reorder(self, album_id: int, photo_ids: list[int]) -> None:
        album = self._plain(album_id)
        self._edit(
            f"Reordered “{album.name}”",
            [album_id],
            lambda conn: rows.set_order(conn, album_id, photo_ids),
        )

    def rename(self, album_id: int, name: str) -> None:
        album = self._album(album_id)
        name = _clean(name)
        other = rows.album_named(self.library.conn, name)
        if other is not None and other.id != album_id:
            raise OrganizeError(f"there is already an album called {name!r}")
        if name == album.name:
            return
        self._edit(
            f"Renamed “{album.name}” to “{name}”",
            [album_id],
            lambda conn: rows.rename(conn, album_id, name),
        )

    def set_search(self, album_id: int, search: str) -> None:
        album = self._album(album_id)
        if not album.smart:
            raise OrganizeError(f"“{album.name}” holds photos, not a search")
        if parse(search, named_people(self.library.conn)).empty:
            raise OrganizeError(f"a smart album needs a search that finds something: {search!r}")
        self._edit(
            f"New search for “{album.name}”: {search}",
            [album_id],
            lambda conn: rows.set_search(conn, album_id, search.strip()),
        )

    def set_cover(self, album_id: int, photo_id: int) -> None:
        album = self._album(album_id)
        self._edit(
            f"New cover for “{album.name}”",
            [album_id],
            lambda conn: rows.set_cover(conn, album_id, photo_id),
        )

    def move_album(self, album_id: int, before: int | None) -> None:
        album = self._album(album_id)
        every = [a.id for a in rows.albums(self.library.conn)]
        self._edit(
            f"Moved “{album.name}”", every, lambda conn: rows.move_album(conn, album_id, before)
        )

    def delete(self, album_id: int) -> None:
        """The album goes; its photos stay in the library (and undo brings it back)."""
        album = self._album(album_id)
        self._edit(
            f"Deleted the album “{album.name}”",
            [album_id],
            lambda conn: rows.delete(conn, album_id),
        )

    # -- stars and hearts --------------------------------------------------------------------

    def rate(self, photo_ids: list[int], stars: int) -> str:
        if not 0 <= stars <= 5:
            raise OrganizeError(f"a rating is 0 to 5 stars, not {stars}")
        ids = sorted(set(photo_ids))
        summary = (
            f"Took the stars off {_photos(len(ids))}"
            if stars == 0
            else f"Rated {_photos(len(ids))} {'★' * stars}"
        )
        self._rating_edit(
            summary, ids, lambda conn: ratings.set_rating(conn, ids, stars), keep_before=True
        )
        return summary

    def favourite(self, photo_ids: list[int], favourite: bool) -> str:
        ids = sorted(set(photo_ids))
        verb = "Marked" if favourite else "Unmarked"
        summary = f"{verb} {_photos(len(ids))} as favourite"
        self._rating_edit(summary, ids, lambda conn: ratings.set_favourite(conn, ids, favourite))
        return summary

    def toggle_favourite(self, photo_ids: list[int]) -> str:
        """The heart key: every photo a favourite, unless they all are already."""
        known = ratings.ratings(self.library.conn, photo_ids)
        all_hearts = bool(known) and all(heart for _, heart in known.values())
        return self.favourite(photo_ids, not all_hearts)

    def _rating_edit(
        self,
        summary: str,
        ids: list[int],
        change: Callable[[sqlite3.Connection], object],
        *,
        keep_before: bool = False,
    ) -> None:
        """`keep_before`: undo gives back the stars each photo had as the user's own, so they
        are written into its files too: album's sidecar would otherwise keep the stars undone,
        and the next scan would read them back."""
        if not ids:
            raise OrganizeError("no photos chosen")
        with self.library.write() as db:
            was = ratings.snapshot(db.conn, ids)
            if keep_before:
                was = {p: [r[0] or 0, r[1], "user"] for p, r in was.items()}
            before = _empty() | {"ratings": was}
            change(db.conn)
            after = _empty() | {"ratings": ratings.snapshot(db.conn, ids)}
            edits.record(db.conn, "rating", summary, before, after)
        # Stars go into the files as names do, when the library's setting asks for it.
        queue_photos(self.library, set(ids))

    # -- the log -----------------------------------------------------------------------------

    def _edit(
        self, summary: str, album_ids: list[int], change: Callable[[sqlite3.Connection], object]
    ) -> None:
        with self.library.write() as db:
            before = rows.snapshot(db.conn, album_ids)
            made = change(db.conn)
            touched = [*album_ids, *(made if isinstance(made, list) else [])]
            after = rows.snapshot(db.conn, touched)
            for key in after:
                before.setdefault(key, None)
            edits.record(db.conn, "album", summary, _empty() | {"albums": before},
                         _empty() | {"albums": after})  # fmt: skip

    def _album(self, album_id: int) -> rows.AlbumRow:
        album = rows.album(self.library.conn, album_id)
        if album is None:
            raise OrganizeError("that album is gone")
        return album

    def _plain(self, album_id: int) -> rows.AlbumRow:
        album = self._album(album_id)
        if album.smart:
            raise OrganizeError(
                f"“{album.name}” is a smart album: it shows what its search finds, so photos "
                "cannot be put in or taken out by hand"
            )
        return album


def undone_photos(state: edits.Snapshot) -> set[int]:
    """The photos whose stars an undone or redone edit changed: their files are written."""
    return {int(p) for p in state.get("ratings", {})}


def _empty() -> edits.Snapshot:
    return {"faces": {}, "people": {}, "rejections": {}}


def _photos(n: int) -> str:
    return "1 photo" if n == 1 else f"{n} photos"


def _count(done: int, what: str, already: int = 0) -> str:
    text = f"{_photos(done)} {what}"
    if already:
        text += f" ({_photos(already)} already there)"
    return text
