"""How much faster is `album scan` than the loop every face_recognition tutorial writes?

    uv run python benchmarks/scan_speed.py ../shared/faces [--limit N] [--detect-size PX]

For each set of photos it runs, on the same files and in turn:
  (a) the naive loop: face_recognition.load_image_file + face_locations + face_encodings,
      one process (what a user gets from the README of face_recognition);
  (b) `album scan` into a fresh library, as a subprocess (worker start-up and model loading
      included), then `album export --json` to read its boxes;
and prints photos/s for each, the ratio b/a, and how many of (a)'s faces (b) also found
(box IoU >= 0.5).

Sets, when FOLDER is ../shared/faces: "12mp" (web photos upscaled to 4000 px, what phones
write: made once under $TMPDIR/album-bench), "web" (web-celebs, photos of every size) and
"group" (group-photos/mixed, small faces). Any other FOLDER is one set.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from album.faces.analyze import iou  # noqa: E402
from album.imaging import is_photo  # noqa: E402

PHONE_SIDE = 4000


def naive(files: list[Path]) -> tuple[float, dict[str, list[tuple[int, int, int, int]]]]:
    import face_recognition

    boxes: dict[str, list[tuple[int, int, int, int]]] = {}
    started = time.perf_counter()
    for path in files:
        try:
            image = face_recognition.load_image_file(path)
        except Exception:
            boxes[str(path.absolute())] = []
            continue
        found = face_recognition.face_locations(image)
        face_recognition.face_encodings(image, found)
        boxes[str(path.absolute())] = found
    return time.perf_counter() - started, boxes


def album_scan(folder: Path, extra: list[str]) -> tuple[float, dict[str, list[list[int]]]]:
    with tempfile.TemporaryDirectory() as tmp:
        library = Path(tmp) / "bench.db"
        command = [sys.executable, "-m", "album", "scan", str(folder), "--library", str(library)]
        started = time.perf_counter()
        subprocess.run([*command, "--quiet", *extra], check=True, cwd=REPO, capture_output=True)
        elapsed = time.perf_counter() - started
        exported = subprocess.run(
            [sys.executable, "-m", "album", "export", "--json", "--library", str(library)],
            check=True,
            cwd=REPO,
            capture_output=True,
            text=True,
        )
    data = json.loads(exported.stdout)
    return elapsed, {p["path"]: [f["box"] for f in p["faces"]] for p in data["photos"]}


def phone_sized(sources: list[Path], folder: Path) -> Path:
    """Real photos upscaled to a 12-megapixel phone's size, made once and reused."""
    folder.mkdir(parents=True, exist_ok=True)
    for source in sources:
        target = folder / f"{source.parent.name}-{source.stem}.jpg"
        if target.exists():
            continue
        image = ImageOps.exif_transpose(Image.open(source)).convert("RGB")
        ratio = PHONE_SIDE / max(image.size)
        size = (round(image.width * ratio), round(image.height * ratio))
        image.resize(size, Image.Resampling.LANCZOS).save(target, "JPEG", quality=90)
    return folder


def photo_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and is_photo(p))


def sets(root: Path, limit: int | None) -> dict[str, Path]:
    if not (root / "web-celebs").is_dir():
        return {root.name: root}
    web = photo_files(root / "web-celebs")
    group = photo_files(root / "group-photos" / "mixed")
    cache = Path(os.environ.get("TMPDIR", "/tmp")) / "album-bench" / "12mp"
    # Phones write 12-megapixel photos of people, not of crowds shrunk to 10-pixel faces: the
    # small-face case is the "group" set's job, at the photos' own size.
    sources = web[::6]
    if limit:
        sources = sources[:limit]
    chosen = {"12mp": phone_sized(sources, cache)}
    if limit:
        # A smaller copy of each set, as links, so (a) and (b) see the same files.
        for name, files in (("web", web[:: max(1, len(web) // limit)]), ("group", group[:limit])):
            folder = cache.parent / f"{name}-{limit}"
            folder.mkdir(exist_ok=True)
            for f in files:
                link = folder / f"{f.parent.name}-{f.name}"
                if not link.exists():
                    link.symlink_to(f)
            chosen[name] = folder
    else:
        chosen["web"] = root / "web-celebs"
        chosen["group"] = root / "group-photos" / "mixed"
    return chosen


def recall(reference: dict[str, list], found: dict[str, list]) -> tuple[int, int]:
    total = hit = 0
    for path, boxes in reference.items():
        ours = found.get(os.path.abspath(path), [])
        for box in boxes:
            total += 1
            hit += any(iou(box, tuple(b)) >= 0.5 for b in ours)
    return hit, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--limit", type=int, help="photos per set (quick runs)")
    parser.add_argument("--detect-size", type=int, help="passed to album scan")
    parser.add_argument("--workers", type=int, help="passed to album scan")
    parser.add_argument("--only", help="comma-separated set names")
    args = parser.parse_args()
    extra = []
    if args.detect_size:
        extra += ["--detect-size", str(args.detect_size)]
    if args.workers:
        extra += ["--workers", str(args.workers)]
    chosen = sets(args.folder.resolve(), args.limit)
    if args.only:
        chosen = {k: v for k, v in chosen.items() if k in args.only.split(",")}
    rows = []
    for name, folder in chosen.items():
        files = photo_files(folder)
        naive_seconds, naive_boxes = naive(files)
        album_seconds, album_boxes = album_scan(folder, extra)
        hit, total = recall(naive_boxes, album_boxes)
        rows.append(
            (
                name,
                len(files),
                len(files) / naive_seconds,
                len(files) / album_seconds,
                naive_seconds / album_seconds,
                total,
                sum(len(b) for b in album_boxes.values()),
                hit / total if total else 1.0,
            )
        )
        print(f"{name}: done", file=sys.stderr)
    print(f"\nscan speed, {os.cpu_count()} cores, album options: {' '.join(extra) or 'defaults'}\n")
    header = "| set | photos | naive photos/s | album photos/s | album / naive | naive faces "
    print(header + "| album faces | naive faces album found |")
    print("|---|---|---|---|---|---|---|---|")
    for name, n, a, b, ratio, total, ours, found in rows:
        print(
            f"| {name} | {n} | {a:.2f} | {b:.2f} | {ratio:.1f}x | {total} | {ours} | {found:.1%} |"
        )


if __name__ == "__main__":
    main()
