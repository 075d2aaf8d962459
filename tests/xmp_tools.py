"""Building tagged photos with exiftool, the reference XMP writer, for the interop tests.

Every fixture is made at test time from real faces in ../shared/faces; exiftool writes the tags
(regions of each standard, sidecars, keywords), so the reader is tested against what real
programs write, not against our own writer.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import STORE_AS

EXIFTOOL = shutil.which("exiftool")


def need_exiftool() -> str:
    if EXIFTOOL is None:
        pytest.skip(
            "exiftool (the XMP reference tool) is not installed: "
            "apt-get install libimage-exiftool-perl (./run-tests does it where it may)"
        )
    return EXIFTOOL


def exiftool(*args: str | Path) -> str:
    tool = need_exiftool()
    result = subprocess.run(
        [tool, "-q", "-q", *map(str, args)], capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        raise AssertionError(f"exiftool {args} failed: {result.stderr}")
    return result.stdout


def read_json(path: Path, *tags: str) -> dict:
    """What exiftool reads from a file (structs kept as structs)."""
    out = exiftool("-j", "-struct", "-n", *tags, path)
    return json.loads(out)[0]


def esc(value: str) -> str:
    """A value inside an exiftool structure: , [ ] { } | are escaped with |."""
    return "".join("|" + c if c in ",[]{}|" else c for c in value)


def mwg(regions: list[tuple[str, tuple[float, float, float, float]]], kind: str = "Face") -> str:
    """-XMP-mwg-rs:RegionInfo for (name, (left, top, right, bottom) normalized) regions."""
    items = []
    for name, (left, top, right, bottom) in regions:
        items.append(
            f"{{Area={{X={(left + right) / 2:.6f},Y={(top + bottom) / 2:.6f},"
            f"W={right - left:.6f},H={bottom - top:.6f},Unit=normalized}},"
            f"Type={kind},Name={esc(name)}}}"
        )
    return f"-XMP-mwg-rs:RegionInfo={{RegionList=[{','.join(items)}]}}"


def mp(regions: list[tuple[str, tuple[float, float, float, float]]]) -> str:
    items = [
        f"{{PersonDisplayName={esc(name)},Rectangle={left:.6f}|, {top:.6f}|, "
        f"{right - left:.6f}|, {bottom - top:.6f}}}"
        for name, (left, top, right, bottom) in regions
    ]
    return f"-XMP-MP:RegionInfoMP={{Regions=[{','.join(items)}]}}"


def iptc(regions: list[tuple[str, tuple[float, float, float, float]]]) -> str:
    items = [
        "{RegionBoundary={RbShape=rectangle,RbUnit=relative,"
        f"RbX={left:.6f},RbY={top:.6f},RbW={right - left:.6f},RbH={bottom - top:.6f}}},"
        f"Name={esc(name)},"
        "RCtype=[{Identifier=http://cv.iptc.org/newscodes/imageregiontype/human}]}"
        for name, (left, top, right, bottom) in regions
    ]
    return f"-XMP-iptcExt:ImageRegion=[{','.join(items)}]"


def normalized(box: tuple[int, int, int, int], width: int, height: int):
    """album's (top, right, bottom, left) pixels as normalized (left, top, right, bottom)."""
    top, right, bottom, left = box
    return (left / width, top / height, right / width, bottom / height)


def stored_copy(upright: Path, orientation: int, target: Path, boxes: list) -> list:
    """Save `upright` so that it shows upright only after EXIF `orientation`; returns each
    upright normalized box where it lies on the stored pixels (found by turning a mask with
    Pillow, not by album's arithmetic)."""
    image = Image.open(upright).convert("RGB")
    stored = image.transpose(STORE_AS[orientation]) if orientation != 1 else image
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored.save(target, quality=95, exif=exif)
    out = []
    for left, top, right, bottom in boxes:
        mask = Image.new("L", image.size, 0)
        w, h = image.size
        mask.paste(255, (round(left * w), round(top * h), round(right * w), round(bottom * h)))
        if orientation != 1:
            mask = mask.transpose(STORE_AS[orientation])
        x0, y0, x1, y1 = mask.getbbox()
        sw, sh = mask.size
        out.append((x0 / sw, y0 / sh, x1 / sw, y1 / sh))
    return out


def iou(a, b) -> float:
    inter = max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0
