"""Photos out of the library into a folder: for a USB stick, a shared drive, a message.

The originals are only ever opened for reading. Each exported file is written under a hidden
temporary name in the destination, flushed to disk, then given its final name in one step, so
a full disk, a pulled stick or a cancel never leaves a half-written photo under a real name.

Names: a file already in the destination is never overwritten. A clash (two folders' IMG_0001.JPG,
or a stranger's file) gets " (2)", " (3)"… before the suffix. A file there that already holds
exactly what would be written (exporting the same photos again) is left as it is and counted as
exported, not copied a second time (a sidecar asked for this time is added beside it if that
name is free); files written earlier in the same run never count as that, so two identical
originals still give two files.

GPS without resizing: a JPEG keeps its pixels. The location is taken out of its bytes in place:
the EXIF GPS directory is unlinked and zeroed, and GPS properties in its XMP are blanked with
spaces, every segment keeping its length, so nothing else in the file moves (MakerNote offsets,
embedded thumbnails and the extra images of an MPF file stay valid). Anything that cannot be read
well enough to be sure, and every other format, is re-encoded instead (JPEG, quality 95).
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import shutil
import struct
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from album.imaging import RAW_SUFFIXES, PhotoError, is_video, open_photo, photo_orientation
from album.interop.gps_strip import GPS_IFD, GpsUnremovable, jpeg_without_gps
from album.interop.jpeg_xmp import JPEG_SUFFIXES
from album.interop.xmp_write import NamedFace, merge_packet
from album.store.export_rows import ExportRow

RESIZED_QUALITY = 90
FULL_QUALITY = 95  # GPS taken out of a photo that cannot keep its own bytes
CHUNK = 1 << 20
TEMP_PREFIX = ".album-export-"
NEW_FILE_MODE = 0o644
_FULL = {errno.ENOSPC, errno.EDQUOT}
# os.link's ways of saying "not here" (another disk, FAT, a protected original): copy instead.
_NO_LINK = {errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS}
_HEIF_SUFFIXES = (".heic", ".heif", ".avif")
ORIENTATION, EXIF_IFD, INTEROP_IFD = 0x0112, 0x8769, 0xA005
MAKER_NOTE, PIXEL_WIDTH, PIXEL_HEIGHT = 0x927C, 0xA002, 0xA003
# What a resized copy keeps of the first EXIF directory: who, what camera, when. Not the
# structure tags a TIFF keeps there (strips, bits per sample), which describe other pixels.
_KEPT_IFD0 = (0x010E, 0x010F, 0x0110, 0x0131, 0x0132, 0x013B, 0x8298)


@dataclass(frozen=True)
class ExportOptions:
    link: bool = False  # hard links to the originals where the disk allows, copies elsewhere
    sidecars: bool = False  # NAME.EXT.xmp beside each photo: names of faces and the rating
    long_side: int | None = None  # shrink to this many pixels on the long side (JPEG out)
    strip_gps: bool = False


@dataclass
class ExportReport:
    dest: Path
    total: int
    written: list[Path] = field(default_factory=list)  # photos this export wrote
    sidecars: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)  # already there, identical
    linked: int = 0  # how many of `written` are hard links
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (original, why)
    cancelled: bool = False
    error: str | None = None  # why the export stopped early, for the user

    @property
    def exported(self) -> int:
        return len(self.written) + len(self.unchanged)


class _Skip(Exception):
    """This photo cannot be exported (its original is gone or unreadable); the others go on."""


class _Cancelled(Exception):
    pass


@dataclass(frozen=True)
class _Content:
    """What one photo becomes: the original's own bytes (`data` None) or new bytes, with the
    frame the sidecar's regions are given in (orientation and size of the written pixels)."""

    name: str
    source: Path
    data: bytes | None
    orientation: int = 1
    stored_size: tuple[int, int] | None = None


def export_photos(
    rows: list[ExportRow],
    dest: Path,
    options: ExportOptions,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ExportReport:
    """Export `rows` into `dest` (created if missing). Never raises for a photo or a disk:
    the report says what was written, skipped, and why it stopped early. `cancelled` is
    asked between photos and while a large file is copied."""
    if options.long_side is not None and options.long_side < 1:
        raise ValueError(f"the long side must be a positive number, not {options.long_side}")
    report = ExportReport(dest, len(rows))
    stop = cancelled or (lambda: False)
    ours: set[str] = set()  # names this run wrote: never "already there"
    try:
        dest.mkdir(parents=True, exist_ok=True)
        for done, row in enumerate(rows, start=1):
            if stop():
                raise _Cancelled
            try:
                _export_one(row, dest, options, report, ours, stop)
            except _Skip as exc:
                report.skipped.append((row.path, str(exc)))
            if progress is not None:
                progress(done, len(rows))
    except _Cancelled:
        report.cancelled = True
    except OSError as exc:
        report.error = _stopped(exc, report)
    finally:
        _sync_folder(dest)
    return report


def _stopped(exc: OSError, report: ExportReport) -> str:
    done = f"{report.exported} of {report.total} photos exported to {report.dest}"
    if exc.errno in _FULL:
        return f"the destination is full: {done}"
    if exc.errno == errno.EFBIG:
        return f"the destination takes no file this large: {done}"
    if exc.errno == errno.EROFS:
        return f"the destination is read-only: {done}"
    return f"cannot write to the destination ({exc.strerror or exc}): {done}"


def _export_one(
    row: ExportRow,
    dest: Path,
    options: ExportOptions,
    report: ExportReport,
    ours: set[str],
    stop: Callable[[], bool],
) -> None:
    content = _content(row, options)
    packet = _sidecar(row, content) if options.sidecars else None
    for final in _slots(dest, content.name):
        side = final.with_name(final.name + ".xmp") if packet is not None else None
        if os.path.lexists(final):
            if final.name.casefold() in ours or not _holds(final, content):
                continue
            if side is not None and packet is not None and not _same_bytes(side, packet):
                if os.path.lexists(side):
                    continue
                _put(_Content(side.name, side, packet), side, False, stop)  # only it was missing
                report.sidecars.append(side)
            report.unchanged.append(final)
            return
        if side is not None and os.path.lexists(side):
            continue
        try:
            linked = _put(content, final, options.link, stop)
        except FileExistsError:  # someone else took the name just now
            continue
        ours.add(final.name.casefold())
        if side is not None and packet is not None:
            try:
                _put(_Content(side.name, side, packet), side, False, stop)
            except BaseException:
                with contextlib.suppress(OSError):  # no photo without the sidecar asked for
                    final.unlink()
                raise
            ours.add(side.name.casefold())
            report.sidecars.append(side)
        report.written.append(final)
        report.linked += linked
        return


def _slots(dest: Path, name: str) -> Iterator[Path]:
    """`name`, then "stem (2).ext", "stem (3).ext"… in `dest`."""
    yield dest / name
    stem, suffix = os.path.splitext(name)
    number = 2
    while True:
        yield dest / f"{stem} ({number}){suffix}"
        number += 1


def _holds(final: Path, content: _Content) -> bool:
    """Whether `final` already holds exactly what this photo would become."""
    if content.data is not None:
        return _same_bytes(final, content.data)
    try:
        if os.path.samefile(final, content.source):
            return True
        if os.path.getsize(final) != os.path.getsize(content.source):
            return False
        with open(final, "rb") as a, open(content.source, "rb") as b:
            while True:
                x, y = a.read(CHUNK), b.read(CHUNK)
                if x != y:
                    return False
                if not x:
                    return True
    except OSError:
        return False


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return os.path.getsize(path) == len(data) and path.read_bytes() == data
    except OSError:
        return False


# Writing ------------------------------------------------------------------------------------


def _put(content: _Content, final: Path, link: bool, stop: Callable[[], bool]) -> bool:
    """Write `content` at `final`, which must not exist; True if it became a hard link."""
    if link and content.data is None:
        try:
            os.link(content.source, final)
            return True
        except FileExistsError:
            raise
        except OSError as exc:
            if exc.errno not in _NO_LINK:
                raise
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=final.parent)
    temp: Path | None = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            if content.data is None:
                _copy_into(content.source, out, stop)
            else:
                out.write(content.data)
            out.flush()
            os.fsync(out.fileno())
        if content.data is None:
            with contextlib.suppress(OSError):  # the original's times and mode, where allowed
                shutil.copystat(content.source, name)
        else:
            os.chmod(name, NEW_FILE_MODE)
        _name_new(Path(name), final)
        temp = None
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                temp.unlink()
    return False


def _copy_into(source: Path, out: io.BufferedWriter, stop: Callable[[], bool]) -> None:
    """The original's bytes into `out`. Reading errors skip the photo; writing errors stop."""
    try:
        handle = open(source, "rb")  # noqa: SIM115 (closed below; errors told apart)
    except OSError as exc:
        raise _Skip(f"cannot read the original: {exc.strerror or exc}") from None
    with handle:
        while True:
            if stop():
                raise _Cancelled
            try:
                chunk = handle.read(CHUNK)
            except OSError as exc:
                raise _Skip(f"cannot read the original: {exc.strerror or exc}") from None
            if not chunk:
                return
            out.write(chunk)


def _name_new(temp: Path, final: Path) -> None:
    """Give the finished temporary file its name without ever replacing a file: a hard link
    fails if the name is taken; where links are not allowed, a rename after a last look."""
    try:
        os.link(temp, final)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in _NO_LINK:
            raise
        if os.path.lexists(final):
            raise FileExistsError(errno.EEXIST, "file exists", str(final)) from None
        os.replace(temp, final)
        return
    temp.unlink()


def _sync_folder(folder: Path) -> None:
    """The new names on disk too (a file's own fsync does not cover its directory entry)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# What each photo becomes ----------------------------------------------------------------------


def _content(row: ExportRow, options: ExportOptions) -> _Content:
    source = Path(row.path)
    if not source.is_file():
        raise _Skip("the original is missing (offline, moved or deleted)")
    regions = options.sidecars and bool(row.names)
    if is_video(source):
        # album does not re-encode videos: one goes out as it is, at its own size. Nor can it
        # take a video's place out, so with --strip-gps it stays home rather than leak it.
        if options.strip_gps:
            raise _Skip("videos cannot be exported without their place (album does not edit them)")
        return _Content(source.name, source, None, 1, None)
    if options.long_side is not None:
        return _rendered(source, options.long_side, options.strip_gps, RESIZED_QUALITY)
    if options.strip_gps:
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise _Skip(f"cannot read the original: {exc.strerror or exc}") from None
        if not data.startswith(b"\xff\xd8\xff"):
            return _rendered(source, None, True, FULL_QUALITY)
        try:
            clean = jpeg_without_gps(data)
        except GpsUnremovable:
            return _rendered(source, None, True, FULL_QUALITY)
        if clean is not data:
            return _Content(source.name, source, clean, *_frame(source, regions))
    return _Content(source.name, source, None, *_frame(source, regions))


def _frame(source: Path, needed: bool) -> tuple[int, tuple[int, int] | None]:
    """The stored pixels' orientation (album.imaging's rule) and size, for sidecar regions;
    (1, None) when the header cannot be read, and then the sidecar carries no regions."""
    if not needed:
        return 1, None
    try:
        _heif(source)
        with Image.open(source) as image:
            return photo_orientation(source, image), image.size
    except Exception:  # RAW, damaged: the photo still exports, only without regions
        return 1, None


def _heif(path: Path) -> None:
    if path.suffix.lower() in _HEIF_SUFFIXES:
        from pillow_heif import register_heif_opener

        register_heif_opener()


def _rendered(source: Path, long_side: int | None, strip_gps: bool, quality: int) -> _Content:
    """An upright JPEG of the photo, shrunk to `long_side` (never enlarged)."""
    try:
        image = open_photo(source, min_side=long_side).image
    except PhotoError as exc:
        raise _Skip(str(exc)) from None
    if long_side is not None and max(image.size) > long_side:
        image.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
    image.info = {}  # nothing the decoder kept (comments, XMP) rides along unasked
    exif, icc = _carried(source, image.size, strip_gps)
    out = io.BytesIO()
    try:
        image.save(out, "JPEG", quality=quality, exif=exif, icc_profile=icc)
    except (ValueError, struct.error):  # EXIF Pillow cannot write back: the photo without
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality, icc_profile=icc)
    suffix = source.suffix if source.suffix.lower() in JPEG_SUFFIXES else ".jpg"
    return _Content(source.stem + suffix, source, out.getvalue(), 1, image.size)


def _carried(source: Path, size: tuple[int, int], strip_gps: bool) -> tuple[bytes, bytes | None]:
    """The EXIF (camera, dates; GPS unless stripped; no orientation: the pixels are upright)
    and colour profile a re-encoded photo keeps."""
    if source.suffix.lower() in RAW_SUFFIXES:
        return b"", None
    try:
        _heif(source)
        with Image.open(source) as original:
            exif = original.getexif()
            icc = original.info.get("icc_profile") if original.mode in ("RGB", "RGBA") else None
            kept = Image.Exif()
            for tag in _KEPT_IFD0:
                if tag in exif:
                    kept[tag] = exif[tag]
            details = {
                k: v
                for k, v in exif.get_ifd(EXIF_IFD).items()
                if k not in (INTEROP_IFD, MAKER_NOTE)
            }
            if details:
                if PIXEL_WIDTH in details or PIXEL_HEIGHT in details:
                    details[PIXEL_WIDTH], details[PIXEL_HEIGHT] = size
                kept[EXIF_IFD] = details
            gps = {} if strip_gps else dict(exif.get_ifd(GPS_IFD))
            if gps:
                kept[GPS_IFD] = gps
            return (kept.tobytes() if len(kept) else b""), icc
    except Exception:  # unreadable EXIF: the pixels still export, without it
        return b"", None


def _sidecar(row: ExportRow, content: _Content) -> bytes | None:
    """The XMP for NAME.EXT.xmp: names of the confirmed faces and the rating; None if the
    photo has neither (no empty sidecars)."""
    faces = []
    if content.stored_size is not None and row.width and row.height:
        w, h = row.width, row.height
        faces = [
            NamedFace(name, (left / w, top / h, right / w, bottom / h))
            for name, (top, right, bottom, left) in row.names
        ]
    if not faces and row.rating is None:
        return None
    return merge_packet(
        None,
        faces,
        orientation=content.orientation,
        stored_size=content.stored_size or (1, 1),
        rating=row.rating,
    )
