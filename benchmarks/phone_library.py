"""A phone's camera roll, scanned by album beside an earlier album, and the faces it finds.

    uv run python benchmarks/phone_library.py [--photos 100] [--baseline REF] [--workers 2]
        [--rounds 1] [--no-naive]

The library is made once (cached under $TMPDIR/album-bench/phone-N) the way a phone fills
one: 12-megapixel photos (4032 x 3024), most of them of no one (--faceless, 60 %: landscapes,
food, documents, screenshots, rooms, generated), the others with people: real photos from
../shared/faces (web, East Asian, children, group photos) set into a scene at the sizes a
phone sees faces (80 to 800 px, and some smaller), so where every face is is known; near
copies (--copies, 5 %: a photo a messenger sent back, 1600 px at JPEG q70), HEIC photos
(--heic, 10 %) and videos (--videos, 10 % of the files: 3 s, 720p, H.264, made with PyAV).

Then, side by side in this process, in turn (--rounds times, the medians compared):
  (a) `album scan` of this checkout, into a fresh library (workers start and load their
      models inside the time, as for a user);
  (b) the same with the album of --baseline (a git commit, checked out in a temporary
      worktree: "today's album" when the work began), same Python, same files.
It prints the seconds of each and b/a, and, for (a) and (b): how many of the faces set into
the photos at 80 px or more were found (the issue's goal: all), and how many of the faces the
naive loop finds (face_recognition.face_locations at its default upsample of 1 on the whole
12 MP photo, made once and cached, --no-naive skips it) album found too (goal >= 97 %).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.scan_speed import album_scan  # noqa: E402

CACHE = Path(os.environ.get("ALBUM_BENCH_CACHE", tempfile.gettempdir())) / "album-bench"
PHONE = (4032, 3024)
SCREEN = (1170, 2532)
SOURCES = ("web-celebs", "eastasian", "children", "group-photos/mixed")
SCENES = ("landscape", "food", "document", "screenshot", "room", "street")
# The face sizes a phone's photos hold (long side of the box, pixels), and how often.
FACE_SIZES = ((50, 80, 0.1), (80, 160, 0.35), (160, 400, 0.4), (400, 800, 0.15))
MATCH_IOU = 0.4
PER_SOURCE = 40  # real photos taken from each of SOURCES


def faces_folder() -> Path:
    for candidate in (os.environ.get("ALBUM_FACES"), str(REPO.parent / "shared" / "faces")):
        if candidate and (Path(candidate) / "lfw-62x10").is_dir():
            return Path(candidate)
    sys.exit("shared faces not found: set $ALBUM_FACES or use ../shared/faces")


# -- scenes -------------------------------------------------------------------------------


def _noise(rng: np.random.Generator, shape: tuple[int, int], scales: tuple[int, ...]) -> np.ndarray:
    """Texture at several sizes (grass, sand, a wall's plaster), about -1..1."""
    height, width = shape
    total = np.zeros(shape, dtype=np.float32)
    for scale in scales:
        small = rng.standard_normal((max(2, height // scale), max(2, width // scale)))
        layer = Image.fromarray(small.astype(np.float32), mode="F").resize(
            (width, height), Image.Resampling.BICUBIC
        )
        total += np.asarray(layer) / len(scales)
    return total


def scene(rng: np.random.Generator, kind: str) -> Image.Image:
    """A faceless picture of this kind at the phone's size (a screenshot at the screen's)."""
    size = SCREEN if kind == "screenshot" else PHONE
    w, h = size[0] // 4, size[1] // 4
    picture = Image.new("RGB", (w, h))
    draw = ImageDraw.Draw(picture)

    def colour(base: tuple[int, int, int], spread: int = 25) -> tuple[int, int, int]:
        return tuple(int(np.clip(c + rng.integers(-spread, spread + 1), 0, 255)) for c in base)

    if kind in ("landscape", "street"):
        horizon = int(h * rng.uniform(0.35, 0.6))
        sky_top, sky_low = np.array(colour((80, 130, 200))), np.array(colour((200, 220, 240)))
        for y in range(horizon):
            t = y / max(horizon - 1, 1)
            draw.line([(0, y), (w, y)], fill=tuple(int(v) for v in sky_top * (1 - t) + sky_low * t))
        ground = colour(
            [(70, 120, 50), (194, 170, 120), (110, 90, 70), (120, 120, 125)][rng.integers(4)]
        )
        draw.rectangle([0, horizon, w, h], fill=ground)
        for _ in range(int(rng.integers(5, 25))):
            x, y = int(rng.integers(0, w)), int(rng.integers(horizon - 60, h))
            rx, ry = int(rng.integers(10, 120)), int(rng.integers(10, 90))
            fill = colour(
                [(40, 80, 35), (90, 70, 50), (150, 150, 150), (180, 60, 50)][rng.integers(4)]
            )
            if kind == "street":
                draw.rectangle([x, y - 3 * ry, x + rx, y], fill=fill)
            else:
                draw.ellipse([x - rx, y - ry, x + rx, y + ry], fill=fill)
    elif kind == "food":
        draw.rectangle([0, 0, w, h], fill=colour((150, 105, 70)))  # a wooden table
        for _ in range(int(rng.integers(1, 4))):
            cx, cy, r = (
                int(rng.integers(w // 4, 3 * w // 4)),
                int(rng.integers(h // 4, 3 * h // 4)),
                int(rng.integers(h // 6, h // 3)),
            )
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=colour((240, 240, 235), 10))
            for _ in range(int(rng.integers(4, 12))):
                fx, fy, fr = (
                    cx + int(rng.integers(-r // 2, r // 2)),
                    cy + int(rng.integers(-r // 2, r // 2)),
                    int(rng.integers(r // 10, r // 3)),
                )
                fill = colour(
                    [
                        (220, 150, 100),
                        (200, 60, 40),
                        (230, 190, 140),
                        (90, 140, 60),
                        (160, 100, 60),
                    ][rng.integers(5)]
                )
                draw.ellipse([fx - fr, fy - fr, fx + fr, fy + fr], fill=fill)
    elif kind in ("document", "screenshot"):
        draw.rectangle([0, 0, w, h], fill=colour((245, 243, 235), 8))
        y = int(rng.integers(10, 40))
        while y < h - 20:
            if kind == "screenshot" and rng.random() < 0.15:
                block = int(rng.integers(30, 120))
                draw.rectangle([8, y, w - 8, y + block], fill=colour((60, 120, 220), 60))
                y += block + 8
                continue
            x = int(rng.integers(8, 30))
            while x < w - 40:
                word = int(rng.integers(8, 40))
                draw.rectangle([x, y, min(x + word, w - 10), y + 4], fill=colour((30, 30, 35), 10))
                x += word + int(rng.integers(4, 9))
            y += int(rng.integers(10, 16))
    else:  # a room: a wall, a floor, furniture, a window
        wall = colour([(225, 205, 180), (200, 200, 195), (235, 225, 205)][rng.integers(3)])
        floor = int(h * rng.uniform(0.6, 0.8))
        draw.rectangle([0, 0, w, floor], fill=wall)
        draw.rectangle([0, floor, w, h], fill=colour((140, 95, 60)))
        for _ in range(int(rng.integers(2, 6))):
            x, y = int(rng.integers(0, w - 50)), int(rng.integers(h // 5, floor))
            draw.rectangle(
                [x, y, x + int(rng.integers(40, 250)), floor + int(rng.integers(0, 40))],
                fill=colour([(90, 60, 40), (60, 60, 70), (170, 140, 110)][rng.integers(3)]),
            )
    pixels = np.asarray(picture.resize(size, Image.Resampling.BICUBIC), dtype=np.float32)
    if kind == "screenshot":  # pixels drawn by the phone itself: no grain, no light
        return Image.fromarray(pixels.astype(np.uint8))
    strength = 4 if kind == "document" else 14  # paper, against grass and plaster
    texture = _noise(rng, (size[1], size[0]), (64, 16))[..., None] * strength
    grain = rng.normal(0, 3.5, (size[1], size[0], 1)).astype(np.float32)
    return Image.fromarray(np.clip(pixels + texture + grain, 0, 255).astype(np.uint8))


# -- faces --------------------------------------------------------------------------------


def source_faces(faces: Path, cache: Path) -> list[tuple[Path, list[list[int]]]]:
    """Real photos with the naive loop's boxes in them (found once, cached)."""
    boxes_file = cache / "source-faces.json"
    if boxes_file.exists():
        known = json.loads(boxes_file.read_text())
        return [(Path(p), b) for p, b in known]
    import face_recognition

    cache.mkdir(parents=True, exist_ok=True)
    found = []
    for folder in SOURCES:
        paths = sorted((faces / folder).rglob("*.jpg"))
        for path in paths[:: max(1, len(paths) // PER_SOURCE)]:
            image = face_recognition.load_image_file(path)
            boxes = face_recognition.face_locations(image, 1)
            if boxes:
                found.append((str(path), [list(b) for b in boxes]))
    boxes_file.write_text(json.dumps(found))
    return [(Path(p), b) for p, b in found]


def face_size(rng: np.random.Generator) -> int:
    weights = np.array([w for _, _, w in FACE_SIZES])
    low, high, _ = FACE_SIZES[rng.choice(len(FACE_SIZES), p=weights / weights.sum())]
    return int(rng.integers(low, high))


def with_people(
    rng: np.random.Generator, sources: list[tuple[Path, list[list[int]]]]
) -> tuple[Image.Image, list[list[int]]]:
    """A scene with one to three real photos set into it, and where their faces now are."""
    base = scene(rng, str(rng.choice(["landscape", "room", "street"])))
    planted: list[list[int]] = []
    taken: list[tuple[int, int, int, int]] = []
    for _ in range(int(rng.integers(1, 4))):
        path, boxes = sources[int(rng.integers(len(sources)))]
        photo = Image.open(path).convert("RGB")
        largest = max(max(b[2] - b[0], b[1] - b[3]) for b in boxes)
        scale = min(face_size(rng) / largest, 3.0)
        size = (max(1, round(photo.width * scale)), max(1, round(photo.height * scale)))
        if size[0] >= PHONE[0] or size[1] >= PHONE[1]:
            continue
        left = int(rng.integers(0, PHONE[0] - size[0]))
        top = int(rng.integers(0, PHONE[1] - size[1]))
        box = (left, top, left + size[0], top + size[1])
        if any(
            not (box[2] <= t[0] or t[2] <= box[0] or box[3] <= t[1] or t[3] <= box[1])
            for t in taken
        ):
            continue
        taken.append(box)
        base.paste(photo.resize(size, Image.Resampling.LANCZOS), (left, top))
        for t, r, b, lft in boxes:
            planted.append(
                [
                    round(top + t * scale),
                    round(left + r * scale),
                    round(top + b * scale),
                    round(left + lft * scale),
                ]
            )
    return base, planted


def write_video(path: Path, rng: np.random.Generator, sources: list) -> None:
    import av

    picture, _ = with_people(rng, sources) if rng.random() < 0.5 else (scene(rng, "landscape"), [])
    frame = np.asarray(picture.resize((1280, 960)).crop((0, 120, 1280, 840)))
    with av.open(str(path), "w") as container:
        stream = container.add_stream("h264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        for i in range(30):
            shifted = np.roll(frame, i * 4, axis=1)
            for packet in stream.encode(av.VideoFrame.from_ndarray(shifted, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def build(n: int, shares: dict[str, float], folder: Path, faces: Path) -> dict:
    """The library's files and what is known of them (cached: made once per size)."""
    truth_file = folder / "truth.json"
    if truth_file.exists():
        return json.loads(truth_file.read_text())
    import pillow_heif

    pillow_heif.register_heif_opener()
    rng = np.random.default_rng(2026)
    sources = source_faces(faces, folder.parent)
    roll = folder / "DCIM"
    roll.mkdir(parents=True, exist_ok=True)
    truth: dict[str, dict] = {}
    videos = round(n * shares["videos"])
    stills = n - videos
    with_faces = round(stills * (1 - shares["faceless"]))
    for i in range(stills):
        heic = rng.random() < shares["heic"]
        path = roll / f"IMG_{i:04d}.{'HEIC' if heic else 'JPG'}"
        if i < with_faces:
            picture, planted = with_people(rng, sources)
            kind = "people"
        else:
            kind = SCENES[i % len(SCENES)]
            picture, planted = scene(rng, kind), []
        picture.save(path, "HEIF" if heic else "JPEG", quality=90)
        truth[str(path)] = {"kind": kind, "faces": planted}
    copies = folder / "WhatsApp Images"
    copies.mkdir(exist_ok=True)
    people = [p for p, t in truth.items() if t["kind"] == "people" and p.endswith(".JPG")]
    for number, original in enumerate(people[: round(n * shares["copies"])]):
        picture = Image.open(original)
        scale = 1600 / max(picture.size)
        small = picture.resize((round(picture.width * scale), round(picture.height * scale)))
        path = copies / f"IMG-2026-WA{number:04d}.jpg"
        small.save(path, "JPEG", quality=70)
        truth[str(path)] = {
            "kind": "copy",
            "faces": [[round(v * scale) for v in box] for box in truth[original]["faces"]],
        }
    for i in range(videos):
        path = roll / f"VID_{i:04d}.MP4"
        write_video(path, rng, sources)
        truth[str(path)] = {"kind": "video", "faces": []}
    truth_file.write_text(json.dumps(truth))
    return truth


def naive_faces(truth: dict, folder: Path) -> dict[str, list[list[int]]]:
    """The naive loop's faces in each still (cached): face_locations at upsample 1."""
    cached = folder / "naive.json"
    if cached.exists():
        return json.loads(cached.read_text())
    import face_recognition
    import pillow_heif

    pillow_heif.register_heif_opener()
    found = {}
    for path, known in truth.items():
        if known["kind"] != "video":
            image = face_recognition.load_image_file(path)
            found[path] = [list(b) for b in face_recognition.face_locations(image, 1)]
    cached.write_text(json.dumps(found))
    return found


# -- measuring ----------------------------------------------------------------------------


def iou(a: list[int], b: list[int]) -> float:
    top, right, bottom, left = max(a[0], b[0]), min(a[1], b[1]), min(a[2], b[2]), max(a[3], b[3])
    inter = max(0, right - left) * max(0, bottom - top)
    union = (a[1] - a[3]) * (a[2] - a[0]) + (b[1] - b[3]) * (b[2] - b[0]) - inter
    return inter / union if union > 0 else 0.0


def recall(
    reference: dict[str, list[list[int]]], found: dict[str, list], least: int = 0
) -> tuple[int, int]:
    """How many of `reference`'s faces (of `least` px or more) `found` has, of how many."""
    hit = total = 0
    for path, boxes in reference.items():
        for box in boxes:
            if max(box[2] - box[0], box[1] - box[3]) < least:
                continue
            total += 1
            hit += any(iou(box, other) >= MATCH_IOU for other in found.get(path, []))
    return hit, total


def baseline_checkout(ref: str, into: Path) -> Path:
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(into), ref],
        cwd=REPO, check=True, capture_output=True,
    )  # fmt: skip
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=100)
    parser.add_argument("--faceless", type=float, default=0.6)
    parser.add_argument("--videos", type=float, default=0.1)
    parser.add_argument("--copies", type=float, default=0.05)
    parser.add_argument("--heic", type=float, default=0.1)
    parser.add_argument("--baseline", default="f732c6d", help="the album to compare with")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--no-naive", action="store_true")
    args = parser.parse_args()
    shares = {k: getattr(args, k) for k in ("faceless", "videos", "copies", "heic")}
    folder = CACHE / f"phone-{args.photos}"
    started = time.monotonic()
    truth = build(args.photos, shares, folder, faces_folder())
    print(
        f"library: {len(truth)} files in {folder} "
        f"({time.monotonic() - started:.0f} s to make or load)"
    )
    kinds: dict[str, int] = {}
    for known in truth.values():
        kinds[known["kind"]] = kinds.get(known["kind"], 0) + 1
    print("  " + ", ".join(f"{v} {k}" for k, v in sorted(kinds.items())))
    naive = {} if args.no_naive else naive_faces(truth, folder)
    planted = {p: t["faces"] for p, t in truth.items()}
    runs: dict[str, list[float]] = {"this album": [], "baseline": []}
    boxes: dict[str, dict] = {}
    accounts: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="album-phone-") as work:
        base = baseline_checkout(args.baseline, Path(work) / "baseline")
        try:
            for _ in range(args.rounds):
                for name, root in (("baseline", base), ("this album", REPO)):
                    seconds, found, account = album_scan(
                        folder, ["--workers", str(args.workers)], cwd=root
                    )
                    runs[name].append(seconds)
                    boxes[name], accounts[name] = found, account
                    # Kept beside the library, to look at what was missed.
                    (folder / f"found-{name.replace(' ', '-')}.json").write_text(json.dumps(found))
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(base)], cwd=REPO, check=False
            )
    print(
        f"\n| | seconds (median of {args.rounds}) | files/s | planted faces >= 80 px "
        "| naive loop's faces |"
    )
    print("|---|---|---|---|---|")
    for name in ("baseline", "this album"):
        seconds = statistics.median(runs[name])
        big = recall(planted, boxes[name], 80)
        of_naive = recall(naive, boxes[name]) if naive else (0, 0)
        naive_text = (
            f"{of_naive[0]}/{of_naive[1]} ({of_naive[0] / max(of_naive[1], 1):.1%})"
            if naive
            else "-"
        )
        print(
            f"| {name} | {seconds:.1f} | {len(truth) / seconds:.2f} | "
            f"{big[0]}/{big[1]} ({big[0] / max(big[1], 1):.1%}) | {naive_text} |"
        )
    ratio = statistics.median(runs["baseline"]) / statistics.median(runs["this album"])
    print(f"\nthis album scans the library {ratio:.2f}x as fast as {args.baseline}")
    for name in ("baseline", "this album"):
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in accounts[name].items())
        print(f"  {name}: {stages}")


if __name__ == "__main__":
    main()
