"""Writing album's names into an XMP packet without losing what other programs put there.

The packet is edited, not regenerated: the existing XML is parsed, only the properties album
writes are touched (MWG regions, MP regions, `PersonInImage`, digiKam's `TagsList`, Lightroom's
`hierarchicalSubject`), and within them only album's entries: the face regions album wrote
before or that lie on a face album writes now, and the `People/…` keywords of names album
wrote. Other tags, other regions (pets, focus areas, faces album does not know) stay as they
were. Boxes go back to the stored pixels' frame (MWG 2.0 §5.9), undoing the orientation.

A rating set in album goes into `xmp:Rating`, which digiKam, Lightroom and Windows read, and
into `MicrosoftPhoto:Rating` as the percent Windows writes, so Windows, which writes both,
never finds them disagreeing.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from album.interop import rdf
from album.interop.rdf import RDF, XmpError
from album.interop.xmp_read import (
    DIGIKAM,
    IPTC_EXT,
    LR,
    MICROSOFT_PHOTO,
    MICROSOFT_PHOTO_URIS,
    MP,
    MPREG,
    MPRI,
    MWG_RS,
    ST_AREA,
    ST_DIM,
    XMP,
    Box,
    box_iou,
)

X_META = "adobe:ns:meta/"
PREFIXES = {
    "x": X_META,
    "rdf": RDF,
    "mwg-rs": MWG_RS,
    "stArea": ST_AREA,
    "stDim": ST_DIM,
    "MP": MP,
    "MPRI": MPRI,
    "MPReg": MPREG,
    "Iptc4xmpExt": IPTC_EXT,
    "digiKam": DIGIKAM,
    "lr": LR,
    "xmp": XMP,
    "MicrosoftPhoto": MICROSOFT_PHOTO,
}
PACKET_ID = "W5M0MpCehiHzreSzNTczkc9d"
SAME_FACE_IOU = 0.3
WINDOWS_PERCENT = {1: 1, 2: 25, 3: 50, 4: 75, 5: 99}  # stars as Windows writes them; 0: none


@dataclass(frozen=True)
class NamedFace:
    name: str
    box: Box  # normalized left, top, right, bottom on the upright picture


def stored_box(box: Box, orientation: int) -> Box:
    """An upright normalized box as it lies on the stored pixels (the inverse of `upright`)."""
    from album.interop.file_names import upright

    return upright(box, {6: 8, 8: 6}.get(orientation, orientation))


def _q(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def merge_packet(
    existing: bytes | None,
    faces: list[NamedFace],
    *,
    orientation: int,
    stored_size: tuple[int, int],
    drop_names: set[str] = frozenset(),  # type: ignore[assignment]
    keep_dimensions: bool = False,
    rating: int | None = None,
) -> bytes:
    """`existing` (or an empty packet) with `faces` written and the names in `drop_names`
    (album's earlier names, a forgotten person) taken out, and `rating` (0-5 stars) set where
    it is given; None leaves the packet's stars as they are. Raises XmpError if `existing`
    cannot be read: a packet album cannot parse is never overwritten."""
    prefixes = dict(PREFIXES)
    if existing and existing.strip():
        if b"<!DOCTYPE" in existing.upper() or b"<!ENTITY" in existing.upper():
            raise XmpError("the XMP declares a DOCTYPE or entities: album leaves it alone")
        try:
            root = ET.fromstring(existing)
            for _, (prefix, uri) in ET.iterparse(io.BytesIO(existing), events=("start-ns",)):
                if prefix and uri not in prefixes.values():
                    prefixes[prefix] = uri
        except ET.ParseError as exc:
            raise XmpError(
                f"the XMP is not well-formed XML ({exc}): album leaves it alone"
            ) from None
    else:
        root = ET.Element(_q(X_META, "xmpmeta"))
    rdf_el = root if root.tag == _q(RDF, "RDF") else root.find(f".//{_q(RDF, 'RDF')}")
    if rdf_el is None:
        rdf_el = ET.SubElement(root, _q(RDF, "RDF"))
    description = rdf_el.find(_q(RDF, "Description"))
    if description is None:
        description = ET.SubElement(rdf_el, _q(RDF, "Description"), {_q(RDF, "about"): ""})
    names = {f.name for f in faces}
    ours = names | set(drop_names)
    stored = [NamedFace(f.name, stored_box(f.box, orientation)) for f in faces]
    _write_mwg(rdf_el, description, stored, ours, None if keep_dimensions else stored_size)
    _write_mp(rdf_el, description, stored, ours)
    _write_bag(rdf_el, description, _q(IPTC_EXT, "PersonInImage"), names, ours, lambda n: n)
    _write_bag(rdf_el, description, _q(DIGIKAM, "TagsList"), names, ours, "People/{}".format)
    _write_bag(rdf_el, description, _q(LR, "hierarchicalSubject"), names, ours, "People|{}".format)
    if rating is not None:
        _write_rating(rdf_el, description, rating)
    for prefix, uri in prefixes.items():
        ET.register_namespace(prefix, uri)
    if root.tag != _q(X_META, "xmpmeta"):
        wrapper = ET.Element(_q(X_META, "xmpmeta"))
        wrapper.append(root)
        root = wrapper
    ET.indent(root, space=" ")
    body = ET.tostring(root, encoding="unicode")
    return (f'<?xpacket begin="\ufeff" id="{PACKET_ID}"?>\n{body}\n<?xpacket end="w"?>').encode()


def _find(rdf_el: ET.Element, tag: str) -> tuple[ET.Element, ET.Element | None]:
    """The Description holding property `tag` (as an element), and the element."""
    for description in rdf_el.findall(_q(RDF, "Description")):
        found = description.find(tag)
        if found is not None:
            return description, found
        if tag in description.attrib:  # a simple value as an attribute: make it an element
            value = description.attrib.pop(tag)
            element = ET.SubElement(description, tag)
            element.text = value
            return description, element
    return rdf_el.find(_q(RDF, "Description")), None  # type: ignore[return-value]


def _struct_children(element: ET.Element) -> ET.Element:
    """The element whose children are a struct's fields (parseType Resource or a nested
    Description); made into parseType Resource form when it has none yet."""
    nested = element.find(_q(RDF, "Description"))
    if nested is not None:
        return nested
    element.set(_q(RDF, "parseType"), "Resource")
    return element


def _array(parent: ET.Element, tag: str, kind: str = "Bag") -> ET.Element:
    """The rdf:Bag/Seq under property `tag` of struct `parent`, created if missing."""
    prop = parent.find(tag)
    if prop is None:
        prop = ET.SubElement(parent, tag)
    for array_kind in ("Bag", "Seq", "Alt"):
        array = prop.find(_q(RDF, array_kind))
        if array is not None:
            return array
    text = (prop.text or "").strip()
    prop.text = None
    array = ET.SubElement(prop, _q(RDF, kind))
    if text:
        ET.SubElement(array, _q(RDF, "li")).text = text
    return array


def _resource(parent: ET.Element, tag: str, fields: dict[str, str]) -> ET.Element:
    element = ET.SubElement(parent, tag, {_q(RDF, "parseType"): "Resource"})
    for key, value in fields.items():
        ET.SubElement(element, key).text = value
    return element


def _number(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") or "0"


def _drop_items(array: ET.Element, keep: object) -> None:
    for item in list(array.findall(_q(RDF, "li"))):
        if not keep(rdf._value(item)):  # type: ignore[operator]
            array.remove(item)


def _field(value: rdf.Value, namespace: str, name: str) -> rdf.Value | None:
    return value.get(_q(namespace, name)) if isinstance(value, dict) else None


def _write_mwg(
    rdf_el: ET.Element,
    description: ET.Element,
    faces: list[NamedFace],
    ours: set[str],
    stored_size: tuple[int, int] | None,
) -> None:
    description, regions = _find(rdf_el, _q(MWG_RS, "Regions"))
    if regions is None:
        if not faces:
            return
        regions = ET.SubElement(description, _q(MWG_RS, "Regions"))
    info = _struct_children(regions)
    array = _array(info, _q(MWG_RS, "RegionList"))

    def keep(item: rdf.Value) -> bool:
        if (rdf.text(_field(item, MWG_RS, "Type")) or "").lower() != "face":
            return True
        if rdf.text(_field(item, MWG_RS, "Name")) in ours:
            return False
        area = _field(item, MWG_RS, "Area")
        x, y, w, h = (rdf.number(_field(area, ST_AREA, k)) for k in ("x", "y", "w", "h"))
        if None in (x, y, w, h):
            return True
        box = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)  # type: ignore[operator]
        return all(box_iou(box, f.box) < SAME_FACE_IOU for f in faces)

    _drop_items(array, keep)
    if stored_size is None:
        return
    dims = info.find(_q(MWG_RS, "AppliedToDimensions"))
    if dims is not None:
        info.remove(dims)
    width, height = stored_size
    _resource(
        info,
        _q(MWG_RS, "AppliedToDimensions"),
        {_q(ST_DIM, "w"): str(width), _q(ST_DIM, "h"): str(height), _q(ST_DIM, "unit"): "pixel"},
    )
    for face in faces:
        left, top, right, bottom = face.box
        li = ET.SubElement(array, _q(RDF, "li"), {_q(RDF, "parseType"): "Resource"})
        ET.SubElement(li, _q(MWG_RS, "Name")).text = face.name
        ET.SubElement(li, _q(MWG_RS, "Type")).text = "Face"
        _resource(
            li,
            _q(MWG_RS, "Area"),
            {
                _q(ST_AREA, "x"): _number((left + right) / 2),
                _q(ST_AREA, "y"): _number((top + bottom) / 2),
                _q(ST_AREA, "w"): _number(right - left),
                _q(ST_AREA, "h"): _number(bottom - top),
                _q(ST_AREA, "unit"): "normalized",
            },
        )


def _write_mp(
    rdf_el: ET.Element, description: ET.Element, faces: list[NamedFace], ours: set[str]
) -> None:
    description, info_el = _find(rdf_el, _q(MP, "RegionInfo"))
    if info_el is None:
        if not faces:
            return
        info_el = ET.SubElement(description, _q(MP, "RegionInfo"))
    info = _struct_children(info_el)
    array = _array(info, _q(MPRI, "Regions"))

    def keep(item: rdf.Value) -> bool:
        name = rdf.text(_field(item, MPREG, "PersonDisplayName"))
        if name in ours:
            return False
        try:
            x, y, w, h = (
                float(v) for v in (rdf.text(_field(item, MPREG, "Rectangle")) or "").split(",")
            )
        except ValueError:
            return True
        return all(box_iou((x, y, x + w, y + h), f.box) < SAME_FACE_IOU for f in faces)

    _drop_items(array, keep)
    for face in faces:
        left, top, right, bottom = face.box
        li = ET.SubElement(array, _q(RDF, "li"), {_q(RDF, "parseType"): "Resource"})
        ET.SubElement(li, _q(MPREG, "PersonDisplayName")).text = face.name
        ET.SubElement(li, _q(MPREG, "Rectangle")).text = ", ".join(
            _number(v) for v in (left, top, right - left, bottom - top)
        )


def _write_bag(
    rdf_el: ET.Element,
    description: ET.Element,
    tag: str,
    names: set[str],
    ours: set[str],
    spell: object,
) -> None:
    description, prop = _find(rdf_el, tag)
    if prop is None and not names:
        return
    if prop is None:
        prop = ET.SubElement(description, tag)
    array = _array(description, tag)
    drop = {spell(n) for n in ours}  # type: ignore[operator]
    _drop_items(array, lambda value: rdf.text(value) not in drop)
    for name in sorted(names):
        ET.SubElement(array, _q(RDF, "li")).text = spell(name)  # type: ignore[operator]


def _write_rating(rdf_el: ET.Element, description: ET.Element, rating: int) -> None:
    """Both ratings Windows keeps, so no reader sees two different stars; no stars is no
    percent at all, as Windows leaves it."""
    if not 0 <= rating <= 5:  # a caller's bug: other programs would read the garbage
        raise ValueError(f"a rating is 0 to 5 stars, not {rating!r}")
    _set_simple(rdf_el, description, _q(XMP, "Rating"), str(rating))
    percent = WINDOWS_PERCENT.get(rating)
    text = None if percent is None else str(percent)
    # The namespace as the packet spells it already (exiftool drops the slash), else Windows'.
    tags = [_q(uri, "Rating") for uri in MICROSOFT_PHOTO_URIS]
    spelled = next((tag for tag in tags if _holds(rdf_el, tag)), tags[0])
    for tag in tags:
        _set_simple(rdf_el, description, tag, text if tag == spelled else None)


def _holds(rdf_el: ET.Element, tag: str) -> bool:
    return any(
        tag in holder.attrib or holder.find(tag) is not None
        for holder in rdf_el.findall(_q(RDF, "Description"))
    )


def _set_simple(rdf_el: ET.Element, description: ET.Element, tag: str, value: str | None) -> None:
    """Property `tag` set to `value` where it already is, in the form (attribute or element)
    it has there, or removed (None). Every other copy goes: a reader that finds two values,
    in two Descriptions or two forms, may take either."""
    kept = False
    for holder in rdf_el.findall(_q(RDF, "Description")):
        if tag in holder.attrib:
            if value is None or kept:
                del holder.attrib[tag]
            else:
                holder.set(tag, value)
                kept = True
        for element in holder.findall(tag):
            if value is None or kept:
                holder.remove(element)
            else:
                element.clear()  # an Alt or a qualifier around the value: the value alone now
                element.text = value
                kept = True
    if value is not None and not kept:
        ET.SubElement(description, tag).text = value
