"""List models for the grids: people, one person's faces, photos.

Each model holds plain rows loaded off the GUI thread and asks `Thumbnails` for pictures only
when a view paints a row, so 10,000 people cost 10,000 small tuples and a screenful of crops.
A reload keeps the same rows in place when only their contents changed, so a view keeps its
scroll position and selection while a scan adds faces.

A person's page with a birthday puts headings among the tiles ("2015 · 5 years old · 12
photos"): rows of the model like the tiles, so the view lays them out in the same flow, but
never enabled, so nothing selects, opens or acts on one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import fields, replace
from itertools import compress, count
from operator import attrgetter, itemgetter, ne
from typing import Any, Generic, NamedTuple, TypeVar

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from album.store.queries import PersonSummary, PhotoSummary
from album.terminal import counted
from album.ui.thumbnails import Thumbnails
from album.ui.videos import badge

IdRole = Qt.ItemDataRole.UserRole + 1
SubtitleRole = Qt.ItemDataRole.UserRole + 2
BadgeRole = Qt.ItemDataRole.UserRole + 3  # a mark in the tile's corner ("suggested", "3 to review")
NameRole = Qt.ItemDataRole.UserRole + 4
MutedRole = Qt.ItemDataRole.UserRole + 5  # drawn dimmed (hidden people)
RatingRole = Qt.ItemDataRole.UserRole + 6  # a photo's (stars, heart), drawn on its tile
PHOTO_IDS_MIME = "application/x-album-photo-ids"  # photos dragged onto an album: JSON ids

Row = TypeVar("Row")
Index = QModelIndex | QPersistentModelIndex
# The id of the heading over the undated photos: above any year a date can have.
_NO_DATE_ID = -10_000


class Heading(NamedTuple):
    """A line across a grid over a group of tiles. Its id comes first and is named `id` so the
    models read it as they read a face's or a photo's; it is negative, which no face or photo
    id is, so an id alone tells a heading from a tile."""

    id: int
    text: str


def heading_id(year: int | None) -> int:
    """One id per year (the same on every reload, so a reload keeps a heading in place)."""
    return -year if year is not None else _NO_DATE_ID


def heading_at(index: Index) -> str | None:
    """The words of the heading at `index`, or None for a tile. Read straight off the rows: a
    grid with headings asks its delegate for every row's size on every layout, and through
    `data()` the question cost 8 µs a row against 1.5 µs here."""
    model = index.model()
    if isinstance(model, Headed):
        row = model.rows[index.row()]
        if isinstance(row, Heading):
            return row.text
    return None


class RowsModel(QAbstractListModel, Generic[Row]):
    # A row's id, read in C: a reload of 7,822 people compares 15,644 ids on the GUI thread,
    # and a Python method per id made that (with the dicts below) a 20-60 ms stall.
    _id: Callable[[Any], int] = attrgetter("id")
    # What a row shows, as a tuple made in C (a dataclass's own == runs Python per row).
    _contents: Callable[[Any], Any] | None = None

    def __init__(self, thumbnails: Thumbnails, kind: str) -> None:
        super().__init__()
        self.rows: list[Row] = []
        self._thumbnails = thumbnails
        self._kind = kind
        self._row_of: dict[int, int] = {}
        self.captions: dict[int, str] = {}  # photo id -> the line under its tile
        thumbnails.ready.connect(self._picture_ready)

    def row_id(self, row: Row) -> int:
        return self._id(row)

    def ids(self, rows: Sequence[Row]) -> list[int]:
        return list(map(self._id, rows))

    def picture_id(self, row: int) -> int | None:
        """The id of the picture row `row` shows (a face for faces and people, a photo)."""
        return self.row_id(self.rows[row])

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own default
        return 0 if parent.isValid() else len(self.rows)

    def set_rows(self, rows: Sequence[Row]) -> None:
        new = list(rows)
        new_ids, old_ids = self.ids(new), self.ids(self.rows)
        if new_ids == old_ids:
            # The same people in the same places: repaint the rows whose contents changed,
            # no reset (a reset makes the view lay out every tile again).
            self._update_contents(new)
            return
        staying = set(new_ids)
        kept = [i for i in old_ids if i in staying]
        if kept and new_ids[: len(kept)] == kept:
            self._remove_and_append(new, staying)
            return
        self.beginResetModel()
        self.rows = new
        self._row_of = dict(zip(new_ids, range(len(new)), strict=True))
        self.endResetModel()

    def _update_contents(self, new: list[Row]) -> None:
        contents = self._contents
        before = self.rows if contents is None else map(contents, self.rows)
        after = new if contents is None else map(contents, new)
        changed = list(compress(count(), map(ne, before, after)))
        self.rows = new
        if changed:
            self.dataChanged.emit(self.index(changed[0]), self.index(changed[-1]))

    def _remove_and_append(self, new: list[Row], staying: set[int]) -> None:
        """The rows that stay keep their order: gone rows are removed and new ones appended
        as such, not by a reset. A reset sends the view's current tile to the first one, so
        F2 right after a scan's update renamed the first person, not the one clicked (issue
        20); removals and insertions keep the current tile, the selection and an open editor
        on the people they were on."""
        gone = [row for row, row_id in enumerate(self.ids(self.rows)) if row_id not in staying]
        while gone:  # contiguous runs, from the end, so the earlier rows keep their numbers
            last = first = gone.pop()
            while gone and gone[-1] == first - 1:
                first = gone.pop()
            self.beginRemoveRows(QModelIndex(), first, last)
            del self.rows[first : last + 1]
            self.endRemoveRows()
        self._row_of = dict(zip(self.ids(self.rows), range(len(self.rows)), strict=True))
        self._update_contents(new[: len(self.rows)])
        if len(new) > len(self.rows):
            self.beginInsertRows(QModelIndex(), len(self.rows), len(new) - 1)
            self.rows = new
            self._row_of = dict(zip(self.ids(new), range(len(new)), strict=True))
            self.endInsertRows()

    def set_captions(self, captions: dict[int, str]) -> None:
        """A line under each tile, by photo id (a person's page with a birthday: the photo's
        year and the age then). Repaints every tile: the rows themselves did not change."""
        if captions == self.captions:
            return
        self.captions = captions
        if self.rows:
            self.dataChanged.emit(
                self.index(0), self.index(len(self.rows) - 1), [Qt.ItemDataRole.DisplayRole]
            )

    def id_at(self, index: Index) -> int:
        return self.row_id(self.rows[index.row()])

    def index_of(self, row_id: int) -> QModelIndex:
        row = self._row_of.get(row_id)
        return self.index(row) if row is not None else QModelIndex()

    def _picture_ready(self, kind: str, picture_ids: list[int]) -> None:
        if kind != self._kind:
            return
        rows = [row for picture_id in picture_ids for row in self._rows_showing(picture_id)]
        if rows:  # one signal for the lot: the view repaints what is on screen once
            first, last = self.index(min(rows)), self.index(max(rows))
            self.dataChanged.emit(first, last, [Qt.ItemDataRole.DecorationRole])

    def _rows_showing(self, picture_id: int) -> list[int]:
        row = self._row_of.get(picture_id)
        return [] if row is None else [row]


class PeopleModel(RowsModel[PersonSummary]):
    rename_requested = Signal(int, str)
    _contents = attrgetter(*(f.name for f in fields(PersonSummary)))

    def __init__(self, thumbnails: Thumbnails) -> None:
        super().__init__(thumbnails, "face")
        self._cover_rows: dict[int, int] = {}

    def set_rows(self, rows: Sequence[PersonSummary]) -> None:
        super().set_rows(rows)
        covers = map(attrgetter("cover_face_id"), self.rows)
        self._cover_rows = dict(zip(covers, range(len(self.rows)), strict=True))
        self._cover_rows.pop(None, None)  # type: ignore[call-overload]

    def _rows_showing(self, picture_id: int) -> list[int]:
        row = self._cover_rows.get(picture_id)
        return [] if row is None else [row]

    def picture_id(self, row: int) -> int | None:
        return self.rows[row].cover_face_id

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        person = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return person.name or "Unnamed"
        if role in (Qt.ItemDataRole.EditRole, NameRole):
            return person.name or ""
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnails.face(person.cover_face_id)
        if role == SubtitleRole:
            return f"{person.photos} photo{'s' * (person.photos != 1)}"
        if role == BadgeRole:
            return f"{person.suggested} to review" if person.suggested and person.name else None
        if role == IdRole:
            return person.id
        if role == MutedRole:
            return person.hidden
        if role == Qt.ItemDataRole.ToolTipRole:
            name = person.name or "Unnamed person"
            return f"{name}: {counted(person.faces, 'face')} in {counted(person.photos, 'photo')}"
        return None

    def show_name(self, person_id: int, name: str) -> None:
        """Show a name the user just gave before the library's reload confirms it: the edit
        is committed in a fraction of a second, but the people list of a 100,000-photo
        library takes longer to read again (a failed edit's reload puts the old name back)."""
        row = self._row_of.get(person_id)
        if row is None:
            return
        self.rows[row] = replace(self.rows[row], name=name)
        index = self.index(row)
        self.dataChanged.emit(index, index)

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsEditable if index.isValid() else base

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        self.rename(self.rows[index.row()].id, value)
        return False  # the library decides; the reload shows the result

    def rename(self, person_id: int, value: Any) -> None:
        """A name typed for this person (by id: rows may have moved since the editor opened)."""
        name = " ".join(str(value).split())
        row = self._row_of.get(person_id)
        before = self.rows[row].name if row is not None else None
        if name and name != (before or ""):
            self.rename_requested.emit(person_id, name)


class FacesModel(RowsModel[tuple[int, int, str | None, float | None]]):
    """One person's faces: (face id, photo id, label source, confidence)."""

    def __init__(self, thumbnails: Thumbnails) -> None:
        super().__init__(thumbnails, "face")

    _id = itemgetter(0)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        face_id, photo_id, source, confidence = self.rows[index.row()]
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnails.face(face_id)
        if role == Qt.ItemDataRole.DisplayRole:
            return self.captions.get(photo_id, "")
        if role == BadgeRole:
            if source == "auto":
                return f"suggested {confidence:.0%}" if confidence is not None else "suggested"
            if source == "file":
                return "from file"
            return None
        if role == IdRole:
            return face_id
        if role == Qt.ItemDataRole.ToolTipRole:
            kind = {
                "user": "confirmed",
                "file": "named in the photo's file",
                "auto": "suggested",
                "cluster": "grouped",
            }.get(source or "")
            return f"Face {face_id} in photo {photo_id} ({kind or 'unsorted'})"
        return None

    def photo_of(self, index: Index) -> int:
        return self.rows[index.row()][1]


class PhotosModel(RowsModel[PhotoSummary]):
    _contents = attrgetter(*PhotoSummary._fields)

    def __init__(self, thumbnails: Thumbnails) -> None:
        super().__init__(thumbnails, "photo")

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        photo = self.rows[index.row()]
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnails.photo(photo.id, photo.path)
        if role == Qt.ItemDataRole.DisplayRole:
            return self.captions.get(photo.id, "")
        if role == IdRole:
            return photo.id
        if role == RatingRole:
            return (photo.rating, photo.favourite)
        if role == BadgeRole:  # a video's length, or what a stack holds ("RAW+JPEG")
            return badge(photo.duration) or photo.stack
        if role == Qt.ItemDataRole.ToolTipRole:
            return photo.path + (f"\n{photo.taken_at.replace('T', ' ')}" if photo.taken_at else "")
        return None

    def mimeData(self, indexes: Sequence[Index]) -> QMimeData:
        """Dragged photos carry their ids, for an album in the sidebar."""
        mime = QMimeData()
        ids = list(dict.fromkeys(self.id_at(i) for i in indexes if i.isValid()))
        mime.setData(PHOTO_IDS_MIME, json.dumps(ids).encode())
        return mime

    def mimeTypes(self) -> list[str]:
        return [PHOTO_IDS_MIME]

    def set_rating(self, photo_ids: set[int], rating: int | None, favourite: bool | None) -> None:
        """Show stars or a heart given at once, before the library is read again."""
        changed = []
        for photo_id in photo_ids:
            row = self._row_of.get(photo_id)
            if row is None:
                continue
            photo = self.rows[row]
            self.rows[row] = photo._replace(
                rating=photo.rating if rating is None else rating,
                favourite=photo.favourite if favourite is None else favourite,
            )
            changed.append(row)
        if changed:
            self.dataChanged.emit(self.index(min(changed)), self.index(max(changed)), [RatingRole])


class Headed(RowsModel[Any]):
    """Headings among the rows: put first in a model's bases (`Headed, FacesModel`), it answers
    for the heading rows and hands every other row to the model it is mixed into. Only the
    person page's models have it: `flags` in Python is a call per row whenever Qt selects, and
    the Photos page holds 100,000 photos that never have headings."""

    def __init__(self, thumbnails: Thumbnails) -> None:
        super().__init__(thumbnails)  # type: ignore[call-arg]  # the tiles' model's own signature
        plain = self._contents
        if plain is not None:  # a heading has no fields of a photo: it is compared whole
            self._contents = lambda row: row if isinstance(row, Heading) else plain(row)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid():
            row = self.rows[index.row()]
            if isinstance(row, Heading):
                return row.text if role == Qt.ItemDataRole.DisplayRole else None
        return super().data(index, role)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if index.isValid() and isinstance(self.rows[index.row()], Heading):
            # Not enabled: not selectable, skipped by the arrow keys, never double-clicked.
            return Qt.ItemFlag.NoItemFlags
        return super().flags(index)

    def picture_id(self, row: int) -> int | None:
        return None if isinstance(self.rows[row], Heading) else super().picture_id(row)

    def tiles(self) -> list[Any]:
        """The rows that are tiles (faces or photos), in their order, without the headings."""
        return [row for row in self.rows if not isinstance(row, Heading)]


class PersonFacesModel(Headed, FacesModel):
    """A person's faces, under a heading per year when the person has a birthday."""


class PersonPhotosModel(Headed, PhotosModel):
    """A person's photos, under a heading per year when the person has a birthday."""


class PlaceTile(NamedTuple):
    """A city on the Places page; its id is its cover photo's (one photo, one place)."""

    id: int
    path: str
    city: str
    subtitle: str
    key: tuple[str, str, str]  # country, region, city


class PlacesModel(Headed, PhotosModel):
    """Cities under their countries' headings: a few hundred rows at most, so headings cost
    nothing here. Their pictures are photos (the covers)."""

    _contents = None  # a tile is compared whole

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if isinstance(row, Heading):
            return row.text if role == Qt.ItemDataRole.DisplayRole else None
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnails.photo(row.id, row.path)
        if role == Qt.ItemDataRole.DisplayRole:
            return row.city
        if role == SubtitleRole:
            return row.subtitle
        if role == IdRole:
            return row.id
        return None
