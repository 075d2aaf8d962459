"""`album write-metadata`, the background writer and `forget`: album's names into files.

Modes: "sidecar" (the default of the command) writes `photo.jpg.xmp` beside the photo, or
merges into the one sidecar the photo already has (a Lightroom `photo.xmp` stays the place
Lightroom reads); the original is never opened for writing, so it stays byte-identical.
A camera's RAW stacked under its JPEG (album.stacks) gets the same names in its own sidecar
(`IMG_0001.CR2.xmp`, or the one it has): Lightroom, darktable and digiKam read a RAW's people
there, not in its JPEG's.
"file" writes inside JPEGs (album's own APP1 writer, verified and atomic, see `jpeg_xmp`);
every other format (PNG, WebP, TIFF, HEIC, RAW) gets a sidecar, because no MIT-compatible
library writes them safely. Unnamed groups and unconfirmed suggestions are never written.

A rating set in album (`rated = 'user'`) travels the same way, with or without names; a rating
album only read from the files is left in them as it is.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from album.imaging import RAW_SUFFIXES, photo_orientation
from album.interop.file_names import sidecar_state, sidecars
from album.interop.jpeg_xmp import JPEG_SUFFIXES, JpegXmpError, read_jpeg_packet, write_in_place
from album.interop.rdf import XmpError
from album.interop.xmp_write import NamedFace, merge_packet
from album.store import file_names as store
from album.store.library import Library
from album.store.stacks import version_rows

MODES = ("never", "sidecar", "file")
SETTING_KEY = "write_names"


@dataclass
class Written:
    path: str  # the file written (or that would be, in a dry run)
    names: list[str]
    rating: int | None = None  # the stars written; None: the file's were left alone


@dataclass
class WriteReport:
    written: list[Written] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def load_mode(library: Library) -> str:
    mode = library.meta(SETTING_KEY) or "never"
    return mode if mode in MODES else "never"


def save_mode(library: Library, mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"write mode must be one of {', '.join(MODES)}, not {mode!r}")
    library.set_meta(SETTING_KEY, mode)


def write_names(
    library: Library,
    *,
    in_file: bool = False,
    person_ids: list[int] | None = None,
    dry_run: bool = False,
    photo_ids: set[int] | None = None,
) -> WriteReport:
    """Album's names and the stars set in album into the photos' files. `person_ids` limits it
    to those people's names (a photo that only has a rating is then not written); `photo_ids`
    to the photos an edit changed, including those that lost their last name."""
    report = WriteReport()
    only = None
    if person_ids:
        only = store.names_of(library.conn, person_ids)
    listed = store.names_to_write(library.conn, person_ids)
    if photo_ids is not None:
        listed = [p for p in listed if p.photo_id in photo_ids]
        # A photo whose last name album wrote was taken away: its files lose that name.
        for photo_id in store.written_photo_ids(library.conn, photo_ids):
            if all(p.photo_id != photo_id for p in listed):
                empty = store.photo_without_names(library.conn, photo_id)
                if empty is not None:
                    listed.append(empty)
    for photo in listed:
        faces = [
            NamedFace(name, (left / photo.width, top / photo.height, right / photo.width,
                             bottom / photo.height))
            for name, (top, right, bottom, left) in photo.faces
            if only is None or name in only
        ]  # fmt: skip
        try:
            done = _write_photo(
                library, photo.photo_id, Path(photo.path), faces, in_file, dry_run,
                rating=photo.rating,
            )  # fmt: skip
            report.written.append(done)
            for raw_id, raw in _camera_raws(library, photo.photo_id, Path(photo.path)):
                written = _write_raw(
                    library, raw_id, Path(photo.path), raw, faces, dry_run, done,
                    rating=photo.rating,
                )  # fmt: skip
                if written is not None:
                    report.written.append(written)
        except (OSError, XmpError, JpegXmpError) as exc:
            message = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            report.failed.append((photo.path, message))
    return report


def _camera_raws(library: Library, photo_id: int, path: Path) -> list[tuple[int, Path]]:
    """(photo id, path) of the RAW files stacked under this photo that its camera made with
    it (the same name): their picture is this one's. A RAW under an edit is left alone: the
    edit may be cropped, and its regions would miss the RAW's faces."""
    versions = version_rows(library.conn, [photo_id]).get(photo_id, [])
    return [
        (raw_id, Path(v))
        for raw_id, v in versions
        if Path(v).suffix.lower() in RAW_SUFFIXES and Path(v).stem == path.stem and Path(v).exists()
    ]


def _write_raw(
    library: Library,
    raw_id: int,
    top: Path,
    raw: Path,
    faces: list[NamedFace],
    dry_run: bool,
    done: Written,
    *,
    rating: int | None,
) -> Written | None:
    """The top's names and stars into its RAW's sidecar, in the JPEG's frame (the camera wrote
    both with one orientation and one shape). None when that sidecar is the one just written
    (Lightroom's `IMG_0001.xmp`, shared by the pair)."""
    target = _sidecar_for(raw)
    if str(target) == done.path:
        return None
    names = sorted({f.name for f in faces})
    if not dry_run:
        orientation, size = _stored_frame(top)
        before = store.written(library.conn, str(target))
        _rewrite_sidecar(target, faces, set(before), orientation, size, rating=rating)
        with library.write() as db:
            # Under the RAW's own row, with its sidecars' state as written: a rescan then
            # has nothing of it to read again, and `album forget` finds the file.
            stat = raw.stat()
            state = (sidecar_state(raw), stat.st_size, stat.st_mtime_ns, None)
            store.record_written(db.conn, str(target), raw_id, names, state)
    return Written(str(target), names, rating)


def _sidecar_for(path: Path) -> Path:
    """The sidecar album writes a file's names into: the one it has, else `name.ext.xmp`."""
    existing = sidecars(path)
    return existing[0] if existing else path.with_name(path.name + ".xmp")


def remove_name(library: Library, name: str, *, dry_run: bool = False) -> WriteReport:
    """Take `name` out of every file album wrote it into (`album forget`)."""
    report = WriteReport()
    for path, photo_id, names in store.files_with_name(library.conn, name):
        target = Path(path)
        keep = [n for n in names if n.casefold() != name.casefold()]
        try:
            if dry_run:
                report.written.append(Written(path, keep))
                continue
            if target.suffix.lower() == ".xmp":
                _rewrite_sidecar(target, [], {name}, 1, (1, 1), keep_dims=True)
            else:
                data = target.read_bytes()
                packet = merge_packet(
                    read_jpeg_packet(data), [], orientation=1, stored_size=(1, 1),
                    drop_names={name}, keep_dimensions=True,
                )  # fmt: skip
                write_in_place(target, packet)
            with library.write() as db:
                state = _photo_state(library, photo_id, target.suffix.lower() != ".xmp")
                store.record_written(db.conn, path, photo_id, keep, state)
            report.written.append(Written(path, keep))
        except (OSError, XmpError, JpegXmpError) as exc:
            report.failed.append((path, str(exc)))
    return report


def _photo_state(
    library: Library, photo_id: int | None, rehash: bool
) -> tuple[str, int, int, str | None] | None:
    """The photo's names state, size, time and hash as they are now (after album wrote)."""
    photo = store.photo_without_names(library.conn, photo_id) if photo_id else None
    if photo is None:
        return None
    from album.faces.analyze import file_hash

    path = Path(photo.path)
    st = path.stat()
    return sidecar_state(path), st.st_size, st.st_mtime_ns, file_hash(path) if rehash else None


def _stored_frame(path: Path) -> tuple[int, tuple[int, int]]:
    """The photo's orientation (album.imaging's rule: its sidecar's, else EXIF) and stored
    size, from its header: regions go back through the turn the scan found them with."""
    try:
        if path.suffix.lower() in (".heic", ".heif", ".avif"):
            from pillow_heif import register_heif_opener

            register_heif_opener()
        with Image.open(path) as image:
            return photo_orientation(path, image), image.size
    except Exception as exc:
        raise XmpError(f"cannot read the photo's size and orientation: {exc}") from None


def _write_photo(
    library: Library,
    photo_id: int,
    path: Path,
    faces: list[NamedFace],
    in_file: bool,
    dry_run: bool,
    *,
    rating: int | None = None,
) -> Written:
    """`faces` and `rating` (None: the file's stars stay) into the photo's sidecar or, with
    `in_file`, into a JPEG itself."""
    orientation, size = _stored_frame(path)
    names = sorted({f.name for f in faces})
    if in_file and path.suffix.lower() in JPEG_SUFFIXES:
        target = path
        before = store.written(library.conn, str(target))
        data = path.read_bytes()
        packet = merge_packet(
            read_jpeg_packet(data), faces, orientation=orientation, stored_size=size,
            drop_names=set(before), rating=rating,
        )  # fmt: skip
        if not dry_run:
            write_in_place(path, packet)
    else:
        target = _sidecar_for(path)
        before = store.written(library.conn, str(target))
        if not dry_run:
            _rewrite_sidecar(target, faces, set(before), orientation, size, rating=rating)
    if not dry_run:
        with library.write() as db:
            store.record_written(
                db.conn,
                str(target),
                photo_id,
                names,
                _photo_state(library, photo_id, target == path),
            )
    return Written(str(target), names, rating)


def _rewrite_sidecar(
    target: Path,
    faces: list[NamedFace],
    drop: set[str],
    orientation: int,
    size: tuple[int, int],
    *,
    keep_dims: bool = False,
    rating: int | None = None,
) -> None:
    existing = target.read_bytes() if target.exists() else None
    packet = merge_packet(
        existing, faces, orientation=orientation, stored_size=size, drop_names=drop,
        keep_dimensions=keep_dims, rating=rating,
    )  # fmt: skip
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".album-tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(packet)
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():
            os.chmod(temp, target.stat().st_mode & 0o7777)
        else:
            os.chmod(temp, 0o644)
        os.replace(temp, target)
        temp = ""
    finally:
        if temp:
            os.unlink(temp)
