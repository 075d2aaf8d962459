"""Stars travel between album and the photos' files as digiKam, Lightroom and Windows keep
them: read from what exiftool, the reference, writes; written so that exiftool reads them back.

Photos are small JPEGs made here with Pillow: a rating needs no faces."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from album.interop.file_names import read_file_names
from album.interop.jpeg_xmp import read_jpeg_packet
from album.interop.write_names import write_names
from album.interop.xmp_read import read_packet
from album.interop.xmp_write import NamedFace, merge_packet
from album.store import file_names as store
from album.store.library import Library
from tests.conftest import album
from tests.xmp_tools import exiftool, need_exiftool, read_json


def _jpeg(path: Path, colour: tuple[int, int, int] = (200, 120, 40)) -> Path:
    """A photo of its own colour, so the library keeps each as a photo of its own."""
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (64, 48), colour).save(path, quality=90)
    return path


def _rating(photo: Path) -> int | None:
    return read_file_names(photo, photo.read_bytes()).rating


def _one_value(path: Path, tag: str) -> str:
    """The only value exiftool finds for `tag` (-a lists every copy, one a line)."""
    lines = exiftool("-a", "-s3", "-n", f"-{tag}", path).splitlines()
    assert len(lines) == 1, f"{tag} in {path.name}: {lines}"
    return lines[0]


@pytest.mark.parametrize(
    ("tags", "stars"),
    [
        (["-XMP-xmp:Rating=4"], 4),
        (["-XMP-xmp:Rating=-1"], 0),  # Lightroom's "rejected"
        (["-XMP-microsoft:RatingPercent=75"], 4),
        (["-XMP-microsoft:RatingPercent=12"], 1),
        (["-XMP-microsoft:RatingPercent=13"], 2),
        (["-IFD0:Rating=2"], 2),
        (["-IFD0:RatingPercent=88"], 5),
        # Windows writes all four: xmp:Rating is the one every program reads.
        (
            [
                "-XMP-xmp:Rating=3",
                "-XMP-microsoft:RatingPercent=99",
                "-IFD0:Rating=1",
                "-IFD0:RatingPercent=1",
            ],
            3,
        ),
        ([], None),
    ],
)
def test_the_stars_exiftool_writes_are_read(tmp_path: Path, tags: list[str], stars) -> None:
    photo = _jpeg(tmp_path / "photo.jpg")
    if tags:
        exiftool("-overwrite_original", *tags, photo)
    assert _rating(photo) == stars


def test_a_sidecar_beats_the_embedded_rating(tmp_path: Path) -> None:
    photo = _jpeg(tmp_path / "photo.jpg")
    exiftool("-overwrite_original", "-XMP-xmp:Rating=1", "-IFD0:Rating=2", photo)
    assert _rating(photo) == 1, "the embedded XMP beats EXIF"
    exiftool("-XMP-xmp:Rating=5", "-o", tmp_path / "photo.jpg.xmp")
    assert _rating(photo) == 5


def test_hand_written_ratings_in_either_form_and_garbage(tmp_path: Path) -> None:
    photo = _jpeg(tmp_path / "photo.jpg")
    sidecar = tmp_path / "photo.jpg.xmp"
    cases = {
        '<rdf:Description rdf:about="" xmp:Rating="3.0"/>': 3,
        '<rdf:Description rdf:about=""><xmp:Rating>4</xmp:Rating></rdf:Description>': 4,
        '<rdf:Description rdf:about="" xmp:Rating="9"/>': 5,
        '<rdf:Description rdf:about="" xmp:Rating="lots"/>': None,
        '<rdf:Description rdf:about="" xmp:Rating="nan" MicrosoftPhoto:Rating="50"/>': 3,
        '<rdf:Description rdf:about=""><MicrosoftPhoto:Rating>0</MicrosoftPhoto:Rating>'
        "</rdf:Description>": 0,
    }
    for description, stars in cases.items():
        sidecar.write_text(
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
            'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
            'xmlns:MicrosoftPhoto="http://ns.microsoft.com/photo/1.0/">'
            f"{description}</rdf:RDF></x:xmpmeta>"
        )
        assert _rating(photo) == stars, description


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_a_broken_exif_reads_as_no_rating(tmp_path: Path) -> None:
    photo = _jpeg(tmp_path / "photo.jpg")
    data = photo.read_bytes()
    broken = data[:2] + b"\xff\xe1\x00\x10Exif\x00\x00MM\x00\x2a\xff\xff\xff\xff" + data[2:]
    assert read_file_names(photo, broken).rating is None


PACKET = """<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
    xmp:Rating="1" xmp:CreatorTool="Lightroom">
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">Beach</rdf:li></rdf:Alt></dc:title>
   <Iptc4xmpExt:PersonInImage><rdf:Bag><rdf:li>Anna</rdf:li></rdf:Bag></Iptc4xmpExt:PersonInImage>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>"""


def test_merge_replaces_the_rating_and_keeps_the_rest(tmp_path: Path) -> None:
    need_exiftool()
    sidecar = tmp_path / "photo.jpg.xmp"
    face = NamedFace("Bo", (0.1, 0.2, 0.3, 0.5))
    sidecar.write_bytes(
        merge_packet(PACKET.encode(), [face], orientation=1, stored_size=(64, 48), rating=3)
    )
    assert _one_value(sidecar, "XMP-xmp:Rating") == "3"
    assert _one_value(sidecar, "XMP-microsoft:RatingPercent") == "50"
    read = read_json(sidecar, "-Title", "-CreatorTool", "-PersonInImage", "-RegionInfo")
    assert read["Title"] == "Beach" and read["CreatorTool"] == "Lightroom"
    assert sorted(read["PersonInImage"]) == ["Anna", "Bo"]
    assert [r["Name"] for r in read["RegionInfo"]["RegionList"]] == ["Bo"]

    # None leaves the stars alone; 0 is no stars, and Windows' percent goes.
    kept = merge_packet(sidecar.read_bytes(), [face], orientation=1, stored_size=(64, 48))
    assert read_packet(kept).rating == 3
    sidecar.write_bytes(merge_packet(kept, [face], orientation=1, stored_size=(64, 48), rating=0))
    assert _one_value(sidecar, "XMP-xmp:Rating") == "0"
    assert exiftool("-a", "-s3", "-XMP-microsoft:RatingPercent", sidecar) == ""
    assert read_json(sidecar, "-Title")["Title"] == "Beach"


def test_merge_updates_windows_percent_as_exiftool_spelled_it(tmp_path: Path) -> None:
    """exiftool writes MicrosoftPhoto's namespace without Windows' trailing slash: the one
    percent is replaced, never joined by a second spelling."""
    sidecar = tmp_path / "photo.jpg.xmp"
    exiftool("-XMP-xmp:Rating=1", "-XMP-microsoft:RatingPercent=1", "-o", sidecar)
    sidecar.write_bytes(
        merge_packet(sidecar.read_bytes(), [], orientation=1, stored_size=(64, 48), rating=4)
    )
    assert _one_value(sidecar, "XMP-xmp:Rating") == "4"
    assert _one_value(sidecar, "XMP-microsoft:RatingPercent") == "75"
    assert sidecar.read_text().count("Rating>") == 4, "one element each, opened and closed"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


@pytest.fixture
def rated_library(tmp_path: Path) -> dict:
    """Three photos scanned by the real `album scan`; two rated in album, one by its file."""
    need_exiftool()
    folder = tmp_path / "photos"
    paths = {
        name: _jpeg(folder / f"{name}.jpg", colour)
        for name, colour in (("side", (250, 10, 10)), ("inside", (10, 250, 10)))
    }
    paths["filed"] = _jpeg(folder / "filed.jpg", (10, 10, 250))
    exiftool("-overwrite_original", "-XMP-xmp:Rating=2", paths["filed"])
    library = tmp_path / "lib.db"
    album("scan", folder, "--library", library, "--quiet")
    with Library.open(library) as lib:
        ids = {
            Path(path).stem: pid for pid, path in lib.conn.execute("SELECT id, path FROM photos")
        }
        with lib.write() as db:
            for name in ("side", "inside"):
                db.conn.execute(
                    "UPDATE photos SET rating = 5, rated = 'user' WHERE id = ?", (ids[name],)
                )
            # What the scan reads is the file's business (another module's); set it here so
            # this test depends only on the writer.
            db.conn.execute(
                "UPDATE photos SET rating = 2, rated = 'file' WHERE id = ?", (ids["filed"],)
            )
    return {"library": library, "ids": ids, "paths": paths}


def test_a_rating_set_in_album_goes_into_a_sidecar(rated_library: dict) -> None:
    ids, paths = rated_library["ids"], rated_library["paths"]
    before = {name: _digest(path) for name, path in paths.items()}
    with Library.open(rated_library["library"]) as lib:
        report = write_names(lib, photo_ids={ids["side"]})
    assert not report.failed
    sidecar = paths["side"].with_name("side.jpg.xmp")
    assert [(w.path, w.names, w.rating) for w in report.written] == [(str(sidecar), [], 5)]
    assert read_json(sidecar, "-XMP-xmp:Rating")["Rating"] == 5
    assert _one_value(sidecar, "XMP-microsoft:RatingPercent") == "99"
    assert {name: _digest(path) for name, path in paths.items()} == before
    assert _rating(paths["side"]) == 5


def test_a_rating_set_in_album_goes_into_the_jpeg(rated_library: dict) -> None:
    ids, paths = rated_library["ids"], rated_library["paths"]
    photo = paths["inside"]
    pixels = _pixels(photo)
    with Library.open(rated_library["library"]) as lib:
        report = write_names(lib, in_file=True, photo_ids={ids["inside"]})
        stored = lib.conn.execute(
            "SELECT size FROM photos WHERE id = ?", (ids["inside"],)
        ).fetchone()
    assert not report.failed and [w.path for w in report.written] == [str(photo)]
    assert not list(photo.parent.glob("*.xmp")), "file mode writes no sidecar for a JPEG"
    assert read_json(photo, "-XMP-xmp:Rating")["Rating"] == 5
    assert read_packet(read_jpeg_packet(photo.read_bytes()) or b"").rating == 5
    assert np.array_equal(_pixels(photo), pixels)
    assert stored[0] == photo.stat().st_size, "the library knows the file it wrote"


def test_only_ratings_set_in_album_are_written(rated_library: dict) -> None:
    ids, paths = rated_library["ids"], rated_library["paths"]
    filed = _digest(paths["filed"])
    with Library.open(rated_library["library"]) as lib:
        listed = {p.photo_id: p.rating for p in store.names_to_write(lib.conn)}
        assert listed == {ids["side"]: 5, ids["inside"]: 5}
        assert store.names_to_write(lib.conn, [10**6]) == [], "one person's names only"
        write_names(lib)
    assert _digest(paths["filed"]) == filed
    assert not paths["filed"].with_name("filed.jpg.xmp").exists()
    assert read_json(paths["filed"], "-XMP-xmp:Rating")["Rating"] == 2
