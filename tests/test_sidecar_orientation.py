"""A photo turned in a program that keeps sidecars (digiKam, darktable, Lightroom): its pixels
stay as they are and the sidecar says how to turn them (tiff:Orientation). album must show it
the way the sidecar says, in the grid and in the viewer, and find its faces on that picture.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import album, crop_difference, export, open_window


def _png(image: object) -> bytes:
    """A QImage as PNG bytes, for `crop_difference`."""
    from PySide6.QtCore import QBuffer, QIODevice

    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")  # type: ignore[attr-defined]
    return bytes(buffer.data())


@pytest.fixture
def turned_in_sidecar(tmp_path: Path, lfw_people: dict[str, list[Path]]) -> tuple[Path, Path]:
    """(the photo stored upside down with a sidecar saying "rotate 180", the upright original)."""
    if shutil.which("exiftool") is None:
        pytest.skip("needs exiftool to write the sidecar as other programs do")
    upright = lfw_people["Colin_Powell"][0]
    folder = tmp_path / "Pictures"
    folder.mkdir()
    photo = folder / "powell.jpg"
    with Image.open(upright) as image:
        image.convert("RGB").transpose(Image.Transpose.ROTATE_180).save(photo, quality=95)
    sidecar = photo.with_name(photo.name + ".xmp")  # digiKam's and darktable's name
    subprocess.run(
        ["exiftool", "-q", "-XMP-tiff:Orientation#=3", "-o", str(sidecar), str(photo)],
        check=True,
        timeout=60,
    )
    return photo, upright


def test_a_photo_turned_in_its_sidecar_shows_upright_in_grid_and_viewer(
    qtbot, turned_in_sidecar: tuple[Path, Path], library: Path
):
    photo_path, upright = turned_in_sidecar
    album("scan", photo_path.parent, "--library", library)
    [photo] = export(library)["photos"]
    original = upright.read_bytes()
    upside_down = photo_path.read_bytes()

    def is_upright(picture: bytes, where: str) -> None:
        right, wrong = crop_difference(picture, original), crop_difference(picture, upside_down)
        assert right < 12 and right * 2 < wrong, f"{where}: {right:.1f} from upright, {wrong:.1f}"

    window = open_window(qtbot, library)
    window.show_page("Photos")
    qtbot.waitUntil(lambda: len(window.photos.model.rows) == 1, timeout=20_000)
    thumbnails = window.thumbnails
    thumbnails.photo(photo["id"], photo["path"])
    qtbot.waitUntil(lambda: thumbnails.cached("photo", photo["id"]), timeout=20_000)
    tile = thumbnails.photo(photo["id"], photo["path"])
    assert tile is not None
    is_upright(_png(tile.toImage()), "grid thumbnail")

    viewer = window.open_photo(photo["id"], [photo["id"]])
    qtbot.addWidget(viewer)
    qtbot.waitUntil(lambda: viewer.scene_view.picture is not None, timeout=20_000)
    qtbot.waitUntil(lambda: len(viewer.boxes) == len(photo["faces"]), timeout=20_000)
    for box in viewer.boxes:  # the picture alone, as the viewer paints it
        box.remove()
    view = viewer.scene_view
    shown = view.mapFromScene(view.scene().sceneRect()).boundingRect()
    is_upright(_png(view.viewport().grab(shown).toImage()), "viewer")
    assert len(photo["faces"]) == 1, "the face is found on the picture turned as the sidecar says"
