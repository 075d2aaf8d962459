"""Photos like a user's for measuring Review, and the truth about each face album finds in them.

Review has to ask good questions on web and group photos, not only on LFW's centred portraits:
blurred crowds behind the subject, names other programs wrote into the files, and names those
programs give things that are not people. `prepare` builds such a folder from ../shared/faces:

- web-celebs (9 people, ordinary web photos) and group-photos (mixed and reference), copied;
- names from files, as another program leaves them: an XMP MWG face region, written by exiftool,
  on the main face of the first `named` photos of each web person and of every reference photo;
- names that are not people (`NOT_PEOPLE`), as other programs tag them too: MWG face regions
  named "Vuk the fox", "raspberry" and "leaf" on a blurred object, on rain, on a tree and on a
  dress, and "Yume the dog" on a dog that HOG itself takes for a face;
- small blurred copies of some web photos (main face `BLURRED_SIDE` px): nobody can say who.

`scan` runs `album scan` on it (the working tree's album, or another revision's copy), and
`truth` says who each face of the library is: the folder names the main (largest) face of a web
or reference photo; `review_truth.csv` names the faces this rule gets wrong (co-stars, blurred
bystanders, a microphone, drawings) and the named people's faces in the group photos
(`labels.csv` says only who is in each photo, not which face). A face in a blurred copy is
`UNRECOGNISABLE`, one on a region that is not a person `NOT_A_FACE`, any other `SOMEONE`.
"""

from __future__ import annotations

import csv
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageFilter

from album.config import Settings
from album.faces.analyze import FaceFound, analyze_photos, iou
from album.imaging import open_photo

REPO = Path(__file__).resolve().parent.parent
TRUTH = Path(__file__).with_name("review_truth.csv")
NOT_A_FACE = "(not a face)"
UNRECOGNISABLE = "(unrecognisable)"
SOMEONE = "(someone not named)"
HOPELESS = (NOT_A_FACE, UNRECOGNISABLE)
Region = tuple[float, float, float, float]  # normalized left, top, right, bottom
Box = tuple[int, int, int, int]  # top, right, bottom, left in the photo's pixels
NOT_PEOPLE: tuple[tuple[str, str, Region], ...] = (  # name, photo under faces/, region
    ("Yume the dog", "group-photos/mixed/guott_Putin_5.webp", (0.164, 0.617, 0.318, 0.845)),
    ("Vuk the fox", "web-celebs/alan_grant/00000003.jpg", (0.05, 0.10, 0.25, 0.50)),
    ("raspberry", "web-celebs/john_hammond/00000033.jpg", (0.303, 0.743, 0.357, 0.837)),
    ("leaf", "group-photos/mixed/guott_Diana_3.jpg", (0.45, 0.75, 0.60, 0.95)),
    ("leaf", "group-photos/mixed/guott_Putin_5.webp", (0.0, 0.0, 0.12, 0.35)),
)
BLURRED_SIDE = 36
BLUR_RADIUS = 2.0
Overrides = dict[str, list[tuple[Box, str]]]


@dataclass
class Prepared:
    photos: Path
    named: list[str]  # the people named in files
    not_people: list[str]  # the names given to things that are not people


def display_name(folder: str) -> str:
    """`mel_gibson` -> `Mel Gibson`, `Barack_Obama` -> `Barack Obama`."""
    return " ".join(part.capitalize() for part in folder.split("_"))


def faces_dir(given: str | None = None) -> Path:
    for candidate in (given, os.environ.get("ALBUM_FACES"), str(REPO.parent / "shared/faces")):
        if candidate and (Path(candidate) / "web-celebs").is_dir():
            return Path(candidate)
    sys.exit("../shared/faces not found: pass --faces or set $ALBUM_FACES")


def prepare(
    root: Path,
    faces: Path,
    *,
    people: int | None = None,
    per_person: int | None = None,
    named: int = 3,
    blurred: int = 2,
    groups: bool = True,
) -> Prepared:
    """Copy and tag the photos into `root/photos`; `people` and `per_person` take fewer web
    photos (a quick test library), `groups=False` leaves out the group photos that no region
    of NOT_PEOPLE is on."""
    photos = root / "photos"
    sets = sorted(p for p in (faces / "web-celebs").iterdir() if p.is_dir())[:people]
    chosen: list[Path] = []
    for person in sets:
        chosen += sorted(p for p in person.iterdir() if not p.name.startswith("."))[:per_person]
    if groups:
        chosen += sorted((faces / "group-photos" / "mixed").iterdir())
        chosen += sorted((faces / "group-photos" / "reference").glob("*/*"))
    chosen += [faces / rel for _, rel, _ in NOT_PEOPLE if faces / rel not in chosen]
    chosen = list(dict.fromkeys(chosen))
    for source in chosen:
        target = photos / source.relative_to(faces)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)
    to_name = [p for p in chosen if "reference" in p.parts]
    to_blur: list[Path] = []
    for person in sets:
        mine = [p for p in chosen if p.parent == person]
        to_name += mine[:named]
        to_blur += mine[named : named + blurred]
    # The main face of each photo to name or blur, as album itself finds it.
    main: dict[Path, tuple[int, int, Box]] = {}
    settings = Settings(import_names=False, workers=1)
    looked = to_name + to_blur
    for source, found in zip(looked, analyze_photos(looked, settings), strict=True):
        if found.faces and found.width and found.height:
            main[source] = (found.width, found.height, max(found.faces, key=_area).box)
    overrides = read_overrides()
    regions: dict[Path, list[tuple[str, Region]]] = {}
    for source in to_name:
        rel = source.relative_to(faces).as_posix()
        if source in main and lookup(overrides, rel, main[source][2]) is None:
            width, height, (top, right, bottom, left) = main[source]
            box = (left / width, top / height, right / width, bottom / height)
            regions.setdefault(source, []).append((display_name(source.parent.name), box))
    for name, rel, region in NOT_PEOPLE:
        regions.setdefault(faces / rel, []).append((name, region))
    for source, named_regions in regions.items():
        write_regions(photos / source.relative_to(faces), named_regions)
    for source in to_blur:
        if source in main:
            blurred_copy(source, main[source][2], photos / "blurred" / source.parent.name)
    not_people = sorted({name for name, _, _ in NOT_PEOPLE})
    people_named = sorted({n for rs in regions.values() for n, _ in rs} - set(not_people))
    return Prepared(photos, people_named, not_people)


def scan(photos: Path, library: Path, tree: Path = REPO) -> None:
    """`album scan` of the photos, run from `tree` (this checkout, or an older revision's)."""
    subprocess.run(
        [sys.executable, "-m", "album", "scan", str(photos), "--library", str(library), "--quiet"],
        check=True,
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
    )


def _area(face: FaceFound) -> int:
    top, right, bottom, left = face.box
    return (right - left) * (bottom - top)


def write_regions(photo: Path, regions: list[tuple[str, Region]]) -> None:
    """MWG face regions written by exiftool: into a JPEG, beside a PNG or WebP (a sidecar)."""
    items = []
    for name, (left, top, right, bottom) in regions:
        escaped = "".join("|" + c if c in ",[]{}|" else c for c in name)
        items.append(
            f"{{Area={{X={(left + right) / 2:.6f},Y={(top + bottom) / 2:.6f},"
            f"W={right - left:.6f},H={bottom - top:.6f},Unit=normalized}},"
            f"Type=Face,Name={escaped}}}"
        )
    tag = f"-XMP-mwg-rs:RegionInfo={{RegionList=[{','.join(items)}]}}"
    target = [str(photo)]
    if photo.suffix.lower() in (".webp", ".png"):
        target = ["-o", str(photo) + ".xmp"]
    subprocess.run(
        ["exiftool", "-q", "-q", "-overwrite_original", tag, *target], check=True, timeout=120
    )


def blurred_copy(source: Path, box: Box, folder: Path) -> Path:
    """The photo shrunk until its main face is BLURRED_SIDE px, then blurred: a face far away
    and out of focus, as a bystander behind the subject of a user's photo."""
    top, right, bottom, left = box
    image = open_photo(source).image.convert("RGB")
    factor = BLURRED_SIDE / max(right - left, bottom - top)
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    small = image.resize(size, Image.Resampling.LANCZOS)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (source.stem + ".jpg")
    small.filter(ImageFilter.GaussianBlur(BLUR_RADIUS)).save(target, quality=90)
    return target


def read_overrides() -> Overrides:
    out: Overrides = {}
    with TRUTH.open(newline="") as handle:
        for row in csv.DictReader(handle):
            box = (int(row["top"]), int(row["right"]), int(row["bottom"]), int(row["left"]))
            out.setdefault(row["photo"], []).append((box, row["who"]))
    return out


def lookup(overrides: Overrides, rel: str, box: Box) -> str | None:
    """Who review_truth.csv says the face at `box` of photo `rel` is, if it says."""
    found = [who for known, who in overrides.get(rel, []) if iou(known, box) >= 0.5]
    return found[0] if found else None


def truth(library: Path, photos: Path) -> dict[int, str]:
    """Who each face of the library is (a name, NOT_A_FACE, UNRECOGNISABLE or SOMEONE)."""
    overrides = read_overrides()
    conn = sqlite3.connect(library)
    rows = conn.execute(
        "SELECT f.id, p.path, p.width, p.height, f.top, f.right, f.bottom, f.left FROM faces f "
        "JOIN photos p ON p.id = f.photo_id WHERE f.removed = 0"
    ).fetchall()
    conn.close()
    by_photo: dict[str, list[tuple[int, Box, int, int]]] = {}
    for face_id, path, width, height, *box in rows:
        by_photo.setdefault(path, []).append((face_id, tuple(box), width, height))  # type: ignore[arg-type]
    out: dict[int, str] = {}
    for path, found in by_photo.items():
        rel = Path(path).relative_to(photos.absolute()).as_posix()
        largest = max(found, key=lambda f: (f[1][1] - f[1][3]) * (f[1][2] - f[1][0]))[0]
        regions = [region for _, r, region in NOT_PEOPLE if r == rel]
        for face_id, box, width, height in found:
            known = lookup(overrides, rel, box)
            if known is not None:
                out[face_id] = known
            elif rel.startswith("blurred/"):
                out[face_id] = UNRECOGNISABLE
            elif any(_on_region(box, region, width, height) for region in regions):
                out[face_id] = NOT_A_FACE
            elif rel.startswith(("web-celebs/", "group-photos/reference/")) and face_id == largest:
                out[face_id] = display_name(Path(rel).parent.name)
            else:
                out[face_id] = SOMEONE
    return out


def _on_region(box: Box, region: Region, width: int, height: int) -> bool:
    left, top, right, bottom = region
    pixels = (top * height, right * width, bottom * height, left * width)
    return iou(tuple(float(v) for v in box), pixels) >= 0.3
