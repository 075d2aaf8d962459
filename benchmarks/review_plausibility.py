"""Does Review ask questions worth answering? The share of Yes answers per plausibility floor.

    uv run python benchmarks/review_plausibility.py [--faces DIR] [--named 60] [--strangers 4000]
    uv run python benchmarks/review_plausibility.py --photos [--before REV]

`--photos` measures it on real web and group photos instead (benchmarks/review_library.py: names
imported from files, names of things that are not people, blurred bystanders and small blurred
copies), scanned by album as a user's photos are; `--before REV` scans the same photos with the
album of git revision REV too (`git archive`, into a temporary folder) and shows both side by
side. Each question is answered from the truth about its face; one on a face nobody could
recognise, or about a name that is not a person, counts as No.

The LFW measurement:

Builds a real library from lfw-embeddings.npz (real dlib embeddings of LFW): `--named` people
with at least ten photos, three faces of each confirmed by the "user" (named), the rest of their
faces unlabelled, among `--strangers` faces of people seen at most four times. album then
groups and matches as it does after a scan (update_people), and `review_queue` builds the
questions. A question "Is this X?" is answered Yes when the face's true identity is X.

For each floor: how many questions Review would ask, and the share answered Yes. The chosen
floor (album.people.suggest.PLAUSIBLE_ABOVE) must keep that share at or above 70 %. Also shows
the order: the share of Yes among the first 50 questions asked.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from album.people.suggest import PLAUSIBLE_ABOVE, review_queue  # noqa: E402
from album.people.update import update_people  # noqa: E402
from album.store.faces import embedding_blob  # noqa: E402
from album.store.library import Library  # noqa: E402
from benchmarks.review_library import (  # noqa: E402
    BLURRED_SIDE,
    HOPELESS,
    SOMEONE,
    prepare,
    scan,
)
from benchmarks.review_library import faces_dir as review_faces_dir  # noqa: E402
from benchmarks.review_library import truth as photo_truth  # noqa: E402

FLOORS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
CONFIRMED = 3


def faces_dir(given: str | None) -> Path:
    for candidate in (given, os.environ.get("ALBUM_FACES"), str(REPO.parent / "shared/faces")):
        if candidate and (Path(candidate) / "lfw-embeddings.npz").exists():
            return Path(candidate)
    sys.exit("lfw-embeddings.npz not found: pass --faces or set $ALBUM_FACES")


def build(path: Path, x: np.ndarray, y: np.ndarray, named: int, strangers: int) -> dict[int, str]:
    """The library; returns each face id's true identity."""
    rng = np.random.default_rng(0)
    counts = Counter(y.tolist())
    regulars = sorted(p for p, c in counts.items() if c >= 10)
    chosen = [regulars[i] for i in rng.choice(len(regulars), named, replace=False)]
    rare = np.flatnonzero(np.array([counts[p] <= 4 for p in y.tolist()]))
    extra = rng.choice(rare, min(strangers, len(rare)), replace=False)
    truth: dict[int, str] = {}
    with Library.open(path) as library, library.write() as db:
        conn = db.conn
        now = time.time()

        def add(index: int, person: int | None) -> None:
            photo = conn.execute(
                "INSERT INTO photos (path, size, mtime_ns, status, width, height) "
                "VALUES (?, 1, 1, 'done', 250, 250) RETURNING id",
                (f"/bench/{index}.jpg",),
            ).fetchone()[0]
            face = conn.execute(
                "INSERT INTO faces (photo_id, top, right, bottom, left, score, embedding, "
                "person_id, label_source) VALUES (?, 70, 180, 180, 70, 1, ?, ?, ?) RETURNING id",
                (
                    photo,
                    embedding_blob(x[index].astype(np.float32)),
                    person,
                    "user" if person else None,
                ),
            ).fetchone()[0]
            truth[face] = str(y[index])

        for number, name in enumerate(chosen, start=1):
            conn.execute(
                "INSERT INTO people (id, name, created_at) VALUES (?, ?, ?)", (number, name, now)
            )
            mine = np.flatnonzero(y == name)[:20]
            for k, index in enumerate(mine):
                add(int(index), number if k < CONFIRMED else None)
        for index in extra:
            add(int(index), None)
    return truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces")
    parser.add_argument("--named", type=int, default=60)
    parser.add_argument("--strangers", type=int, default=4000)
    parser.add_argument("--photos", action="store_true", help="real web and group photos")
    parser.add_argument("--before", metavar="REV", help="with --photos: also album at REV")
    args = parser.parse_args()
    if args.photos:
        on_photos(args.faces, args.before)
    else:
        on_lfw(args)


def on_lfw(args: argparse.Namespace) -> None:
    data = np.load(faces_dir(args.faces) / "lfw-embeddings.npz")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "review.db"
        truth = build(path, data["X"], data["y"], args.named, args.strangers)
        with Library.open(path) as library:
            update_people(library, recluster=True)
            started = time.perf_counter()
            items = review_queue(library, limit=10**9, floor=0.0)
            took = time.perf_counter() - started
            ordered = review_queue(library, limit=50)
    print(
        f"{len(truth)} faces, {args.named} named people ({CONFIRMED} confirmed faces each), "
        f"review queue built in {took:.2f} s\n"
    )
    print("| floor | questions | answered Yes | near misses (not yet matched) | their Yes |")
    print("|---:|---:|---:|---:|---:|")
    for floor in FLOORS:
        asked = [i for i in items if i.confidence >= floor]
        yes = [truth[i.face_id] == i.person for i in asked]
        loose = [truth[i.face_id] == i.person for i in asked if not i.suggested]
        mark = " ← album" if floor == PLAUSIBLE_ABOVE else ""
        print(
            f"| {floor:.2f}{mark} | {len(asked)} | {np.mean(yes) if yes else 0:.1%} | "
            f"{len(loose)} | {np.mean(loose) if loose else 0:.1%} |"
        )
    first = [truth[i.face_id] == i.person for i in ordered]
    print(f"\nThe first {len(first)} questions Review asks: {np.mean(first):.1%} answered Yes")


# Run in the album under test (this checkout, or an older revision's copy): what Review asks,
# as the window asks it (review_view: 300 questions, in this order), and what People lists.
ASK = """
import json, sys
from album.people.suggest import merge_suggestions, review_queue
from album.store.library import Library
with Library.open(sys.argv[1]) as library:
    items = review_queue(library, limit=300)
    pairs = merge_suggestions(library)
    conn = library.conn
    faces = conn.execute(
        "SELECT id, person_id FROM faces WHERE removed = 0 AND person_id IS NOT NULL"
    ).fetchall()
    names = conn.execute("SELECT id, name FROM people").fetchall()
print(json.dumps({"items": [[i.face_id, i.person] for i in items],
                  "pairs": [[p.a, p.b] for p in pairs], "faces": faces, "names": names}))
"""
FIRST = 8  # the questions a user sees first (issue 20: "of 8 questions seen")


@dataclass
class Answers:
    asked: int = 0
    yes: int = 0
    first_yes: int = 0
    first: int = 0
    hopeless_faces: int = 0  # questions about a face nobody could recognise
    not_people: int = 0  # questions about a name that is not a person
    pairs: int = 0
    pairs_same: int = 0
    pairs_hopeless: int = 0  # a pair with a blur, a non-face or a name that is not a person
    listed: list[str] = field(default_factory=list)  # names that are not people, in People


def answer(tree: Path, library: Path, truth: dict[int, str], not_people: list[str]) -> Answers:
    """Review's questions in `library`, asked by album in `tree`, answered from the truth."""
    out = subprocess.run(
        [sys.executable, "-c", ASK, str(library)],
        check=True,
        capture_output=True,
        text=True,
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
    ).stdout
    asked = json.loads(out)
    result = Answers()
    for n, (face_id, person) in enumerate(asked["items"]):
        right = truth.get(face_id) == person
        result.asked += 1
        result.yes += right
        if n < FIRST:
            result.first += 1
            result.first_yes += right
        result.hopeless_faces += truth.get(face_id) in HOPELESS
        result.not_people += person in not_people
    names = dict(asked["names"])
    members: dict[int, Counter[str]] = {}
    for face_id, person in asked["faces"]:
        members.setdefault(person, Counter())[truth.get(face_id, SOMEONE)] += 1
    result.listed = sorted({names[p] for p in members if names.get(p) in not_people})
    for a, b in asked["pairs"]:
        who = [members[p].most_common(1)[0][0] if p in members else SOMEONE for p in (a, b)]
        result.pairs += 1
        hopeless = any(w in HOPELESS for w in who)
        hopeless |= any(names.get(p) in not_people for p in (a, b))
        result.pairs_hopeless += hopeless
        result.pairs_same += not hopeless and who[0] == who[1] and who[0] != SOMEONE
    return result


def on_photos(faces_arg: str | None, before: str | None) -> None:
    faces = review_faces_dir(faces_arg)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        prepared = prepare(root, faces)
        trees = [("after (this checkout)", REPO)]
        if before:
            old = root / "before"
            old.mkdir()
            archive = subprocess.run(
                ["git", "-C", str(REPO), "archive", before], check=True, capture_output=True
            ).stdout
            subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
            trees.insert(0, (f"before ({before})", old))
        results = []
        for n, (_, tree) in enumerate(trees):
            library = root / f"library-{n}.db"
            started = time.perf_counter()
            scan(prepared.photos, library, tree)
            took = time.perf_counter() - started
            truth = photo_truth(library, prepared.photos)
            results.append((answer(tree, library, truth, prepared.not_people), len(truth), took))
        count = sum(1 for p in prepared.photos.rglob("*") if p.is_file() and p.suffix != ".xmp")
    print(
        f"{count} photos (web-celebs, group-photos, {BLURRED_SIDE} px blurred copies); names "
        f"from XMP files for {len(prepared.named)} people and {len(prepared.not_people)} "
        f"things that are not people ({', '.join(prepared.not_people)})\n"
    )
    print("| | " + " | ".join(label for label, _ in trees) + " |")
    print("|---|" + "---:|" * len(trees))
    rows = [
        ("faces found (scan seconds)", lambda r, n, t: f"{n} ({t:.0f} s)"),
        ('"Is this …?" questions', lambda r, n, t: str(r.asked)),
        ("answered Yes", lambda r, n, t: f"**{r.yes / max(r.asked, 1):.1%}** ({r.yes})"),
        (f"the first {FIRST} asked: Yes", lambda r, n, t: f"{r.first_yes} of {r.first}"),
        ("about a face nobody could recognise", lambda r, n, t: str(r.hopeless_faces)),
        ("about a name that is not a person", lambda r, n, t: str(r.not_people)),
        ('"Same person?" pairs', lambda r, n, t: str(r.pairs)),
        ("… the same person", lambda r, n, t: str(r.pairs_same)),
        ("… with a blur, a non-face or a non-person", lambda r, n, t: str(r.pairs_hopeless)),
        ("People lists", lambda r, n, t: ", ".join(r.listed) or "none of them"),
    ]
    for label, cell in rows:
        print(f"| {label} | " + " | ".join(cell(*result) for result in results) + " |")


if __name__ == "__main__":
    main()
