"""Exporting photos to a folder: an album, a search or a person's photos, copied (or linked,
or shrunk for sharing) with the originals untouched, nothing half-written when the disk fills,
and the names and ratings along in sidecars."""

from __future__ import annotations

import io
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from album.cli import main
from album.interop import rdf
from album.interop.gps_strip import jpeg_without_gps
from album.interop.jpeg_xmp import read_jpeg_packet, with_packet
from album.photo_export import ExportOptions, export_photos
from album.store.export_rows import ExportRow, export_rows
from album.store.library import Library
from tests.conftest import KYOTO, REPO, STORE_AS, album, export, library_copy

TEMP = ".album-export-"
# Newest first, as a search lists them: the order an export writes in.
PHOTOS = {
    "Home/IMG_0001.jpg": "2019:08:01 10:00:00",
    "Trip/IMG_0001.jpg": "2019:07:14 10:00:00",
    "Home/IMG_0002.jpg": "2018:01:01 10:00:00",
    "Big/big.jpg": "2015:01:01 10:00:00",
}
BIG = 1 << 20  # big.jpg is larger than this; every other photo well under it


def camera_jpeg(target: Path, taken: str, *, seed: int, size=(400, 300), orientation=1, gps=()):
    """A JPEG as a camera writes one: noise (so each photo's bytes differ), maker, date, and
    where and how it was turned if asked. An upright one is red on top and blue below."""
    width, height = size
    rng = np.random.default_rng(seed)
    pixels = (rng.random((height, width, 3)) * 60).astype(np.uint8)
    pixels[: height // 2, :, 0] += 180
    pixels[height // 2 :, :, 2] += 180
    image = Image.fromarray(pixels)
    if STORE_AS[orientation] is not None:
        image = image.transpose(STORE_AS[orientation])
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "EOS 5D"
    exif[0x0112] = orientation
    exif.get_ifd(0x8769)[0x9003] = taken
    if gps:
        place = exif.get_ifd(0x8825)
        place[1], place[2], place[3], place[4] = gps
    target.parent.mkdir(parents=True, exist_ok=True)
    image.save(target, exif=exif, quality=95)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(Pictures folder, library) scanned once for the module; tests copy the library."""
    root = tmp_path_factory.mktemp("export")
    folder = root / "Pictures"
    for seed, (name, taken) in enumerate(PHOTOS.items()):
        turned = name.startswith("Trip")
        camera_jpeg(
            folder / name,
            taken,
            seed=seed,
            size=(1600, 1200) if name.startswith("Big") else (300, 400) if turned else (400, 300),
            orientation=6 if turned else 1,
            gps=KYOTO if turned else (),
        )
    assert (folder / "Big/big.jpg").stat().st_size > BIG
    library = root / "library.db"
    album("scan", folder, "--library", library, "--workers", "1", "--quiet")
    return folder, library


@pytest.fixture
def library(scanned: tuple[Path, Path], tmp_path: Path) -> Path:
    (tmp_path / "lib").mkdir()
    return library_copy(scanned[1], tmp_path / "lib")


@pytest.fixture
def pictures(scanned: tuple[Path, Path]) -> Path:
    return scanned[0]


def run(*args: object, capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def state(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*.jpg"))
    }


def exiftool(*args: object) -> list[dict]:
    if shutil.which("exiftool") is None:
        pytest.skip("exiftool is not installed")
    out = subprocess.run(["exiftool", "-j", *map(str, args)], capture_output=True, text=True)
    return json.loads(out.stdout)


# Copies -------------------------------------------------------------------------------------


def test_a_search_exports_byte_identical_copies_and_numbers_clashes(
    library: Path, pictures: Path, tmp_path: Path, capsys
):
    before = state(pictures)
    dest = tmp_path / "USB stick" / "Photos"
    dest.mkdir(parents=True)
    (dest / "IMG_0002.jpg").write_bytes(b"a stranger's file")  # never overwritten
    code, out, _ = run("export-photos", "--search", "Pictures", dest, "--library", library,
                       capsys=capsys)  # fmt: skip
    assert code == 0, out
    assert listing(dest) == ["IMG_0001 (2).jpg", "IMG_0001.jpg", "IMG_0002 (2).jpg",
                             "IMG_0002.jpg", "big.jpg"]  # fmt: skip
    assert (dest / "IMG_0002.jpg").read_bytes() == b"a stranger's file"
    originals = {
        "IMG_0001.jpg": "Home/IMG_0001.jpg",
        "IMG_0001 (2).jpg": "Trip/IMG_0001.jpg",
        "IMG_0002 (2).jpg": "Home/IMG_0002.jpg",
        "big.jpg": "Big/big.jpg",
    }
    for name, original in originals.items():
        assert (dest / name).read_bytes() == before[original][0], name
        assert (dest / name).stat().st_mtime_ns == before[original][1]  # the original's time
        assert (dest / name).stat().st_ino != (pictures / original).stat().st_ino
    assert state(pictures) == before  # originals: same bytes, same times

    # Again into the same folder: what is there already is recognised, nothing is doubled.
    code, out, _ = run("export-photos", "--search", "Pictures", dest, "--library", library,
                       "--json", capsys=capsys)  # fmt: skip
    report = json.loads(out)
    assert code == 0 and report["written"] == [] and len(report["unchanged"]) == 4
    assert report["exported"] == report["total"] == 4
    assert len(listing(dest)) == 5
    assert state(pictures) == before


def test_links_on_the_same_disk_are_the_originals_themselves(
    library: Path, pictures: Path, tmp_path: Path, capsys
):
    dest = tmp_path / "linked"
    code, out, _ = run("export-photos", "--search", "2019", dest, "--link", "--json",
                       "--library", library, capsys=capsys)  # fmt: skip
    report = json.loads(out)
    assert code == 0 and report["linked"] == 2 and not report["sidecars"]
    home, trip = (pictures / f / "IMG_0001.jpg" for f in ("Home", "Trip"))
    assert (dest / "IMG_0001.jpg").stat().st_ino == home.stat().st_ino
    assert (dest / "IMG_0001 (2).jpg").stat().st_ino == trip.stat().st_ino


# Shrunk for sharing, and without the location --------------------------------------------------


def test_a_shrunk_copy_is_an_upright_jpeg_without_gps_that_keeps_its_date(
    library: Path, pictures: Path, tmp_path: Path, capsys
):
    original = pictures / "Trip/IMG_0001.jpg"
    assert Image.open(original).getexif().get_ifd(0x8825)  # the test photo has a place
    before = original.read_bytes()
    dest = tmp_path / "share"
    code, out, _ = run("export-photos", "--search", "Trip", dest, "--long-side", 200,
                       "--strip-gps", "--library", library, capsys=capsys)  # fmt: skip
    assert code == 0, out
    assert listing(dest) == ["IMG_0001.jpg"]
    with Image.open(dest / "IMG_0001.jpg") as image:
        assert image.format == "JPEG"
        assert image.size == (150, 200)  # stored 400x300 turned by orientation 6
        exif = image.getexif()
        assert exif.get(0x0112, 1) == 1
        assert not exif.get_ifd(0x8825)
        assert exif.get_ifd(0x8769)[0x9003] == "2019:07:14 10:00:00"
        assert exif[0x010F] == "Canon"
        red, _, blue = image.convert("RGB").getpixel((75, 20))
        assert red > 150 > blue  # the top of the upright picture is on top
    assert original.read_bytes() == before
    (found,) = exiftool("-n", dest / "IMG_0001.jpg")
    assert "GPSLatitude" not in found and "GPSPosition" not in found
    assert found.get("Orientation", 1) == 1

    # Only ever smaller: a long side beyond the photo's keeps its size.
    code, _, _ = run("export-photos", "--search", "Trip", tmp_path / "big", "--long-side",
                     5000, "--library", library, capsys=capsys)  # fmt: skip
    with Image.open(tmp_path / "big/IMG_0001.jpg") as image:
        assert code == 0 and image.size == (300, 400)
        assert image.getexif().get_ifd(0x8825)  # the place stays unless asked to go


def test_strip_gps_alone_keeps_a_jpegs_pixels_and_copies_one_without_a_place(
    library: Path, pictures: Path, tmp_path: Path, capsys
):
    dest = tmp_path / "private"
    code, out, _ = run("export-photos", "--search", "Pictures", dest, "--strip-gps",
                       "--link", "--json", "--library", library, capsys=capsys)  # fmt: skip
    report = json.loads(out)
    assert code == 0 and len(report["written"]) == 4
    trip, copy = pictures / "Trip/IMG_0001.jpg", dest / "IMG_0001 (2).jpg"
    data, clean = trip.read_bytes(), copy.read_bytes()
    assert len(clean) == len(data) and clean != data
    assert sum(a != b for a, b in zip(data, clean, strict=True)) < 200  # the GPS bytes only
    with Image.open(trip) as a, Image.open(copy) as b:
        assert np.array_equal(np.asarray(a), np.asarray(b))  # not re-encoded
        assert b.getexif()[0x0112] == 6 and not b.getexif().get_ifd(0x8825)
    (found,) = exiftool("-n", copy)
    assert "GPSLatitude" not in found and found["DateTimeOriginal"] == "2019:07:14 10:00:00"
    # The photos with no place are linked as they are; the one with a place cannot be.
    assert report["linked"] == 3
    home = pictures / "Home/IMG_0002.jpg"
    assert (dest / "IMG_0002.jpg").stat().st_ino == home.stat().st_ino


def test_gps_in_a_jpegs_xmp_is_blanked_in_place(tmp_path: Path):
    camera_jpeg(tmp_path / "a.jpg", "2020:01:01 00:00:00", seed=9, gps=KYOTO)
    packet = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/" '
        b'xmlns:xmp="http://ns.adobe.com/xap/1.0/" exif:GPSLatitude="35,0.6N" xmp:Rating="3">'
        b"<exif:GPSLongitude>135,46.0E</exif:GPSLongitude><exif:GPSVersionID/>"
        b"</rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    data = with_packet((tmp_path / "a.jpg").read_bytes(), packet)
    clean = jpeg_without_gps(data)
    assert len(clean) == len(data)
    left = read_jpeg_packet(clean) or b""
    assert len(left) == len(packet) and b"gps" not in left.lower()
    assert rdf.parse_packet(left) == {"{http://ns.adobe.com/xap/1.0/}Rating": "3"}
    with Image.open(io.BytesIO(clean)) as image:
        assert not image.getexif().get_ifd(0x8825)
    plain = (tmp_path / "a.jpg").read_bytes()
    assert jpeg_without_gps(jpeg_without_gps(plain)) == jpeg_without_gps(plain)
    nothing = with_packet(plain, b"<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")
    nothing = jpeg_without_gps(nothing)
    assert jpeg_without_gps(nothing) is nothing  # no location: the same bytes, as they are


def test_heic_and_png_become_jpegs_when_resized_or_stripped(tmp_path: Path):
    pillow_heif = pytest.importorskip("pillow_heif")
    if not pillow_heif.libheif_info()["encoders"]:
        pytest.skip("this libheif writes no HEIC")
    camera_jpeg(tmp_path / "src.jpg", "2021:05:05 05:05:05", seed=3, gps=KYOTO)
    heif = pillow_heif.from_pillow(Image.open(tmp_path / "src.jpg"))
    heif.save(tmp_path / "phone.heic", quality=90)
    Image.open(tmp_path / "src.jpg").save(tmp_path / "screen.png")
    rows = [ExportRow(i, str(tmp_path / n), 400, 300, None, False) for i, n in
            enumerate(("phone.heic", "screen.png"))]  # fmt: skip
    report = export_photos(rows, tmp_path / "out", ExportOptions(long_side=100, strip_gps=True))
    assert [p.name for p in report.written] == ["phone.jpg", "screen.jpg"]
    for path in report.written:
        with Image.open(path) as image:
            assert image.format == "JPEG" and image.size == (100, 75)
            assert not image.getexif().get_ifd(0x8825)
    report = export_photos(rows[1:], tmp_path / "full", ExportOptions(strip_gps=True))
    assert [p.name for p in report.written] == ["screen.jpg"]
    assert Image.open(report.written[0]).size == (400, 300)


# Names and ratings ----------------------------------------------------------------------------


def test_sidecars_carry_the_confirmed_names_and_the_rating(
    lfw_people: dict[str, list[Path]], tmp_path: Path, capsys
):
    folder, library = tmp_path / "Friends", tmp_path / "library.db"
    folder.mkdir()
    shutil.copy(lfw_people["Colin_Powell"][0], folder / "colin.jpg")
    shutil.copy(lfw_people["Serena_Williams"][0], folder / "serena.jpg")
    album("scan", folder, "--library", library, "--workers", "1", "--quiet")
    photos = {Path(p["path"]).name: p for p in export(library)["photos"]}
    face = photos["colin.jpg"]["faces"][0]
    album("name", "--face", str(face["id"]), "Colin Powell", "--library", library)
    with sqlite3.connect(library) as conn:
        conn.execute("UPDATE photos SET rating = 4, rated = 'user' WHERE id = ?",
                     (photos["colin.jpg"]["id"],))  # fmt: skip
    before = (folder / "colin.jpg").read_bytes()

    dest = tmp_path / "out"
    code, out, _ = run("export-photos", "--person", "colin powell", dest, "--sidecars",
                       "--library", library, capsys=capsys)  # fmt: skip
    assert code == 0, out
    assert listing(dest) == ["colin.jpg", "colin.jpg.xmp"]
    assert (dest / "colin.jpg").read_bytes() == before == (folder / "colin.jpg").read_bytes()
    (found,) = exiftool("-XMP-mwg-rs:RegionName", "-XMP-xmp:Rating", dest / "colin.jpg.xmp")
    assert found["RegionName"] == "Colin Powell" and found["Rating"] == 4

    # Exported before without sidecars: the sidecar joins the photo already there.
    later = tmp_path / "later"
    for flags in ([], ["--sidecars"], ["--sidecars"]):
        code, _, _ = run("export-photos", "--person", "Colin Powell", later, *flags,
                         "--library", library, capsys=capsys)  # fmt: skip
        assert code == 0
    assert listing(later) == ["colin.jpg", "colin.jpg.xmp"]
    assert (later / "colin.jpg.xmp").read_bytes() == (dest / "colin.jpg.xmp").read_bytes()

    # Shrunk: the region is on the new, upright pixels. A photo with neither names nor a
    # rating gets no sidecar.
    code, _, _ = run("export-photos", "--search", "Friends", tmp_path / "small", "--sidecars",
                     "--long-side", 100, "--library", library, capsys=capsys)  # fmt: skip
    assert code == 0
    assert listing(tmp_path / "small") == ["colin.jpg", "colin.jpg.xmp", "serena.jpg"]
    props = rdf.parse_packet((tmp_path / "small/colin.jpg.xmp").read_bytes())
    assert props["{http://ns.adobe.com/xap/1.0/}Rating"] == "4"
    (found,) = exiftool("-n", "-struct", "-XMP-mwg-rs:RegionInfo", tmp_path / "small/colin.jpg.xmp")
    region = found["RegionInfo"]
    assert region["AppliedToDimensions"]["W"] == 100 == region["AppliedToDimensions"]["H"]
    area = region["RegionList"][0]["Area"]
    top, right, bottom, left = face["box"]
    width, height = photos["colin.jpg"]["width"], photos["colin.jpg"]["height"]
    assert area["X"] == pytest.approx((left + right) / 2 / width, abs=1e-4)
    assert area["H"] == pytest.approx((bottom - top) / height, abs=1e-4)


# Mistakes, and where to ---------------------------------------------------------------------


def test_unknown_people_and_a_file_for_a_folder_are_usage_errors(
    library: Path, tmp_path: Path, capsys
):
    code, _, err = run("export-photos", "--person", "Nobody", tmp_path / "x", "--library",
                       library, capsys=capsys)  # fmt: skip
    assert code == 2 and "nobody is called 'Nobody'" in err
    assert not (tmp_path / "x").exists()
    (tmp_path / "file").write_text("x")
    code, _, err = run("export-photos", "--search", "2019", tmp_path / "file", "--library",
                       library, capsys=capsys)  # fmt: skip
    assert code == 2 and "is a file, not a folder" in err
    code, _, err = run("export-photos", "--search", "and the", tmp_path / "x", "--library",
                       library, capsys=capsys)  # fmt: skip
    assert code == 2 and "asks for nothing" in err
    code, out, _ = run("export-photos", "--search", "Atlantis", tmp_path / "x", "--library",
                       library, capsys=capsys)  # fmt: skip
    assert code == 0 and "Nothing to export" in out and not (tmp_path / "x").exists()
    for wrong in (
        ["--long-side", "10"],
        ["--long-side", "big"],
        [],
        ["--person", "A", "--search", "B"],
    ):
        with pytest.raises(SystemExit) as exit_:
            main(["export-photos", *wrong, str(tmp_path / "x"), "--library", str(library)])
        assert exit_.value.code == 2
    deep = tmp_path / "not" / "yet" / "there"
    code, _, _ = run("export-photos", "--search", "Home", deep, "--library", library,
                     capsys=capsys)  # fmt: skip
    assert code == 0 and listing(deep) == ["IMG_0001.jpg", "IMG_0002.jpg"]


def test_a_missing_original_is_skipped_and_said(library: Path, tmp_path: Path, capsys):
    with sqlite3.connect(library) as conn:
        conn.execute("UPDATE photos SET path = '/nowhere/IMG_0002.jpg' WHERE path LIKE '%0002%'")
    code, out, _ = run("export-photos", "--search", "2018 2019", tmp_path / "out", "--library",
                       library, capsys=capsys)  # fmt: skip
    assert code == 0
    assert "Skipped 1 photo:\n  /nowhere/IMG_0002.jpg: the original is missing" in out
    assert listing(tmp_path / "out") == ["IMG_0001 (2).jpg", "IMG_0001.jpg"]


def test_an_album_exports_in_its_own_order(library: Path, tmp_path: Path, capsys):
    with sqlite3.connect(library) as conn:
        paths = [path for (path,) in conn.execute("SELECT path FROM photos")]
    chosen = [next(p for p in paths if p.endswith(n)) for n in ("Big/big.jpg", "Trip/IMG_0001.jpg")]
    code, _, _ = run("album-add", "Best", *chosen, "--library", library, capsys=capsys)
    assert code == 0
    code, out, _ = run("export-photos", "--album", "best", tmp_path / "out", "--json",
                       "--library", library, capsys=capsys)  # fmt: skip
    assert code == 0
    assert [Path(p).name for p in json.loads(out)["written"]] == ["big.jpg", "IMG_0001.jpg"]
    code, _, err = run("export-photos", "--album", "Worst", tmp_path / "out", "--library",
                       library, capsys=capsys)  # fmt: skip
    assert code == 2 and "Worst" in err


# Full disks and cancels: nothing half-written ---------------------------------------------


FIRST = {"IMG_0001.jpg": "Home/IMG_0001.jpg", "IMG_0001 (2).jpg": "Trip/IMG_0001.jpg",
         "IMG_0002.jpg": "Home/IMG_0002.jpg"}  # fmt: skip


def assert_stopped_cleanly(dest: Path, count: int, pictures: Path) -> None:
    """Only the first `count` photos are there, whole: no temporary file, no partial one."""
    names = list(FIRST)[:count]
    assert listing(dest) == sorted(names)
    for name in names:
        assert (dest / name).read_bytes() == (pictures / FIRST[name]).read_bytes()


def test_a_file_the_destination_cannot_take_stops_the_export_cleanly(
    library: Path, pictures: Path, tmp_path: Path
):
    """RLIMIT_FSIZE: writing past it fails with EFBIG (Python ignores SIGXFSZ), as a write to
    a disk with no room left fails, in the middle of a file."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (BIG, BIG))

    dest = tmp_path / "stick"
    result = subprocess.run(
        [sys.executable, "-m", "album", "export-photos", "--search", "Pictures", str(dest),
         "--library", str(library)],
        capture_output=True, text=True, cwd=REPO, preexec_fn=limit, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert f"3 of 4 photos exported to {dest}" in result.stderr
    assert "3 photos written" in result.stdout
    assert_stopped_cleanly(dest, 3, pictures)


def test_a_full_disk_stops_the_export_cleanly(library: Path, pictures: Path, tmp_path: Path):
    """A real full disk: a small tmpfs mounted over the destination, in a mount namespace of
    the export's own (needs root or user namespaces)."""
    dest, listed = tmp_path / "small disk", tmp_path / "listed.json"
    dest.mkdir()
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare (util-linux) to mount a small filesystem")
    check = subprocess.run(["unshare", "--mount", "--map-root-user", "true"], capture_output=True)
    if check.returncode != 0:
        pytest.skip("cannot make a mount namespace here (unshare --mount --map-root-user)")
    script = (
        'mount -t tmpfs -o size=512k tmpfs "$1" || exit 99; '
        '"$2" -m album export-photos --search Pictures "$1" --library "$3"; rc=$?; '
        '"$2" -c "import json, os, sys; from pathlib import Path; d = Path(sys.argv[1]); '
        "json.dump({p.name: p.read_bytes().hex() for p in d.iterdir()}, open(sys.argv[2], 'w'))\" "
        '"$1" "$4"; exit $rc'
    )
    result = subprocess.run(
        ["unshare", "--mount", "--map-root-user", "sh", "-c", script, "sh", str(dest),
         sys.executable, str(library), str(listed)],
        capture_output=True, text=True, cwd=REPO, timeout=120,
    )  # fmt: skip
    if result.returncode == 99:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    assert result.returncode == 1, result.stderr
    assert f"the destination is full: 3 of 4 photos exported to {dest}" in result.stderr
    files = {name: bytes.fromhex(data) for name, data in json.loads(listed.read_text()).items()}
    assert sorted(files) == ["IMG_0001 (2).jpg", "IMG_0001.jpg", "IMG_0002.jpg"]
    assert files["IMG_0001 (2).jpg"] == (pictures / "Trip/IMG_0001.jpg").read_bytes()
    assert listing(dest) == []  # the stick was only ever the tmpfs


def rows_of(library: Path) -> list[ExportRow]:
    from album.store.search import parse, search_photos

    with Library.open(library) as opened:
        ids = [p.id for p in search_photos(opened, parse("Pictures", []))]
        return export_rows(opened.conn, ids)


def test_cancel_stops_between_photos_and_mid_file(library: Path, pictures: Path, tmp_path: Path):
    rows = rows_of(library)
    assert [Path(r.path).name for r in rows] == [Path(p).name for p in PHOTOS]
    done: list[int] = []
    dest = tmp_path / "out"
    report = export_photos(
        rows, dest, ExportOptions(), progress=lambda n, total: done.append(n),
        cancelled=lambda: len(done) >= 2,
    )  # fmt: skip
    assert report.cancelled and done == [1, 2] and len(report.written) == 2
    assert_stopped_cleanly(dest, 2, pictures)

    # In the middle of a big file: its temporary file goes too.
    asked: list[bool] = []

    def cancel_soon() -> bool:
        asked.append(True)
        return len(asked) > 2  # before the photo, then after its first megabyte

    report = export_photos(rows[3:], tmp_path / "mid", ExportOptions(), cancelled=cancel_soon)
    assert report.cancelled and report.written == [] and listing(tmp_path / "mid") == []


def test_export_rows_keep_the_order_and_only_confirmed_names(library: Path):
    """Names the user confirmed or a file gave travel; suggestions, unnamed groups and removed
    faces do not."""
    with sqlite3.connect(library) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM photos ORDER BY id DESC")]
        conn.executemany("INSERT INTO people (id, name, created_at) VALUES (?, ?, 0)",
                         [(1, "Ada"), (2, "Ben"), (3, None), (4, "Cy"), (5, "Di")])  # fmt: skip
        faces = [(1, "user", 0, 10), (2, "auto", 0, 20), (3, "cluster", 0, 30),
                 (4, "file", 0, 40), (5, "user", 1, 50)]  # fmt: skip
        conn.executemany(
            "INSERT INTO faces (photo_id, top, right, bottom, left, person_id, label_source, "
            "removed) VALUES (?, 1, ? + 5, 6, ?, ?, ?, ?)",
            [(ids[0], left, left, person, source, removed)
             for person, source, removed, left in faces],
        )  # fmt: skip
        conn.execute("UPDATE photos SET rating = 5, favourite = 1 WHERE id = ?", (ids[0],))
    with Library.open(library) as opened:
        rows = export_rows(opened.conn, [*ids, ids[0], 99999])
    assert [r.photo_id for r in rows] == ids
    assert rows[0].names == [("Ada", (1, 15, 6, 10)), ("Cy", (1, 45, 6, 40))]
    assert rows[0].rating == 5 and rows[0].favourite
    assert all(r.names == [] and r.rating is None and not r.favourite for r in rows[1:])
    assert all(os.path.isfile(r.path) for r in rows)
