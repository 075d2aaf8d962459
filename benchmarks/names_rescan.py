"""What reading other programs' names costs a rescan of an unchanged library.

    uv run python benchmarks/names_rescan.py [--photos 100000] [--rounds 3]

A rescan must notice a changed sidecar (`photo.jpg.xmp`, `photo.xmp`, `.picasa.ini`), so with
name import on it looks at the files beside each photo. Makes N empty photo files in folders of
500 (under $TMPDIR/album-names-rescan, reused), one in 20 with a sidecar and one folder with a
Picasa file, puts them in a library as analyzed with their current sidecar state, then times the
scan's planning (`make_plan`, walk + comparison: all a rescan of unchanged photos does) with name
import off and on, side by side and alternating in this process. Prints both and the ratio.

With --analysis, also what reading a photo's names adds to its analysis in a worker: the
photos of ../shared/faces/group-photos/mixed (or $ALBUM_FACES), each with a sidecar naming one
region, analyzed with name import off and on, alternating.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from album.interop.file_names import FolderListings  # noqa: E402
from album.scan.plan import make_plan  # noqa: E402
from album.store.library import Library  # noqa: E402

PER_FOLDER = 500
SIDECAR_EVERY = 20


def make_files(count: int) -> Path:
    folder = Path(os.environ.get("TMPDIR", "/tmp")) / "album-names-rescan" / str(count)
    marker = folder / ".complete"
    if marker.exists():
        return folder
    for i in range(count):
        sub = folder / f"{i // PER_FOLDER:04d}"
        if i % PER_FOLDER == 0:
            sub.mkdir(parents=True, exist_ok=True)
        (sub / f"{i}.jpg").write_bytes(b"\xff\xd8\xff\xd9")
        if i % SIDECAR_EVERY == 0:
            (sub / f"{i}.jpg.xmp").write_text("<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")
    (folder / "0000" / ".picasa.ini").write_text("[0.jpg]\nfaces=rect64(0),ffffffffffffffff\n")
    marker.touch()
    return folder


def prepare(folder: Path, library_path: Path) -> None:
    with Library.open(library_path) as library:
        make_plan(library, [str(folder)], fingerprint="bench")
        listings = FolderListings()
        rows = library.conn.execute("SELECT id, path FROM photos").fetchall()
        with library.write() as db:
            db.conn.executemany(
                "UPDATE photos SET status = 'done', fingerprint = 'bench', names_state = ? "
                "WHERE id = ?",
                [(listings.state(path), pid) for pid, path in rows],
            )


def timed(folder: Path, library_path: Path, import_names: bool) -> float:
    with Library.open(library_path) as library:
        started = time.perf_counter()
        plan = make_plan(library, [str(folder)], fingerprint="bench", import_names=import_names)
        seconds = time.perf_counter() - started
    assert not plan.analyze, "nothing changed, nothing to analyze"
    return seconds


def analysis_cost(rounds: int) -> None:
    import shutil

    from album.config import Settings
    from album.faces.analyze import analyze_photo
    from album.interop.xmp_write import NamedFace, merge_packet

    faces = Path(os.environ.get("ALBUM_FACES", REPO.parent / "shared" / "faces"))
    sources = sorted((faces / "group-photos" / "mixed").iterdir())
    with tempfile.TemporaryDirectory() as tmp:
        photos = []
        for source in sources:
            target = Path(tmp) / source.name
            shutil.copy(source, target)
            packet = merge_packet(
                None, [NamedFace("Someone", (0.4, 0.4, 0.6, 0.6))], orientation=1,
                stored_size=(100, 100),
            )  # fmt: skip
            target.with_name(target.name + ".xmp").write_bytes(packet)
            photos.append(target)
        off, on = [], []
        for round_ in range(rounds):
            for import_names in (False, True) if round_ % 2 == 0 else (True, False):
                settings = Settings(workers=1, import_names=import_names)
                started = time.perf_counter()
                for photo in photos:
                    analyze_photo(photo, settings)
                (on if import_names else off).append(time.perf_counter() - started)
    a, b = statistics.median(off), statistics.median(on)
    print(f"\nanalysis of {len(photos)} group photos with a named sidecar ({rounds} rounds)\n")
    print("| names import | seconds | photos/s |")
    print("|---|---|---|")
    print(f"| off | {a:.2f} | {len(photos) / a:.2f} |")
    print(f"| on (packet, sidecar, region -> face) | {b:.2f} | {len(photos) / b:.2f} |")
    print(f"\non / off: {b / a:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--analysis", action="store_true", help="only the per-photo cost")
    args = parser.parse_args()
    if args.analysis:
        analysis_cost(args.rounds)
        return
    folder = make_files(args.photos)
    with tempfile.TemporaryDirectory() as tmp:
        library = Path(tmp) / "names.db"
        prepare(folder, library)
        off, on = [], []
        for round_ in range(args.rounds):  # alternate which goes first: caches warm up
            for import_names in (False, True) if round_ % 2 == 0 else (True, False):
                (on if import_names else off).append(timed(folder, library, import_names))
    a, b = statistics.median(off), statistics.median(on)
    n = args.photos
    print(f"\nrescan planning of {n} unchanged photos ({args.rounds} rounds, medians)\n")
    print("| names import | seconds | photos/s |")
    print("|---|---|---|")
    print(f"| off | {a:.2f} | {n / a:.0f} |")
    print(f"| on (sidecars and Picasa files checked) | {b:.2f} | {n / b:.0f} |")
    print(f"\non / off: {b / a:.2f}x")


if __name__ == "__main__":
    main()
