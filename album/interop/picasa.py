"""Faces Picasa kept in each folder's `.picasa.ini`, and the names it kept for them.

A photo's section lists `faces=rect64(<hex>),<contact id>;…`: the hex number packs four 16-bit
fractions of the stored picture (left, top, right, bottom, each out of 65535). Picasa's own
"unknown person" id is `ffffffffffffffff`. The id is named by a `[Contacts2]` line in the same
file (`<id>=Name;;`) or by a `contacts.xml` beside it (Picasa's contact export).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from album.interop.rdf import XmpError
from album.interop.xmp_read import UNNAMED, Region, clamp_box

INI_NAME = ".picasa.ini"
CONTACTS_NAME = "contacts.xml"
_RECT = re.compile(r"rect64\(\s*([0-9a-fA-F]{1,16})\s*\)\s*,\s*([^;]*)")
_DOCTYPE = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def _sections(text: str) -> dict[str, dict[str, str]]:
    """The ini's sections, keys as written (Picasa's files are not strict ini files)."""
    out: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            current = out.setdefault(line[1:-1], {})
        elif current is not None and "=" in line:
            key, value = line.split("=", 1)
            current[key.strip()] = value.strip()
    return out


def _contacts_xml(path: Path) -> dict[str, str]:
    try:
        raw = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    if _DOCTYPE.search(raw):
        raise XmpError(f"{path.name} declares a DOCTYPE or entities: ignored")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise XmpError(f"{path.name} is not well-formed XML ({exc})") from None
    names = {}
    for contact in root.iter("contact"):
        cid, name = contact.get("id"), contact.get("name") or contact.get("display")
        if cid and name and name.strip():
            names[cid.strip()] = name.strip()
    return names


def picasa_regions(photo: Path) -> list[Region]:
    """The named faces Picasa recorded for `photo`, boxes relative to the stored pixels."""
    ini = photo.parent / INI_NAME
    try:
        text = ini.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    sections = _sections(text)
    entry = sections.get(photo.name)
    if entry is None or "faces" not in entry:
        return []
    contacts = {k: v.split(";")[0].strip() for k, v in sections.get("Contacts2", {}).items()}
    beside = photo.parent / CONTACTS_NAME
    if beside.exists():
        for cid, name in _contacts_xml(beside).items():
            contacts.setdefault(cid, name)
    regions: list[Region] = []
    for match in _RECT.finditer(entry["faces"]):
        hexa, cid = match.group(1).rjust(16, "0"), match.group(2).strip()
        name = contacts.get(cid, "").strip()
        if cid.lower() == UNNAMED or not name:
            continue
        left, top, right, bottom = (int(hexa[i : i + 4], 16) / 65535 for i in range(0, 16, 4))
        box = clamp_box(left, top, right - left, bottom - top)
        if box is not None:
            regions.append(Region(name, box, "picasa"))
    return regions
