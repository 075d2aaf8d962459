"""Videos (issue 22): found by the scan, shown with a poster and their length, their faces
grouped with the same people's photos, played by the system's player.

The videos are made here, with PyAV, from real face photos (../shared/faces): a few seconds
of a face moving across a coloured background, as small as a test can afford.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import av
import pytest
from PIL import Image, ImageFilter

from album import video
from album.config import Settings
from album.faces.analyze import analyze_photo
from album.faces.engine import engine_for
from album.faces.video_faces import analyze_video
from album.imaging import open_photo
from tests.conftest import (
    album,
    crop_difference,
    export,
    library_copy,
    open_window,
    photos_by_name,
    run_on_x,
)

SIZE = (480, 360)
WAIT = 120_000  # ms


def write_video(
    target: Path,
    picture: Image.Image | None,
    *,
    seconds: float = 3.0,
    fps: int = 10,
    codec: str = "libx264",
    rotation: int = 0,
    creation_time: str | None = None,
    blur_odd: bool = False,
    size: tuple[int, int] = SIZE,
) -> Path:
    """A video of `picture` drifting across the frame (None: no face at all). `rotation`
    stores the frames turned by that many degrees clockwise with a display matrix that turns
    them back, as a phone stores a portrait video."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(target), "w") as out:
        if creation_time:
            out.metadata["creation_time"] = creation_time
        stream = out.add_stream(codec, rate=fps)
        width, height = size if rotation % 180 == 0 else size[::-1]
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        if rotation:
            stream.set_display_rotation(rotation)
        for i in range(round(seconds * fps)):
            canvas = Image.new("RGB", size, (40 + i * 4 % 200, 90, 130))
            if picture is not None:
                canvas.paste(picture, (110 + i * 2, 50))
            else:
                for x in range(0, size[0], 40):  # stripes: detail to be sharp or blurred
                    canvas.paste((230, 230, 230), (x + i % 40, 0, x + i % 40 + 8, size[1]))
            if blur_odd and i % 2:
                canvas = canvas.filter(ImageFilter.GaussianBlur(4))
            if rotation:
                canvas = canvas.rotate(-rotation, expand=True)  # stored turned clockwise
            for packet in stream.encode(av.VideoFrame.from_image(canvas)):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return target


def face(path: Path) -> Image.Image:
    return Image.open(path).convert("RGB")


@pytest.fixture(scope="module")
def colin(faces: Path) -> list[Path]:
    return sorted((faces / "lfw-62x10" / "Colin_Powell").iterdir())


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, colin: list[Path], faces: Path) -> Path:
    """Two photos of Colin Powell, a video of him, a video of Serena Williams in another
    container and codec, a video with no face, and two broken videos."""
    root = tmp_path_factory.mktemp("videos") / "Pictures"
    root.mkdir()
    for photo in colin[:2]:
        shutil.copy(photo, root / photo.name)
    serena = sorted((faces / "lfw-62x10" / "Serena_Williams").iterdir())
    write_video(root / "colin.mp4", face(colin[2]), creation_time="2019-07-14T08:05:30.000000Z")
    write_video(root / "serena.webm", face(serena[0]), seconds=2.0, codec="libvpx-vp9")
    write_video(root / "garden.avi", None, seconds=2.0, codec="mpeg4")
    (root / "corrupt.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 500)
    whole = write_video(root / "whole.mov", face(colin[3])).read_bytes()
    (root / "cut.mov").write_bytes(whole[: len(whole) // 2])  # a copy that never finished
    (root / "whole.mov").unlink()
    return root


@pytest.fixture(scope="module")
def scanned(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    library = tmp_path_factory.mktemp("videos-lib") / "library.db"
    result = album("scan", folder, "--library", library, "--workers", "2")
    return library, result.stdout


def test_the_scan_finds_videos_and_goes_on_past_broken_ones(scanned: tuple[Path, str]):
    library, stdout = scanned
    assert "7 new" in stdout
    assert "2 failed" in stdout and "corrupt.mp4" in stdout and "cut.mov" in stdout
    by_name = photos_by_name(export(library))
    for name in ("corrupt.mp4", "cut.mov"):
        assert by_name[name]["status"] == "error" and by_name[name]["kind"] == "video"
        assert by_name[name]["error"]
    clip = by_name["colin.mp4"]
    assert clip["status"] == "done" and clip["kind"] == "video"
    assert clip["duration"] == pytest.approx(3.0, abs=0.2)
    assert (clip["width"], clip["height"]) == SIZE
    assert clip["taken_at"][:10] in ("2019-07-14", "2019-07-13", "2019-07-15")  # UTC, shown local
    assert by_name["serena.webm"]["duration"] == pytest.approx(2.0, abs=0.2)
    assert by_name["garden.avi"]["status"] == "done" and by_name["garden.avi"]["faces"] == []
    photo = by_name[next(n for n in by_name if n.endswith(".jpg"))]
    assert photo["kind"] == "photo" and photo["duration"] is None


def test_a_video_face_is_grouped_with_the_photos_of_that_person(scanned: tuple[Path, str]):
    library, _ = scanned
    by_name = photos_by_name(export(library))
    clip = by_name["colin.mp4"]
    # The same face in several frames is one face of the video, with the frame it came from.
    assert len(clip["faces"]) == 1
    found = clip["faces"][0]
    assert found["frame_ms"] is not None and 0 <= found["frame_ms"] <= 3000
    top, right, bottom, left = found["box"]
    assert 0 <= left < right <= clip["width"] and 0 <= top < bottom <= clip["height"]
    photo_people = {
        f["person_id"] for n, p in by_name.items() if n.endswith(".jpg") for f in p["faces"]
    }
    assert found["person_id"] is not None and photo_people == {found["person_id"]}
    serena = by_name["serena.webm"]["faces"]
    assert len(serena) == 1 and serena[0]["person_id"] != found["person_id"]


def test_the_cli_lists_a_named_persons_videos(scanned: tuple[Path, str], tmp_path: Path):
    library = library_copy(scanned[0], tmp_path)
    clip = photos_by_name(export(library))["colin.mp4"]
    album("name", "--face", str(clip["faces"][0]["id"]), "Colin Powell", "--library", library)
    listed = json.loads(
        album("photos", "--person", "Colin Powell", "--json", "--library", library).stdout
    )
    names = sorted(Path(p["path"]).name for p in listed)
    assert names.count("colin.mp4") == 1 and len(names) == 3
    (shown,) = [p for p in listed if p["path"].endswith("colin.mp4")]
    assert shown["duration"] == pytest.approx(3.0, abs=0.2)
    assert all(p["duration"] is None for p in listed if p is not shown)


def test_a_video_face_crop_is_cut_again_from_its_frame(scanned: tuple[Path, str], tmp_path: Path):
    from album.faces.crops import face_crop
    from album.store.library import Library

    library_path = tmp_path / "library.db"
    shutil.copy(scanned[0], library_path)
    cache = scanned[0].with_name(scanned[0].name + ".cache")
    with sqlite3.connect(cache) as conn:
        kept = dict(conn.execute("SELECT face_id, crop FROM crops").fetchall())
    clip = photos_by_name(export(library_path))["colin.mp4"]
    face_id = clip["faces"][0]["id"]
    library = Library.open(library_path)  # no cache beside this copy: the crop is re-made
    try:
        again = face_crop(library, face_id)
    finally:
        library.close()
    assert again is not None
    assert crop_difference(again, kept[face_id]) < 12


def test_frames_are_the_sharpest_of_their_neighbourhood_and_upright(tmp_path: Path, colin):
    blurred = write_video(tmp_path / "pan.mp4", None, seconds=4.0, blur_odd=True)
    info, frames = video.sample_frames(blurred)
    assert len(frames) == video.FRAMES
    assert all(round(f.at_ms / 100) % 2 == 0 for f in frames), [f.at_ms for f in frames]
    # A portrait video stored sideways, as phones store them: upright, and its face found.
    sideways = write_video(tmp_path / "portrait.mp4", face(colin[4]), rotation=90)
    info = video.probe(sideways)
    assert (info.width, info.height) == SIZE and info.rotation
    poster = open_photo(sideways)
    assert poster.image.size == SIZE
    result = analyze_photo(sideways, Settings())
    assert result.error is None and len(result.faces) == 1
    top, right, bottom, left = result.faces[0].box
    assert right - left < 300 and bottom - top < 300 and right <= SIZE[0] and bottom <= SIZE[1]


def test_a_face_too_small_for_the_first_pass_in_an_hd_video_is_found(
    tmp_path: Path, colin: list[Path]
):
    """A 720p video's first pass sees faces of 80 px and more; a smaller one (here about 50
    px) is looked for closer, in the video's sharpest frame."""
    small = face(colin[4]).resize((110, 110), Image.Resampling.LANCZOS)
    clip = write_video(tmp_path / "far.mp4", small, seconds=2.0, size=(1280, 720))
    settings = Settings()
    found = analyze_video(engine_for(settings), clip, settings)
    assert found.ok, found.error
    assert len(found.faces) == 1
    assert 40 <= found.faces[0].side < 80


def test_duration_as_players_show_it():
    assert video.describe_duration(3.04) == "0:03"
    assert video.describe_duration(42) == "0:42"
    assert video.describe_duration(725) == "12:05"
    assert video.describe_duration(3723) == "1:02:03"
    assert video.describe_duration(None) == "0:00"


class _Player:
    """Stands in for the system's video player: Qt hands it the `file` URLs it would open."""

    def __init__(self) -> None:
        from PySide6.QtCore import QObject, QUrl, Slot

        class Receiver(QObject):
            def __init__(self, urls: list[str]) -> None:
                super().__init__()
                self.urls = urls

            @Slot(QUrl)
            def open(self, url: QUrl) -> None:
                self.urls.append(url.toLocalFile())

        self.urls: list[str] = []
        self.receiver = Receiver(self.urls)


@pytest.fixture
def player():
    from PySide6.QtGui import QDesktopServices

    recorder = _Player()
    QDesktopServices.setUrlHandler("file", recorder.receiver, "open")
    yield recorder
    QDesktopServices.unsetUrlHandler("file")


def _double_click(qtbot, view, row: int) -> None:
    from PySide6.QtCore import Qt

    index = view.model().index(row, 0)
    view.scrollTo(index)
    qtbot.waitUntil(lambda: view.visualRect(index).isValid(), timeout=10_000)
    point = view.visualRect(index).center()
    # As a mouse does it: the view emits doubleClicked only for the tile pressed first.
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=point)


def test_the_window_shows_videos_and_plays_them_with_the_system_player(
    qtbot, scanned: tuple[Path, str], tmp_path: Path, player: _Player
):
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QPixmap
    from PySide6.QtTest import QTest

    from album.ui.models import BadgeRole
    from album.ui.viewer import PhotoViewer

    library = library_copy(scanned[0], tmp_path)
    clip = photos_by_name(export(library))["colin.mp4"]
    window = open_window(qtbot, library)
    person_id = clip["faces"][0]["person_id"]
    qtbot.waitUntil(lambda: any(p.id == person_id for p in window.people.model.rows), timeout=WAIT)

    # The person's page lists the video once, with a poster and its length.
    window.show_person(person_id)
    page = window.person
    qtbot.waitUntil(lambda: len(page.photos.tiles()) == 3, timeout=WAIT)
    rows = page.photos.rows
    (row,) = [i for i, p in enumerate(rows) if getattr(p, "path", "").endswith("colin.mp4")]
    index = page.photos.index(row)
    assert page.photos.data(index, BadgeRole) == "▶ 0:03"
    photo_rows = [i for i, p in enumerate(rows) if getattr(p, "path", "").endswith(".jpg")]
    assert all(page.photos.data(page.photos.index(i), BadgeRole) is None for i in photo_rows)
    qtbot.waitUntil(
        lambda: isinstance(page.photos.data(index, Qt.ItemDataRole.DecorationRole), QPixmap),
        timeout=WAIT,
    )
    poster = page.photos.data(index, Qt.ItemDataRole.DecorationRole)
    assert not poster.isNull() and poster.width() > poster.height()

    # A double-click plays it with the system's player, not the photo viewer.
    page.tabs.setCurrentWidget(page.photo_view)
    _double_click(qtbot, page.photo_view, row)
    qtbot.waitUntil(lambda: len(player.urls) == 1, timeout=10_000)
    assert Path(player.urls[0]) == Path(clip["path"])
    assert not window.findChildren(PhotoViewer)
    # Its face, double-clicked among the person's faces, too.
    page.tabs.setCurrentIndex(0)
    (face_row,) = [i for i, f in enumerate(page.faces.rows) if f[1] == clip["id"]]
    _double_click(qtbot, page.face_view, face_row)
    qtbot.waitUntil(lambda: len(player.urls) == 2, timeout=10_000)

    # The Photos page's timeline: the same badge, the same player.
    window.show_page("Photos")
    model = window.photos.model
    qtbot.waitUntil(lambda: any(p.id == clip["id"] for p in model.rows), timeout=WAIT)
    (row,) = [i for i, p in enumerate(model.rows) if p.id == clip["id"]]
    assert model.data(model.index(row), BadgeRole) == "▶ 0:03"
    view = window.photos.view
    view.setCurrentIndex(model.index(row))
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Return)  # opens the tile as a double-click does
    qtbot.waitUntil(lambda: len(player.urls) == 3, timeout=10_000)
    assert not window.findChildren(PhotoViewer)


def test_a_video_plays_with_real_keys_and_clicks_on_a_real_x_server(
    x_desktop, scanned: tuple[Path, str], tmp_path: Path
):
    library = library_copy(scanned[0], tmp_path)
    out = run_on_x("tests.x11_videos", library, env=x_desktop, timeout=300)
    shown = json.loads(out.strip().splitlines()[-1])
    assert shown["badge"].startswith("▶ 0:0")
    assert len(shown["played"]) == 2 and all(
        p.endswith((".mp4", ".webm", ".avi")) for p in shown["played"]
    )
    assert shown["viewer"] is False
