"""Behaviour of the people clustering core: quality on real embeddings, constraints, scale."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from album.people.cluster import carry_identities, cluster_faces
from album.people.knn import knn_graph
from album.people.metrics import bcubed, pairwise

REPO = Path(__file__).resolve().parent.parent


def _faces_dir() -> Path | None:
    env = os.environ.get("ALBUM_FACES")
    for candidate in ([Path(env)] if env else []) + [REPO.parent / "shared" / "faces"]:
        if (candidate / "lfw-embeddings.npz").is_file():
            return candidate
    return None


@pytest.fixture(scope="module")
def lfw() -> dict[str, np.ndarray]:
    root = _faces_dir()
    if root is None:
        pytest.skip("lfw-embeddings.npz not found: set $ALBUM_FACES or put it in ../shared/faces")
    with np.load(root / "lfw-embeddings.npz") as data:
        return {"X": data["X"], "y": data["y"], "path": data["path"]}


def blobs(people: int, per_person: int, seed: int = 0, spread: float = 0.02) -> np.ndarray:
    """Faces around random centres, dlib-like scale: same person ~0.3 apart, others ~1.6."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(people, 128)) * 0.1
    x = (
        np.repeat(centres, per_person, axis=0)
        + rng.normal(size=(people * per_person, 128)) * spread
    )
    return x.astype(np.float32)


# --- metrics ---------------------------------------------------------------------------------


def test_metrics_perfect_and_all_in_one():
    truth = np.array([0, 0, 0, 1, 1, 2])
    assert bcubed(truth, truth) == (1.0, 1.0, 1.0)
    assert pairwise(truth, np.array([7, 7, 7, 3, 3, 9])) == (1.0, 1.0, 1.0)
    p, r, _ = bcubed(truth, np.zeros(6, dtype=int))
    assert r == 1.0 and p == pytest.approx((3 * 3 / 6 + 2 * 2 / 6 + 1 / 6) / 6)
    p, r, _ = pairwise(truth, np.zeros(6, dtype=int))
    assert r == 1.0 and p == pytest.approx(4 / 15)  # 3 + 1 true pairs of 15


def test_metrics_count_unsorted_as_singletons_not_one_cluster():
    truth = np.array(["a", "a", "b", "b"])
    unsorted = np.array([-1, -1, -1, -1])
    assert bcubed(truth, unsorted) == pytest.approx((1.0, 0.5, 2 / 3))
    assert pairwise(truth, unsorted)[:2] == (1.0, 0.0)
    # The same partition spelled with explicit singleton labels scores the same.
    assert bcubed(truth, np.array([0, -1, 1, -1])) == bcubed(truth, np.array([0, 5, 1, 6]))


# --- clustering on synthetic faces ----------------------------------------------------------


def test_separated_people_are_recovered_with_stable_labels():
    x = blobs(people=6, per_person=5)
    order = np.random.default_rng(1).permutation(len(x))
    truth = np.repeat(np.arange(6), 5)[order]
    labels = cluster_faces(x[order])
    assert bcubed(truth, labels)[2] == 1.0
    firsts = [int(np.flatnonzero(labels == k)[0]) for k in range(labels.max() + 1)]
    assert firsts == sorted(firsts)  # cluster 0 holds the first face, and so on
    assert labels[0] == 0


def test_small_clusters_become_unsorted():
    x = np.vstack([blobs(people=2, per_person=4), blobs(people=3, per_person=1, seed=9)])
    labels = cluster_faces(x, min_cluster_size=2)
    assert (labels[8:] == -1).all() and (labels[:8] >= 0).all()
    assert set(cluster_faces(x, min_cluster_size=5).tolist()) == {-1}
    assert (cluster_faces(x, min_cluster_size=1) >= 0).all()


def test_same_photo_faces_never_share_a_cluster():
    x = blobs(people=1, per_person=6, spread=0.01)  # one tight person...
    assert len(set(cluster_faces(x).tolist())) == 1
    groups = np.array([0, 0, 1, 2, 3, 3])  # ...but faces 0/1 and 4/5 share a photo
    labels = cluster_faces(x, groups, min_cluster_size=1)
    assert labels[0] != labels[1] and labels[4] != labels[5]
    assert len(set(labels.tolist())) == 2  # the rest still groups as tightly as allowed
    ungrouped = cluster_faces(x, np.array([0, 0, -1, -1, -1, -1]), min_cluster_size=1)
    assert ungrouped[0] != ungrouped[1] and len(set(ungrouped.tolist())) == 2


def test_cannot_link_pairs_hold_even_through_other_faces():
    x = blobs(people=1, per_person=8, spread=0.01)
    labels = cluster_faces(x, cannot_link=[(0, 7), (3, 5)], min_cluster_size=1)
    assert labels[0] != labels[7] and labels[3] != labels[5]
    with pytest.raises(ValueError):
        cluster_faces(x, cannot_link=[(0, 8)])


def test_photos_and_cannot_link_hold_when_every_person_meets_them():
    """300 people of 20 faces; each person has two of their faces in one photo (a mirror, a
    collage) and some a cannot-link pair, so every merge round meets constraints at once. They
    all hold, nobody is mixed with anybody else, and nobody is shattered."""
    rng = np.random.default_rng(11)
    people, per_person = 300, 20
    x = blobs(people=people, per_person=per_person, seed=4)
    truth = np.repeat(np.arange(people), per_person)
    order = rng.permutation(len(x))
    x, truth = x[order], truth[order]
    photos = np.arange(len(x)) + people  # every face a photo of its own ...
    pairs = [rng.choice(np.flatnonzero(truth == p), 4, replace=False) for p in range(people)]
    for p, faces in enumerate(pairs):
        photos[faces[:2]] = p  # ... but two faces of each person share one
    apart = [(int(f[2]), int(f[3])) for f in pairs[::3]]
    labels = cluster_faces(x, photos, cannot_link=apart, min_cluster_size=1)
    assert all(labels[f[0]] != labels[f[1]] for f in pairs)
    assert all(labels[a] != labels[b] for a, b in apart)
    for label in np.unique(labels):
        assert np.unique(truth[labels == label]).size == 1
    pieces = [np.unique(labels[truth == p]).size for p in range(people)]
    assert max(pieces) <= 3


def test_same_input_gives_same_labels():
    x = np.vstack([blobs(people=100, per_person=40, seed=3), blobs(people=500, per_person=1)])
    groups = np.arange(len(x)) // 3
    assert len(x) > 4096  # takes the inverted-file path, with its k-means and threads
    first = cluster_faces(x, groups)
    for _ in range(2):
        assert np.array_equal(cluster_faces(x.copy(), groups.copy()), first)


def test_inputs_are_checked_and_tiny_inputs_work():
    assert cluster_faces(np.empty((0, 128), np.float32)).shape == (0,)
    assert cluster_faces(np.zeros((1, 128), np.float32)).tolist() == [-1]
    assert cluster_faces(np.zeros((1, 128), np.float32), min_cluster_size=1).tolist() == [0]
    assert cluster_faces(np.zeros((5, 128), np.float32)).tolist() == [0] * 5  # duplicates
    with pytest.raises(ValueError):
        cluster_faces(np.zeros(128, np.float32))
    with pytest.raises(ValueError):
        cluster_faces(np.full((3, 128), np.nan, np.float32))
    with pytest.raises(ValueError):
        cluster_faces(np.zeros((3, 128), np.float32), groups=np.zeros(2))


# --- scale: a sparse graph, never an n x n matrix -----------------------------------------------


def test_knn_graph_finds_the_near_pairs_of_brute_force():
    x = np.vstack([blobs(people=150, per_person=40, seed=5), blobs(people=2000, per_person=1)])
    rows, cols = knn_graph(x, 12, 0.6)
    assert (rows < cols).all() and len(np.unique(rows * len(x) + cols)) == rows.size
    d2 = ((x[rows] - x[cols]) ** 2).sum(axis=1)
    assert (d2 < 0.36).all()
    # Brute force on a sample of faces: their 12 nearest within 0.6 should be found.
    sample = np.arange(0, len(x), 37)
    dist = np.sqrt(((x[sample, None, :] - x[None, :, :]) ** 2).sum(-1))
    dist[np.arange(sample.size), sample] = np.inf
    want = {
        (min(i, j), max(i, j))
        for s, i in enumerate(sample)
        for j in np.argsort(dist[s])[:12]
        if dist[s, j] < 0.6
    }
    have = set(zip(rows.tolist(), cols.tolist(), strict=True))
    assert len(want & have) / len(want) > 0.98


def test_memory_stays_far_below_an_n_by_n_matrix():
    n = 30_000  # n x n float32 would be 3.6 GB
    x = np.vstack([blobs(people=1000, per_person=25, seed=7), blobs(people=5000, per_person=1)])
    assert len(x) == n
    tracemalloc.start()
    try:
        labels = cluster_faces(x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 300 * 2**20
    assert labels.max() + 1 == 1000


# --- real embeddings ----------------------------------------------------------------------------


def test_lfw_long_tail_subset_beats_dbscan_and_chinese_whispers_baselines(lfw):
    rng = np.random.default_rng(0)
    people = np.unique(lfw["y"])
    chosen = rng.choice(people, size=1500, replace=False)
    keep = np.isin(lfw["y"], chosen)
    x, y = lfw["X"][keep], lfw["y"][keep]
    labels = cluster_faces(x)  # min_cluster_size=2: -1 faces score as singletons
    assert bcubed(y, labels)[2] > 0.93
    assert pairwise(y, labels)[2] > 0.95
    from sklearn.cluster import DBSCAN

    dbscan = DBSCAN(eps=0.5, min_samples=1).fit_predict(x)
    assert bcubed(y, labels)[2] > bcubed(y, dbscan)[2] + 0.05


def test_lfw_62_people_with_10_photos_each(lfw):
    """The 62x10 photos' embeddings, taken from the npz (made with 5-point landmarks).

    Freshly computed 68-point embeddings of the same photos score 0.988 (the benchmark computes
    them; too slow for a test); these 5-point ones score 0.979 at the default threshold.
    """
    root = _faces_dir()
    assert root is not None
    folder = root / "lfw-62x10"
    if not folder.is_dir():
        pytest.skip("lfw-62x10 photos not found next to lfw-embeddings.npz")
    wanted = {str(p.relative_to(folder)) for p in folder.glob("*/*")}
    keep = np.isin(lfw["path"], sorted(wanted))
    assert keep.sum() > 600
    x, y = lfw["X"][keep], lfw["y"][keep]
    labels = cluster_faces(x)
    assert bcubed(y, labels)[2] >= 0.97
    assert pairwise(y, labels)[2] >= 0.97


# --- stable identities ---------------------------------------------------------------------------


def test_carry_identities_keeps_names_through_merge_split_and_noise():
    old = np.array([7, 7, 7, 7, 3, 3, 3, -1, -1, 5, 5, 9, 9, 9])
    new = np.array([0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 3, 3, -1])
    # 0: merge of old 7 (4 faces) and 3 (3): keeps 7. 1: new faces only. 2: old 5. 3: 2 of 3 of 9.
    assert carry_identities(new, old) == {0: 7, 2: 5, 3: 9}
    split = carry_identities(np.array([0, 0, 1, 1, 1]), np.array([4, 4, 4, 4, 4]))
    assert split == {1: 4}  # the old id goes once, to the piece holding more of it
    assert carry_identities(np.array([0, 0, 0, 0]), np.array([1, 1, 2, 2])) == {}  # no majority


def _group(centre: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Faces of one look: about 0.35 apart, like real photos of one person."""
    return centre + rng.normal(size=(count, 128)) * np.sqrt(0.06 / 128)


def test_two_looks_of_one_person_join_but_look_alikes_in_a_crowd_do_not():
    """One person photographed years apart: two groups whose centres are 0.45 apart (their
    faces 0.57 apart on average, past the cut) with nobody near become one person. The same two
    groups with a third look-alike group as close stay apart."""
    rng = np.random.default_rng(3)
    base = rng.normal(size=128)
    base *= 0.6 / np.linalg.norm(base)
    step = rng.normal(size=128)
    step *= 0.45 / np.linalg.norm(step)
    young, old = _group(base, 4, rng), _group(base + step, 4, rng)
    strangers = np.vstack([_group(rng.normal(size=128) * 0.2, 4, rng) for _ in range(5)])
    alone = cluster_faces(np.vstack([young, old, strangers]))
    assert len(set(alone[:8])) == 1 and alone[0] >= 0
    side = rng.normal(size=128)
    side -= side @ step / (step @ step) * step  # orthogonal to the step: equally close
    side *= 0.47 / np.linalg.norm(side)
    lookalike = _group(base + side, 4, rng)
    crowd = cluster_faces(np.vstack([young, old, lookalike, strangers]))
    assert crowd[0] != crowd[4], "joined despite an equally close third group"


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def test_odd_photos_of_a_well_known_person_join_them_but_not_when_two_people_are_as_near():
    """Two odd photos of someone with eight ordinary ones: each 0.5 from the group's centre, so
    past the cut from every one of its faces, and 0.54 from each other. They belong with the
    group. The same photo halfway between two groups belongs to neither: it stays unsorted."""
    rng = np.random.default_rng(5)
    base = _unit(rng.normal(size=128)) * 0.6
    person = _group(base, 8, rng)
    u1 = _unit(rng.normal(size=128))
    w = rng.normal(size=128)
    w = _unit(w - (w @ u1) * u1)
    turn = 2 * np.arcsin(0.54)  # odd faces 0.54 apart, both 0.5 from the centre
    odd = np.vstack([base + 0.5 * u1, base + 0.5 * (np.cos(turn) * u1 + np.sin(turn) * w)])
    strangers = np.vstack([_group(rng.normal(size=128) * 0.2, 4, rng) for _ in range(5)])
    labels = cluster_faces(np.vstack([person, odd, strangers]))
    assert labels[0] >= 0 and set(labels[:10].tolist()) == {labels[0]}

    v = rng.normal(size=128)
    v = _unit(v - (v @ u1) * u1 - (v @ w) * w)
    other = _group(base + 0.5 * u1 + 0.5 * v, 8, rng)  # its centre also 0.5 from odd[0]
    labels = cluster_faces(np.vstack([person, odd[:1], other, strangers]))
    assert labels[0] != labels[9], "the two people stayed apart"
    assert labels[8] not in (labels[0], labels[9]), "the photo between them joined one"
