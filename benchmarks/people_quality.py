"""How good are album's people on real photos, and how much does naming help? (issue 19, item 5)

    uv run python benchmarks/people_quality.py [--faces DIR] [--sets lfw-62x10,web-celebs,...]
        [--workers 2] [--rescan] [--json FILE]

album's other quality benchmarks score one set of faces at a time, each in a library of its
own, so a face grouped with somebody of another set never shows. A user's library mixes
everyone: this one builds ONE library from four labelled sets of real photos in
../shared/faces (or $ALBUM_FACES, or --faces): lfw-62x10 (LFW portraits), web-celebs (ordinary
web photos), eastasian (East Asian adults, whom dlib's descriptor sets close together) and
children (FG-NET, ages 0-12, old scans). It runs the real pipeline as a user does, through the
CLI: `album --library LIB scan PHOTOS` (detection, landmarks, encoding, sharpness, then people),
then `album --library LIB cluster`.

Truth: a folder names the main (largest) face of each photo in it (the faces' README), so each
photo's largest face is labelled `<set>/<person>`; its other faces stay unlabelled: they are in
the library and in every clustering, never scored. A face album finds too blurred to recognise
counts as album leaves it (unsorted). Every unsorted face is a group of its own.

Measured, per set and for all sets together, with album.people.metrics: BCubed and pairwise
precision / recall / F. Precision is counted against the whole library's groups: a face of one
set grouped with faces of another lowers its set's precision (the faces of the other sets are
counted in its group; a pair with a face of the set is a wrong pair when the two differ).

1. album: the people `album cluster` leaves.
2. Beside it, on the same descriptors of ALL faces of the library: plain average-linkage
   agglomerative clustering (sklearn, euclidean) at a cut of 0.5 and at its best single cut
   (0.40-0.60 by 0.01, best by the mean of the sets' BCubed F: a cut tuned on the answer,
   which no user could pick): what album gains over a plain method.
3. Names help: on a copy of the library (SQLite's backup API), 2 labelled faces of each of the
   10 people with most labelled faces are named (`album name --face`, chosen at random, seed
   0, among their recognisable faces), then `album cluster` again. Over their other labelled
   faces and every face album put under those names (the 2 named left out): precision (of the
   labelled faces under a name, the share that truly are that person; unlabelled faces under a
   name are counted apart) and recall (of a person's other faces, the share under the name),
   beside the same figures before the names for album's group that held most of the person.
   Names the photos themselves carry (XMP face regions: two web-celebs photos) are imported by
   the scan, as for a user; a person a file already named is named by that name.

The scanned library is cached under $TMPDIR/album-bench/people-quality/<key>, the key a hash
of album/faces and album/scan and the list of photos, so a second run skips the scan (--rescan
scans again). The photos are hard links (copies where linking fails) under the same folder. The
library is read read-only (sqlite3 `mode=ro`). The descriptors and labels of every face go to
$TMPDIR/album-bench/people-quality/descriptors.npz (X, face_id, photo_id, label, set,
album_person, taken, sharpness, path), for clustering experiments without a scan.
($ALBUM_BENCH_CACHE, where set, stands for $TMPDIR, as in benchmarks/cluster_embeddings.py.)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from album.faces.quality import SHARP_ENOUGH  # noqa: E402
from album.people.cluster import DEFAULT_THRESHOLD  # noqa: E402
from album.people.match import match  # noqa: E402
from album.people.metrics import bcubed, pairwise  # noqa: E402
from album.store.people import face_table  # noqa: E402
from benchmarks.cluster_embeddings import CACHE  # noqa: E402

SETS = ("lfw-62x10", "web-celebs", "eastasian", "children")
HERE = CACHE / "people-quality"
NPZ = HERE / "descriptors.npz"
CUTS = np.round(np.arange(0.40, 0.6001, 0.01), 2)
NAMED_PEOPLE = 10
NAMED_FACES = 2
SOURCES = ("album/faces", "album/scan")  # what the scan's result depends on


# --- the library ---------------------------------------------------------------------------


def faces_root(given: Path | None, sets: list[str]) -> Path:
    default = REPO.parent / "shared" / "faces"
    root = given or Path(os.environ.get("ALBUM_FACES") or default)
    missing = [s for s in sets if not (root / s).is_dir()]
    if missing:
        sys.exit(
            f"no labelled face photos at {root} (missing {', '.join(missing)}): "
            "pass --faces DIR or set $ALBUM_FACES to the shared faces folder"
        )
    return root


def photo_list(faces: Path, sets: list[str]) -> list[str]:
    """`<set>/<person>/<file>` of every photo, sorted."""
    found = []
    for name in sets:
        for person in sorted(p for p in (faces / name).iterdir() if p.is_dir()):
            found += [
                f.relative_to(faces).as_posix()
                for f in sorted(person.iterdir())
                if f.is_file() and not f.name.startswith(".")
            ]
    return found


def cache_key(faces: Path, files: list[str]) -> str:
    digest = hashlib.sha256()
    for folder in SOURCES:
        for source in sorted((REPO / folder).rglob("*.py")):
            digest.update(source.relative_to(REPO).as_posix().encode() + b"\0")
            digest.update(source.read_bytes())
    for rel in files:
        digest.update(f"{rel}\0{(faces / rel).stat().st_size}\n".encode())
    return digest.hexdigest()[:16]


def link_photos(faces: Path, files: list[str], photos: Path) -> None:
    for rel in files:
        target = photos / rel
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(faces / rel, target)
        except OSError:
            shutil.copy2(faces / rel, target)


def album_cli(library: Path, *args: str) -> str:
    """One `album` command on `library`, as a user runs it; its standard output."""
    done = subprocess.run(
        [sys.executable, "-m", "album", "--library", str(library), *args],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    if done.returncode != 0:
        sys.exit(f"album {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout.strip()


@dataclass
class Scanned:
    library: Path
    photos: Path
    seconds: float
    output: str  # what `album scan` printed
    workers: int
    cached: bool


def scanned(faces: Path, files: list[str], workers: int, rescan: bool) -> Scanned:
    """The library of these photos, scanned now or found in the cache."""
    folder = HERE / cache_key(faces, files)
    photos, meta = folder / "photos", folder / "scan.json"
    library = folder / "library" / "library.db"
    saved = json.loads(meta.read_text()) if meta.is_file() and not rescan else {}
    if {"seconds", "output", "workers"} <= saved.keys():
        return Scanned(
            library, photos, saved["seconds"], saved["output"], saved["workers"], cached=True
        )
    meta.unlink(missing_ok=True)
    shutil.rmtree(library.parent, ignore_errors=True)
    link_photos(faces, files, photos)
    print(
        f"scanning {len(files)} photos with {workers} workers into {library} …",
        file=sys.stderr,
        flush=True,
    )
    started = time.perf_counter()
    output = album_cli(
        library, "scan", str(photos), "--workers", str(workers), "--quiet", "--timings"
    )
    seconds = time.perf_counter() - started
    saved = {"seconds": seconds, "output": output, "workers": workers, "photos": len(files)}
    meta.write_text(json.dumps(saved))
    return Scanned(library, photos, seconds, output, workers, cached=False)


def read_only(library: Path) -> sqlite3.Connection:
    return sqlite3.connect(library.absolute().as_uri() + "?mode=ro", uri=True)


@dataclass
class Faces:
    """Every live face of the library with a descriptor, in face id order."""

    x: np.ndarray  # (n, 128) float32
    face_id: np.ndarray
    photo_id: np.ndarray
    person: np.ndarray  # album's person, -1 unsorted
    label: np.ndarray  # `<set>/<person>` of each photo's largest face, "" for the others
    set: np.ndarray  # the labelled face's set, ""
    path: np.ndarray  # `<set>/<person>/<file>`
    taken: np.ndarray  # the photo's date (EXIF) as album keeps it, ""
    sharpness: np.ndarray  # nan: not measured
    crowding: np.ndarray  # the share of the cut album's grouping kept for the face


def read_faces(library: Path, photos: Path) -> Faces:
    conn = read_only(library)
    try:
        table = face_table(conn)
        extra = {
            r[0]: r[1:]
            for r in conn.execute(
                "SELECT id, (right - left) * (bottom - top), sharpness FROM faces"
            )
        }
        photo = {r[0]: r[1:] for r in conn.execute("SELECT id, path, taken_at FROM photos")}
    finally:
        conn.close()
    n = len(table)
    rel = np.array([_relative(photo[p][0], photos) for p in table.photo_ids.tolist()], dtype=str)
    area = np.array([extra[f][0] for f in table.ids.tolist()], dtype=np.int64)
    largest: dict[int, int] = {}
    for i, p in enumerate(table.photo_ids.tolist()):
        if p not in largest or area[i] > area[largest[p]]:
            largest[p] = i
    label, sets = np.full(n, "", dtype=object), np.full(n, "", dtype=object)
    for i in largest.values():
        set_name, person = rel[i].split("/")[:2]
        label[i], sets[i] = f"{set_name}/{person}", set_name
    sharp = [extra[f][1] for f in table.ids.tolist()]
    return Faces(
        x=table.embeddings,
        face_id=table.ids,
        photo_id=table.photo_ids,
        person=table.person_ids,
        label=label.astype(str),
        set=sets.astype(str),
        path=rel,
        taken=np.array([photo[p][1] or "" for p in table.photo_ids.tolist()], dtype=str),
        sharpness=np.array([np.nan if s is None else s for s in sharp], dtype=np.float64),
        crowding=table.crowding,
    )


def _relative(path: str, photos: Path) -> str:
    for root in (photos.absolute(), photos.resolve()):
        try:
            return Path(path).relative_to(root).as_posix()
        except ValueError:
            continue
    raise ValueError(f"{path} is not under {photos}")


def write_npz(faces: Faces) -> Path:
    NPZ.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        NPZ,
        X=faces.x.astype(np.float32),
        face_id=faces.face_id,
        photo_id=faces.photo_id,
        label=faces.label,
        set=faces.set,
        album_person=faces.person,
        taken=faces.taken,
        sharpness=faces.sharpness,
        path=faces.path,
    )
    return NPZ


# --- scoring -------------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    faces: int
    people: int
    bcubed: tuple[float, float, float]
    pairwise: tuple[float, float, float]


def _f(p: float, r: float) -> float:
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def _codes(values: np.ndarray) -> np.ndarray:
    return np.unique(values, return_inverse=True)[1].ravel()


def score(name: str, y: np.ndarray, pred: np.ndarray, mask: np.ndarray) -> Row:
    """The faces in `mask` scored among all labelled faces `y` (album.people.metrics for the
    recall, which a person's faces of one set decide alone; precision against the whole
    library's groups). `pred` -1 is unsorted: a group of its own."""
    count = int(mask.sum())
    people = len(np.unique(y[mask]))
    b_recall = bcubed(y[mask], pred[mask])[1]
    p_recall = pairwise(y[mask], pred[mask])[1]
    group = np.asarray(pred, dtype=np.int64).copy()
    loose = group < 0
    group[loose] = group.max(initial=-1) + 1 + np.arange(int(loose.sum()))
    g, t = _codes(group), _codes(y)
    size = np.bincount(g).astype(np.float64)  # labelled faces per group, all sets
    cell_of = g * (t.max() + 1) + t
    cells, cell_index, cell_size = np.unique(cell_of, return_inverse=True, return_counts=True)
    same = cell_size[cell_index.ravel()].astype(np.float64)  # faces of my group and my person
    b_precision = float(np.mean(same[mask] / size[g[mask]])) if count else 1.0
    # Pairs in one group with at least one face of the set; right when both are one person.
    mine = np.bincount(g[mask], minlength=len(size)).astype(np.float64)
    claimed = float(np.sum(mine * (size - mine) + mine * (mine - 1) / 2))
    in_set = np.isin(cells, np.unique(cell_of[mask]))
    right = float(np.sum(cell_size[in_set] * (cell_size[in_set] - 1) / 2))
    p_precision = 1.0 if claimed == 0 else right / claimed
    return Row(
        name,
        count,
        people,
        (b_precision, b_recall, _f(b_precision, b_recall)),
        (p_precision, p_recall, _f(p_precision, p_recall)),
    )


def rows_for(y: np.ndarray, sets: np.ndarray, pred: np.ndarray, names: list[str]) -> list[Row]:
    out = [score(s, y, pred, sets == s) for s in names]
    b, p = bcubed(y, pred), pairwise(y, pred)
    out.append(Row("all", len(y), len(np.unique(y)), b, p))
    return out


def average_linkage(x: np.ndarray, cut: float) -> np.ndarray:
    from sklearn.cluster import AgglomerativeClustering

    return AgglomerativeClustering(
        n_clusters=None, metric="euclidean", linkage="average", distance_threshold=cut
    ).fit_predict(x)


def print_table(title: str, rows: list[Row]) -> None:
    print(f"\n### {title}\n")
    print("| set | faces | people | BCubed P | R | F | pairwise P | R | F |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        cells = " | ".join(f"{v:.3f}" for v in (*r.bcubed, *r.pairwise))
        print(f"| {r.name} | {r.faces} | {r.people} | {cells} |")


# --- names help ----------------------------------------------------------------------------


@dataclass
class NamedPerson:
    label: str
    name: str  # the name given: the one a file already gave the person, else the label
    labelled: int  # labelled faces of the person
    named: list[int]  # the face ids named
    others: int  # the person's other labelled faces
    under_name: int  # labelled faces album put under the name, the named ones left out
    right: int  # ... that truly are the person
    unlabelled: int  # unlabelled faces under the name
    before_under: int  # before naming: labelled faces in the group holding most of the others
    before_right: int  # ... that truly are the person


def _ratio(part: int, whole: int) -> float:
    return 1.0 if whole == 0 else part / whole


def decided_names(library: Path) -> dict[int, str]:
    """The name of each face a person (or another program, through the file) named."""
    conn = read_only(library)
    try:
        return dict(
            conn.execute(
                "SELECT f.id, p.name FROM faces f JOIN people p ON p.id = f.person_id "
                "WHERE f.label_source IN ('user', 'file') AND p.name IS NOT NULL"
            ).fetchall()
        )
    finally:
        conn.close()


def birthday_of(person: str, faces: Faces) -> str | None:
    """A child's birthday as a parent would give it, from the truth: each FG-NET photo's
    name holds the child's age in whole years (`001A05`) and its EXIF date is the made-up
    birth date plus that age and a few months, so the birthday lies within the year before
    date - age. The latest such bound of all the child's photos, never after the true day."""
    bounds = []
    mine = faces.label == person
    for path, taken in zip(faces.path[mine], faces.taken[mine], strict=True):
        age = re.search(r"A(\d+)", Path(path).stem)
        if age is None or not taken:
            return None
        day = date.fromisoformat(taken[:10])
        years = int(age.group(1)) + 1
        bound = day.replace(year=day.year - years) if (day.month, day.day) != (2, 29) else None
        bounds.append((bound or date(day.year - years, 2, 28)) + timedelta(days=1))
    return max(bounds).isoformat() if bounds else None


def names_help(
    library: Path, photos: Path, faces: Faces, birthdays: bool = False
) -> tuple[list[NamedPerson], float]:
    """Name 2 faces of each of the 10 largest true people on a copy, cluster, and see.

    A person whose photos already named some of their faces (XMP regions album imported) is
    named by that name, as a user would pick the name People already lists. With `birthdays`
    each named child is given their birthday too (`album birthday`), as a parent would."""
    y = faces.label
    counts = Counter(y[y != ""].tolist())
    chosen = sorted(counts, key=lambda p: (-counts[p], p))[:NAMED_PEOPLE]
    rng = np.random.default_rng(0)
    recognisable = np.isnan(faces.sharpness) | (faces.sharpness >= SHARP_ENOUGH)
    decided = decided_names(library)
    picks: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    for person in chosen:
        pool = np.flatnonzero((y == person) & recognisable)
        picks[person] = sorted(faces.face_id[rng.choice(pool, NAMED_FACES, replace=False)].tolist())
        given = Counter(decided[f] for f in faces.face_id[y == person].tolist() if f in decided)
        names[person] = given.most_common(1)[0][0] if given else person
    with tempfile.TemporaryDirectory(prefix="album-names-help-") as tmp:
        copy = Path(tmp) / "library.db"
        source, target = read_only(library), sqlite3.connect(copy)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        started = time.perf_counter()
        for person, ids in picks.items():
            for face_id in ids:
                album_cli(copy, "name", "--face", str(face_id), names[person])
            born = birthday_of(person, faces) if birthdays else None
            if born is not None:
                album_cli(copy, "birthday", names[person], born)
        album_cli(copy, "cluster")
        seconds = time.perf_counter() - started
        after = read_faces(copy, photos)
        conn = read_only(copy)
        try:
            people = {r[1]: r[0] for r in conn.execute("SELECT id, name FROM people")}
        finally:
            conn.close()
    out = []
    for person, ids in picks.items():
        rest = ~np.isin(after.face_id, ids)
        under = rest & (after.person == people.get(names[person], -2))
        mine_before = ~np.isin(faces.face_id, ids) & (y == person) & (faces.person >= 0)
        held = Counter(faces.person[mine_before].tolist()).most_common(1)
        group = ~np.isin(faces.face_id, ids) & (faces.person == (held[0][0] if held else -2))
        out.append(
            NamedPerson(
                label=person,
                name=names[person],
                labelled=counts[person],
                named=ids,
                others=int(np.sum(rest & (after.label == person))),
                under_name=int(np.sum(under & (after.label != ""))),
                right=int(np.sum(under & (after.label == person))),
                unlabelled=int(np.sum(under & (after.label == ""))),
                before_under=int(np.sum(group & (y != ""))),
                before_right=int(np.sum(group & (y == person))),
            )
        )
    return out, seconds


AGE_SHARES = (0.2, 0.35, 0.5)
AGE_SEEDS = 10


def age_matching(faces: Faces) -> list[dict[str, float]]:
    """Matching children with and without their birthdays (album.people.match), on the
    children set's descriptors: a share of each child's faces stands for the faces a parent
    confirmed (10 random draws), every other face of every child is matched against them, at
    the crowding album gives children (its mean over them). Precision and recall of what is
    matched; a birthday is `birthday_of`'s."""
    kids = (faces.set == "children") & (faces.label != "")
    if not kids.any():
        return []
    x, who = faces.x[kids], np.unique(faces.label[kids], return_inverse=True)[1]
    day = np.array([date.fromisoformat(t[:10]).toordinal() + 1721424.5 for t in faces.taken[kids]])
    born = {}
    for p, label in enumerate(np.unique(faces.label[kids])):
        given = birthday_of(str(label), faces)
        if given is not None:
            born[p] = date.fromisoformat(given).toordinal() + 1721424.5
    crowd = float(np.mean(faces.crowding[kids]))
    rows = []
    for share in AGE_SHARES:
        totals = {False: [0, 0, 0], True: [0, 0, 0]}
        for seed in range(AGE_SEEDS):
            rng = np.random.default_rng(seed)
            ref = np.zeros(len(x), dtype=bool)
            for p in np.unique(who):
                mine = np.flatnonzero(who == p)
                ref[rng.choice(mine, max(1, round(share * mine.size)), replace=False)] = True
            q = ~ref
            for aged, t in totals.items():
                extra = {"taken": day[q], "reference_taken": day[ref], "born": born} if aged else {}
                found = match(x[q], x[ref], who[ref], crowding=np.full(q.sum(), crowd), **extra)
                got = found.person >= 0
                t[0] += int(got.sum())
                t[1] += int((got & (found.person == who[q])).sum())
                t[2] += int(q.sum())
        for aged, (got, right, asked) in totals.items():
            rows.append(
                {
                    "confirmed": share,
                    "birthdays": aged,
                    "precision": _ratio(right, got),
                    "recall": _ratio(right, asked),
                }
            )
    print(
        f"\n### Matching children by age: a share of each child's faces confirmed, the rest "
        f"matched, with and without their birthdays ({AGE_SEEDS} draws, crowding {crowd:.2f})\n"
    )
    print("| confirmed | without birthdays: precision | recall | with: precision | recall |")
    print("|---:|---:|---:|---:|---:|")
    for plain, aged in zip(rows[::2], rows[1::2], strict=True):
        print(
            f"| {plain['confirmed']:.0%} | {plain['precision']:.3f} | {plain['recall']:.3f} | "
            f"**{aged['precision']:.3f}** | **{aged['recall']:.3f}** |"
        )
    return rows


def print_names(found: list[NamedPerson], seconds: float, extra: str = "") -> dict[str, float]:
    print(
        f"\n### Names help: {NAMED_FACES} faces named for each of the {len(found)} people with "
        f"most labelled faces{extra}, then `album cluster` ({seconds:.1f} s for the names and "
        "cluster)\n"
    )
    print(
        "Over each person's other labelled faces: under the name = labelled faces album put "
        "under it (the 2 named left out), right = those that are the person. Before = album's "
        "group that held most of the person's other faces before the names.\n"
    )
    print(
        "| person (name given) | labelled | other faces | under the name | right | unlabelled "
        "under it | precision | recall | before: P | R |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for p in found:
        given = "" if p.name == p.label else f" ({p.name})"
        print(
            f"| {p.label}{given} | {p.labelled} | {p.others} | {p.under_name} | {p.right} | "
            f"{p.unlabelled} | {_ratio(p.right, p.under_name):.3f} | "
            f"{_ratio(p.right, p.others):.3f} | {_ratio(p.before_right, p.before_under):.3f} | "
            f"{_ratio(p.before_right, p.others):.3f} |"
        )
    under = sum(p.under_name for p in found)
    right = sum(p.right for p in found)
    others = sum(p.others for p in found)
    before_under = sum(p.before_under for p in found)
    before_right = sum(p.before_right for p in found)
    total = {
        "precision": _ratio(right, under),
        "recall": _ratio(right, others),
        "under_name": under,
        "right": right,
        "others": others,
        "unlabelled_under_names": sum(p.unlabelled for p in found),
        "before_precision": _ratio(before_right, before_under),
        "before_recall": _ratio(before_right, others),
    }
    print(
        f"| **all {len(found)}** | {sum(p.labelled for p in found)} | {others} | {under} | "
        f"{right} | {total['unlabelled_under_names']} | **{total['precision']:.3f}** | "
        f"**{total['recall']:.3f}** | {total['before_precision']:.3f} | "
        f"{total['before_recall']:.3f} |"
    )
    return total


# --- main ----------------------------------------------------------------------------------


def census(faces: Faces, library: Path, photos: Path, sets: list[str]) -> list[dict[str, object]]:
    """Per set: photos, photos without a face, failed photos, faces, blurred main faces."""
    conn = read_only(library)
    try:
        rows = conn.execute(
            "SELECT p.path, p.status, (SELECT count(*) FROM faces f WHERE f.photo_id = p.id "
            "AND f.removed = 0 AND f.embedding IS NOT NULL), p.taken_at FROM photos p"
        ).fetchall()
    finally:
        conn.close()
    out = []
    top = np.array([p.split("/")[0] for p in faces.path.tolist()])
    blurred = ~np.isnan(faces.sharpness) & (faces.sharpness < SHARP_ENOUGH)
    for name in sets:
        mine = [r for r in rows if _relative(r[0], photos).split("/")[0] == name]
        labelled = faces.set == name
        out.append(
            {
                "set": name,
                "photos": len(mine),
                "no_face": sum(1 for r in mine if r[1] == "done" and r[2] == 0),
                "failed": sum(1 for r in mine if r[1] != "done"),
                "faces": int(np.sum(top == name)),
                "labelled": int(labelled.sum()),
                "labelled_blurred": int(np.sum(labelled & blurred)),
                "labelled_unsorted": int(np.sum(labelled & (faces.person < 0))),
                "dated_photos": sum(1 for r in mine if r[3]),
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=Path, help="the shared faces folder")
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated sets")
    parser.add_argument("--workers", type=int, default=2, help="scan worker processes")
    parser.add_argument("--rescan", action="store_true", help="scan again, not from the cache")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    sets = [s for s in args.sets.split(",") if s]
    faces_dir = faces_root(args.faces, sets)
    files = photo_list(faces_dir, sets)

    lib = scanned(faces_dir, files, args.workers, args.rescan)
    started = time.perf_counter()
    clustered = album_cli(lib.library, "cluster")
    cluster_seconds = time.perf_counter() - started
    faces = read_faces(lib.library, lib.photos)
    npz = write_npz(faces)

    scored = faces.label != ""
    y, in_set = faces.label[scored], faces.set[scored]
    figures: dict[str, object] = {"sets": sets, "library": str(lib.library), "npz": str(npz)}
    print(f"## People on real photos: {len(files)} photos of {', '.join(sets)} in one library\n")
    where = ", cached from an earlier run" if lib.cached else ""
    print(f"- `album scan`: {lib.seconds:.0f} s ({lib.workers} workers{where})")
    print(f"- `album cluster`: {cluster_seconds:.1f} s")
    print(
        f"- {len(faces.face_id)} faces in all: {int(scored.sum())} labelled (each photo's "
        f"largest), {int((~scored).sum())} unlabelled (clustered, not scored)"
    )
    print("\n```\n" + lib.output + "\n" + clustered + "\n```\n")
    counts = census(faces, lib.library, lib.photos, sets)
    figures |= {"scan_seconds": lib.seconds, "cluster_seconds": cluster_seconds, "census": counts}
    print(
        "| set | photos | no face found | failed | faces | labelled | labelled blurred "
        "| labelled unsorted by album | photos with a date |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for c in counts:
        print("| " + " | ".join(str(v) for v in c.values()) + " |")

    tables: dict[str, list[Row]] = {}
    tables[f"album (threshold {DEFAULT_THRESHOLD}, `album cluster`)"] = rows_for(
        y, in_set, faces.person[scored], sets
    )
    by_cut: dict[float, list[Row]] = {}
    for cut in CUTS.tolist():
        by_cut[cut] = rows_for(y, in_set, average_linkage(faces.x, cut)[scored], sets)
    best = max(CUTS.tolist(), key=lambda c: (np.mean([r.bcubed[2] for r in by_cut[c][:-1]]), -c))
    tables["average linkage, cut 0.5"] = by_cut[0.5]
    tables[f"average linkage, best cut = {best:.2f} (by mean BCubed F of the sets)"] = by_cut[best]
    for title, rows in tables.items():
        print_table(title, rows)
    curve = {c: float(np.mean([r.bcubed[2] for r in rows[:-1]])) for c, rows in by_cut.items()}
    print("\naverage linkage, mean BCubed F of the sets per cut: ", end="")
    print(", ".join(f"{c:.2f} {f:.3f}" for c, f in curve.items()))
    figures["tables"] = {t: [asdict(r) for r in rows] for t, rows in tables.items()}
    figures["average_linkage_best_cut"] = best
    figures["average_linkage_curve"] = {f"{c:.2f}": f for c, f in curve.items()}

    named, named_seconds = names_help(lib.library, lib.photos, faces)
    total = print_names(named, named_seconds)
    figures["names_help"] = {"people": [asdict(p) for p in named], "all": total}
    named, named_seconds = names_help(lib.library, lib.photos, faces, birthdays=True)
    total = print_names(named, named_seconds, ", the children among them with their birthday")
    figures["names_help_birthdays"] = {"people": [asdict(p) for p in named], "all": total}
    figures["age_matching"] = age_matching(faces)

    print(f"\ndescriptors and labels of all {len(faces.face_id)} faces: {npz}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
        print(f"figures: {args.json}")


if __name__ == "__main__":
    main()
