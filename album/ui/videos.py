"""Videos in the window: a duration badge on their tiles, and the system's player to play them.

album shows and organizes videos but does not play them: the desktop's own player (whatever
opens a video from the file manager) plays every codec the system has and keeps the user's
settings. QDesktopServices.openUrl hands it the file; tests put their own handler for the
`file` scheme in its place (QDesktopServices.setUrlHandler), Qt's own way to redirect it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from album.video import describe_duration


class _Summary(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def path(self) -> str: ...

    @property
    def duration(self) -> float | None: ...


def badge(duration: float | None) -> str | None:
    """A video tile's corner mark, "▶ 0:42"; None for a photo."""
    return None if duration is None else f"▶ {describe_duration(duration)}"


def play(path: str) -> bool:
    """Open the video in the system's player; False when no program took it."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(path))


def played(row: object) -> bool:
    """Play `row` if it is a video (a PhotoSummary with a duration): a double-click on a video
    plays it rather than opening the photo viewer on its poster. True when it was a video."""
    if getattr(row, "duration", None) is None or not isinstance(getattr(row, "path", None), str):
        return False
    play(row.path)  # type: ignore[attr-defined]
    return True


def played_id(rows: Sequence[_Summary], photo_id: int) -> bool:
    """`played` for the photo of this id among `rows` (a face's photo on a person's page)."""
    return any(row.id == photo_id and played(row) for row in rows)


def stills(rows: Sequence[_Summary]) -> list[int]:
    """The ids of the photos among `rows`, for the viewer's next and previous: a video opens
    in its player, so the viewer walks past it rather than show its poster."""
    return [row.id for row in rows if row.duration is None]
