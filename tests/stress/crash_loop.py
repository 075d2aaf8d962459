"""The crash loop: a real `album scan` SIGKILLed again and again while another process edits people.

A scan runs over real photos while a second process names, merges and rejects through the
people service. The scan is killed with SIGKILL at random moments (four in ten anywhere in its
run, the rest soon after it has committed analyses), and restarted; new photos arrive between
kills, as from a camera. After every kill, with the editor paused between two edits:

- every edit that returned is there (the user's decisions equal the editor's journal),
- `PRAGMA integrity_check` says ok, and no face is stored twice.

At the end the scan runs to completion and the library must hold the same photos and faces as
one uninterrupted scan of the same folder.

The test suite runs it with 20 kills (tests/test_torture_crash.py); by hand, for hundreds:

    uv run python -m tests.stress.crash_loop --kills 300
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from album.store.check import duplicate_faces  # noqa: E402
from tests.stress.editor import user_state  # noqa: E402

PAUSE_TIMEOUT = 90.0


@dataclass
class LoopResult:
    kills: int = 0
    mid_analysis: int = 0  # kills that landed with photos analyzed in that run and more to go
    completed: int = 0  # scans that finished before their kill came
    photos: int = 0  # in the folder at the end
    edits: int = 0  # people edits that returned
    refused: int = 0  # edits the service refused (a random pick that makes no sense)
    edit_errors: list[str] = field(default_factory=list)  # anything else: a bug
    problems: list[str] = field(default_factory=list)  # each broken promise, with its kill
    seconds: float = 0.0
    orphans: int = 0  # worker processes still alive 5 s after their scan was killed


def pick_photos(faces: Path, count: int, seed: int) -> list[Path]:
    """`count` LFW portraits of many people (small 250x250 photos: a cheap real scan)."""
    people = sorted(p for p in (faces / "lfw-62x10").iterdir() if p.is_dir())
    rng = random.Random(seed)
    per_person = max(3, -(-count // len(people)))  # few of many people, as far as they go
    chosen: list[Path] = []
    for person in rng.sample(people, min(len(people), -(-count // per_person))):
        chosen += sorted(person.iterdir())[:per_person]
    rng.shuffle(chosen)
    return chosen[:count]


@contextlib.contextmanager
def _db(library: Path) -> Iterator[sqlite3.Connection]:
    """A plain connection that never creates the library (a kill may come before album does)."""
    conn = sqlite3.connect(f"file:{library}?mode=rw", uri=True, timeout=60, isolation_level=None)
    try:
        yield conn
    finally:
        conn.close()


def _count_done(library: Path) -> int:
    try:
        with _db(library) as conn:
            return conn.execute("SELECT count(*) FROM photos WHERE status != 'pending'").fetchone()[
                0
            ]
    except sqlite3.Error:
        return 0


def _count_all(library: Path) -> int:
    try:
        with _db(library) as conn:
            return conn.execute("SELECT count(*) FROM photos").fetchone()[0]
    except sqlite3.Error:
        return 0


def library_faces(library: Path) -> dict[str, tuple[str, list[tuple[int, ...]]]]:
    """file name -> (status, sorted face boxes): what a scan of the photos produced."""
    with _db(library) as conn:
        photos = {
            pid: (Path(path).name, status)
            for pid, path, status in conn.execute("SELECT id, path, status FROM photos")
        }
        boxes: dict[int, list[tuple[int, ...]]] = {pid: [] for pid in photos}
        for pid, *box in conn.execute(
            "SELECT photo_id, top, right, bottom, left FROM faces WHERE removed = 0"
        ):
            boxes[pid].append(tuple(box))
    return {name: (status, sorted(boxes[pid])) for pid, (name, status) in photos.items()}


def verify(library: Path, journal: Path, when: str) -> list[str]:
    """The promises, checked with nothing running: returns what is broken."""
    problems: list[str] = []
    expected = last_state(journal)
    if not library.exists():
        return [f"{when}: the library is gone"] if expected is not None else []
    with _db(library) as conn:
        integrity = conn.execute("PRAGMA integrity_check").fetchall()
        if integrity != [("ok",)]:
            problems.append(f"{when}: integrity check: {integrity[:3]}")
        duplicates = duplicate_faces(conn)
        if duplicates:
            problems.append(f"{when}: duplicated faces {duplicates[:5]}")
        state = user_state(conn) if _has_schema(conn) else None
    if expected is not None and state != expected:
        problems.append(
            f"{when}: the user's decisions differ from the journal: {_diff(expected, state)}"
        )
    return problems


def _has_schema(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT count(*) FROM sqlite_schema WHERE name = 'faces'").fetchone()[0] > 0


def last_state(journal: Path) -> dict | None:
    state = None
    if journal.exists():
        for line in journal.read_text().splitlines():
            entry = json.loads(line)
            if "state" in entry:
                state = entry["state"]
    return state


def _diff(expected: dict, found: dict | None) -> str:
    """Only what differs: the faces whose person changed, the rejections and names that
    appeared or vanished."""
    if found is None:
        return "no library"
    out = []
    want, got = expected["confirmed"], found["confirmed"]
    for face in sorted(set(want) | set(got), key=int):
        if want.get(face) != got.get(face):
            out.append(f"face {face}: {want.get(face)!r} -> {got.get(face)!r}")
    for key in ("rejected", "names"):
        lost = [x for x in expected[key] if x not in found[key]]
        extra = [x for x in found[key] if x not in expected[key]]
        if lost or extra:
            out.append(f"{key} lost {lost} gained {extra}")
    return "; ".join(out)


class Editor:
    """The second process: people edits through the service, pausable between two edits."""

    def __init__(self, library: Path, workdir: Path, seed: int) -> None:
        self.control = workdir / "editor"
        self.control.mkdir(parents=True, exist_ok=True)
        self.journal = workdir / "edits.jsonl"
        command = [sys.executable, "-m", "tests.stress.editor", library, self.journal]
        self.process = subprocess.Popen(
            [*command, self.control, str(seed)],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=open(workdir / "editor.log", "w"),  # noqa: SIM115
        )

    def pause(self) -> None:
        """Return once the editor is between two edits and will not start another."""
        (self.control / "pause").touch()
        deadline = time.monotonic() + PAUSE_TIMEOUT
        while not (self.control / "paused").exists():
            if self.process.poll() is not None:
                raise RuntimeError(f"the editor died (exit {self.process.returncode})")
            if time.monotonic() > deadline:
                raise RuntimeError("the editor did not pause")
            time.sleep(0.01)

    def resume(self) -> None:
        """Let it go on, and wait until it has taken its `paused` away: a stale one would make
        the next pause() return while an edit is in flight."""
        (self.control / "pause").unlink(missing_ok=True)
        deadline = time.monotonic() + PAUSE_TIMEOUT
        while (self.control / "paused").exists() and self.process.poll() is None:
            if time.monotonic() > deadline:
                raise RuntimeError("the editor did not resume")
            time.sleep(0.005)

    def stop(self) -> None:
        self.pause()
        (self.control / "stop").touch()
        self.resume()
        try:
            self.process.wait(timeout=PAUSE_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def entries(self) -> list[dict]:
        if not self.journal.exists():
            return []
        return [json.loads(line) for line in self.journal.read_text().splitlines()]


def scan_command(folder: Path, library: Path, workers: int) -> list[str]:
    return [sys.executable, "-m", "album", "scan", str(folder), "--library", str(library),
            "--workers", str(workers), "--quiet"]  # fmt: skip


def _scan(folder: Path, library: Path, workers: int, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        scan_command(folder, library, workers),
        cwd=REPO,
        stdout=open(log, "a"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _scan_to_the_end(folder: Path, library: Path, workers: int) -> subprocess.CompletedProcess:
    """A scan nobody kills: the loop's last one, and the reference the library is compared to."""
    return subprocess.run(
        scan_command(folder, library, max(workers, 2)), cwd=REPO, capture_output=True, text=True
    )


def _alive_in_group(pgid: int) -> int:
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
                count += int(fields[2]) == pgid and fields[0] != "Z"
            except (OSError, IndexError, ValueError):
                pass
    return count


def _kill(process: subprocess.Popen, library: Path, rng: random.Random, expected: float) -> bool:
    """SIGKILL the scan at a random moment; False if it finished first.

    Four times in ten, anywhere in the `expected` seconds an uninterrupted scan takes (start,
    listing, analysis, the people update); otherwise once this run has committed analyses,
    within the next 0.8 s (a commit lands every second: some kills lose a batch in flight).
    """
    started = time.monotonic()
    if rng.random() < 0.4:
        deadline = started + rng.uniform(0.05, 0.9) * expected
    else:
        before = _count_done(library)
        while (
            _count_done(library) <= before
            and process.poll() is None
            and time.monotonic() - started < 2 * expected
        ):
            time.sleep(0.02)
        deadline = time.monotonic() + rng.uniform(0.0, 0.8)
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.01)
    if process.poll() is not None:
        return False
    os.kill(process.pid, signal.SIGKILL)  # the scan's own process, as the OOM killer would
    process.wait()
    return True


def _reap(pgid: int) -> int:
    """Worker processes left behind exit on their own once their scan is gone; count any that
    have not after 5 s, and end them so the next round starts clean."""
    deadline = time.monotonic() + 5
    while _alive_in_group(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = _alive_in_group(pgid)
    if left:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
    return left


def run_crash_loop(
    photos: list[Path],
    workdir: Path,
    *,
    kills: int,
    seed: int = 1,
    workers: int = 2,
    first: int = 0,
    arrivals: tuple[int, int] = (0, 3),
    report: Callable[[str], None] = lambda line: None,
) -> LoopResult:
    """Kill a scan of `photos` `kills` times while people are edited; verify after each kill.

    `first` photos are in the folder from the start (all of them when 0); more arrive between
    kills, `arrivals` (at least, at most) at a time, copies of the same once all have landed.
    """
    started = time.monotonic()
    rng = random.Random(seed)
    folder, library = workdir / "Pictures", workdir / "lib" / "library.db"
    folder.mkdir(parents=True)
    camera = Camera(folder, photos)
    camera.land(first or len(photos))
    result = LoopResult()
    editor = Editor(library, workdir, seed)
    log = workdir / "scans.log"
    try:
        expected = 4.0  # seconds an uninterrupted scan takes; learnt from those that finish
        while result.kills < kills:
            began, done_before = time.monotonic(), _count_done(library)
            process = _scan(folder, library, workers, log)
            killed = _kill(process, library, rng, expected)
            result.orphans += _reap(process.pid) if killed else 0
            if killed:
                result.kills += 1
                progressed = _count_done(library) > done_before
                result.mid_analysis += progressed and _count_done(library) < _count_all(library)
                if not progressed:  # killed before it got anywhere: aim later next time
                    expected *= 1.2
            else:
                result.completed += 1
                expected = time.monotonic() - began
                if process.returncode != 0:
                    result.problems.append(f"scan {result.kills}: exit {process.returncode}")
            editor.pause()
            result.problems += verify(library, editor.journal, f"after kill {result.kills}")
            editor.resume()
            camera.land(rng.randint(*arrivals))
            if result.kills % 10 == 0 and killed:
                report(f"{result.kills} kills, {_count_done(library)} photos analyzed")
        final = _scan_to_the_end(folder, library, workers)
        if final.returncode != 0:
            result.problems.append(f"the last scan: exit {final.returncode}: {final.stderr[-500:]}")
        editor.stop()
        result.problems += verify(library, editor.journal, "at the end")
    finally:
        if editor.process.poll() is None:
            editor.process.kill()
    entries = editor.entries()
    result.edits = sum(1 for e in entries if "state" in e)
    result.refused = sum(1 for e in entries if "refused" in e)
    result.edit_errors = [e["error"] for e in entries if "error" in e]

    reference = workdir / "reference" / "library.db"
    clean = _scan_to_the_end(folder, reference, workers)
    if clean.returncode != 0:
        result.problems.append(f"the uninterrupted scan: exit {clean.returncode}")
    got, want = library_faces(library), library_faces(reference)
    if got != want:
        differ = sorted(n for n in set(got) | set(want) if got.get(n) != want.get(n))
        result.problems.append(
            f"the library differs from an uninterrupted scan's in {len(differ)} photos: "
            + "; ".join(f"{n}: {got.get(n)} vs {want.get(n)}" for n in differ[:5])
        )
    result.photos = camera.landed
    result.seconds = time.monotonic() - started
    return result


class Camera:
    """New photos landing in the folder between kills. When every photo has landed, copies of
    them land again under new names (people keep duplicates): there is always analysis to do."""

    def __init__(self, folder: Path, photos: list[Path]) -> None:
        self.folder, self.photos = folder, photos
        self.landed = 0

    def land(self, count: int) -> None:
        for _ in range(count):
            source = self.photos[self.landed % len(self.photos)]
            again = self.landed // len(self.photos)
            prefix = f"{source.parent.name}__" + (f"copy{again}__" if again else "")
            shutil.copy2(source, self.folder / f"{prefix}{source.name}")
            self.landed += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=300)
    parser.add_argument("--photos", type=int, default=620, help="LFW portraits (at most 620)")
    parser.add_argument("--first", type=int, default=100, help="photos there from the start")
    parser.add_argument(
        "--arrive", type=int, nargs=2, default=(4, 10), metavar=("MIN", "MAX"),
        help="photos landing after each kill",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    parser.add_argument("--workers", type=int, default=1, help="of the scans that are killed")
    parser.add_argument("--faces", type=Path, default=REPO.parent / "shared" / "faces")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args(argv)
    faces = Path(os.environ.get("ALBUM_FACES", args.faces))
    if not (faces / "lfw-62x10").is_dir():
        print(f"no face photos in {faces} (set $ALBUM_FACES)", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="album-crash-loop-"))
    photos = pick_photos(faces, args.photos, args.seed)
    print(f"seed {args.seed}, {len(photos)} photos, work folder {workdir}", flush=True)
    result = run_crash_loop(
        photos,
        workdir,
        kills=args.kills,
        seed=args.seed,
        workers=args.workers,
        first=min(args.first, len(photos)),
        arrivals=tuple(args.arrive),
        report=lambda line: print(line, flush=True),
    )
    print(
        f"kills survived: {result.kills} ({result.mid_analysis} in the middle of analyzing; "
        f"{result.completed} more scans finished before their kill)\n"
        f"photos at the end: {result.photos}; people edits that returned: {result.edits}; "
        f"edits refused: {result.refused}; edits that failed: {len(result.edit_errors)}\n"
        f"workers left behind after a kill: {result.orphans}\n"
        f"broken promises: {len(result.problems)}\n"
        f"time: {result.seconds:.0f} s"
    )
    for problem in result.problems[:20] + result.edit_errors[:5]:
        print(f"  {problem}")
    failed = result.problems or result.edit_errors
    if not args.keep and not failed:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
