"""Cluster quality and scale: album's clustering against dlib chinese whispers and DBSCAN.

    uv run python benchmarks/cluster_embeddings.py [--faces DIR] [--scale 10000,50000,150000]

Prints one table per dataset (method, BCubed P/R/F, pairwise P/R/F, time):
- lfw-embeddings.npz: 12,617 faces of 5,518 people, the long tail;
- lfw-62x10 with 68-point and with 5-point landmarks (embedded once, cached under /tmp);
then the per-face cost of landmarks + encoding for both models, and time / peak memory on
synthetic dlib-like embeddings at each --scale size (each in a fresh process, so peak RSS is
that run's). Every method is scored with each face in some cluster: album's "unsorted" (-1)
faces count as singletons, which is also what min_cluster_size=1 gives.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from album.people.cluster import DEFAULT_THRESHOLD, cluster_faces  # noqa: E402
from album.people.metrics import bcubed, pairwise  # noqa: E402

CACHE = Path(os.environ.get("ALBUM_BENCH_CACHE", tempfile.gettempdir())) / "album-bench"


def faces_dir(arg: str | None) -> Path:
    for candidate in (arg, os.environ.get("ALBUM_FACES"), str(REPO.parent / "shared" / "faces")):
        if candidate and (Path(candidate) / "lfw-embeddings.npz").is_file():
            return Path(candidate)
    sys.exit("face data not found: pass --faces, set $ALBUM_FACES or use ../shared/faces")


# --- methods ---------------------------------------------------------------------------------


def album(x: np.ndarray) -> np.ndarray:
    return cluster_faces(x, min_cluster_size=1)


def chinese_whispers(x: np.ndarray) -> np.ndarray:
    import dlib

    return np.asarray(dlib.chinese_whispers_clustering([dlib.vector(r) for r in x], 0.5))


def dbscan(x: np.ndarray) -> np.ndarray:
    from sklearn.cluster import DBSCAN

    return DBSCAN(eps=0.5, min_samples=1).fit_predict(x)


def dense_average(x: np.ndarray) -> np.ndarray:
    """The n x n reference (scipy), for sets small enough to afford it."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    return fcluster(linkage(pdist(x.astype(np.float64)), "average"), 0.5, "distance")


METHODS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    f"album (threshold {DEFAULT_THRESHOLD})": album,
    "dlib chinese_whispers 0.5": chinese_whispers,
    "sklearn DBSCAN eps 0.5, min_samples 1": dbscan,
    "dense average linkage 0.5 (n x n)": dense_average,
}


def table(title: str, x: np.ndarray, y: np.ndarray) -> None:
    print(f"\n## {title}: {len(x)} faces, {len(np.unique(y))} people\n")
    print("| method | BCubed P | R | F | pairwise P | R | F | time |")
    print("|---|---|---|---|---|---|---|---|")
    for name, method in METHODS.items():
        start = time.perf_counter()
        labels = method(x)
        took = time.perf_counter() - start
        b, p = bcubed(y, labels), pairwise(y, labels)
        cells = " | ".join(f"{v:.3f}" for v in (*b, *p))
        print(f"| {name} | {cells} | {took:.2f} s |", flush=True)


# --- lfw-62x10: embeddings made here, once ------------------------------------------------------


def embed_62x10(folder: Path) -> dict[str, Path]:
    """Embed the largest face of every photo with both landmark models; cache under /tmp.

    HOG detection, upsample 1; face_encodings(img, [box], num_jitters=1, model=...). Both models
    run on the same detected box, alternating which goes first, and each call is timed.
    """
    out = {m: CACHE / f"lfw-62x10-{m}.npz" for m in ("large", "small")}
    if all(p.is_file() for p in out.values()):
        return out
    import face_recognition
    from PIL import Image, ImageOps

    CACHE.mkdir(parents=True, exist_ok=True)
    paths = sorted(p for p in folder.glob("*/*") if p.is_file())
    found: dict[str, list[np.ndarray]] = {"large": [], "small": []}
    took: dict[str, list[float]] = {"large": [], "small": []}
    names, files = [], []
    print(f"embedding {len(paths)} photos of lfw-62x10 (once; cached in {CACHE}) ...", flush=True)
    for i, path in enumerate(paths):
        with Image.open(path) as img:
            rgb = np.asarray(ImageOps.exif_transpose(img).convert("RGB"))
        boxes = face_recognition.face_locations(rgb, 1, "hog")
        if not boxes:
            continue
        box = max(boxes, key=lambda b: (b[2] - b[0]) * (b[1] - b[3]))
        for model in ("large", "small") if i % 2 else ("small", "large"):
            start = time.perf_counter()
            enc = face_recognition.face_encodings(rgb, [box], num_jitters=1, model=model)[0]
            took[model].append(time.perf_counter() - start)
            found[model].append(enc)
        names.append(path.parent.name)
        files.append(str(path.relative_to(folder)))
    for model, file in out.items():
        np.savez(
            file,
            X=np.asarray(found[model], np.float32),
            y=np.asarray(names),
            path=np.asarray(files),
            encode_s=np.asarray(took[model]),
        )
    return out


def landmark_costs(files: dict[str, Path]) -> None:
    print("\n## landmarks + encoding per face (face_encodings, num_jitters=1, HOG box given)\n")
    print("| model | faces | mean | median | p90 |")
    print("|---|---|---|---|---|")
    for model, label in (("large", "68-point"), ("small", "5-point")):
        with np.load(files[model]) as data:
            ms = data["encode_s"] * 1000
        print(
            f"| {label} | {ms.size} | {ms.mean():.1f} ms | {np.median(ms):.1f} ms | "
            f"{np.percentile(ms, 90):.1f} ms |"
        )


# --- scale on synthetic dlib-like embeddings --------------------------------------------------


def synthetic_faces(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings shaped like dlib's (measured on lfw-embeddings.npz).

    Real descriptors: norm ~1.42 around a common mean of norm 1.30, rank ~80 of 128,
    within-person variance (trace) ~0.1, between-person ~0.24; same-person distances median
    0.44, different-person median 0.82 with a 0.1% tail below 0.55 (look-alike groups).
    People's sizes follow Zipf(1.8), capped at n/30: many strangers seen once, a few people
    seen thousands of times, the shape that makes a photo library hard.
    """
    rng = np.random.default_rng(seed)
    dim, rank = 128, 80
    sizes: list[int] = []
    while sum(sizes) < n:
        sizes.append(int(min(rng.zipf(1.8), max(1, n // 30), n - sum(sizes))))
    people = len(sizes)
    basis, _ = np.linalg.qr(rng.standard_normal((dim, rank)))
    spectrum = np.linspace(1.0, 0.4, rank)
    between = np.sqrt(spectrum / spectrum.sum() * 0.24)
    within = np.sqrt(spectrum / spectrum.sum() * 0.095)
    rotation, _ = np.linalg.qr(rng.standard_normal((rank, rank)))
    mean = rng.standard_normal(dim)
    mean *= 1.3 / np.linalg.norm(mean)
    groups = rng.standard_normal((12, rank)) * between
    centres = (
        np.sqrt(0.1) * groups[rng.integers(0, 12, people)]
        + np.sqrt(0.9)
        * rng.standard_normal((people, rank))
        * between
        * rng.choice([0.75, 1.0, 1.1], people)[:, None]
    )
    label = np.repeat(np.arange(people), sizes)
    scale = np.exp(rng.normal(0, 0.12, people))[label, None]
    noise = (rng.standard_normal((n, rank)) * within) @ rotation.T * scale
    x = mean + (centres[label] + noise) @ basis.T
    order = rng.permutation(n)
    return x[order].astype(np.float32), label[order]


def _memory_kb(field: str) -> int:
    """VmHWM (peak) or VmRSS of this process. Unlike ru_maxrss it restarts at exec, so the
    parent's own peak (dense linkage above: over 1 GB) does not leak into the child's."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # not Linux: best effort


def scale_child(path: str) -> None:
    """Run in a fresh process: cluster one saved set, report time and the process's peak RSS."""
    x = np.load(path)
    base = _memory_kb("VmRSS")
    wall, cpu = time.perf_counter(), time.process_time()
    labels = cluster_faces(x)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = _memory_kb("VmHWM")
    np.save(path.replace(".npy", "-labels.npy"), labels)
    print(json.dumps({"wall": wall, "cpu": cpu, "base_kb": base, "peak_kb": peak}))


def scale(sizes: list[int]) -> None:
    print(
        f"\n## scale: synthetic dlib-like embeddings, {os.cpu_count()} CPUs, "
        f"load average before {os.getloadavg()[0]:.1f}\n"
    )
    print(
        "| faces | people | wall | CPU | peak RSS (process) | RSS before | BCubed F | pairwise F |"
    )
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            x, y = synthetic_faces(n)
            path = str(Path(tmp) / f"faces-{n}.npy")
            np.save(path, x)
            run = subprocess.run(
                [sys.executable, __file__, "--scale-child", path],
                check=True,
                capture_output=True,
                text=True,
            )
            r = json.loads(run.stdout.strip().splitlines()[-1])
            labels = np.load(path.replace(".npy", "-labels.npy"))
            print(
                f"| {n:,} | {y.max() + 1:,} | {r['wall']:.1f} s | {r['cpu']:.1f} s | "
                f"{r['peak_kb'] / 1024:.0f} MB | {r['base_kb'] / 1024:.0f} MB | "
                f"{bcubed(y, labels)[2]:.3f} | {pairwise(y, labels)[2]:.3f} |",
                flush=True,
            )
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faces", help="folder with lfw-embeddings.npz and lfw-62x10/")
    parser.add_argument("--scale", default="10000,50000,150000", help="sizes; '' to skip")
    parser.add_argument("--skip-62x10", action="store_true", help="skip embedding lfw-62x10")
    parser.add_argument("--scale-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scale_child:
        scale_child(args.scale_child)
        return
    root = faces_dir(args.faces)
    with np.load(root / "lfw-embeddings.npz") as data:
        table("lfw-embeddings.npz (5-point landmarks, see note)", data["X"], data["y"])
    if not args.skip_62x10 and (root / "lfw-62x10").is_dir():
        files = embed_62x10(root / "lfw-62x10")
        for model, label in (("large", "68-point"), ("small", "5-point")):
            with np.load(files[model]) as data:
                table(f"lfw-62x10, {label} landmarks", data["X"], data["y"])
        landmark_costs(files)
    if args.scale:
        scale([int(s) for s in args.scale.split(",")])


if __name__ == "__main__":
    main()
