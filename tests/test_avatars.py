"""Face avatars: a face near the edge of a small photo fills its avatar with the photo, and the
avatars on screen never flash grey while a finished scan refreshes them."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

from PIL import Image

from album.imaging import square_crop
from tests.conftest import album, copy_photos


def _far_from_grey(pixel: tuple[int, int, int]) -> bool:
    return sum(abs(c - 128) for c in pixel) > 90


def test_a_face_at_the_edge_of_a_small_photo_gets_no_grey_padding(lfw_people):
    photos = [p for people in lfw_people.values() for p in people[:2]]
    corner = None
    for path in photos:
        image = Image.open(path).convert("RGB")
        if _far_from_grey(image.getpixel((2, 2))):
            corner = image
            break
    assert corner is not None, "no LFW photo with a colourful corner"
    # A face in the top-left corner of a 250 px photo: the old crop put grey where the margin
    # reached past the picture.
    crop = Image.open(io.BytesIO(square_crop(corner, (0, 90, 90, 0), 160)))
    got = crop.convert("RGB").getpixel((2, 2))
    want = corner.getpixel((2, 2))
    assert sum(abs(a - b) for a, b in zip(got, want, strict=True)) < 60, (got, want)


def test_avatars_keep_showing_while_a_scan_refreshes_them(qtbot, lfw_people, tmp_path: Path):
    from album.ui.app import application
    from album.ui.thumbnails import Thumbnails

    application()
    folder = tmp_path / "photos"
    copy_photos(lfw_people["Colin_Powell"][:2], folder)
    library = tmp_path / "library.db"
    album("scan", folder, "--library", library, "--workers", "1", "--quiet")
    with sqlite3.connect(library) as conn:
        face_id = conn.execute("SELECT min(id) FROM faces").fetchone()[0]
    thumbnails = Thumbnails(library)
    assert thumbnails.face(face_id) is None  # the first time: "not yet"
    qtbot.waitUntil(lambda: thumbnails.face(face_id) is not None, timeout=20_000)
    thumbnails.forget_faces()  # what the window does when a scan ends
    assert thumbnails.face(face_id) is not None, "the avatar went blank until it reloaded"
    with qtbot.waitSignal(thumbnails.ready, timeout=20_000):
        pass
    assert thumbnails.face(face_id) is not None
    thumbnails.wait()
