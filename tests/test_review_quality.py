"""Review asks only questions worth the user's time: most are answered Yes.

Real dlib embeddings of LFW (../shared/faces/lfw-embeddings.npz) in a real library: named people
with three confirmed faces among strangers, grouped and matched as after a scan. The full
measurement per floor is benchmarks/review_plausibility.py.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from album.people.suggest import review_queue
from album.people.update import update_people
from album.store.library import Library

REPO = Path(__file__).resolve().parent.parent


def benchmark():
    spec = importlib.util.spec_from_file_location(
        "review_plausibility", REPO / "benchmarks" / "review_plausibility.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_review_questions_are_answered_yes_at_least_70_percent(faces: Path, tmp_path: Path):
    data = np.load(faces / "lfw-embeddings.npz")
    path = tmp_path / "review.db"
    truth = benchmark().build(path, data["X"], data["y"], named=30, strangers=1500)
    with Library.open(path) as library:
        update_people(library, recluster=True)
        asked = review_queue(library, limit=10_000)
        first = review_queue(library, limit=30)
    assert len(asked) >= 100
    yes = np.mean([truth[i.face_id] == i.person for i in asked])
    assert yes >= 0.70, f"only {yes:.0%} of Review's questions would be answered Yes"
    assert np.mean([truth[i.face_id] == i.person for i in first]) >= 0.70


def test_undoing_a_new_name_releases_the_faces_matched_to_it_since(faces: Path, tmp_path: Path):
    """Naming faces makes a person, and album then suggests more faces for them; undoing the
    name must take the suggestions away too (it failed on the faces table's CHECK)."""
    from album.people.service import PeopleService

    data = np.load(faces / "lfw-embeddings.npz")
    path = tmp_path / "undo.db"
    benchmark().build(path, data["X"], data["y"], named=2, strangers=0)
    with Library.open(path) as library:
        conn = library.conn
        loose = [
            r[0] for r in conn.execute("SELECT id FROM faces WHERE person_id IS NULL ORDER BY id")
        ]
        service = PeopleService(library)
        service.move_to_name(loose[:3], "Somebody New")
        new = conn.execute("SELECT id FROM people WHERE name = 'Somebody New'").fetchone()[0]
        suggested = conn.execute(
            "SELECT count(*) FROM faces WHERE person_id = ? AND label_source = 'auto'", (new,)
        ).fetchone()[0]
        assert suggested > 0, "the new person should attract suggestions"
        assert service.undo() is not None
        assert conn.execute("SELECT count(*) FROM people WHERE id = ?", (new,)).fetchone() == (0,)
        assert conn.execute(
            "SELECT count(*) FROM faces WHERE (person_id IS NULL) != (label_source IS NULL)"
        ).fetchone() == (0,)
