"""Turning the names a photo's files carry into named faces, inside the analysis.

Runs in the worker, beside detection, because a named region the detector missed has to be
encoded from the photo's pixels, like a face drawn by hand in the viewer. Each named region
takes the detected face it overlaps most (IoU at least `REGION_IOU`), or becomes a face of its
own when a closer look finds a face in it. The result is plain data on the analysis; the scan's
writer stores the names.

Other programs name more than people: a pet, a raspberry, a leaf, tagged as a face region on
whatever area the user drew. Such a name must not become a person in album, nor teach the
matcher what "Vuk the fox" looks like (Review then asked "Is this Vuk the fox?" about a man).
So a region names nothing where its pixels hold no face a person could recognise: no face
detected there, even on a closer look, or only a blur (`album.faces.quality`). The region stays
in the file as it was, and the photo's names report says why; the user can still draw the box
in album and name it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from album.interop.file_names import FileNames, read_file_names, sidecar_state
from album.interop.xmp_read import box_iou

REGION_IOU = 0.3
MIN_REGION_PX = 8


class _Face(Protocol):
    box: tuple[int, int, int, int]  # top, right, bottom, left

    @property
    def recognisable(self) -> bool: ...


@dataclass
class ImportedNames:
    """What the files said, ready for the writer. `faces`: (index into the analysis's faces,
    name); `hints`: names without a face to put them on; `state`: the sidecars' size and time
    when they were read (None: the files were not read)."""

    faces: list[tuple[int, str]] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    state: str | None = None
    error: str | None = None
    newest_ns: int = 0  # the latest change to the photo or the files beside it
    rating: int | None = None  # the stars the files give the photo (album.store.ratings)


def read_names(path: str | Path, data: bytes) -> tuple[FileNames, str]:
    """The file's names and the sidecars' state, read in that order's reverse: a sidecar
    changed while it is read makes the next scan read it again."""
    state = sidecar_state(path)
    return read_file_names(path, data), state


def newest_change(photo_mtime_ns: int, state: str) -> int:
    """The latest modification time among the photo and the files named in `state`."""
    times = [photo_mtime_ns]
    for part in state.split("|") if state else []:
        tail = part.rsplit(":", 1)[-1]
        if tail.isdigit():
            times.append(int(tail))
    return max(times)


def name_faces(
    names: FileNames,
    state: str,
    faces: list[_Face],
    width: int,
    height: int,
    encode: Callable[[tuple[int, int, int, int]], _Face | None],
    mtime_ns: int = 0,
) -> ImportedNames:
    """Put the names on `faces`, appending a face encoded by `encode(box)` where a region
    has no detected face; `encode` returns None where it finds no face in the region."""
    out = ImportedNames(
        state=state,
        error=names.error,
        newest_ns=newest_change(mtime_ns, state),
        rating=names.rating,
    )
    detected = [
        (left / width, top / height, right / width, bottom / height)
        for top, right, bottom, left in (f.box for f in faces)
    ]
    pairs = sorted(
        (
            (box_iou(region.box, box), r, f)
            for r, region in enumerate(names.regions)
            for f, box in enumerate(detected)
        ),
        reverse=True,
    )
    region_face: dict[int, int] = {}
    taken: set[int] = set()
    for overlap, r, f in pairs:
        if overlap < REGION_IOU:
            break
        if r not in region_face and f not in taken:
            region_face[r] = f
            taken.add(f)
    problems: list[str] = []
    for r, region in enumerate(names.regions):
        if r in region_face:
            if faces[region_face[r]].recognisable:
                out.faces.append((region_face[r], region.name))
            else:
                problems.append(f"the region of {region.name!r} holds no recognisable face")
            continue
        left, top, right, bottom = region.box
        box = (
            round(top * height),
            round(right * width),
            round(bottom * height),
            round(left * width),
        )
        if box[1] - box[3] < MIN_REGION_PX or box[2] - box[0] < MIN_REGION_PX:
            problems.append(f"the region of {region.name!r} is too small to be a face")
            continue
        face = encode(box)
        if face is None:
            problems.append(f"the region of {region.name!r} holds no face")
            continue
        faces.append(face)
        out.faces.append((len(faces) - 1, region.name))
    if names.names:
        lone = len(faces) == 1 and faces[0].recognisable
        if lone and not out.faces and len(names.names) == 1:
            out.faces.append((0, names.names[0]))
        else:
            out.hints = list(names.names)
    if problems:
        out.error = "; ".join([*([out.error] if out.error else []), *problems])
    return out
