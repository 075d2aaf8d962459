"""Everything the files beside and inside a photo say about who is in it, upright.

Precedence, most trusted first: a sidecar's regions (`photo.jpg.xmp`, as digiKam and
darktable name it, then `photo.xmp`, as Lightroom and Capture One do) replace the embedded
packet's regions, because programs that keep sidecars never rewrite the original; the embedded
packet's regions come next; Picasa's `.picasa.ini` only when no XMP names a face. Box-less names
are gathered from all of them.

MWG 2.0 (§5.9) puts regions relative to the stored pixels, before EXIF orientation, and so do
the other formats; album's boxes are upright, so each box goes through the photo's orientation.
`AppliedToDimensions` is not used for the frame: programs write it wrong too often.

The photo's stars follow the same precedence (sidecar, embedded XMP), then the EXIF tags
Windows writes beside its XMP (`Rating`, `RatingPercent`), for a file whose XMP was stripped.
"""

from __future__ import annotations

import io
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from album.interop import rdf
from album.interop.picasa import CONTACTS_NAME, INI_NAME, picasa_regions
from album.interop.rdf import XmpError
from album.interop.xmp_read import (
    Box,
    PacketNames,
    Region,
    find_packet,
    read_packet,
    stars_from_percent,
    stars_from_rating,
)

TIFF = "http://ns.adobe.com/tiff/1.0/"
EXIF_ORIENTATION = 0x0112
EXIF_RATING = 0x4746
EXIF_RATING_PERCENT = 0x4749


@dataclass
class FileNames:
    regions: list[Region] = field(default_factory=list)  # boxes upright, normalized
    names: list[str] = field(default_factory=list)  # named, no box
    errors: list[str] = field(default_factory=list)  # readable, one per file that failed
    rating: int | None = None  # 0-5 stars; None when no file gives any

    @property
    def error(self) -> str | None:
        return "; ".join(self.errors) or None


def _sidecar_names(name: str) -> list[str]:
    stem = os.path.splitext(name)[0]
    return [name + ".xmp", stem + ".xmp", name + ".XMP", stem + ".XMP"]


def _listing(folder: str) -> set[str]:
    try:
        return set(os.listdir(folder))
    except OSError:
        return set()


def sidecars(photo: Path, listing: set[str] | None = None) -> list[Path]:
    """The XMP sidecars that exist for `photo`, most specific first. Names are looked up in the
    folder's listing, so a case-insensitive disk does not count one file twice."""
    if listing is None:
        listing = _listing(str(photo.parent))
    names = dict.fromkeys(n for n in _sidecar_names(photo.name) if n in listing)
    return [photo.with_name(n) for n in names]


def sidecar_state(photo: Path | str, listing: set[str] | None = None) -> str:
    """The size and time of every file beside the photo that may name its people: a change in
    any of them makes a rescan read the photo again. "" when there is none."""
    photo = Path(photo)
    if listing is None:
        listing = _listing(str(photo.parent))
    others = [*_sidecar_names(photo.name), INI_NAME, CONTACTS_NAME]
    parts = []
    for name in dict.fromkeys(n for n in others if n in listing):
        try:
            st = os.stat(photo.with_name(name))
        except OSError:
            continue
        parts.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    return "|".join(parts)


class FolderListings:
    """Sidecar states for many photos, listing each folder once (a rescan of a large library
    must not stat four absent sidecars per photo)."""

    def __init__(self) -> None:
        self._folders: dict[str, set[str]] = {}

    def state(self, photo: str) -> str:
        folder = os.path.dirname(photo)
        listing = self._folders.get(folder)
        if listing is None:
            listing = self._folders[folder] = _listing(folder)
        return sidecar_state(photo, listing)

    def changed(self, photo: str, stored: str | None) -> bool:
        """Whether the files beside `photo` changed since its names were read (a photo never
        read for names counts as changed only if such files exist)."""
        return self.state(photo) != (stored or "")


def upright(box: Box, orientation: int) -> Box:
    """A normalized box on the stored pixels, as it lies on the upright picture."""
    left, top, right, bottom = box
    corners = [_point(x, y, orientation) for x, y in ((left, top), (right, bottom))]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return (min(xs), min(ys), max(xs), max(ys))


def _point(u: float, v: float, orientation: int) -> tuple[float, float]:
    return {
        2: (1 - u, v),
        3: (1 - u, 1 - v),
        4: (u, 1 - v),
        5: (v, u),
        6: (1 - v, u),
        7: (1 - v, 1 - u),
        8: (v, 1 - u),
    }.get(orientation, (u, v))


def sidecar_orientation(photo: Path) -> int | None:
    """The orientation (EXIF's 1-8) the photo's sidecar gives it; None when none says.

    digiKam, darktable and Lightroom turn a photo in its sidecar (`tiff:Orientation`) and never
    rewrite the original, so the sidecar is the newer word. The most specific sidecar first, as
    for regions. Names are tried directly, not looked up in the folder's listing: this runs for
    every picture shown, and a miss costs one failed open, a listing of a big folder much more.
    An unreadable sidecar says nothing here; its error is reported where its names are read.
    """
    for name in dict.fromkeys(_sidecar_names(photo.name)):
        try:
            props = rdf.parse_packet(photo.with_name(name).read_bytes())
        except Exception:  # anyone's file (an unknown encoding is a LookupError): never a
            continue  # reason for the photo itself not to show
        value = rdf.number(props.get(f"{{{TIFF}}}Orientation"))
        if value is not None and value in range(1, 9):
            return int(value)
    return None


def orientation_of(photo: Path, data: bytes) -> int:
    """The orientation the scan and the display turn this photo by (album.imaging's
    `photo_orientation`: the sidecar's, else the file's EXIF), so a region read from a file
    lands on the face the scan found there."""
    turned = sidecar_orientation(photo)
    if turned is not None:
        return turned
    exif = _exif(photo, data)
    try:
        value = int(exif.get(EXIF_ORIENTATION, 1)) if exif is not None else 1
    except (TypeError, ValueError):
        return 1
    return value if 1 <= value <= 8 else 1


def _exif(photo: Path, data: bytes) -> dict[int, object] | None:
    """IFD0 of the photo's EXIF from the bytes already read (Pillow parses only the header);
    None when there is none or it cannot be read: anyone's file, never a reason to fail."""
    try:
        from PIL import Image

        if photo.suffix.lower() in (".heic", ".heif", ".avif"):
            from pillow_heif import register_heif_opener

            register_heif_opener()
        with Image.open(io.BytesIO(data)) as image:
            return dict(image.getexif())
    except Exception:
        return None


def exif_rating(photo: Path, data: bytes) -> int | None:
    """The stars in EXIF's `Rating` (0-5), else `RatingPercent`, as Windows writes them."""
    exif = _exif(photo, data)
    if not exif:
        return None
    stars = _finite(exif.get(EXIF_RATING))
    if stars is not None:
        return stars_from_rating(stars)
    percent = _finite(exif.get(EXIF_RATING_PERCENT))
    return None if percent is None else stars_from_percent(percent)


def _finite(value: object) -> float | None:
    """A tag's value as a number, or None: a RATIONAL, text or NaN is anyone's garbage."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def read_file_names(photo: Path | str, data: bytes) -> FileNames:
    """Named faces, names and stars for one photo, from its own bytes and the files beside
    it, read together because they come from the same packets."""
    photo = Path(photo)
    out = FileNames()
    packets: list[PacketNames] = []
    for sidecar in sidecars(photo):
        try:
            packets.append(read_packet(sidecar.read_bytes()))
        except (XmpError, OSError) as exc:
            out.errors.append(f"sidecar {sidecar.name}: {_message(exc)}")
    embedded = find_packet(data, photo.suffix)
    if embedded is not None:
        try:
            packets.append(read_packet(embedded))
        except XmpError as exc:
            out.errors.append(f"embedded XMP: {exc}")
    regions = next((p.regions for p in packets if p.regions), [])
    if not regions:
        try:
            regions = picasa_regions(photo)
        except XmpError as exc:
            out.errors.append(f"Picasa: {exc}")
    orientation = orientation_of(photo, data) if regions else 1
    for region in regions:
        if all(r.name != region.name for r in out.regions):
            box = upright(region.box, orientation)
            out.regions.append(Region(region.name, box, region.standard))
    named = {r.name for r in out.regions}
    for packet in packets:
        for name in packet.names:
            if name not in named and name not in out.names:
                out.names.append(name)
    out.rating = next((p.rating for p in packets if p.rating is not None), None)
    if out.rating is None:
        out.rating = exif_rating(photo, data)
    return out


def _message(exc: Exception) -> str:
    return exc.strerror or str(exc) if isinstance(exc, OSError) else str(exc)
