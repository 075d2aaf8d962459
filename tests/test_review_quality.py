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
