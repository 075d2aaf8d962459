"""`album write-metadata`: names leave album in files that exiftool, the reference, reads back;
the photos stay byte-identical unless asked otherwise; other programs' tags survive."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import album, export
from tests.xmp_tools import exiftool, iou, need_exiftool, normalized, read_json, stored_copy

TWO = "group-photos/mixed/frec_two_people.jpg"
NAMES = ['Zoë & "Bo"', "<AC/DC|x>"]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mwg_boxes(read: dict) -> dict[str, tuple[float, float, float, float]]:
    out = {}
    for region in read["RegionInfo"]["RegionList"]:
        a = region["Area"]
        out[region["Name"]] = (
            a["X"] - a["W"] / 2,
            a["Y"] - a["H"] / 2,
            a["X"] + a["W"] / 2,
            a["Y"] + a["H"] / 2,
        )
    return out


@pytest.fixture(scope="module")
def named_library(tmp_path_factory, faces: Path) -> dict:
    """Photos scanned without tags, named in album (user labels), upright and sideways."""
    need_exiftool()
    root = tmp_path_factory.mktemp("write")
    folder = root / "photos"
    folder.mkdir()
    shutil.copy(faces / TWO, folder / "upright.jpg")
    Image.open(faces / TWO).save(folder / "lossless.png")
    library = root / "lib.db"
    album("scan", folder, "--library", library, "--quiet")
    data = export(library)
    photo = next(p for p in data["photos"] if p["path"].endswith("upright.jpg"))
    upright = sorted(
        normalized(tuple(f["box"]), photo["width"], photo["height"]) for f in photo["faces"]
    )
    # The same photo stored sideways (EXIF 6), its faces where they are on the stored pixels.
    stored6 = stored_copy(faces / TWO, 6, folder / "sideways.jpg", upright)
    album("scan", folder, "--library", library, "--quiet")
    data = export(library)
    for p in data["photos"]:
        ordered = sorted(
            p["faces"], key=lambda f: normalized(tuple(f["box"]), p["width"], p["height"])
        )
        for face, name in zip(ordered, NAMES, strict=True):
            album("name", "--face", str(face["id"]), name, "--library", library)
    return {
        "root": root,
        "folder": folder,
        "library": library,
        "upright": upright,
        "stored6": stored6,
    }


def test_sidecars_leave_photos_identical_and_exiftool_reads_the_names(named_library):
    folder, library = named_library["folder"], named_library["library"]
    before = {p.name: _digest(p) for p in folder.iterdir()}
    dry = album("write-metadata", "--dry-run", "--library", library)
    assert "Would write" in dry.stdout
    assert not list(folder.glob("*.xmp")), "a dry run writes nothing"
    album("write-metadata", "--library", library)
    assert {p.name: _digest(p) for p in folder.iterdir() if p.suffix != ".xmp"} == before
    expected = {
        "upright.jpg": named_library["upright"],
        "lossless.png": named_library["upright"],
        "sideways.jpg": named_library["stored6"],
    }
    for photo, boxes in expected.items():
        read = read_json(
            folder / f"{photo}.xmp",
            "-RegionInfo",
            "-RegionInfoMP",
            "-PersonInImage",
            "-TagsList",
            "-HierarchicalSubject",
        )
        areas = _mwg_boxes(read)
        assert sorted(areas) == sorted(NAMES)
        for name, box in zip(NAMES, boxes, strict=True):
            assert max(abs(a - b) for a, b in zip(areas[name], box, strict=True)) < 0.005, photo
        mp = {r["PersonDisplayName"]: r["Rectangle"] for r in read["RegionInfoMP"]["Regions"]}
        assert sorted(mp) == sorted(NAMES)
        assert sorted(read["PersonInImage"]) == sorted(NAMES)
        assert sorted(read["TagsList"]) == sorted(f"People/{n}" for n in NAMES)
        assert sorted(read["HierarchicalSubject"]) == sorted(f"People|{n}" for n in NAMES)

    # A fresh library reads the same names back onto the same faces.
    fresh = named_library["root"] / "fresh.db"
    album("scan", folder, "--library", fresh, "--quiet")
    for photo in export(fresh)["photos"]:
        named = {f["person"]: f for f in photo["faces"] if f["person"]}
        assert sorted(named) == sorted(NAMES), photo["path"]
        assert all(f["label_source"] == "file" for f in named.values())
        boxes = {
            n: normalized(tuple(f["box"]), photo["width"], photo["height"])
            for n, f in named.items()
        }
        for name, box in zip(NAMES, named_library["upright"], strict=True):
            assert iou(boxes[name], box) > 0.5


def test_an_exiftool_edit_of_albums_sidecar_comes_back(named_library):
    folder, library = named_library["folder"], named_library["library"]
    album("write-metadata", "--library", library)
    sidecar = folder / "upright.jpg.xmp"
    read = read_json(sidecar, "-RegionInfo")
    regions = read["RegionInfo"]["RegionList"]
    for region in regions:
        if region["Name"] == NAMES[0]:
            region["Name"] = "Edited Elsewhere"
    items = ",".join(
        "{{Area={{X={X},Y={Y},W={W},H={H},Unit=normalized}},Type=Face,Name={n}}}".format(
            n="".join("|" + c if c in ",[]{}|" else c for c in r["Name"]), **r["Area"]
        )
        for r in regions
    )
    exiftool("-overwrite_original", f"-XMP-mwg-rs:RegionInfo={{RegionList=[{items}]}}", sidecar)
    album("scan", folder, "--library", library, "--quiet")
    photo = next(p for p in export(library)["photos"] if p["path"].endswith("upright.jpg"))
    names = {f["person"] for f in photo["faces"]}
    assert "Edited Elsewhere" in names and NAMES[0] not in names


def test_merging_keeps_what_other_programs_wrote(tmp_path, named_library):
    folder, library = named_library["folder"], named_library["library"]
    sidecar = folder / "lossless.png.xmp"
    sidecar.unlink(missing_ok=True)
    exiftool(
        "-XMP-dc:Title=Holiday",
        "-XMP-lr:HierarchicalSubject=Places|Paris",
        "-XMP-mwg-rs:RegionInfo={RegionList=[{Area={X=0.1,Y=0.9,W=0.1,H=0.1,Unit=normalized},"
        "Type=Pet,Name=Rex},{Area={X=0.5,Y=0.9,W=0.05,H=0.05,Unit=normalized},Type=Face,"
        "Name=Stranger}]}",
        sidecar,
    )
    album("write-metadata", "--library", library)
    read = read_json(sidecar, "-Title", "-HierarchicalSubject", "-RegionInfo")
    assert read["Title"] == "Holiday"
    assert "Places|Paris" in read["HierarchicalSubject"]
    names = {r["Name"] for r in read["RegionInfo"]["RegionList"]}
    assert {"Rex", "Stranger", *NAMES} <= names


def test_in_file_writes_jpeg_inside_same_pixels_and_other_formats_get_sidecars(
    tmp_path, named_library
):
    folder = tmp_path / "copy"
    shutil.copytree(named_library["folder"], folder)
    for sidecar in folder.glob("*.xmp"):
        sidecar.unlink()
    library = tmp_path / "lib.db"
    shutil.copy(named_library["library"], library)
    conn = sqlite3.connect(library)
    old = str(named_library["folder"])
    conn.execute("UPDATE photos SET path = replace(path, ?, ?)", (old, str(folder)))
    conn.execute("DELETE FROM written_files")
    conn.commit()
    conn.close()
    pixels = np.asarray(Image.open(folder / "upright.jpg"))
    photo = next(p for p in export(library)["photos"] if p["path"].endswith("upright.jpg"))
    names = sorted(f["person"] for f in photo["faces"] if f["person"])
    assert len(names) == 2
    album("write-metadata", "--in-file", "--library", library)
    assert np.array_equal(np.asarray(Image.open(folder / "upright.jpg")), pixels)
    read = read_json(folder / "upright.jpg", "-RegionInfo", "-PersonInImage")
    assert sorted(_mwg_boxes(read)) == names
    assert not (folder / "upright.jpg.xmp").exists()
    assert (folder / "lossless.png.xmp").exists(), "PNG is not written in place: a sidecar"
    exiftool_check = exiftool("-validate", "-warning", "-a", folder / "upright.jpg")
    assert "OK" in exiftool_check

    # Forget takes the person out of every file album wrote.
    album("forget", NAMES[1], "--yes", "--library", library)
    for target in (folder / "upright.jpg", folder / "lossless.png.xmp"):
        read = read_json(target, "-RegionInfo", "-PersonInImage", "-TagsList")
        left = [r["Name"] for r in read["RegionInfo"]["RegionList"]]
        assert NAMES[1] not in left and len(left) == 1, target
        assert read["PersonInImage"] in (left[0], [left[0]])

    # A rescan after writing in place does not analyze the photos again.
    result = album("scan", folder, "--library", library, "--quiet")
    assert "0 changed" in result.stdout, result.stdout


def test_a_bad_person_is_a_usage_error(named_library):
    result = album(
        "write-metadata", "--person", "Nobody", "--library", named_library["library"], check=False
    )
    assert result.returncode == 2
    assert "Nobody" in result.stderr


def test_with_the_setting_on_each_naming_edit_reaches_the_sidecar(tmp_path, faces):
    """The library's "Write names to photos: sidecar files": an edit is written at once."""
    need_exiftool()
    from album.interop.write_names import save_mode
    from album.store.library import Library

    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copy(faces / TWO, folder / "p.jpg")
    library = tmp_path / "lib.db"
    album("scan", folder, "--library", library, "--quiet")
    with Library.open(library) as lib:
        save_mode(lib, "sidecar")
    face = export(library)["photos"][0]["faces"][0]["id"]
    before = _digest(folder / "p.jpg")
    album("name", "--face", str(face), "Written Now", "--library", library)
    read = read_json(folder / "p.jpg.xmp", "-RegionInfo")
    assert [r["Name"] for r in read["RegionInfo"]["RegionList"]] == ["Written Now"]
    album("name", "Written Now", "Renamed", "--library", library)
    read = read_json(folder / "p.jpg.xmp", "-RegionInfo", "-TagsList")
    assert [r["Name"] for r in read["RegionInfo"]["RegionList"]] == ["Renamed"]
    assert read["TagsList"] in ("People/Renamed", ["People/Renamed"])
    assert _digest(folder / "p.jpg") == before
