"""Issue 21: a photo's date and place are read as other programs write it, in their order of trust.

exiftool (the reference writer) puts each kind of date into its own photo: a camera's
DateTimeOriginal with its time zone, a scanner's DateTimeDigitized, the XMP dates editors
write, EXIF's ModifyDate as the last resort, and a camera with an unset clock. `album scan`
must then store the day a family would expect for each. The same for GPS coordinates, as a
phone writes them (EXIF) and as a geotagging program does (XMP).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import album, export
from tests.xmp_tools import exiftool, need_exiftool

# file name -> (exiftool's arguments, the date album must store)
DATED = {
    "camera.jpg": (
        ["-EXIF:DateTimeOriginal=2018:07:14 10:05:30", "-EXIF:OffsetTimeOriginal=+09:00"],
        "2018-07-14T10:05:30+09:00",
    ),
    "camera-no-zone.jpg": (["-EXIF:DateTimeOriginal=2003:12:24 18:00:00"], "2003-12-24T18:00:00"),
    "scanned-print.jpg": (["-EXIF:CreateDate=1987:05:02 00:00:00"], "1987-05-02T00:00:00"),
    "edited.jpg": (
        ["-XMP-photoshop:DateCreated=2011-08-09T16:20:00+02:00"],
        "2011-08-09T16:20:00+02:00",
    ),
    "xmp-create.jpg": (["-XMP-xmp:CreateDate=2015-01-31T08:00:00Z"], "2015-01-31T08:00:00+00:00"),
    # A camera with its clock never set, but an editor knew the date: the editor's is used.
    "unset-clock.jpg": (
        ["-EXIF:DateTimeOriginal=0000:00:00 00:00:00", "-XMP-exif:DateTimeOriginal=2020-02-29"],
        "2020-02-29",
    ),
    # The shutter's date wins over the one a program wrote when it last saved the file.
    "both.jpg": (
        ["-EXIF:DateTimeOriginal=2009:06:01 12:00:00", "-EXIF:ModifyDate=2024:01:01 09:00:00"],
        "2009-06-01T12:00:00",
    ),
    "modify-only.jpg": (["-EXIF:ModifyDate=2012:10:10 10:10:10"], "2012-10-10T10:10:10"),
    "no-date.jpg": ([], None),
}


def scanned(tmp_path: Path, tagged: dict[str, tuple[list[str], object]]) -> list[dict]:
    """Photos tagged by exiftool, scanned as a user would: `album export`'s photos."""
    need_exiftool()
    folder = tmp_path / "Pictures"
    make_photos(folder, tagged)
    library = tmp_path / "library.db"
    album("scan", folder, "--library", library, "--workers", "1")
    return export(library)["photos"]


def make_photos(folder: Path, tagged: dict[str, tuple[list[str], object]]) -> None:
    folder.mkdir()
    rng = np.random.default_rng(7)
    for name, (args, _) in tagged.items():
        pixels = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
        path = folder / name
        Image.fromarray(pixels).save(path, quality=90)
        if args:
            exiftool("-overwrite_original", *args, path)


def test_scan_reads_each_kind_of_date_as_other_programs_write_it(tmp_path: Path):
    stored = {Path(p["path"]).name: p["taken_at"] for p in scanned(tmp_path, DATED)}
    assert stored == {name: want for name, (_, want) in DATED.items()}


def exif_gps(latitude: str, longitude: str) -> list[str]:
    """exiftool's arguments for a phone's EXIF GPS: "35.01 N", "77.04 W"."""
    (lat, lat_ref), (lon, lon_ref) = latitude.split(), longitude.split()
    return [
        f"-GPSLatitude={lat}",
        f"-GPSLatitudeRef={lat_ref}",
        f"-GPSLongitude={lon}",
        f"-GPSLongitudeRef={lon_ref}",
    ]


# file name -> (exiftool's arguments, the (latitude, longitude) album must store)
PLACED = {
    "kyoto.jpg": (exif_gps("35.011636 N", "135.768029 E"), (35.011636, 135.768029)),
    "lima.jpg": (exif_gps("12.046374 S", "77.042793 W"), (-12.046374, -77.042793)),
    # Mid-Atlantic: coordinates, but no place near enough to name.
    "at-sea.jpg": (exif_gps("0.5 N", "20 W"), (0.5, -20.0)),
    # Geotagged afterwards by a program that writes XMP only.
    "geotagged.jpg": (
        ["-XMP-exif:GPSLatitude=38.722252 N", "-XMP-exif:GPSLongitude=9.139337 W"],
        (38.722252, -9.139337),
    ),
    # A phone without a fix writes zeros: no place, not the Gulf of Guinea.
    "no-fix.jpg": (exif_gps("0 N", "0 E"), None),
    "nowhere.jpg": ([], None),
}


# The names `album export` gives those places, offline.
PLACE_NAMES = {
    "kyoto.jpg": "Kyoto, Japan",
    "lima.jpg": "Lima, Lima Province, Peru",
    "geotagged.jpg": "Lisbon, Portugal",
}


def test_scan_reads_where_each_photo_was_taken_and_names_the_place(tmp_path: Path):
    photos = scanned(tmp_path, PLACED)
    stored = {Path(p["path"]).name: p["place"] for p in photos}
    assert stored.keys() == PLACED.keys()
    named = {Path(p["path"]).name: p["place_name"] for p in photos if p["place_name"]}
    assert named == PLACE_NAMES
    for name, (_, want) in PLACED.items():
        if want is None:
            assert stored[name] is None, name
        else:
            assert stored[name] == pytest.approx(list(want), abs=1e-5), name
