"""When a photo was taken, from the fields cameras and programs write.

The timeline puts a photo on the day the family remembers, so the order of trust is the one
exiftool and digiKam use: EXIF DateTimeOriginal (the shutter), then DateTimeDigitized (a
scan of a print), then the XMP dates editors write when they carry no EXIF (exif:
DateTimeOriginal, photoshop:DateCreated, xmp:CreateDate), and last EXIF's DateTime, which a
program rewrites whenever it edits the file. A file's own modified time is no date of the
photo: the store keeps it (`photos.mtime_ns`) and the timeline shows it as a guess.

The result is ISO 8601 in the camera's local time, "2019-07-14T10:00:00", with the offset
when the file says it ("+09:00", EXIF's OffsetTimeOriginal): the local calendar day is what
sorts and groups, and the offset is kept so nothing that knew the true moment is lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from PIL import Image

from album.interop import rdf

_EXIF_IFD = 0x8769
_DATE_TIME = 0x0132  # IFD0: changed on every edit
# (the date's tag, its offset's tag) in the EXIF sub-IFD, most trusted first
_EXIF_DATES = ((0x9003, 0x9011), (0x9004, 0x9012))
_XMP_DATES = (
    "{http://ns.adobe.com/exif/1.0/}DateTimeOriginal",
    "{http://ns.adobe.com/photoshop/1.0/}DateCreated",
    "{http://ns.adobe.com/xap/1.0/}CreateDate",
)
# "2019:07:14 10:00:00" (EXIF) or "2019-07-14T10:00:00.25+02:00" (XMP); a date alone is a date.
_STAMP = re.compile(
    r"\s*(\d{4})[:-](\d{2})[:-](\d{2})"
    r"(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?"
)
_OFFSET = re.compile(r"\s*([+-])(\d{2}):?(\d{2})\s*$")


def taken_at(exif: Image.Exif, packet: Callable[[], bytes | None] = lambda: None) -> str | None:
    """The photo's date from its EXIF, else from its embedded XMP packet; None when neither
    holds a real one (cameras write "0000:00:00 00:00:00" when their clock was never set).
    `packet` finds the XMP only when EXIF has no date: a camera's photo is not searched."""
    try:
        sub = exif.get_ifd(_EXIF_IFD)
    except Exception:  # broken EXIF must not fail the photo
        sub = {}
    for stamp_tag, offset_tag in _EXIF_DATES:
        found = stamp(sub.get(stamp_tag), sub.get(offset_tag))
        if found:
            return found
    found_packet = packet()
    if found_packet:
        try:
            props = rdf.parse_packet(found_packet)
        except rdf.XmpError:
            props = {}
        for name in _XMP_DATES:
            found = stamp(rdf.text(props.get(name)))
            if found:
                return found
    return stamp(exif.get(_DATE_TIME))


def stamp(raw: object, offset: object = None) -> str | None:
    """One written date as album's ISO form, or None when it is not a calendar date."""
    if isinstance(raw, bytes):
        raw = raw.decode("ascii", "replace")
    if not isinstance(raw, str):
        return None
    found = _STAMP.match(raw.strip("\x00"))
    if found is None:
        return None
    year, month, day = int(found[1]), int(found[2]), int(found[3])
    try:
        date(year, month, day)
    except ValueError:
        return None
    if year < 1826:  # before the first photograph: a default, not a date
        return None
    text = f"{year:04d}-{month:02d}-{day:02d}"
    if found[4] is not None:
        text += f"T{found[4]}:{found[5]}:{found[6] or '00'}"
        zone = found[7] or _offset(offset)
        if zone:
            text += "+00:00" if zone == "Z" else _offset(zone)
    return text


def _offset(raw: object) -> str:
    if isinstance(raw, bytes):
        raw = raw.decode("ascii", "replace")
    if not isinstance(raw, str):
        return ""
    found = _OFFSET.match(raw.strip("\x00"))
    if found is None or int(found[2]) > 14 or int(found[3]) > 59:
        return ""
    return f"{found[1]}{found[2]}:{found[3]}"
