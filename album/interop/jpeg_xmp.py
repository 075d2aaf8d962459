"""XMP inside a JPEG, written by album itself: one APP1 segment, nothing else touched.

Why our own writer: exiftool (GPL/Artistic, Perl) is an external program a user may not have,
and the exiv2 bindings are GPL, which would change the licence of album's bundle (album is MIT
and ships a PyInstaller bundle). A JPEG keeps its XMP packet in one APP1 segment whose payload
starts with the XMP namespace; replacing that segment's bytes changes nothing else in the file,
which this module proves before it replaces the original: the temporary file is re-read, its
decoded pixels must equal the original's and its packet must be the one written; then it is
fsynced and renamed over the original in one step, so a crash leaves either file whole.

Packets over one segment (64 KiB, "extended XMP") are refused: album then writes a sidecar.
"""

from __future__ import annotations

import os
import struct
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
MAX_PAYLOAD = 65533  # segment length field counts itself (2 bytes), at most 65535
JPEG_SUFFIXES = (".jpg", ".jpeg", ".jpe")


class JpegXmpError(ValueError):
    """The JPEG cannot take the packet safely; the message says why."""


def _segments(data: bytes) -> tuple[list[tuple[int, int, int]], int]:
    """(marker, start, end) of each segment before the image data, and where they stop."""
    if data[:2] != b"\xff\xd8":
        raise JpegXmpError("not a JPEG file")
    pos, out = 2, []
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise JpegXmpError("the JPEG's header is damaged")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA or marker == 0xD9:  # start of scan / end: headers are over
            return out, pos
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        end = pos + 2 + length
        if length < 2 or end > len(data):
            raise JpegXmpError("the JPEG's header is damaged")
        out.append((marker, pos, end))
        pos = end
    raise JpegXmpError("the JPEG has no image data")


def read_jpeg_packet(data: bytes) -> bytes | None:
    segments, _ = _segments(data)
    for marker, start, end in segments:
        if marker == 0xE1 and data[start + 4 : start + 4 + len(XMP_HEADER)] == XMP_HEADER:
            return data[start + 4 + len(XMP_HEADER) : end]
    return None


def with_packet(data: bytes, packet: bytes) -> bytes:
    """The JPEG's bytes with its XMP segment replaced by (or given) `packet`."""
    payload = XMP_HEADER + packet
    if len(payload) > MAX_PAYLOAD:
        raise JpegXmpError("the names do not fit in one JPEG XMP segment (extended XMP)")
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    segments, _ = _segments(data)
    for marker, start, end in segments:
        if marker == 0xE1 and data[start + 4 : start + 4 + len(XMP_HEADER)] == XMP_HEADER:
            return data[:start] + segment + data[end:]
    # After SOI and the APP0 (JFIF) / Exif APP1 segments, where readers look first.
    insert = 2
    for marker, _, end in segments:
        if marker in (0xE0, 0xE1):
            insert = end
        else:
            break
    return data[:insert] + segment + data[insert:]


def _pixels(path: Path | str) -> np.ndarray:
    with Image.open(path) as image:
        image.load()
        return np.asarray(image)


def write_in_place(path: Path, packet: bytes) -> None:
    """Put `packet` into the JPEG at `path`, verified and atomic (see the module's doc)."""
    data = path.read_bytes()
    new = with_packet(data, packet)
    before = _pixels(path)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".album-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(new)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, path.stat().st_mode & 0o7777)
        if read_jpeg_packet(Path(temp).read_bytes()) != packet:
            raise JpegXmpError("the written file does not read back the same names")
        if not np.array_equal(_pixels(temp), before):
            raise JpegXmpError("the written file's pixels differ from the original's")
        os.replace(temp, path)
        temp = ""
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    finally:
        if temp:
            os.unlink(temp)
