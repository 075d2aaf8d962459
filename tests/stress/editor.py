"""The crash loop's second process: a user editing people while scans come and go.

Each edit goes through the people service, as the window's would. After each one returns, the
user's decisions as they now stand (confirmed faces, rejections, names) are appended to the
journal: whatever happens to the scan afterwards, the library must still show exactly that.
Between two edits it looks at its control folder: `pause` (answered by `paused`) and `stop`.

    python -m tests.stress.editor LIBRARY JOURNAL CONTROL SEED
"""

from __future__ import annotations

import json
import random
import sqlite3
import sys
import time
import traceback
from pathlib import Path

from album.people.service import EditError, PeopleService
from album.store.library import Library


def user_state(conn: sqlite3.Connection) -> dict:
    """What the user decided, in terms that survive automatic work (people by name)."""
    names = {pid: name for pid, name in conn.execute("SELECT id, name FROM people")}

    def who(pid: int) -> str:
        return names.get(pid) or f"#{pid}"

    confirmed = {
        str(fid): who(pid)
        for fid, pid in conn.execute(
            "SELECT id, person_id FROM faces WHERE label_source = 'user' ORDER BY id"
        )
    }
    rejected = sorted(
        [fid, who(pid)] for fid, pid in conn.execute("SELECT face_id, person_id FROM rejections")
    )
    return {
        "confirmed": confirmed,
        "rejected": rejected,
        "names": sorted(n for n in names.values() if n),
    }


def one_edit(service: PeopleService, rng: random.Random, serial: int) -> str | None:
    """A random edit a user might make now; None when there is nothing to edit yet."""
    conn = service.library.conn
    people = conn.execute(
        "SELECT p.id, p.name, count(f.id) FROM people p JOIN faces f ON f.person_id = p.id "
        "AND f.removed = 0 GROUP BY p.id"
    ).fetchall()
    faces = [r[0] for r in conn.execute("SELECT id FROM faces WHERE removed = 0")]
    if not faces:
        return None
    named = [p for p in people if p[1]]
    unnamed = [p for p in people if not p[1]]
    choice = rng.choices(["name", "name_face", "merge", "reject"], [3, 3, 2, 2])[0]
    new_name = f"Person {serial}"
    if choice == "name" and unnamed:
        person = rng.choice(unnamed)[0]
        service.name_person(person, new_name)
        return f"name person {person} {new_name!r}"
    if choice == "merge" and named and len(people) >= 2:
        target = rng.choice(named)[0]
        source = rng.choice([p for p in people if p[0] != target])[0]
        service.merge([source], into=target)
        return f"merge {source} into {target}"
    if choice == "reject" and named:
        person = rng.choice(named)[0]
        face = rng.choice(
            [r[0] for r in conn.execute("SELECT id FROM faces WHERE person_id = ?", (person,))]
        )
        service.reject([face], person)
        return f"reject face {face} from {person}"
    face = rng.choice(faces)
    name = rng.choice(named)[1] if named and rng.random() < 0.5 else new_name
    service.name_face(face, name)
    return f"name face {face} {name!r}"


def main(library: Path, journal: Path, control: Path, seed: int) -> int:
    rng = random.Random(seed)
    serial = 0
    with open(journal, "a") as log:
        while not (control / "stop").exists():
            if (control / "pause").exists():
                (control / "paused").touch()
                time.sleep(0.005)
                continue
            (control / "paused").unlink(missing_ok=True)
            if not library.exists():
                time.sleep(0.05)
                continue
            serial += 1
            entry: dict
            try:
                with Library.open(library) as lib:
                    done = one_edit(PeopleService(lib), rng, serial)
                    if done is None:
                        time.sleep(0.1)
                        continue
                    entry = {"n": serial, "edit": done, "state": user_state(lib.conn)}
            except EditError as exc:
                entry = {"n": serial, "refused": str(exc)}
            except Exception:
                entry = {"n": serial, "error": traceback.format_exc(limit=6)}
            log.write(json.dumps(entry) + "\n")
            log.flush()
            time.sleep(rng.uniform(0.02, 0.25))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])))
