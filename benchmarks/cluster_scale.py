"""Clustering time and peak memory at library scale: today's cluster_faces against a baseline.

    uv run python benchmarks/cluster_scale.py [--sizes 150000,300000,1000000] [--baseline REV]

The baseline is album/people/cluster.py and knn.py as they were at git revision REV (default: the
last commit before the memory work), loaded from git into a temporary module, so both run side
by side from this one script and the table gives their ratio. Each (size, implementation) runs in
a fresh process: peak RSS (VmHWM) is that run's alone and includes the input embeddings
(n x 128 float32: 512 MB at 1M faces), which the caller holds anyway.

The faces are made from lfw-embeddings.npz so that their structure is real: each synthetic person
is a blend of two LFW people's centres, and each of their faces adds a real LFW face's offset
from its own person's centre. People's sizes follow Zipf(1.8) capped at n/30 (many strangers seen
once, a few people seen thousands of times); 1.5 faces per photo, as in the 100,000-photo library
of issue 12, never one person twice in a photo (faces of one photo may never be one person).
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

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from album.people.metrics import bcubed, pairwise  # noqa: E402

BASELINE = "13b72ea"  # cluster.py / knn.py before the memory work (1M faces: 4.4 GB)


def faces_file(arg: str | None) -> Path:
    for candidate in (arg, os.environ.get("ALBUM_FACES"), str(REPO.parent / "shared" / "faces")):
        if candidate and (Path(candidate) / "lfw-embeddings.npz").is_file():
            return Path(candidate) / "lfw-embeddings.npz"
    sys.exit("lfw-embeddings.npz not found: pass --faces, set $ALBUM_FACES or use ../shared/faces")


def lfw_like(lfw: Path, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n faces (float32), their photo ids and their true person, built from real LFW structure."""
    rng = np.random.default_rng(seed)
    with np.load(lfw) as data:
        real, names = data["X"].astype(np.float64), data["y"]
    _, person, counts = np.unique(names, return_inverse=True, return_counts=True)
    centres = np.zeros((counts.size, real.shape[1]))
    np.add.at(centres, person, real)
    centres /= counts[:, None]
    # A face's offset from its person's mean is smaller than from the true centre by (m-1)/m.
    seen = counts[person] >= 2
    offsets = (real - centres[person])[seen] * np.sqrt(counts / (counts - 1 + 1e-9))[person][
        seen, None
    ]
    mean = centres.mean(axis=0)
    sizes: list[int] = []
    total = 0
    while total < n:
        sizes.append(int(min(rng.zipf(1.8), max(1, n // 30), n - total)))
        total += sizes[-1]
    people = len(sizes)
    a, b = rng.integers(0, counts.size, people), rng.integers(0, counts.size, people)
    w = rng.uniform(0.3, 0.7, people)[:, None]
    blend = mean + np.sqrt(w) * (centres[a] - mean) + np.sqrt(1 - w) * (centres[b] - mean)
    label = np.repeat(np.arange(people), sizes)
    x = blend[label] + offsets[rng.integers(0, len(offsets), n)]
    order = rng.permutation(n)
    x, label = x[order].astype(np.float32), label[order]
    # Photos: 83% hold one face, the rest 2-6: 1.5 faces per photo, as in the library of issue 12.
    photo = np.empty(n, dtype=np.int64)
    i = pid = 0
    while i < n:
        m = 1 if rng.random() < 0.83 else int(rng.integers(2, 7))
        photo[i : i + m] = pid
        i, pid = i + m, pid + 1
    # Nobody is twice in one photo: a second face of someone already there gets its own photo.
    key = photo * n + label
    order = np.argsort(key, kind="stable")
    again = np.r_[False, key[order][1:] == key[order][:-1]]
    photo[order[again]] = pid + np.arange(int(again.sum()))
    return x, photo, label


def load_baseline(rev: str, folder: Path) -> None:
    """Write the baseline's cluster.py / knn.py from git as modules baseline_cluster/_knn."""
    for name in ("cluster", "knn"):
        try:
            text = subprocess.run(
                ["git", "show", f"{rev}:album/people/{name}.py"],
                cwd=REPO,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        except (OSError, subprocess.CalledProcessError) as exc:
            sys.exit(f"cannot read the baseline {rev}:album/people/{name}.py from git: {exc}")
        text = text.replace("from album.people.knn import", "from baseline_knn import")
        (folder / f"baseline_{name}.py").write_text(text)


def _memory_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError("needs Linux /proc to read peak RSS")


def child(which: str, data: str, folder: str) -> None:
    """In a fresh process: cluster one saved set with one implementation; time and peak RSS."""
    if which == "baseline":
        sys.path.insert(0, folder)
        from baseline_cluster import cluster_faces  # type: ignore[import-not-found]
    else:
        from album.people.cluster import cluster_faces
    with np.load(data) as saved:
        x, photo = saved["x"], saved["photo"]
    before = _memory_kb("VmRSS")
    wall, cpu = time.perf_counter(), time.process_time()
    labels = cluster_faces(x, photo)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak = _memory_kb("VmHWM")
    np.save(data.replace(".npz", f"-{which}.npy"), labels)
    print(json.dumps({"wall": wall, "cpu": cpu, "before_kb": before, "peak_kb": peak}))


def singletons(labels: np.ndarray) -> np.ndarray:
    """Unsorted faces (-1) as singletons, so the baseline's labels can serve as the truth."""
    out = labels.astype(np.int64, copy=True)
    loose = out < 0
    out[loose] = out.max(initial=-1) + 1 + np.arange(int(loose.sum()))
    return out


def measure(which: str, data: Path, folder: Path) -> dict[str, float]:
    run = subprocess.run(
        [sys.executable, __file__, "--child", which, str(data), str(folder)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--faces", help="folder with lfw-embeddings.npz")
    parser.add_argument("--sizes", default="150000,300000,1000000")
    parser.add_argument("--baseline", default=BASELINE, help="git revision of the baseline")
    parser.add_argument("--skip-baseline-above", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    lfw = faces_file(args.faces)
    print(
        f"## cluster_faces at scale: LFW-like faces, {os.cpu_count()} CPUs, baseline "
        f"{args.baseline}, load average before {os.getloadavg()[0]:.1f}\n"
    )
    print(
        "| faces | people | baseline wall / CPU / peak RSS | now wall / CPU / peak RSS "
        "| time ratio (wall / CPU) | memory ratio | BCubed F baseline / now "
        "| same partition (pairwise F) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        load_baseline(args.baseline, folder)
        for n in (int(s) for s in args.sizes.split(",")):
            x, photo, truth = lfw_like(lfw, n)
            data = folder / f"faces-{n}.npz"
            np.savez(data, x=x, photo=photo)
            del x
            new = measure("now", data, folder)
            old = measure("baseline", data, folder)
            labels = {w: np.load(folder / f"faces-{n}-{w}.npy") for w in ("baseline", "now")}
            f_old, f_new = (bcubed(truth, labels[w])[2] for w in ("baseline", "now"))
            same = pairwise(singletons(labels["baseline"]), labels["now"])[2]
            print(
                f"| {n:,} | {truth.max() + 1:,} | {old['wall']:.1f} s / {old['cpu']:.1f} s / "
                f"{old['peak_kb'] / 2**20:.2f} GB | {new['wall']:.1f} s / {new['cpu']:.1f} s / "
                f"{new['peak_kb'] / 2**20:.2f} GB | {new['wall'] / old['wall']:.2f} / "
                f"{new['cpu'] / old['cpu']:.2f} | "
                f"{new['peak_kb'] / old['peak_kb']:.2f} | {f_old:.3f} / {f_new:.3f} | {same:.3f} |",
                flush=True,
            )
    print(
        "\npeak RSS includes the input (float32, 512 MB per million faces); "
        f"load average after: {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
