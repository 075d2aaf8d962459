"""Cluster face embeddings into people without ever building an n x n matrix.

Dense average linkage is the quality bar on dlib descriptors but needs all n^2 distances, and its
two obvious sparse shortcuts fail: averaging only the k-NN graph's edges chains people together,
counting missing pairs as "far" splits the people seen most often. Here:

* The linkage is the average *squared* distance over all pairs of two clusters' faces. It follows
  exactly from per-cluster sums (count, vector sum, sum of squared norms), so no pair is ever
  missing, and on LFW it scores like plain average linkage (dense: 0.927/0.959 vs 0.928/0.961).
* A k-NN graph only proposes which clusters to compare: two clusters whose average squared
  distance is below r^2 have at least one pair of faces closer than r.
* Merging runs in rounds of mutual nearest neighbours (see ``_agglomerate``), vectorised.
* Three rules, each measured, decide which pairs may merge (see ``_allowed``): a cut that grows
  with cluster size, a centroid guard against look-alikes, and a ratio test for stragglers.
* Faces of one photo, and explicit cannot-link pairs, never share a cluster.
* The cut shrinks where people crowd (see ``_crowding``): dlib sets East Asian adults and young
  children closer together than Western adults, strangers and one person's photos alike, so
  one cut cannot serve both in one library. The sure merges come first, then each group's
  crowding is measured and the rest of the merging uses it.

* Two closing passes join what linkage leaves apart: groups that are each other's nearest
  (``_mutual_pass``) and one or two odd photos near a group's centre (``_attach_stragglers``).

On LFW (12,617 faces, 5,518 people) this scores BCubed F 0.941 / pairwise F 0.963 against 0.927 /
0.946 for dense average linkage at 0.5. Nothing is kept per face but numbers in arrays: a million
faces peak at 1.8 GB with the input's own 0.5 GB (benchmarks/cluster_scale.py).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from album.people.knn import knn_graph, sorted_unique

__all__ = ["DEFAULT_THRESHOLD", "carry_identities", "cluster_and_crowding", "cluster_faces"]

DEFAULT_THRESHOLD = 0.49
"""Largest distance at which two single faces are called one person (dlib's own cut is 0.6)."""

_GROWTH = 0.06  # how far the threshold rises for large clusters: thr = t + g * (1 - 1/sqrt(m))
_GUARD_SIZE = 5  # clusters at least this big must also have close centroids ...
_GUARD_CENTROID = 0.40  # ... closer than this (web photos of one person: up to 0.40)
_STAR = 4  # a cluster this many times bigger may absorb several small ones in one round
_JOIN_SIZE = 3  # stragglers this small may join a big cluster by the ratio test ...
_JOIN_REACH = 0.03  # ... if centroids are within threshold + this ...
_JOIN_RATIO = 0.85  # ... and this much closer than the straggler's next neighbour
_REACH = 0.11  # graph radius beyond threshold: must see the ratio test's next neighbours
_CROWD_FIRST = 0.04  # the sure merges, up to threshold - this, come before crowding is measured
_CROWD_K = 4  # a group's crowding: its mean average-linkage to its this many nearest groups ...
_CROWD_REF = 0.57  # ... over this (capped at 1): the share of the cut it keeps
_K = 12  # neighbours per face; quality on LFW is flat from 8 to 50


def cluster_faces(
    embeddings: np.ndarray,
    groups: np.ndarray | None = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    min_cluster_size: int = 2,
    cannot_link: Iterable[tuple[int, int]] = (),
    k: int = _K,
) -> np.ndarray:
    """Label each face with its person: ``-1`` for unsorted, else 0..k-1 ordered by first face.

    ``groups[i]`` is the photo of face i (faces of one photo are different people); any negative
    group id means "no group". ``threshold`` is the two-faces distance cut; bigger clusters may
    merge up to ``threshold + 0.06``. Clusters smaller than ``min_cluster_size`` become ``-1``.
    The result depends only on the input (no randomness, no thread timing).
    """
    return cluster_and_crowding(
        embeddings,
        groups,
        threshold=threshold,
        min_cluster_size=min_cluster_size,
        cannot_link=cannot_link,
        k=k,
    )[0]


def cluster_and_crowding(
    embeddings: np.ndarray,
    groups: np.ndarray | None = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    min_cluster_size: int = 2,
    cannot_link: Iterable[tuple[int, int]] = (),
    k: int = _K,
) -> tuple[np.ndarray, np.ndarray]:
    """``cluster_faces``'s labels, and each face's crowding (the share of the cut its group
    kept, see ``_crowding``): matching a face to a named person keeps the same share."""
    x = np.asarray(embeddings, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"embeddings must be 2-D (n, dim), got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("embeddings contain NaN or infinity")
    if threshold <= 0 or min_cluster_size < 1 or k < 1:
        raise ValueError("threshold and k must be positive, min_cluster_size at least 1")
    n = x.shape[0]
    if n == 0:
        return np.empty(0, dtype=np.int64), np.empty(0)
    tags = _constraint_tags(n, groups, cannot_link)
    rows, cols = knn_graph(x, k, threshold + _REACH)
    roots, crowding = _agglomerate(x, rows, cols, threshold, tags)
    roots = _mutual_pass(x, roots, tags)
    roots = _attach_stragglers(x, roots, tags)
    return _relabel(roots, min_cluster_size), crowding


def carry_identities(new_labels: np.ndarray, old_ids: np.ndarray) -> dict[int, int]:
    """new cluster label -> old id (old_ids[i] = previous person id of face i or -1) when most of
    the new cluster's faces had that old id; each old id used at most once.

    Why: users hate names and people that change after a re-run. A new cluster inherits an old
    identity only with a strict majority of its faces, so a merge of two old people keeps the
    bigger one and a split gives the old id to the piece holding most of it. Ties go to the
    cluster holding more of that id's faces, then to the lower label, so the answer is stable.
    """
    new = np.asarray(new_labels).ravel()
    old = np.asarray(old_ids).ravel()
    if new.shape != old.shape:
        raise ValueError(f"label arrays differ in length: {new.shape} vs {old.shape}")
    # Whole arrays, no loop over clusters: one pass per cluster was O(n) each, minutes at 1M.
    size = np.bincount(new[new >= 0].astype(np.int64))
    both = (new >= 0) & (old >= 0)
    if not both.any():
        return {}
    label, person = new[both].astype(np.int64), old[both].astype(np.int64)
    order = np.lexsort((person, label))
    label, person = label[order], person[order]
    starts = np.flatnonzero(np.r_[True, (label[1:] != label[:-1]) | (person[1:] != person[:-1])])
    votes = np.diff(np.r_[starts, label.size])
    label, person = label[starts], person[starts]
    best = np.lexsort((person, -votes, label))  # per cluster: most votes, then lowest id
    label, person, votes = label[best], person[best], votes[best]
    first = np.r_[True, label[1:] != label[:-1]]
    win = first & (2 * votes > size[label])
    label, person, votes = label[win], person[win], votes[win]
    order = np.lexsort((label, -votes))  # the strongest claim to an old id takes it
    label, person = label[order], person[order]
    _, once = np.unique(person, return_index=True)
    return {int(a): int(b) for a, b in zip(label[once], person[once], strict=True)}


class _Tags:
    """Constraints as flat arrays: tagged faces, their tags, and each entry's current root.

    Faces of one photo share that photo's tag and each cannot-link pair gets a tag of its own;
    two clusters conflict iff some tag has faces in both. A cluster's tags are its faces' tags,
    so merging is a relabel of the entries' roots: no set per face or per cluster (a million
    faces made 350,000 Python sets), and only clusters that might conflict are looked at one by
    one, in the order the merges were proposed, exactly as a greedy pass over sets would.
    """

    def __init__(self, face: np.ndarray, tag: np.ndarray) -> None:
        self.face, self.tag = face, tag
        self.tags = int(tag.max(initial=0)) + 1
        self.root = face.copy()

    def relabel(self, rep: np.ndarray) -> None:
        """Faces' roots moved one step (rep maps each cluster to the one it merged into)."""
        self.root = rep[self.root]

    def set_roots(self, roots: np.ndarray) -> None:
        self.root = roots[self.face]

    def merges(self, gone: np.ndarray, keep: np.ndarray) -> np.ndarray:
        """Which merges gone[i] -> keep[i], tried in the given order, keep the constraints.

        A keep never leaves in the same batch (clusters join stars). A merge is refused when
        the gone cluster shares a tag with its keep as grown by the merges accepted before it.
        """
        ok = np.ones(gone.size, dtype=bool)
        if gone.size == 0 or self.face.size == 0:
            return ok
        n = int(max(gone.max(), keep.max(), self.root.max())) + 1
        star = np.full(n, -1)
        star[keep] = keep
        star[gone] = keep
        in_star = star[self.root] >= 0
        if not in_star.any():
            return ok
        owner, tag = self.root[in_star], self.tag[in_star]
        # A cluster holds each tag once (that is the constraint), so a (star, tag) key seen
        # twice means two of the star's clusters hold that tag.
        key = np.sort(star[owner] * self.tags + tag)
        clash = sorted_unique(key[1:][key[1:] == key[:-1]] // self.tags)
        if clash.size == 0:
            return ok
        mine = np.isin(star[owner], clash)
        held: dict[int, set[int]] = {}
        for o, t in zip(owner[mine].tolist(), tag[mine].tolist(), strict=True):
            held.setdefault(o, set()).add(t)
        for i in np.flatnonzero(np.isin(keep, clash)).tolist():
            g, k = int(gone[i]), int(keep[i])
            tg, tk = held.get(g), held.get(k)
            if tg is None:
                continue
            if tk is None:
                held[k] = tg
            elif tk.isdisjoint(tg):
                tk |= tg
            else:
                ok[i] = False
        return ok


def _constraint_tags(
    n: int, groups: np.ndarray | None, cannot_link: Iterable[tuple[int, int]]
) -> _Tags | None:
    """Tag faces so that "may these clusters merge?" is a question of shared tags.

    That keeps big photos (24 faces) at one tag per face instead of 276 pairs.
    """
    faces: list[np.ndarray] = []
    tags: list[np.ndarray] = []
    next_tag = 0
    if groups is not None:
        g = np.asarray(groups).ravel()
        if g.shape[0] != n:
            raise ValueError(f"groups has {g.shape[0]} entries for {n} faces")
        _, codes, counts = np.unique(g, return_inverse=True, return_counts=True)
        codes = codes.ravel()
        shared = np.flatnonzero((counts[codes] > 1) & (g >= 0))
        faces.append(shared)
        tags.append(codes[shared].astype(np.int64))
        next_tag = counts.size
    pairs = np.asarray(list(cannot_link), dtype=np.int64).reshape(-1, 2)
    if pairs.size:
        i, j = pairs[:, 0], pairs[:, 1]
        bad = (i < 0) | (i >= n) | (j < 0) | (j >= n) | (i == j)
        if bad.any():
            first = pairs[np.argmax(bad)]
            raise ValueError(
                f"cannot_link pair ({first[0]}, {first[1]}) is not two distinct faces of {n}"
            )
        own = next_tag + np.arange(len(pairs), dtype=np.int64)
        faces += [i, j]
        tags += [own, own]
        next_tag += len(pairs)
    if not next_tag:
        return None
    face, tag = np.concatenate(faces), np.concatenate(tags)
    order = np.lexsort((tag, face))
    return _Tags(face[order].astype(np.int64), tag[order])


class _Clusters:
    """Running sums per cluster (indexed by its root face), enough for every linkage in O(dim).

    A cluster is its size, its centroid (float32) and the mean squared norm of its members; a
    merge recomputes the centroid from the parts' sizes and centroids in float64, for the grown
    clusters only. Float64 sums for every face cost 1 GB at a million faces.
    """

    def __init__(self, x: np.ndarray) -> None:
        n = x.shape[0]
        mean = x.mean(axis=0, dtype=np.float64)  # smaller numbers, less cancellation below
        self.centre = _Centres(x, mean)
        self.sq = np.empty(n)
        for s in range(0, n, _CHUNK):
            part = x[s : s + _CHUNK].astype(np.float64)
            part -= mean
            self.sq[s : s + _CHUNK] = np.einsum("ij,ij->i", part, part)
        self.size = np.ones(n)
        self.mean_sq = self.sq.copy()  # mean squared norm of the members
        self.centre_sq = self.sq.copy()  # squared norm of the centroid
        self.parent = np.arange(n)
        self.scale_sum = np.ones(n)  # sum of the members' crowding scales (see _crowding)

    def link(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Average squared distance between the members of clusters a and b."""
        return self.mean_sq[a] + self.mean_sq[b] - 2.0 * _row_dots(self.centre, a, b)

    def gap2(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Squared distance between the centroids of clusters a and b."""
        return self.centre_sq[a] + self.centre_sq[b] - 2.0 * _row_dots(self.centre, a, b)

    def merge(self, gone: np.ndarray, keep: np.ndarray) -> np.ndarray:
        """Fold each cluster gone[i] into keep[i] (a keep may take several); return the keeps."""
        grown, slot = np.unique(keep, return_inverse=True)
        size = self.size[grown].copy()
        np.add.at(size, slot, self.size[gone])
        sq = self.sq[grown].copy()
        np.add.at(sq, slot, self.sq[gone])
        sums = self.centre[grown] * self.size[grown, None]
        sums += _sum_rows(self.centre, gone, slot, grown.size, self.size[gone])
        scale_sum = self.scale_sum[grown].copy()
        np.add.at(scale_sum, slot, self.scale_sum[gone])
        self.scale_sum[grown] = scale_sum
        self.size[grown], self.sq[grown] = size, sq
        self.parent[gone] = keep
        self.centre.release(gone)
        self.centre[grown] = sums / size[:, None]
        self.mean_sq[grown] = sq / size
        self.centre_sq[grown] = np.einsum("ij,ij->i", sums, sums) / size**2
        return grown


_CHUNK = 32768  # rows per float64 temporary: 32 MB at 128 dimensions


class _Centres:
    """Clusters' centroids less the data's mean, float32 rows, without a copy of the data.

    A cluster that never grew is its one face, taken from the input when asked; only clusters
    that grew keep a row, and give it back when they merge away. A row for every face was
    512 MB at a million faces, beside the caller's own 512 MB of embeddings.
    """

    def __init__(self, x: np.ndarray, mean: np.ndarray) -> None:
        self.x, self.mean = x, mean.astype(np.float32)
        self.slot = np.full(x.shape[0], -1)
        self.rows = np.empty((0, x.shape[1]), dtype=np.float32)
        self.free = np.empty(0, dtype=np.int64)
        self.shape = x.shape

    def __getitem__(self, idx: np.ndarray) -> np.ndarray:
        # In float32 throughout: a float64 temporary and its cast back were a third of the
        # clustering's time at 300,000 faces (every link and centroid gap gathers rows here).
        out = self.x[idx]
        out -= self.mean
        slot = self.slot[idx]
        grown = np.flatnonzero(slot >= 0)
        out[grown] = self.rows[slot[grown]]
        return out

    def __setitem__(self, idx: np.ndarray, values: np.ndarray) -> None:
        """Store the rows of clusters idx (distinct)."""
        slot = self.slot[idx]
        new = np.flatnonzero(slot < 0)
        if new.size > self.free.size:
            have = self.rows.shape[0]
            more = max(have, new.size - self.free.size, 1024)
            self.rows = np.concatenate(
                (self.rows, np.empty((more, self.rows.shape[1]), np.float32))
            )
            self.free = np.concatenate((np.arange(have + more - 1, have - 1, -1), self.free))
        if new.size:
            slot[new] = self.free[self.free.size - new.size :]
            self.free = self.free[: self.free.size - new.size]
            self.slot[idx[new]] = slot[new]
        self.rows[slot] = values

    def release(self, idx: np.ndarray) -> None:
        """Clusters idx merged away: their rows are free for others."""
        slot = self.slot[idx]
        self.free = np.concatenate((self.free, slot[slot >= 0]))
        self.slot[idx] = -1


def _sum_rows(
    m: np.ndarray | _Centres,
    rows: np.ndarray,
    into: np.ndarray,
    count: int,
    weight: np.ndarray | None = None,
) -> np.ndarray:
    """out[into[i]] += weight[i] * m[rows[i]] in float64, as one sorted reduction per chunk.

    np.add.at on 128-wide rows was 22% of a whole `album cluster` at 150,000 faces.
    """
    out = np.zeros((count, m.shape[1]))
    order = np.argsort(into, kind="stable")
    for s in range(0, order.size, _CHUNK):
        pick = order[s : s + _CHUNK]
        seg = into[pick]
        part = m[rows[pick]].astype(np.float64)
        if weight is not None:
            part *= weight[pick, None]
        starts = np.flatnonzero(np.r_[True, seg[1:] != seg[:-1]])
        out[seg[starts]] += np.add.reduceat(part, starts, axis=0)
    return out


def _agglomerate(
    x: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    threshold: float,
    tags: _Tags | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Merge clusters in rounds over the graph's edges; returns each face's root face, and
    the crowding of the group it had after the sure merges.

    Each round every cluster finds its nearest neighbour among the pairs allowed to merge, and
    all mutual nearest pairs merge at once. Average linkage is "reducible", so that is the same
    result as merging one closest pair at a time (Müllner 2011; RAC, Dhulipala et al. 2023), but
    vectorised: 150,000 faces take tens of rounds instead of 150,000 Python-level steps. One
    liberty: a cluster at least 4x bigger absorbs, in the same round, every smaller cluster whose
    nearest neighbour it is; its average barely moves, and the rounds stop crawling one straggler
    at a time (641 rounds -> 41 at 150,000 faces; LFW pairwise F 0.960 -> 0.966).

    It runs twice over the same edges: first up to a cut of ``threshold - 0.04``, merges true in
    any population; then, once each group's crowding is known, on to ``threshold`` scaled by it.
    """
    c = _Clusters(x)
    limit2 = (threshold + _REACH) ** 2
    first = threshold - _CROWD_FIRST
    u, v, val = _merge_rounds(c, rows, cols, c.link(rows, cols), first, tags, limit2)
    crowding = _crowding(c, u, v, val, threshold, threshold + _REACH)
    c.scale_sum = crowding * c.size
    crowding = crowding[_roots(c.parent)]
    _merge_rounds(c, u, v, val, threshold, tags, limit2)
    return _roots(c.parent), crowding


def _merge_rounds(
    c: _Clusters,
    u: np.ndarray,
    v: np.ndarray,
    val: np.ndarray,
    threshold: float,
    tags: _Tags | None,
    limit2: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge until no allowed pair is left; returns the pairs (of roots) still unmerged."""
    n = c.size.size
    while True:
        alive = val < limit2  # a pair past the reach never comes back (reducibility)
        u, v, val = u[alive], v[alive], val[alive]
        ok = _allowed(c, u, v, val, threshold, limit2)
        a, b, best = _nearest(n, u, v, val, ok)
        if a.size == 0:
            break
        size = c.size
        mutual = np.full(n, -1)
        mutual[a] = b
        small = size[b] >= _STAR * size[a]  # a is tiny next to its nearest neighbour b
        even = (mutual[b] == a) & ~small & (size[a] < _STAR * size[b])
        locked = np.zeros(n, dtype=bool)
        locked[a[even]] = True
        leaving = np.zeros(n, dtype=bool)
        leaving[a[small]] = True
        smaller = (size[a] < size[b]) | ((size[a] == size[b]) & (a > b))
        pick = (even & smaller) | (small & ~locked[a] & ~locked[b] & ~leaving[b])
        gone, keep = a[pick], b[pick]
        if tags is not None:
            order = np.lexsort((gone, best[gone]))  # the closest merges are tried first
            ok = np.empty(gone.size, dtype=bool)
            ok[order] = tags.merges(gone[order], keep[order])
            refused = np.minimum(gone[~ok], keep[~ok]) * n + np.maximum(gone[~ok], keep[~ok])
            gone, keep = gone[ok], keep[ok]
            if refused.size:  # tags only accumulate: a refused pair can never merge
                allowed = ~np.isin(np.minimum(u, v) * n + np.maximum(u, v), refused)
                u, v, val = u[allowed], v[allowed], val[allowed]
                if gone.size == 0:
                    continue
        if gone.size == 0:
            break
        grown = c.merge(gone, keep)
        rep = np.arange(n)
        rep[gone] = keep
        if tags is not None:
            tags.relabel(rep)
        touched = np.zeros(n, dtype=bool)
        touched[grown] = True
        touched[gone] = True
        moved = touched[u] | touched[v]
        mu, mv = rep[u[moved]], rep[v[moved]]
        key = sorted_unique(np.minimum(mu, mv) * n + np.maximum(mu, mv))
        key = key[key // n != key % n]
        stay = ~moved
        u = np.concatenate((u[stay], key // n))
        v = np.concatenate((v[stay], key % n))
        val = np.concatenate((val[stay], c.link(key // n, key % n)))
    return u, v, val


def _crowding(
    c: _Clusters, u: np.ndarray, v: np.ndarray, val: np.ndarray, threshold: float, reach: float
) -> np.ndarray:
    """How much of the cut each group keeps, by how close the other people around it are.

    dlib packs some populations tighter than others: East Asian adults and young children sit
    closer together, strangers and one person's photos alike (a person's photos 0.35 apart
    and the nearest stranger 0.45, against 0.43 and 0.57 for Western adults), so a cut that
    fits one population merges strangers in the other. The library shows which is which: a
    group whose nearest groups lie close is in a crowd. Its scale is the mean average-linkage
    distance to its 4 nearest groups (a group beyond the graph's reach counts at the reach),
    over 0.57, capped at 1: a Western adult keeps the whole cut. Groups nearer than the cut
    itself are left out: they are mostly the same person's other photos, not yet merged (in a
    small library every person was "crowded" by their own). Measured in one library of
    lfw-62x10, web-celebs, eastasian and children (benchmarks/people_quality.py): BCubed F
    eastasian 0.835 -> 0.954, children 0.694 -> 0.725, lfw-62x10 0.995 -> 0.996, web-celebs
    as it was.
    """
    n = c.size.size
    far = val >= threshold * threshold
    u, v, val = u[far], v[far], val[far]
    src = np.concatenate((u, v))
    dist = np.sqrt(np.maximum(np.concatenate((val, val)), 0.0))
    order = np.lexsort((dist, src))
    src, dist = src[order], dist[order]
    starts = np.searchsorted(src, src, side="left")
    near = (np.arange(src.size) - starts) < _CROWD_K
    total = np.bincount(src[near], weights=dist[near], minlength=n)
    count = np.bincount(src[near], minlength=n)
    mean = (total + (_CROWD_K - count) * reach) / _CROWD_K
    return np.minimum(1.0, mean / _CROWD_REF)


_MUTUAL_REACH = 0.50  # groups whose centroids are each other's nearest and this close ...
_MUTUAL_RATIO = 0.80  # ... and this much closer than either's next group are one person
_MUTUAL_ROUNDS = 5


def _mutual_pass(x: np.ndarray, roots: np.ndarray, tags: _Tags | None) -> np.ndarray:
    """Join groups of one person that average linkage left apart.

    Web photos of one person taken years or films apart form two tight groups whose average
    distance is past the cut, while nobody else is near either. Two groups (2+ faces each) that
    are each other's nearest by centroid, within 0.50, and clearly closer (0.8x) than either's
    next neighbour are joined: the ratio test is what keeps look-alikes in a crowd of strangers
    apart. Measured: web-celebs BCubed F 0.846 -> 0.849, lfw-62x10 0.993 -> 0.996,
    lfw-embeddings 0.937 -> 0.939 (pairwise 0.960 -> 0.962).
    """
    for _ in range(_MUTUAL_ROUNDS):
        ids, counts = np.unique(roots, return_counts=True)
        groups = np.flatnonzero(counts >= 2)
        if groups.size < 3:
            break
        cent = _group_centres(x, roots, counts >= 2)
        reach = _MUTUAL_REACH / _MUTUAL_RATIO  # a next neighbour beyond this never vetoes
        u, v = knn_graph(cent, 3, reach)
        if u.size == 0:
            break
        dist = np.sqrt(np.maximum(((cent[u] - cent[v]) ** 2).sum(1), 0.0))
        src, dst = np.concatenate((u, v)), np.concatenate((v, u))
        link = np.concatenate((dist, dist))
        order = np.lexsort((dst, link, src))
        src, dst, link = src[order], dst[order], link[order]
        first = np.full(groups.size, -1)
        d1 = np.full(groups.size, np.inf)
        d2 = np.full(groups.size, np.inf)
        starts = np.flatnonzero(np.r_[True, src[1:] != src[:-1]])
        first[src[starts]], d1[src[starts]] = dst[starts], link[starts]
        seconds = starts + 1
        has = (seconds < src.size) & (src[np.minimum(seconds, src.size - 1)] == src[starts])
        d2[src[starts[has]]] = link[seconds[has]]
        i = np.flatnonzero(first >= 0)
        j = first[i]
        ok = (first[j] == i) & (i < j) & (d1[i] < _MUTUAL_REACH)
        ok &= (d1[i] < _MUTUAL_RATIO * d2[i]) & (d1[i] < _MUTUAL_RATIO * d2[j])
        keep, gone = ids[groups[i[ok]]], ids[groups[j[ok]]]
        if tags is not None:  # mutual pairs are disjoint: each is one question
            tags.set_roots(roots)
            allowed = tags.merges(gone, keep)
            keep, gone = keep[allowed], gone[allowed]
        if gone.size == 0:
            break
        target = np.arange(roots.size)
        target[gone] = keep
        roots = target[roots]
    return roots


_ATTACH_SIZE = 2  # a group this small (an odd photo or two) ...
_ATTACH_TO = 3  # ... may join a group at least this big ...
_ATTACH_REACH = 0.52  # ... whose centroid is this close ...
_ATTACH_RATIO = 0.85  # ... and clearly closer than the next such group's
_ATTACH_BLOCK = 1 << 23  # distances per block (32 MB): 8,192 rows x 30,000 groups was 1 GB


def _attach_stragglers(x: np.ndarray, roots: np.ndarray, tags: _Tags | None) -> np.ndarray:
    """Give the odd photos of a well-known person to that person.

    A person's photo from another decade or film sits past the cut from each of their other
    faces, so linkage leaves it alone, yet it is nearer their group's centre than anybody
    else's is: strangers' faces lie 0.56 or more from a group centre in web-celebs, a person's
    own stragglers 0.45 to 0.52. One or two faces join the nearest group of 3+ when its centre
    is within 0.52 and clearly (0.85x) nearer than the next group's; the ratio test keeps the
    long tail of strangers apart. Measured: web-celebs BCubed F 0.849 -> 0.878 and user actions
    41 -> 33; lfw-62x10 0.996 -> 1.000; lfw-embeddings 0.939 -> 0.941 (pairwise 0.962 -> 0.963).
    """
    ids, counts = np.unique(roots, return_counts=True)
    big = np.flatnonzero(counts >= _ATTACH_TO)
    small = np.flatnonzero(counts <= _ATTACH_SIZE)
    if big.size == 0 or small.size == 0:
        return roots
    several = counts >= 2  # a single face is its own centre
    cent = _group_centres(x, roots, several)
    slot = np.cumsum(several) - 1
    targets = cent[slot[big]]
    sq = np.einsum("ij,ij->i", targets, targets)
    moves: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (group, into, distance)
    rows = max(1, _ATTACH_BLOCK // big.size)
    for s in range(0, small.size, rows):
        part = small[s : s + rows]
        q = np.where(several[part, None], cent[slot[part]], x[ids[part]])
        d2 = np.einsum("ij,ij->i", q, q)[:, None] + sq[None, :] - 2.0 * (q @ targets.T)
        if big.size > 1:
            two = np.partition(d2, 1, axis=1)[:, :2]
            first, second = two.min(axis=1), two.max(axis=1)
        else:
            first, second = d2[:, 0], np.full(part.size, np.inf)
        ok = (first < _ATTACH_REACH**2) & (first < _ATTACH_RATIO**2 * second)
        nearest = np.argmin(d2[ok], axis=1)
        moves.append((part[ok], big[nearest], first[ok]))
    group, into, dist = (np.concatenate(m) for m in zip(*moves, strict=True))
    if group.size == 0:
        return roots
    closest = np.argsort(dist, kind="stable")  # the closest first
    gone, keep = ids[group[closest]], ids[into[closest]]
    if tags is not None:  # not when a face of one of its photos is already there
        tags.set_roots(roots)
        allowed = tags.merges(gone, keep)
        gone, keep = gone[allowed], keep[allowed]
    target = np.arange(roots.size)
    target[gone] = keep
    return target[roots]


def _group_centres(x: np.ndarray, roots: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Float32 centroids of the groups (in root order) where ``wanted`` is true, in that order:
    only those, as one per group of one face was 512 MB at a million faces."""
    _, inverse, counts = np.unique(roots, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    want = np.flatnonzero(wanted)
    slot = np.full(counts.size, -1)
    slot[want] = np.arange(want.size)
    faces = np.flatnonzero(slot[inverse] >= 0)
    sums = _sum_rows(x, faces, slot[inverse[faces]], want.size)
    return (sums / counts[want, None]).astype(np.float32)


def _allowed(
    c: _Clusters, u: np.ndarray, v: np.ndarray, val: np.ndarray, threshold: float, limit2: float
) -> np.ndarray:
    """Which pairs may merge now: three rules, each measured on LFW and LFW 62x10.

    1. The linkage cut grows with cluster size, from ``threshold`` for two single faces towards
       ``threshold + 0.06``: an average over many faces is a steadier estimate than one distance.
    2. Clusters of 5+ faces need centroids closer than 0.30: two tight clusters of look-alikes
       (dlib packs some groups of faces close together) have a small average distance but
       distinct centres; one person's halves have centroids within about 0.15.
    3. A straggler (1-3 faces) may join a cluster 4x its size beyond the cut when that cluster is
       its nearest neighbour, centroids are within ``threshold + 0.03`` and clearly closer (0.85x)
       than its next neighbour. In a crowd of strangers (the long tail) the ratio test refuses;
       an odd photo of a well-known person, with nobody else near, is let in.
    """
    size = c.size
    nu, nv = size[u], size[v]
    cut = threshold + _GROWTH * (1.0 - 1.0 / np.sqrt(2.0 * nu * nv / (nu + nv)))
    # The roomier side's crowding (see _crowding): an odd photo among strangers still joins
    # its person when that person's group is not in a crowd.
    cut *= np.maximum(c.scale_sum[u] / nu, c.scale_sum[v] / nv)
    ok = val < cut * cut
    big = np.flatnonzero(ok & (np.minimum(nu, nv) >= _GUARD_SIZE))
    ok[big[c.gap2(u[big], v[big]) >= _GUARD_CENTROID**2]] = False
    n = size.size
    has, first, _ = _nearest(n, u, v, val)
    nearest = np.full(n, -1)
    nearest[has] = first
    second = np.full(n, limit2)
    for j, k in ((u, v), (v, u)):  # each side in turn: no doubled copies of the edges
        other = k != nearest[j]
        np.minimum.at(second, j[other], val[other])
    for j, k in ((u, v), (v, u)):  # j joins k
        cand = np.flatnonzero(
            ~ok & (size[j] <= _JOIN_SIZE) & (size[k] >= _STAR * size[j]) & (nearest[j] == k)
        )
        gap2 = c.gap2(j[cand], k[cand])
        join = (gap2 < (threshold + _JOIN_REACH) ** 2) & (gap2 < _JOIN_RATIO**2 * second[j[cand]])
        ok[cand[join]] = True
    return ok


def _nearest(
    n: int, u: np.ndarray, v: np.ndarray, val: np.ndarray, ok: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each cluster's nearest neighbour over the pairs (those where ``ok``, if given):
    (clusters, neighbours, links).

    Equal links go to the lowest index, so the result never depends on the order of the pairs.
    Each side of the pairs is taken in turn: doubled copies of 10 million edges cost 480 MB.
    """
    if ok is not None:
        val = np.where(ok, val, np.inf)
    best = np.full(n, np.inf)
    np.minimum.at(best, u, val)
    np.minimum.at(best, v, val)
    nearest = np.full(n, n)
    for j, k in ((u, v), (v, u)):
        tie = (val == best[j]) & (val < np.inf)
        np.minimum.at(nearest, j[tie], k[tie])
    a = np.flatnonzero(nearest < n)
    return a, nearest[a], best


def _row_dots(m: np.ndarray | _Centres, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """m[a] . m[b] row by row, in chunks: gathering a million 128-D rows at once costs 1 GB."""
    out = np.empty(a.size)
    for s in range(0, a.size, 32768):
        out[s : s + 32768] = np.einsum("ij,ij->i", m[a[s : s + 32768]], m[b[s : s + 32768]])
    return out


def _roots(parent: np.ndarray) -> np.ndarray:
    """Follow parent pointers to each tree's root by repeated halving (vectorised)."""
    while True:
        grand = parent[parent]
        if np.array_equal(grand, parent):
            return parent
        parent = grand


def _relabel(roots: np.ndarray, min_cluster_size: int) -> np.ndarray:
    """Number clusters 0.. by their first face (stable across runs); small ones become -1."""
    uniq, first, inverse, counts = np.unique(
        roots, return_index=True, return_inverse=True, return_counts=True
    )
    keep = counts >= min_cluster_size
    rank = np.full(uniq.size, -1, dtype=np.int64)
    kept = np.flatnonzero(keep)
    rank[kept[np.argsort(first[kept], kind="stable")]] = np.arange(kept.size)
    return rank[inverse.ravel()]
