"""Where a photo was taken: the GPS coordinates cameras and programs write.

A phone writes EXIF's GPS IFD (degrees, minutes, seconds as rationals, with N/S and E/W in
their own tags); a program that geotags afterwards (digiKam, Lightroom, a GPX tool) may write
XMP's exif:GPSLatitude / exif:GPSLongitude instead ("35,39.6N": degrees and decimal minutes,
or "35,39,36N"). Both are read, EXIF first. (0, 0) is what a phone writes without a fix, and
a value outside the globe is damage: both give no place, never a wrong one.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PIL import Image

from album.interop import rdf

_GPS_IFD = 0x8825
_LAT_REF, _LAT, _LON_REF, _LON = 1, 2, 3, 4
_XMP_EXIF = "{http://ns.adobe.com/exif/1.0/}"
_XMP_COORDINATE = re.compile(r"\s*(\d+(?:\.\d+)?),(\d+(?:\.\d+)?)(?:,(\d+(?:\.\d+)?))?([NSEW])\s*$")

Coordinates = tuple[float, float]  # latitude, longitude in degrees; south and west negative


def coordinates(
    exif: Image.Exif, packet: Callable[[], bytes | None] = lambda: None
) -> Coordinates | None:
    """The photo's latitude and longitude, or None when it says no place (or a broken one).
    `packet` finds the XMP only when EXIF has none."""
    try:
        gps = exif.get_ifd(_GPS_IFD)
    except Exception:  # broken EXIF must not fail the photo
        gps = {}
    found = _checked(
        _exif_degrees(gps.get(_LAT), gps.get(_LAT_REF), "S"),
        _exif_degrees(gps.get(_LON), gps.get(_LON_REF), "W"),
    )
    if found is not None:
        return found
    raw = packet()
    if not raw:
        return None
    try:
        props = rdf.parse_packet(raw)
    except rdf.XmpError:
        return None
    return _checked(
        _xmp_degrees(rdf.text(props.get(_XMP_EXIF + "GPSLatitude")), "NS"),
        _xmp_degrees(rdf.text(props.get(_XMP_EXIF + "GPSLongitude")), "EW"),
    )


def _exif_degrees(value: object, ref: object, negative: str) -> float | None:
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    if not isinstance(value, tuple) or not 1 <= len(value) <= 3:
        return None
    try:
        parts = [float(part) for part in value]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if any(part != part for part in parts):  # a 0/0 rational reads as NaN
        return None
    degrees = sum(part / 60**i for i, part in enumerate(parts))
    if isinstance(ref, str) and ref.strip("\x00 ").upper() == negative:
        degrees = -degrees
    return degrees


def _xmp_degrees(value: str | None, refs: str) -> float | None:
    found = _XMP_COORDINATE.match(value or "")
    if found is None or found[4] not in refs:
        return None
    degrees = float(found[1]) + float(found[2]) / 60 + float(found[3] or 0) / 3600
    return -degrees if found[4] in "SW" else degrees


def _checked(latitude: float | None, longitude: float | None) -> Coordinates | None:
    if latitude is None or longitude is None:
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    if latitude == 0 and longitude == 0:  # no fix, written as zeros
        return None
    return round(latitude, 6), round(longitude, 6)
