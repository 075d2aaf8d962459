"""Face avatars: a face near the edge of a small photo fills its avatar with the photo, and the
avatars on screen never flash grey while a finished scan refreshes them."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

from PIL import Image

from album.imaging import square_crop
from tests.conftest import album, cached_crops, copy_photos, crop_difference


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


def test_a_restored_backup_gets_its_avatars_back_from_the_photos(qtbot, lfw_people, tmp_path: Path):
    """Backups leave the crops out (they are re-made from the photos): a library restored
    from one shows every face's avatar again, close to the one the scan made."""
    from album.store.library import Library
    from album.ui.app import application
    from album.ui.thumbnails import Thumbnails

    application()
    folder = tmp_path / "photos"
    copy_photos(
        [p for name in ("Colin_Powell", "Serena_Williams") for p in lfw_people[name][:3]], folder
    )
    library = tmp_path / "lib" / "library.db"
    album("scan", folder, "--library", library, "--workers", "1", "--quiet")
    scanned = cached_crops(library)
    with Library.open(library) as lib:
        copy = lib.backup(reason="test")
    assert scanned, "the scan found no faces"
    assert copy.stat().st_mode & 0o777 == 0o600
    restored = tmp_path / "restored" / "library.db"
    restored.parent.mkdir()
    restored.write_bytes(copy.read_bytes())
    assert cached_crops(restored) == {}
    with sqlite3.connect(restored) as conn:
        assert conn.execute("SELECT count(*) FROM faces").fetchone()[0] == len(scanned)
    Library.open(restored).close()  # as the window does before it loads anything
    thumbnails = Thumbnails(restored)
    for face_id in scanned:
        thumbnails.face(face_id)
    qtbot.waitUntil(lambda: all(thumbnails.face(f) is not None for f in scanned), timeout=60_000)
    thumbnails.wait()
    remade = cached_crops(restored)
    assert remade.keys() == scanned.keys(), "each re-made avatar is kept"
    for face_id, crop in remade.items():
        difference = crop_difference(crop, scanned[face_id])
        assert difference < 12, f"face {face_id}'s avatar is not the scan's"
