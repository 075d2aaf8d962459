"""The location out of a JPEG's own bytes, for an export that must not say where a photo
was taken and must not re-encode it either.

The EXIF GPS directory is unlinked and zeroed, and GPS properties in the XMP are blanked with
spaces, every segment keeping its length, so nothing else in the file moves (MakerNote offsets,
embedded thumbnails and the extra images of an MPF file stay valid). What cannot be read well
enough to be sure raises `GpsUnremovable`: the caller re-encodes instead.
"""

from __future__ import annotations

import contextlib
import re
import struct
import xml.etree.ElementTree as ET

GPS_IFD = 0x8825  # EXIF's pointer to the GPS directory


class GpsUnremovable(ValueError):
    """The JPEG's metadata cannot be read well enough to be sure the location is gone."""


_APP1 = b"\xff\xe1"
_EXIF_HEADER = b"Exif\x00\x00"
_XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
_EXTENDED_XMP = b"http://ns.adobe.com/xmp/extension/\x00"
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
_NAME = rb"[A-Za-z_][\w.-]*"
_GPS_ATTRIBUTE = re.compile(
    rb"(?<![\w.:-])(?!xmlns:)" + _NAME + rb":gps\w*\s*=\s*(?:\"[^\"]*\"|'[^']*')", re.I
)
_GPS_EMPTY_ELEMENT = re.compile(rb"<(" + _NAME + rb":gps\w*)\b[^>]*/>", re.I)
_GPS_ELEMENT = re.compile(rb"<(" + _NAME + rb":gps\w*)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_GPS_TEXT = re.compile(rb"gps", re.I)
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.I)


def jpeg_without_gps(data: bytes) -> bytes:
    """`data` with every EXIF GPS directory and XMP GPS property taken out, same length, same
    pixels; `data` itself (the same object) when it holds no location. Every APP1 segment in
    the file is looked at, not only the first image's: an MPF file's second image has its own."""
    out = bytearray(data)
    changed = False
    pos = data.find(_APP1, 2)
    while pos != -1 and pos + 4 <= len(data):
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        body, end = pos + 4, pos + 2 + length
        if end <= len(data):
            if data.startswith(_EXIF_HEADER, body):
                changed |= _drop_gps_ifd(out, body + len(_EXIF_HEADER), end)
            elif data.startswith(_XMP_HEADER, body):
                changed |= _blank_xmp_gps(out, body + len(_XMP_HEADER), end)
            elif data.startswith(_EXTENDED_XMP, body) and _GPS_TEXT.search(data, body, end):
                raise GpsUnremovable("the photo has GPS in extended XMP")
        pos = data.find(_APP1, pos + 2)
    return bytes(out) if changed else data


class _Tiff:
    """Reads and zeroes inside one EXIF (TIFF) block of `out`, offsets relative to it."""

    def __init__(self, out: bytearray, start: int, end: int) -> None:
        self.out, self.start, self.size = out, start, end - start
        head = bytes(out[start : start + 2])
        orders = {b"II": "<", b"MM": ">"}
        if head not in orders or self.size < 8:
            raise GpsUnremovable("the photo's EXIF has no TIFF header")
        self.order = orders[head]
        if self.u16(2) != 42:
            raise GpsUnremovable("the photo's EXIF has no TIFF header")

    def _at(self, offset: int, size: int) -> int:
        if offset < 0 or offset + size > self.size:
            raise GpsUnremovable("the photo's EXIF points outside itself")
        return self.start + offset

    def u16(self, offset: int) -> int:
        at = self._at(offset, 2)
        return struct.unpack(self.order + "H", self.out[at : at + 2])[0]

    def u32(self, offset: int) -> int:
        at = self._at(offset, 4)
        return struct.unpack(self.order + "I", self.out[at : at + 4])[0]

    def get(self, offset: int, size: int) -> bytes:
        at = self._at(offset, size)
        return bytes(self.out[at : at + size])

    def put(self, offset: int, data: bytes) -> None:
        at = self._at(offset, len(data))
        self.out[at : at + len(data)] = data

    def zero(self, offset: int, size: int) -> None:
        self.put(offset, bytes(size))


def _drop_gps_ifd(out: bytearray, start: int, end: int) -> bool:
    """Unlink the GPS directory from IFD0 and zero it and its values, in place."""
    tiff = _Tiff(out, start, end)
    ifd = tiff.u32(4)
    count = tiff.u16(ifd)
    entries = [tiff.get(ifd + 2 + 12 * i, 12) for i in range(count)]
    next_ifd = tiff.u32(ifd + 2 + 12 * count)
    gps = [e for e in entries if struct.unpack(tiff.order + "H", e[:2])[0] == GPS_IFD]
    if not gps:
        return False
    for entry in gps:
        _zero_directory(tiff, struct.unpack(tiff.order + "I", entry[8:12])[0])
    kept = [e for e in entries if e not in gps]
    packed = struct.pack(tiff.order + "H", len(kept)) + b"".join(kept)
    packed += struct.pack(tiff.order + "I", next_ifd)
    tiff.put(ifd, packed + bytes(12 * len(gps)))  # the freed entries' room, zeroed
    return True


def _zero_directory(tiff: _Tiff, ifd: int) -> None:
    count = tiff.u16(ifd)
    for i in range(count):
        entry = ifd + 2 + 12 * i
        kind, number = tiff.u16(entry + 2), tiff.u32(entry + 4)
        if kind not in _TYPE_SIZES:
            raise GpsUnremovable("the photo's GPS directory has an unknown value type")
        size = _TYPE_SIZES[kind] * number
        if size > 4:
            with contextlib.suppress(GpsUnremovable):  # a value outside the block: not in it
                tiff.zero(tiff.u32(entry + 8), size)
    tiff.zero(ifd, 2 + 12 * count + 4)


def _blank_xmp_gps(out: bytearray, start: int, end: int) -> bool:
    """Overwrite the XMP's GPS properties with spaces (XML allows them where they stood)."""
    packet = bytes(out[start:end])
    blanked = packet
    for pattern in (_GPS_ATTRIBUTE, _GPS_EMPTY_ELEMENT, _GPS_ELEMENT):
        blanked = pattern.sub(lambda m: b" " * len(m.group(0)), blanked)
    _check_no_gps(blanked)
    if blanked == packet:
        return False
    out[start:end] = blanked
    return True


def _check_no_gps(packet: bytes) -> None:
    """Raise unless the packet, read as XML, has no GPS property left."""
    if not _GPS_TEXT.search(packet):
        return
    if _DOCTYPE.search(packet):
        raise GpsUnremovable("the photo's XMP declares a DOCTYPE")
    try:
        root = ET.fromstring(packet.rstrip(b"\x00 \t\r\n"))
    except ET.ParseError:
        raise GpsUnremovable("the photo's XMP cannot be read") from None
    for element in root.iter():
        for name in (element.tag, *element.attrib):
            if name.rpartition("}")[2].lower().startswith("gps"):
                raise GpsUnremovable("the photo's XMP keeps a GPS property")
