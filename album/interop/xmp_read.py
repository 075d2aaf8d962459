"""The people an XMP packet names: face regions of three standards, and keywords.

- MWG regions (`mwg-rs:Regions`): the area's x/y are its centre, normalized.
- Microsoft Photo regions (`MP:RegionInfo`): "x, y, w, h" with x/y the top-left corner.
  Read only when the packet has no MWG faces: Windows wrote both for the same faces.
- IPTC Extension image regions (`Iptc4xmpExt:ImageRegion`): a region is a person when it
  carries `PersonInImage` or a content type of human/face; top-left based, relative or pixels.
- Names without a box: `Iptc4xmpExt:PersonInImage`, digiKam's `People/Anna` tags and
  Lightroom's `People|Anna` hierarchical keywords.
- The photo's stars: `xmp:Rating` (digiKam, Lightroom, Windows), else Windows'
  `MicrosoftPhoto:Rating` percent.

Every box is returned as it is in the file: normalized (left, top, right, bottom) relative to
the stored pixels. Turning it upright is `regions.upright`'s job.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from album.interop import rdf
from album.interop.rdf import Value

MWG_RS = "http://www.metadataworkinggroup.com/schemas/regions/"
ST_AREA = "http://ns.adobe.com/xmp/sType/Area#"
ST_DIM = "http://ns.adobe.com/xap/1.0/sType/Dimensions#"
MP = "http://ns.microsoft.com/photo/1.2/"
MPRI = "http://ns.microsoft.com/photo/1.2/t/RegionInfo#"
MPREG = "http://ns.microsoft.com/photo/1.2/t/Region#"
IPTC_EXT = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
DIGIKAM = "http://www.digikam.org/ns/1.0/"
LR = "http://ns.adobe.com/lightroom/1.0/"
XMP = "http://ns.adobe.com/xap/1.0/"
MICROSOFT_PHOTO = "http://ns.microsoft.com/photo/1.0/"
# Windows (and exiv2) spell the namespace with the slash, exiftool without: both are read.
MICROSOFT_PHOTO_URIS = (MICROSOFT_PHOTO, MICROSOFT_PHOTO.rstrip("/"))

PEOPLE_ROOTS = ("people", "persons", "person")
UNNAMED = "ffffffffffffffff"
IPTC_PERSON_TYPES = ("imageregiontype/human", "imageregiontype/face")
_PACKET = re.compile(rb"<x:xmpmeta[\s>].*?</x:xmpmeta\s*>", re.DOTALL)
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_RDF_ONLY = re.compile(rb"<rdf:RDF[\s>].*?</rdf:RDF\s*>", re.DOTALL)

Box = tuple[float, float, float, float]  # normalized left, top, right, bottom


@dataclass(frozen=True)
class Region:
    name: str
    box: Box
    standard: str  # "mwg", "mp", "iptc", "picasa"


@dataclass
class PacketNames:
    regions: list[Region] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # named without a box
    rating: int | None = None  # 0-5 stars; None when the packet gives none


def find_packet(data: bytes, suffix: str = "") -> bytes | None:
    """The XMP packet embedded in a photo file's bytes, or None.

    JPEG (APP1), TIFF, WebP, HEIC/AVIF and PNG (uncompressed iTXt) keep the packet as plain
    text, so a search finds it in any of them without a parser per container; a PNG's
    compressed iTXt is left to Pillow.
    """
    found = _PACKET.search(data) or _RDF_ONLY.search(data)
    if found:
        # A DOCTYPE just before the packet is part of it: the parser must see it to refuse it.
        head = data[max(0, found.start() - 2048) : found.start()]
        declared = [m.start() for m in _DECLARATION.finditer(head)]
        return head[declared[0] :] + found.group(0) if declared else found.group(0)
    if suffix.lower() == ".png":
        try:
            from PIL import Image

            with Image.open(io.BytesIO(data)) as image:
                raw = image.info.get("XML:com.adobe.xmp")
        except Exception:
            return None
        if isinstance(raw, str):
            return raw.encode("utf-8")
        if isinstance(raw, bytes):
            return raw
    return None


def read_packet(packet: bytes) -> PacketNames:
    """Named face regions and box-less names in one packet. Raises XmpError."""
    props = rdf.parse_packet(packet)
    out = PacketNames()
    mwg = _mwg_regions(props)
    out.regions.extend(mwg)
    if not mwg:
        out.regions.extend(_mp_regions(props))
    for region in _iptc_regions(props):
        if not any(_same_face(region, r) for r in out.regions):
            out.regions.append(region)
    in_regions = {r.name for r in out.regions}
    for name, spelled in _boxless_names(props):
        if name not in out.names and name not in in_regions and spelled not in in_regions:
            out.names.append(name)
    out.rating = packet_rating(props)
    return out


def packet_rating(props: dict[str, Value]) -> int | None:
    """The stars a packet gives: `xmp:Rating` is the standard and the one every rating program
    writes; Windows' percent counts only where it is alone."""
    stars = rdf.number(props.get(f"{{{XMP}}}Rating"))
    if stars is not None:
        return stars_from_rating(stars)
    for uri in MICROSOFT_PHOTO_URIS:
        percent = rdf.number(props.get(f"{{{uri}}}Rating"))
        if percent is not None:
            return stars_from_percent(percent)
    return None


def stars_from_rating(value: float) -> int:
    """0-5 stars from an XMP/EXIF rating: Lightroom's -1 ("rejected") has no stars, and a
    value out of range is a program's mistake, not a reason to lose the rest."""
    return min(5, max(0, int(value + 0.5)))


def stars_from_percent(percent: float) -> int:
    """Stars from a Windows rating percent, by the ranges Explorer itself maps them with, so
    a photo shows the stars it shows in Windows."""
    for stars, lowest in ((5, 88), (4, 63), (3, 38), (2, 13), (1, 1)):
        if percent >= lowest:
            return stars
    return 0


def _same_face(a: Region, b: Region) -> bool:
    return a.name == b.name or box_iou(a.box, b.box) >= 0.3


def box_iou(a: Box, b: Box) -> float:
    inter = max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(
        0.0, min(a[3], b[3]) - max(a[1], b[1])
    )
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _field(struct: Value | None, namespace: str, name: str) -> Value | None:
    return struct.get(f"{{{namespace}}}{name}") if isinstance(struct, dict) else None


def _clean(name: str | None) -> str | None:
    if name is None:
        return None
    name = name.strip()
    return name or None


def clamp_box(left: float, top: float, width: float, height: float) -> Box | None:
    if not (width > 0 and height > 0):
        return None
    box = (max(0.0, left), max(0.0, top), min(1.0, left + width), min(1.0, top + height))
    return box if box[2] > box[0] and box[3] > box[1] else None


def _mwg_regions(props: dict[str, Value]) -> list[Region]:
    info = props.get(f"{{{MWG_RS}}}Regions")
    out: list[Region] = []
    for item in rdf.items(_field(info, MWG_RS, "RegionList")):
        kind = rdf.text(_field(item, MWG_RS, "Type"))
        name = _clean(rdf.text(_field(item, MWG_RS, "Name")))
        area = _field(item, MWG_RS, "Area")
        if (kind or "").strip().lower() != "face" or name is None or not isinstance(area, dict):
            continue
        x, y, w, h = (rdf.number(_field(area, ST_AREA, k)) for k in ("x", "y", "w", "h"))
        unit = (rdf.text(_field(area, ST_AREA, "unit")) or "normalized").strip().lower()
        if None in (x, y, w, h) or unit != "normalized":
            continue
        box = clamp_box(x - w / 2, y - h / 2, w, h)  # type: ignore[operator]
        if box is not None:
            out.append(Region(name, box, "mwg"))
    return out


def _mp_regions(props: dict[str, Value]) -> list[Region]:
    info = props.get(f"{{{MP}}}RegionInfo")
    out: list[Region] = []
    for item in rdf.items(_field(info, MPRI, "Regions")):
        name = _clean(rdf.text(_field(item, MPREG, "PersonDisplayName")))
        rectangle = rdf.text(_field(item, MPREG, "Rectangle"))
        if name is None or rectangle is None:
            continue
        try:
            x, y, w, h = (float(part) for part in rectangle.split(","))
        except ValueError:
            continue
        box = clamp_box(x, y, w, h)
        if box is not None:
            out.append(Region(name, box, "mp"))
    return out


def _iptc_regions(props: dict[str, Value]) -> list[Region]:
    out: list[Region] = []
    for item in rdf.items(props.get(f"{{{IPTC_EXT}}}ImageRegion")):
        people = [_clean(rdf.text(p)) for p in rdf.items(_field(item, IPTC_EXT, "PersonInImage"))]
        names = [p for p in people if p]
        types = [
            rdf.text(_field(t, XMP, "Identifier") or _field(t, IPTC_EXT, "Identifier")) or ""
            for t in rdf.items(_field(item, IPTC_EXT, "rCtype"))
        ]
        is_person = bool(names) or any(marker in t for t in types for marker in IPTC_PERSON_TYPES)
        if not names and is_person:
            label = _clean(rdf.text(_field(item, IPTC_EXT, "Name")))
            names = [label] if label else []
        if not is_person or not names:
            continue
        boundary = _field(item, IPTC_EXT, "RegionBoundary")
        shape = (rdf.text(_field(boundary, IPTC_EXT, "rbShape")) or "").strip().lower()
        unit = (rdf.text(_field(boundary, IPTC_EXT, "rbUnit")) or "").strip().lower()
        x, y, w, h = (
            rdf.number(_field(boundary, IPTC_EXT, k)) for k in ("rbX", "rbY", "rbW", "rbH")
        )
        if shape != "rectangle" or unit != "relative" or None in (x, y, w, h):
            continue  # circles, polygons and pixel units need the stored size: not faces we know
        box = clamp_box(x, y, w, h)  # type: ignore[arg-type]
        if box is not None:
            out.append(Region(names[0], box, "iptc"))
    return out


def _boxless_names(props: dict[str, Value]) -> list[tuple[str, str]]:
    """(name, the keyword's whole path below its root): a name holding the separator itself
    ("AC/DC") is recognised as a region's name by the path."""
    names: list[tuple[str, str]] = []
    for value in rdf.items(props.get(f"{{{IPTC_EXT}}}PersonInImage")):
        name = _clean(rdf.text(value))
        if name:
            names.append((name, name))
    for value in rdf.items(props.get(f"{{{DIGIKAM}}}TagsList")):
        names.extend(_under_people(rdf.text(value), "/"))
    for value in rdf.items(props.get(f"{{{LR}}}hierarchicalSubject")):
        names.extend(_under_people(rdf.text(value), "|"))
    return names


def _under_people(keyword: str | None, separator: str) -> list[tuple[str, str]]:
    """`People/Anna` names Anna; `People/Family/Anna` too (the leaf is the person)."""
    if not keyword:
        return []
    parts = keyword.split(separator)
    if len(parts) < 2 or parts[0].strip().lower() not in PEOPLE_ROOTS:
        return []
    leaf = _clean(parts[-1])
    return [(leaf, separator.join(parts[1:]).strip())] if leaf else []
