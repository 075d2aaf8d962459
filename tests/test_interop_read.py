"""Names other programs wrote come into album on a scan: on the right faces, in every
orientation, from every common format, with the precedence the README promises.

Fixtures are real photos from ../shared/faces, tagged at test time by exiftool."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import struct
import time
from pathlib import Path

import pytest
from PIL import Image

from album.config import Settings
from album.faces.analyze import analyze_photo
from tests.conftest import album, cached_crops, export
from tests.xmp_tools import (
    exiftool,
    iou,
    iptc,
    mp,
    mwg,
    need_exiftool,
    normalized,
    read_json,
    stored_copy,
)

TWO = "group-photos/mixed/frec_two_people.jpg"
HOSTILE = ["Zoë Ångström-李", 'Dwayne "The Rock"', "Tom & Jerry", "<b>Bold</b>", "AC/DC", "A|B"]


def _faces_of(data: dict) -> dict[str, list[dict]]:
    return {Path(p["path"]).name: p["faces"] for p in data["photos"]}


def _photo(data: dict, name: str) -> dict:
    return next(p for p in data["photos"] if Path(p["path"]).name == name)


def _named(faces: list[dict]) -> dict[str, dict]:
    return {f["person"]: f for f in faces if f["person"]}


def _upright_boxes(path: Path) -> tuple[list[tuple[float, ...]], int, int]:
    found = analyze_photo(path, Settings(workers=1, import_names=False))
    assert len(found.faces) == 2, f"{path.name}: expected two faces"
    boxes = [normalized(f.box, found.width, found.height) for f in found.faces]
    return sorted(boxes), found.width, found.height


def _face_box(face: dict, width: int, height: int) -> tuple[float, ...]:
    return normalized(tuple(face["box"]), width, height)


@pytest.fixture(scope="module")
def two_faces(faces: Path) -> tuple[Path, list[tuple[float, ...]]]:
    need_exiftool()
    path = faces / TWO
    boxes, _, _ = _upright_boxes(path)
    return path, boxes


@pytest.fixture(scope="module")
def oriented(tmp_path_factory, two_faces) -> tuple[dict, list[tuple[float, ...]]]:
    """One photo stored in each EXIF orientation, its faces tagged where MWG puts them (on
    the stored pixels), AppliedToDimensions deliberately the upright size."""
    source, boxes = two_faces
    root = tmp_path_factory.mktemp("oriented")
    folder = root / "photos"
    folder.mkdir()
    for orientation in range(1, 9):
        target = folder / f"o{orientation}.jpg"
        stored = stored_copy(source, orientation, target, boxes)
        regions = [("Left One", stored[0]), ("Right One", stored[1])]
        tag = mwg(regions)
        applied = "{AppliedToDimensions={W=1,H=1,Unit=pixel},RegionList="
        exiftool("-overwrite_original", tag.replace("{RegionList=", applied, 1), target)
    library = root / "lib.db"
    album("scan", folder, "--library", library, "--quiet")
    return export(library), boxes


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_orientation_puts_each_name_on_its_face(oriented, orientation):
    data, boxes = oriented
    photo = _photo(data, f"o{orientation}.jpg")
    named = _named(photo["faces"])
    assert set(named) == {"Left One", "Right One"}
    for name, expected in zip(["Left One", "Right One"], boxes, strict=True):
        face = named[name]
        assert face["label_source"] == "file"
        assert not face["manual"], "the name belongs on the detected face"
        assert iou(_face_box(face, photo["width"], photo["height"]), expected) > 0.5


@pytest.fixture(scope="module")
def tagged(tmp_path_factory, faces: Path, two_faces) -> dict:
    """A folder in which each photo carries its names in another way."""
    source, boxes = two_faces
    regions = [("Ann", boxes[0]), ("Ben", boxes[1])]
    root = tmp_path_factory.mktemp("tagged")
    folder = root / "photos"
    folder.mkdir()

    def copy(name: str, src: Path = source) -> Path:
        target = folder / name
        shutil.copy(src, target)
        return target

    exiftool("-overwrite_original", mp(regions), copy("mp_only.jpg"))
    exiftool("-overwrite_original", iptc(regions), copy("iptc.jpg"))
    exiftool("-overwrite_original", mwg(regions), mp(regions), copy("mwg_and_mp.jpg"))
    # Lightroom's sidecar name (photo.xmp) and digiKam's (photo.jpg.xmp).
    copy("lr_side.jpg")
    exiftool(mwg(regions), folder / "lr_side.xmp")
    # A sidecar's regions beat the embedded ones.
    override = copy("override.jpg")
    exiftool("-overwrite_original", mwg([("Old Ann", boxes[0]), ("Old Ben", boxes[1])]), override)
    exiftool(mwg([("New Ann", boxes[0]), ("New Ben", boxes[1])]), folder / "override.jpg.xmp")
    # Regions that are not named faces.
    nonface = copy("nonface.jpg")
    exiftool(
        "-overwrite_original",
        "-XMP-mwg-rs:RegionInfo={RegionList=["
        + ",".join(
            f"{{Area={{X={(b[0] + b[2]) / 2},Y={(b[1] + b[3]) / 2},W={b[2] - b[0]},"
            f"H={b[3] - b[1]},Unit=normalized}},Type={kind}{name}}}"
            for kind, name, b in [
                ("Pet", ",Name=Rex", boxes[0]),
                ("Focus", ",Name=Focus", boxes[1]),
                ("BarCode", ",Name=Code", boxes[1]),
                ("Face", "", boxes[0]),
            ]
        )
        + "]}",
        nonface,
    )
    hostile = copy("hostile.jpg")
    exiftool("-overwrite_original", mwg(list(zip(HOSTILE[:2], boxes, strict=True))), hostile)
    for i, name in enumerate(HOSTILE[2:]):
        target = copy(f"hostile{i}.jpg")
        exiftool("-overwrite_original", mwg([(name, boxes[0])]), target)
    # A hand-written sidecar in the other RDF forms (Seq, attributes), checked by exiftool.
    copy("seq.jpg")
    (folder / "seq.jpg.xmp").write_text(_seq_sidecar(boxes), encoding="utf-8")
    # Names without boxes: on a one-face photo they name its face; otherwise they are hints.
    lfw = sorted((faces / "lfw-62x10").iterdir())
    exiftool(
        "-overwrite_original", "-XMP-digiKam:TagsList=People/Dora", copy("dk.jpg", _first(lfw[0]))
    )
    exiftool(
        "-overwrite_original",
        "-XMP-lr:HierarchicalSubject=People|Eve",
        "-XMP-dc:Subject=Eve",
        copy("lr.jpg", _first(lfw[1])),
    )
    exiftool("-overwrite_original", "-XMP-iptcExt:PersonInImage=Fay", copy("hint.jpg"))
    # Broken XMP: the photo still scans, the reason is readable.
    copy("broken_side.jpg")
    (folder / "broken_side.jpg.xmp").write_text(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
        '22-rdf-syntax-ns#"><rdf:Description',
        encoding="utf-8",
    )
    _with_app1(source, folder / "bomb.jpg", _BOMB)
    # PNG, WebP, TIFF and HEIC carry XMP too.
    for suffix in ("png", "webp", "tiff", "heic"):
        if suffix == "heic":
            from pillow_heif import register_heif_opener

            register_heif_opener()
        target = folder / f"embedded.{suffix}"
        Image.open(source).save(target)
        exiftool("-overwrite_original", mwg(regions), target)
    # Picasa: names from [Contacts2] and from contacts.xml; its "nobody" id is skipped.
    picasa = folder / "picasa"
    picasa.mkdir()
    shutil.copy(source, picasa / "pic.jpg")
    shutil.copy(source, picasa / "pic2.jpg")
    (picasa / ".picasa.ini").write_text(
        "[pic.jpg]\n"
        f"faces=rect64({_rect64(boxes[0])}),1a2b3c;rect64({_rect64(boxes[1])}),ffffffffffffffff\n"
        "[pic2.jpg]\n"
        f"faces=rect64({_rect64(boxes[1])}),77aa\n"
        "[Contacts2]\n1a2b3c=Pia Picasa;;\n",
        encoding="utf-8",
    )
    (picasa / "contacts.xml").write_text(
        '<contacts><contact id="77aa" name="Xia Xml" modified_time="0"/></contacts>',
        encoding="utf-8",
    )
    library = root / "lib.db"
    result = album("scan", folder, "--library", library, "--quiet")
    data = export(library)
    data["stdout"] = result.stdout
    data["boxes"] = boxes
    data["folder"] = folder
    return data


def _first(folder: Path) -> Path:
    return sorted(folder.iterdir())[0]


def _rect64(box: tuple[float, ...]) -> str:
    return "".join(f"{round(v * 65535):04x}" for v in box)


def _seq_sidecar(boxes: list[tuple[float, ...]]) -> str:
    items = "".join(
        f'<rdf:li><rdf:Description mwg-rs:Type="Face" mwg-rs:Name="{name}">'
        f'<mwg-rs:Area stArea:x="{(b[0] + b[2]) / 2}" stArea:y="{(b[1] + b[3]) / 2}" '
        f'stArea:w="{b[2] - b[0]}" stArea:h="{b[3] - b[1]}" stArea:unit="normalized"/>'
        "</rdf:Description></rdf:li>"
        for name, b in [("Seq Ann", boxes[0]), ("Seq Ben", boxes[1])]
    )
    return (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" '
        'xmlns:mwg-rs="http://www.metadataworkinggroup.com/schemas/regions/" '
        'xmlns:stArea="http://ns.adobe.com/xmp/sType/Area#">'
        f"<mwg-rs:Regions><rdf:Description><mwg-rs:RegionList><rdf:Seq>{items}</rdf:Seq>"
        "</mwg-rs:RegionList></rdf:Description></mwg-rs:Regions>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    )


_BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description/>'
    b"</rdf:RDF></x:xmpmeta>"
)


def _with_app1(source: Path, target: Path, packet: bytes) -> None:
    """A JPEG whose APP1 XMP segment holds `packet` (exiftool refuses to write broken XMP)."""
    data = source.read_bytes()
    body = b"http://ns.adobe.com/xap/1.0/\x00" + packet
    segment = b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body
    target.write_bytes(data[:2] + segment + data[2:])


def _assert_names(data: dict, photo_name: str, names: list[str]) -> None:
    photo = _photo(data, photo_name)
    named = _named(photo["faces"])
    assert sorted(named) == sorted(names), photo_name
    for name, expected in zip(names, data["boxes"], strict=False):
        face = named[name]
        assert face["label_source"] == "file"
        assert iou(_face_box(face, photo["width"], photo["height"]), expected) > 0.5, name


def test_microsoft_iptc_and_sidecar_regions_name_the_right_faces(tagged):
    _assert_names(tagged, "mp_only.jpg", ["Ann", "Ben"])
    _assert_names(tagged, "iptc.jpg", ["Ann", "Ben"])
    _assert_names(tagged, "lr_side.jpg", ["Ann", "Ben"])
    _assert_names(tagged, "seq.jpg", ["Seq Ann", "Seq Ben"])
    _assert_names(tagged, "embedded.png", ["Ann", "Ben"])
    _assert_names(tagged, "embedded.webp", ["Ann", "Ben"])
    _assert_names(tagged, "embedded.tiff", ["Ann", "Ben"])
    _assert_names(tagged, "embedded.heic", ["Ann", "Ben"])


def test_mwg_and_mp_of_one_face_make_one_face(tagged):
    faces = _faces_of(tagged)
    assert len(faces["mwg_and_mp.jpg"]) == len(faces["mp_only.jpg"]) == 2
    _assert_names(tagged, "mwg_and_mp.jpg", ["Ann", "Ben"])


def test_a_sidecar_beats_the_embedded_regions(tagged):
    _assert_names(tagged, "override.jpg", ["New Ann", "New Ben"])
    assert not {"Old Ann", "Old Ben"} & {p["name"] for p in tagged["people"]}


def test_regions_that_are_not_named_faces_name_nobody(tagged):
    faces = _faces_of(tagged)["nonface.jpg"]
    assert len(faces) == 2
    assert all(f["label_source"] != "file" for f in faces)
    assert not {"Rex", "Focus", "Code"} & {p["name"] for p in tagged["people"]}


def test_hostile_names_are_kept_exactly(tagged):
    people = {p["name"] for p in tagged["people"]}
    assert set(HOSTILE) <= people
    for i, name in enumerate(HOSTILE[2:]):
        assert name in _named(_faces_of(tagged)[f"hostile{i}.jpg"])
    _assert_names(tagged, "hostile.jpg", HOSTILE[:2])


def _from_file(faces: list[dict]) -> dict[str, dict]:
    """The faces the photo's own files named. The photos here are one picture with other
    metadata each: copies, whose faces album also names after the copy it keeps (auto)."""
    return {name: f for name, f in _named(faces).items() if f["label_source"] == "file"}


def test_keywords_name_a_lone_face_and_are_hints_elsewhere(tagged):
    assert "Dora" in _named(_faces_of(tagged)["dk.jpg"])
    assert "Eve" in _named(_faces_of(tagged)["lr.jpg"])
    assert not _from_file(_faces_of(tagged)["hint.jpg"])
    assert "Fay" not in _named(_faces_of(tagged)["hint.jpg"])
    conn = sqlite3.connect(tagged["library"])
    hints = conn.execute(
        "SELECT p.path, h.name FROM name_hints h JOIN photos p ON p.id = h.photo_id"
    ).fetchall()
    assert [(Path(p).name, n) for p, n in hints] == [("hint.jpg", "Fay")]


def test_broken_xmp_still_scans_and_says_why(tagged):
    for name, words in [("broken_side.jpg", "not well-formed"), ("bomb.jpg", "DOCTYPE")]:
        photo = _photo(tagged, name)
        assert photo["status"] == "done"
        assert len(photo["faces"]) == 2
        assert words in photo["names_error"], photo["names_error"]
    assert "Names not readable in 2 photos" in tagged["stdout"]
    assert "broken_side.jpg" in tagged["stdout"]


def test_picasa_faces_are_named_from_its_contacts(tagged):
    named = _from_file(_faces_of(tagged)["pic.jpg"])
    assert list(named) == ["Pia Picasa"]
    assert iou(_face_box(named["Pia Picasa"], *_size(tagged, "pic.jpg")), tagged["boxes"][0]) > 0.5
    named2 = _from_file(_faces_of(tagged)["pic2.jpg"])
    assert list(named2) == ["Xia Xml"]
    assert iou(_face_box(named2["Xia Xml"], *_size(tagged, "pic2.jpg")), tagged["boxes"][1]) > 0.5


def _size(data: dict, name: str) -> tuple[int, int]:
    photo = _photo(data, name)
    return photo["width"], photo["height"]


def test_exiftool_reads_the_hand_written_sidecar_alike(tagged):
    """The Seq/attribute sidecar is valid XMP: the reference tool reads the same names."""
    read = read_json(tagged["folder"] / "seq.jpg.xmp", "-RegionInfo")
    names = [r["Name"] for r in read["RegionInfo"]["RegionList"]]
    assert names == ["Seq Ann", "Seq Ben"]


def test_a_region_on_a_missed_face_becomes_a_face_and_one_on_no_face_names_nobody(
    tmp_path, lfw_people
):
    """A far face the scan's plan misses (44 px in a 4000 x 3000 photo whose near face it
    found: below what its closer look can see) becomes a named face of its own; a region on a
    plain wall, as other programs tag a pet or a leaf, makes no face and no person, and the
    photo's names report says why."""
    need_exiftool()
    people = list(lfw_people.values())
    near, far = people[0][0], people[5][0]
    folder = tmp_path / "photos"
    folder.mkdir()
    target = folder / "far.jpg"
    canvas = Image.new("RGB", (4000, 3000), (120, 130, 125))
    canvas.paste(Image.open(near).convert("RGB").resize((800, 800)), (200, 200))
    canvas.paste(Image.open(far).convert("RGB").resize((100, 100)), (3400, 2500))
    canvas.save(target, quality=92)
    # LFW's face box (70..180 of 250 px), where the far photo was pasted.
    region = (3428 / 4000, 2528 / 3000, 3472 / 4000, 2572 / 3000)
    assert not any(
        iou(normalized(f.box, 4000, 3000), region) > 0.3
        for f in analyze_photo(target, Settings(import_names=False)).faces
    ), "the plan found the far face itself: this test no longer tests a missed one"
    exiftool(
        "-overwrite_original",
        mwg([("Far Face", region), ("Corner", (0.02, 0.7, 0.12, 0.83))]),
        target,
    )
    album("scan", folder, "--library", tmp_path / "lib.db", "--quiet")
    photo = export(tmp_path / "lib.db")["photos"][0]
    named = _named(photo["faces"])
    assert named["Far Face"]["manual"] and named["Far Face"]["label_source"] == "file"
    assert "Corner" not in named and len(photo["faces"]) == 2
    assert "the region of 'Corner' holds no face" in photo["names_error"]


def test_names_seed_matching_and_survive_what_album_decides(tmp_path, lfw_people):
    """Imported names match the person's other photos at once; a rescan picks up a changed
    sidecar but never undoes a rename made in album; --no-import-names reads nothing."""
    need_exiftool()
    person = next(iter(lfw_people.values()))
    folder = tmp_path / "photos"
    folder.mkdir()
    for i, src in enumerate(person[:6]):
        shutil.copy(src, folder / f"p{i}.jpg")
    for i in range(2):
        exiftool("-XMP-digiKam:TagsList=People/Ann", folder / f"p{i}.jpg.xmp")
    # Two people side by side, the file naming Ann without saying which: Review asks first.
    others = [p for name, p in lfw_people.items() if p is not person]
    pair = Image.new("RGB", (500, 250))
    pair.paste(Image.open(person[6]), (0, 0))
    pair.paste(Image.open(others[0][0]), (250, 0))
    pair.save(folder / "pair.jpg", quality=95)
    exiftool("-overwrite_original", "-XMP-iptcExt:PersonInImage=Ann", folder / "pair.jpg")
    library = tmp_path / "lib.db"
    album("scan", folder, "--library", library, "--quiet")
    data = export(library)
    pair_id = next(p["id"] for p in data["photos"] if p["path"].endswith("pair.jpg"))
    review = json.loads(album("review", "--json", "--library", library).stdout)
    assert review[0]["photo_id"] == pair_id and review[0]["person"] == "Ann"
    sources = {
        Path(p["path"]).name: (f["person"], f["label_source"])
        for p in data["photos"]
        for f in p["faces"]
        if f["person"]
    }
    assert sources["p0.jpg"] == ("Ann", "file") and sources["p1.jpg"] == ("Ann", "file")
    assert sum(1 for n, s in sources.values() if n == "Ann" and s == "auto") >= 3

    # The user renames Ann in album: an unchanged (even touched) sidecar does not undo it.
    album("name", "Ann", "Anna", "--library", library)
    (folder / "p0.jpg.xmp").touch()
    album("scan", folder, "--library", library, "--quiet")
    names = {Path(p["path"]).name: _named(p["faces"]) for p in export(library)["photos"]}
    assert "Anna" in names["p0.jpg"] and names["p0.jpg"]["Anna"]["label_source"] == "file"
    assert not any("Ann" in n for n in names.values())

    # Another program changes the sidecar: the rescan reads the new name.
    exiftool("-overwrite_original", "-XMP-digiKam:TagsList=People/Bea", folder / "p1.jpg.xmp")
    album("scan", folder, "--library", library, "--quiet")
    names = {Path(p["path"]).name: _named(p["faces"]) for p in export(library)["photos"]}
    assert names["p1.jpg"]["Bea"]["label_source"] == "file"

    # A face the user moved in album is theirs: a file older than that edit does not take it
    # back; a file changed after it (another program's newer word) does.
    face = names["p1.jpg"]["Bea"]["id"]
    sidecar = folder / "p1.jpg.xmp"
    exiftool("-overwrite_original", "-XMP-digiKam:TagsList=People/Dee", sidecar)
    os.utime(sidecar, ns=(time.time_ns() - 10**9, time.time_ns() - 10**9))
    time.sleep(0.01)
    album("move", "--to", "Cy", str(face), "--library", library)
    album("scan", folder, "--library", library, "--quiet")
    names = {Path(p["path"]).name: _named(p["faces"]) for p in export(library)["photos"]}
    assert list(names["p1.jpg"]) == ["Cy"] and names["p1.jpg"]["Cy"]["label_source"] == "user"
    exiftool("-overwrite_original", "-XMP-digiKam:TagsList=People/Eli", sidecar)
    album("scan", folder, "--library", library, "--quiet")
    names = {Path(p["path"]).name: _named(p["faces"]) for p in export(library)["photos"]}
    assert list(names["p1.jpg"]) == ["Eli"] and names["p1.jpg"]["Eli"]["label_source"] == "file"

    # Import switched off: nothing is read.
    other = tmp_path / "other.db"
    album("scan", folder, "--library", other, "--quiet", "--no-import-names")
    assert not any(f["label_source"] == "file" for p in export(other)["photos"] for f in p["faces"])


def test_a_version_2_library_upgrades_keeping_every_row(tmp_path):
    from album.store.library import Library
    from album.store.schema import SCHEMA_V1, SCHEMA_V2

    path = tmp_path / "lib.db"
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA_V1 + SCHEMA_V2)
    conn.execute("PRAGMA user_version = 2")
    conn.execute(
        "INSERT INTO photos (path, size, mtime_ns, status) VALUES ('/a.jpg', 1, 1, 'done')"
    )
    conn.execute("INSERT INTO people (name, created_at) VALUES ('Ann', 0), ('Ben', 0)")
    conn.execute(
        "INSERT INTO faces (photo_id, top, right, bottom, left, person_id, label_source, "
        "embedding, manual) VALUES (1, 0, 10, 10, 0, 1, 'user', x'00', 1), "
        "(1, 0, 30, 10, 20, NULL, NULL, NULL, 0), (1, 5, 5, 5, 5, 2, 'auto', NULL, 0)"
    )
    conn.execute("UPDATE faces SET crop = x'ffd8' WHERE id = 1")
    conn.execute("INSERT INTO rejections VALUES (2, 1, 7.0)")
    conn.commit()
    kept = (
        "id, photo_id, top, right, bottom, left, score, embedding, person_id, label_source, "
        "confidence, removed, manual"
    )
    before = conn.execute(f"SELECT {kept} FROM faces ORDER BY id").fetchall()
    conn.close()
    with Library.open(path) as library:
        c = library.conn
        assert c.execute("PRAGMA user_version").fetchone()[0] >= 3
        assert c.execute(f"SELECT {kept} FROM faces ORDER BY id").fetchall() == before
        # v4: the crop moved, as it was, to the cache beside the library.
        assert cached_crops(path) == {1: b"\xff\xd8"}
        assert not c.execute("SELECT 1 FROM sqlite_master WHERE name = 'face_crops'").fetchall()
        assert c.execute("SELECT * FROM rejections").fetchall() == [(2, 1, 7.0)]
        indexes = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE tbl_name='faces'")}
        assert {"faces_photo", "faces_person", "faces_one_person_per_photo"} <= indexes
        c.execute("UPDATE faces SET label_source = 'file' WHERE id = 1")
        with pytest.raises(sqlite3.IntegrityError):  # the partial unique index still holds
            c.execute("UPDATE faces SET person_id = 1, label_source = 'file' WHERE id = 2")
        assert c.execute("PRAGMA foreign_key_check").fetchall() == []
    assert list(tmp_path.glob("**/*before-v*")), "a backup was made before the upgrade"
