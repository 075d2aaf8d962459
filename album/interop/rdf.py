"""Reading an XMP packet's RDF into plain values, safely.

XMP is RDF/XML, and programs write it in every form the RDF syntax allows: a property as an
attribute or as an element, a struct as `rdf:parseType="Resource"`, as a nested
`rdf:Description` or as attributes on the property element, arrays as `rdf:Bag`, `rdf:Seq` or
`rdf:Alt`. One reader that turns all of them into dicts, lists and strings lets the region
readers ask for what they mean instead of how it was spelled.

The packet comes from a file anyone may have written, so the parser refuses any DOCTYPE: no
entity expansion (a "billion laughs" packet), no external entities. Valid XMP never has one.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TypeAlias

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XML_NS = "http://www.w3.org/XML/1998/namespace"

Value: TypeAlias = "str | list[Value] | dict[str, Value]"
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_ARRAYS = {f"{{{RDF}}}Bag", f"{{{RDF}}}Seq", f"{{{RDF}}}Alt"}


class XmpError(ValueError):
    """The XMP cannot be read; the message says why, for the user."""


def parse_packet(packet: bytes) -> dict[str, Value]:
    """Every top-level property of every rdf:Description, keyed `{namespace}name`."""
    if _DOCTYPE.search(packet):
        raise XmpError("the XMP declares a DOCTYPE or entities, which XMP never does: ignored")
    try:
        root = ET.fromstring(packet)
    except ET.ParseError as exc:
        raise XmpError(f"the XMP is not well-formed XML ({exc})") from None
    rdf = root if root.tag == f"{{{RDF}}}RDF" else root.find(f".//{{{RDF}}}RDF")
    if rdf is None:
        raise XmpError("the XMP has no rdf:RDF element")
    properties: dict[str, Value] = {}
    for description in rdf.findall(f"{{{RDF}}}Description"):
        struct = _struct(description)
        properties.update(struct)
    return properties


def _struct(element: ET.Element) -> dict[str, Value]:
    """Properties given as attributes and as child elements of `element`."""
    out: dict[str, Value] = {}
    for name, value in element.attrib.items():
        if not name.startswith(f"{{{RDF}}}") and not name.startswith(f"{{{XML_NS}}}"):
            out[name] = value
    for child in element:
        out[child.tag] = _value(child)
    return out


def _value(element: ET.Element) -> Value:
    if element.get(f"{{{RDF}}}parseType") == "Resource":
        return _struct(element)
    resource = element.get(f"{{{RDF}}}resource")
    children = list(element)
    if children:
        first = children[0]
        if first.tag in _ARRAYS:
            return [_value(item) for item in first.findall(f"{{{RDF}}}li")]
        if first.tag == f"{{{RDF}}}Description":
            return _struct(first)
        return _struct(element)
    shorthand = _struct(element)
    if shorthand:
        return shorthand
    if resource is not None:
        return resource
    return element.text or ""


def text(value: Value | None) -> str | None:
    """A simple value as text: the first item of an array (an x-default Alt), else the string."""
    while isinstance(value, list):
        if not value:
            return None
        value = value[0]
    if isinstance(value, dict):
        inner = value.get(f"{{{RDF}}}value")
        return inner if isinstance(inner, str) else None
    return value


def items(value: Value | None) -> list[Value]:
    """An array's items; a single value counts as an array of one."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def number(value: Value | None) -> float | None:
    raw = text(value)
    if raw is None:
        return None
    try:
        result = float(raw.strip())
    except ValueError:
        return None
    return result if result == result and abs(result) != float("inf") else None
