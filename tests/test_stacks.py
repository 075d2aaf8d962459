"""Stacks on real files made at test time: a camera's RAW beside its JPEG and an original
beside its edit are one photo: shown once (with its versions listed), analysed once, named
once. A RAW named before its JPEG arrived gives the JPEG its name; an edit that cropped the
named face away leaves its original a photo of its own; a RAW whose JPEG goes is a photo
again, analysed then."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from PIL import Image, ImageEnhance

from album.stacks import find_stacks, name_key
from album.store import queries
from album.store.library import Library
from tests.conftest import album, export, photos_by_name
from tests.test_torture_files import fake_raw


def _lfw(faces: Path, name: str, number: int = 1) -> Path:
    return faces / "lfw-62x10" / name / f"{name}_{number:04d}.jpg"


def _camera_pair(source: Path, jpeg: Path, raw: Path | None = None) -> None:
    """The JPEG a camera writes (full size: LFW's 250 px photo at 600 px) and, beside it,
    its TIFF-based RAW (as a CR2 is) whose embedded preview is that JPEG."""
    picture = Image.open(source).convert("RGB").resize((600, 600), Image.Resampling.LANCZOS)
    picture.save(jpeg, quality=95)
    if raw is not None:
        raw.write_bytes(fake_raw(jpeg.read_bytes()))


def _scan(library: Path, folder: Path) -> str:
    return album("scan", folder, "--library", library, "--workers", "1", "--quiet").stdout


def _photos(library: Path) -> dict[str, dict]:
    listed = json.loads(album("photos", "--json", "--library", library).stdout)
    return {Path(p["path"]).name: p for p in listed}


def _faces(library: Path, photo: Path) -> list[dict]:
    return json.loads(album("faces", photo, "--json", "--library", library).stdout)


def _largest(faces: list[dict]) -> dict:
    """The photo's face (an upscaled photo may show the detector a small false one too)."""
    return max(faces, key=lambda f: (f["box"][2] - f["box"][0]) * (f["box"][1] - f["box"][3]))


def _person(library: Path, name: str) -> dict:
    people = json.loads(album("people", "--json", "--all", "--library", library).stdout)
    return next(p for p in people if p["name"] == name)


def _analysed(library: Path) -> dict[str, float | None]:
    with sqlite3.connect(library) as conn:
        rows = conn.execute("SELECT path, analyzed_at FROM photos").fetchall()
    return {Path(path).name: at for path, at in rows}


@pytest.fixture
def stacked(tmp_path: Path, faces: Path) -> tuple[Path, Path]:
    """RAW+JPEG of Colin, Serena's photo and her edit, and Tony alone; scanned and grouped."""
    folder = tmp_path / "Pictures"
    folder.mkdir()
    _camera_pair(_lfw(faces, "Colin_Powell"), folder / "IMG_0001.JPG", folder / "IMG_0001.CR2")
    shutil.copyfile(_lfw(faces, "Serena_Williams"), folder / "trip.jpg")
    edited = ImageEnhance.Brightness(Image.open(folder / "trip.jpg").convert("RGB")).enhance(1.2)
    edited.save(folder / "trip_edited.jpg", quality=92)
    shutil.copyfile(_lfw(faces, "Tony_Blair", 6), folder / "tony.jpg")
    library = tmp_path / "lib" / "library.db"
    _scan(library, folder)
    album("cluster", "--library", library)
    return library, folder


def test_the_names_of_stacks():
    assert name_key("/p/IMG_0001.CR2") == (("/p", "img_0001"), 2)
    assert name_key("/p/img_0001.jpg") == (("/p", "img_0001"), 1)
    assert name_key("/p/IMG_E0001.JPG") == (("/p", "img_0001"), 0)
    for edit in ("a_edited", "a-edited", "a edited", "a (edited)", "a_edit", "a-Edit", "a-EFFECTS"):
        assert name_key(f"/p/{edit}.jpg") == (("/p", "a"), 0), edit
    for other in ("a-1", "a (1)", "a-COLLAGE", "_edited"):
        assert name_key(f"/p/{other}.jpg")[0][1] != "a", other
    assert name_key("/p/IMG_0001.MOV") is None  # a Live Photo's video is no version

    def stacks(*names: str, failed: str = "") -> list[tuple[str, list[str], str]]:
        files = [(i, f"/p/{n}", n == failed) for i, n in enumerate(names)]
        return [(names[s.top], [names[v] for v in s.versions], s.label) for s in find_stacks(files)]

    assert stacks("IMG_1.CR2", "IMG_1.JPG") == [("IMG_1.JPG", ["IMG_1.CR2"], "RAW+JPEG")]
    assert stacks("IMG_1.HEIC", "IMG_1.DNG") == [("IMG_1.HEIC", ["IMG_1.DNG"], "RAW+HEIC")]
    assert stacks("IMG_1.CR2", "IMG_1.JPG", "IMG_E1.JPG") == [
        ("IMG_E1.JPG", ["IMG_1.JPG", "IMG_1.CR2"], "3 versions")
    ]
    assert stacks("a.jpg", "a_edited.jpg") == [("a_edited.jpg", ["a.jpg"], "2 versions")]
    # Two pictures of one name, two edits: which is the photo would be a guess.
    assert stacks("IMG_1.JPG", "IMG_1.HEIC", "IMG_1.CR2") == []
    assert stacks("a.jpg", "a_edited.jpg", "a (edited).jpg") == []
    assert stacks("a.jpg", "b_edited.jpg", "a.png.jpg") == []
    # Other folders are other photos; a JPEG that cannot be read is no top: its RAW is.
    assert find_stacks([(1, "/p/IMG_1.JPG", False), (2, "/q/IMG_1.CR2", False)]) == []
    assert stacks("IMG_1.CR2", "IMG_1.JPG", failed="IMG_1.JPG") == [
        ("IMG_1.CR2", ["IMG_1.JPG"], "2 versions")
    ]
    assert stacks("IMG_1.CR2", "IMG_1.JPG", failed="IMG_1.CR2")[0][0] == "IMG_1.JPG"


def test_a_stack_is_one_photo_analysed_once_and_named_once(stacked):
    library, folder = stacked
    listed = _photos(library)
    assert sorted(listed) == ["IMG_0001.JPG", "tony.jpg", "trip_edited.jpg"]
    assert [Path(p).name for p in listed["IMG_0001.JPG"]["versions"]] == ["IMG_0001.CR2"]
    assert listed["IMG_0001.JPG"]["stack"] == "RAW+JPEG"
    assert [Path(p).name for p in listed["trip_edited.jpg"]["versions"]] == ["trip.jpg"]
    assert listed["trip_edited.jpg"]["stack"] == "2 versions"
    assert listed["tony.jpg"]["versions"] == [] and listed["tony.jpg"]["stack"] is None

    data = photos_by_name(export(library))
    top, raw = data["IMG_0001.JPG"], data["IMG_0001.CR2"]
    assert raw["stack_of"] == top["id"] and top["stack_of"] is None
    assert data["trip.jpg"]["stack_of"] == data["trip_edited.jpg"]["id"]
    # Analysed once: the versions are recorded (known to a rescan) but hold no faces.
    assert raw["status"] == "done" and raw["faces"] == [] and data["trip.jpg"]["faces"] == []
    assert top["faces"] and data["trip_edited.jpg"]["faces"]

    face = _largest(_faces(library, folder / "IMG_0001.JPG"))
    album("name", "--face", face["id"], "Colin", "--library", library)
    assert _person(library, "Colin")["photos"] == 1
    colin = json.loads(album("photos", "--person", "Colin", "--json", "--library", library).stdout)
    assert [Path(p["path"]).name for p in colin] == ["IMG_0001.JPG"]
    assert [Path(p).name for p in colin[0]["versions"]] == ["IMG_0001.CR2"]
    # A search lists the stack once too.
    found = json.loads(
        album("photos", "--search", "Pictures", "--json", "--library", library).stdout
    )
    assert sorted(Path(p["path"]).name for p in found) == sorted(listed)

    # A rescan opens nothing: the versions are known.
    before = _analysed(library)
    assert "0 new, 0 changed or resumed, 5 unchanged" in _scan(library, folder)
    assert _analysed(library) == before
    # No version is offered as a copy of its top.
    copies = json.loads(album("duplicates", "--json", "--library", library).stdout)
    assert all("IMG_0001.CR2" not in json.dumps(s) for s in copies)


def test_a_raw_whose_jpeg_goes_is_a_photo_again(stacked):
    library, folder = stacked
    (folder / "IMG_0001.JPG").unlink()
    _scan(library, folder)
    listed = _photos(library)
    assert "IMG_0001.CR2" in listed and listed["IMG_0001.CR2"]["versions"] == []
    raw = photos_by_name(export(library))["IMG_0001.CR2"]
    assert raw["stack_of"] is None and raw["faces"], "analysed now it is alone"


def test_a_name_on_the_raw_goes_to_its_jpeg_when_the_jpeg_arrives(tmp_path, faces):
    folder = tmp_path / "Pictures"
    folder.mkdir()
    jpeg = tmp_path / "IMG_0007.JPG"
    _camera_pair(_lfw(faces, "Colin_Powell", 2), jpeg, folder / "IMG_0007.CR2")
    shutil.copyfile(_lfw(faces, "Colin_Powell", 3), folder / "other.jpg")
    library = tmp_path / "lib" / "library.db"
    _scan(library, folder)
    face = _largest(_faces(library, folder / "IMG_0007.CR2"))
    album("name", "--face", face["id"], "Colin", "--library", library)

    # The camera's JPEG copied in later: one photo, and the name is on the JPEG's face.
    shutil.copyfile(jpeg, folder / "IMG_0007.JPG")
    _scan(library, folder)
    listed = _photos(library)
    assert sorted(listed) == ["IMG_0007.JPG", "other.jpg"]
    face = _largest(_faces(library, folder / "IMG_0007.JPG"))
    assert face["person"] == "Colin" and face["label_source"] == "user"
    assert _faces(library, folder / "IMG_0007.CR2") == []
    shown = json.loads(album("photos", "--person", "Colin", "--json", "--library", library).stdout)
    by_name = {Path(p["path"]).name: p for p in shown}
    assert "IMG_0007.CR2" not in by_name
    assert [Path(p).name for p in by_name["IMG_0007.JPG"]["versions"]] == ["IMG_0007.CR2"]


def test_an_edit_that_cropped_the_named_face_away_leaves_its_original_shown(tmp_path, faces):
    folder = tmp_path / "Pictures"
    folder.mkdir()
    shutil.copyfile(_lfw(faces, "Serena_Williams", 2), folder / "court.jpg")
    library = tmp_path / "lib" / "library.db"
    _scan(library, folder)
    [face] = _faces(library, folder / "court.jpg")
    album("name", "--face", face["id"], "Serena", "--library", library)

    # The edit keeps a corner of the picture, without her face.
    picture = Image.open(folder / "court.jpg").convert("RGB")
    picture.crop((0, 0, 60, 120)).resize((120, 240)).save(folder / "court_edited.jpg")
    _scan(library, folder)
    listed = _photos(library)
    assert sorted(listed) == ["court.jpg", "court_edited.jpg"]
    [face] = _faces(library, folder / "court.jpg")
    assert face["person"] == "Serena"
    assert photos_by_name(export(library))["court.jpg"]["stack_of"] is None


def test_the_timeline_shows_a_stack_once_with_its_badge_and_the_viewer_its_versions(stacked, qtbot):
    from PySide6.QtCore import Qt, QUrl
    from PySide6.QtTest import QTest

    from album.ui.models import BadgeRole
    from album.ui.viewer import PhotoViewer
    from tests.conftest import open_window

    library, _ = stacked
    window = open_window(qtbot, library)
    window.show_page("Photos")
    page, view = window.photos, window.photos.view
    qtbot.waitUntil(lambda: len(page.model.rows) == 3, timeout=60_000)
    names = [Path(p.path).name for p in page.model.rows]
    assert sorted(names) == ["IMG_0001.JPG", "tony.jpg", "trip_edited.jpg"]
    badges = {n: page.model.data(page.model.index(r), BadgeRole) for r, n in enumerate(names)}
    assert badges == {"IMG_0001.JPG": "RAW+JPEG", "trip_edited.jpg": "2 versions", "tony.jpg": None}
    view.grab()  # the tiles, badges and all, paint

    index = page.model.index(names.index("IMG_0001.JPG"))
    QTest.mouseClick(
        view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center()
    )
    QTest.keyClick(view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(window.findChildren(PhotoViewer)), timeout=5_000)
    viewer = window.findChildren(PhotoViewer)[0]
    qtbot.waitUntil(lambda: bool(viewer.versions), timeout=10_000)
    assert [Path(p).name for p in viewer.versions] == ["IMG_0001.CR2"]
    assert "also IMG_0001.CR2" in viewer.caption.text()

    # A click on the RAW's name opens the RAW in the system's program for it.
    opened = open_a_version(viewer, QTest.mouseClick)
    assert [Path(QUrl(url).toLocalFile()).name for url in opened] == ["IMG_0001.CR2"]
    assert Path(QUrl(opened[0]).toLocalFile()).exists()
    viewer.close()


def version_link_point(viewer):  # -> QPoint over the first version's name
    from PySide6.QtCore import QPoint

    label = viewer.versions_link
    rect = label.contentsRect()
    prefix = label.fontMetrics().horizontalAdvance("Open ")
    return QPoint(rect.left() + prefix + 12, rect.center().y())


def open_a_version(viewer, click) -> list[str]:
    """Click the first version's link, the system's opener replaced by a recorder."""
    from PySide6.QtCore import QObject, Qt, Slot
    from PySide6.QtGui import QDesktopServices

    opened: list[str] = []

    class Recorder(QObject):
        @Slot("QUrl")
        def open(self, url) -> None:
            opened.append(url.toString())

    recorder = Recorder()
    QDesktopServices.setUrlHandler("file", recorder, "open")
    try:
        assert viewer.versions_link.isVisible()
        click(viewer.versions_link, Qt.MouseButton.LeftButton, pos=version_link_point(viewer))
    finally:
        QDesktopServices.unsetUrlHandler("file")
    return opened


def test_a_stack_with_real_keys_and_clicks_on_a_real_x_server(x_desktop, stacked):
    from tests.conftest import run_on_x

    library, _ = stacked
    out = run_on_x("tests.x11_stacks", library, env=x_desktop, timeout=300)
    shown = json.loads(out.strip().splitlines()[-1])
    assert shown["page"] == "Photos"
    assert shown["tiles"] == ["IMG_0001.JPG", "tony.jpg", "trip_edited.jpg"]
    assert shown["badge"] == "RAW+JPEG" and shown["clicked"] == "IMG_0001.JPG"
    assert shown["opened"] == "IMG_0001.JPG" and "also IMG_0001.CR2" in shown["caption"]
    assert shown["version_opened"] == ["IMG_0001.CR2", "IMG_0001.CR2"]


def test_a_named_raw_moved_beside_its_jpeg_gives_it_its_name_stars_and_album(tmp_path, faces):
    """Both files analysed before they were a stack (as in a library from before stacks):
    the RAW's name, stars and album go to the JPEG, and the RAW's own faces leave."""
    folder = tmp_path / "Pictures"
    (folder / "raw").mkdir(parents=True)
    _camera_pair(
        _lfw(faces, "Colin_Powell", 4), folder / "IMG_0009.JPG", folder / "raw" / "IMG_0009.CR2"
    )
    library = tmp_path / "lib" / "library.db"
    _scan(library, folder)
    assert sorted(_photos(library)) == ["IMG_0009.CR2", "IMG_0009.JPG"]
    raw = folder / "raw" / "IMG_0009.CR2"
    face = _largest(_faces(library, raw))
    album("name", "--face", face["id"], "Colin", "--library", library)
    album("rate", "4", raw, "--library", library)
    album("album-add", "Trip", raw, "--library", library)

    raw.rename(folder / "IMG_0009.CR2")
    assert "1 moved" in _scan(library, folder)
    listed = _photos(library)
    assert sorted(listed) == ["IMG_0009.JPG"]
    face = _largest(_faces(library, folder / "IMG_0009.JPG"))
    assert face["person"] == "Colin" and face["label_source"] == "user"
    assert _faces(library, folder / "IMG_0009.CR2") == []
    trip = json.loads(album("albums", "--json", "--photos", "Trip", "--library", library).stdout)
    assert [Path(p["path"]).name for p in trip] == ["IMG_0009.JPG"] and trip[0]["rating"] == 4
    assert _person(library, "Colin")["photos"] == 1


def test_a_jpeg_that_cannot_be_read_leaves_its_raw_the_photo(tmp_path, faces):
    folder = tmp_path / "Pictures"
    folder.mkdir()
    _camera_pair(_lfw(faces, "Colin_Powell", 5), folder / "IMG_0003.JPG", folder / "IMG_0003.CR2")
    whole = (folder / "IMG_0003.JPG").read_bytes()
    (folder / "IMG_0003.JPG").write_bytes(whole[: len(whole) // 3])  # a card pulled too soon
    library = tmp_path / "lib" / "library.db"
    _scan(library, folder)  # the JPEG fails: its RAW is the photo, analysed by the next scan
    _scan(library, folder)
    listed = _photos(library)
    assert sorted(listed) == ["IMG_0003.CR2"]
    assert [Path(p).name for p in listed["IMG_0003.CR2"]["versions"]] == ["IMG_0003.JPG"]
    data = photos_by_name(export(library))
    assert data["IMG_0003.CR2"]["faces"] and data["IMG_0003.JPG"]["status"] == "error"
    # The photo is shown, so the unreadable file is no failure to list; a rescan keeps it so.
    with Library.open(library) as opened:
        assert queries.failed_photos(opened.conn) == []
    _scan(library, folder)
    assert sorted(_photos(library)) == ["IMG_0003.CR2"]


def test_names_reach_the_raw_sidecar_where_other_programs_read_them(stacked):
    """Lightroom, darktable and digiKam read a RAW's people from its own sidecar: a name given
    to the stack goes there too (checked with exiftool), the RAW itself stays untouched, a
    rescan has nothing to read again, and forgetting the person takes it out of both."""
    from tests.xmp_tools import read_json

    library, folder = stacked
    raw = folder / "IMG_0001.CR2"
    raw_bytes = raw.read_bytes()
    face = _largest(_faces(library, folder / "IMG_0001.JPG"))
    album("name", "--face", face["id"], "Colin Powell", "--library", library)
    written = album("write-metadata", "--library", library).stdout
    assert "IMG_0001.CR2.xmp" in written, written

    on_jpeg = read_json(folder / "IMG_0001.JPG.xmp", "-RegionInfo", "-PersonInImage")
    on_raw = read_json(folder / "IMG_0001.CR2.xmp", "-RegionInfo", "-PersonInImage")
    assert on_raw["PersonInImage"] == "Colin Powell" or on_raw["PersonInImage"] == ["Colin Powell"]
    [region] = on_raw["RegionInfo"]["RegionList"]
    assert region["Name"] == "Colin Powell" and region["Type"] == "Face"
    assert region["Area"] == on_jpeg["RegionInfo"]["RegionList"][0]["Area"], "the same frame"
    assert raw.read_bytes() == raw_bytes, "the RAW is never opened for writing"
    # The edit's original under trip_edited.jpg is no RAW: nothing is written beside it.
    assert not (folder / "trip.jpg.xmp").exists()

    assert "0 changed or resumed" in _scan(library, folder)
    album("forget", "Colin Powell", "--yes", "--library", library)
    for sidecar in ("IMG_0001.JPG.xmp", "IMG_0001.CR2.xmp"):
        left = read_json(folder / sidecar, "-RegionInfo", "-PersonInImage")
        assert "Colin" not in json.dumps(left), sidecar
