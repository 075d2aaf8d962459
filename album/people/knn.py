"""Nearest-neighbour graph of face embeddings, without an n x n distance matrix.

Clustering only needs each face's few nearest faces under a radius. An inverted file (k-means
cells, each face searching its nearest cells) finds them with about 1/50 of brute force's work
at 150,000 faces, in numpy alone: faiss and hnswlib were measured no faster here.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy import sparse
from threadpoolctl import threadpool_limits

_NPROBE = 16  # cells searched per face: LFW clusters as with the exact graph
_BRUTE_MAX = 4096  # below this one exact block is cheaper than k-means


def knn_graph(x: np.ndarray, k: int, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Edges (i < j, sorted) where j is among i's k nearest faces and closer than ``radius``.

    An inverted file: k-means cells (about 2 sqrt(n)), and each face is compared with the faces of
    its 16 nearest cells, one matrix product per cell for all faces that probe it. Brute force at
    150,000 faces is 3e12 flops (over a minute on two cores); this does about 1/50 of it, and
    finds 97% of the exact graph's edges on LFW with identical clustering. BLAS is held to one
    thread and cells run on a thread pool: many small products ran 2.4x slower on 2 BLAS threads.

    Faces are searched in blocks of at most 65,536, so the per-face candidate slots (16 cells x
    k + 1) never exist for all faces at once: at 1M faces they took 1.7 GB, plus 1 GB of padded
    copies of the embeddings; now each block builds its own, under 150 MB in all.
    """
    x = np.asarray(x, dtype=np.float32)
    n = x.shape[0]
    cells = 1 if n <= _BRUTE_MAX else int(2 * math.sqrt(n))
    probe = min(_NPROBE, cells)
    width = k + 1  # slots per (face, probed cell); +1 because a face finds itself
    r2 = np.float32(radius * radius)
    keys = []
    workers = max(1, min(4, os.cpu_count() or 1))
    with _one_blas_thread(), ThreadPoolExecutor(max_workers=workers) as pool:
        centres = _kmeans(pool, x, cells) if cells > 1 else x[:1]
        own, probes = _nearest_centres(pool, x, centres, probe)
        xsq = np.einsum("ij,ij->i", x, x)
        order = np.argsort(own, kind="stable").astype(np.int32)
        start = np.searchsorted(own[order], np.arange(cells + 1))
        del own
        for s in range(0, n, _BLOCK):
            e = min(n, s + _BLOCK)
            found, best = _search_block(pool, x, xsq, s, probes[s:e], order, start, width, r2)
            keys.append(_nearest_edges(s, n, found, best, width, r2))
    key = sorted_unique(np.concatenate(keys))
    return key // n, key % n


_BLOCK = 65536  # faces searched at once: slots of 65,536 x 16 x 13 cost 109 MB


def _search_block(
    pool: ThreadPoolExecutor,
    x: np.ndarray,
    xsq: np.ndarray,
    s: int,
    probes: np.ndarray,
    order: np.ndarray,
    start: np.ndarray,
    width: int,
    r2: np.float32,
) -> tuple[np.ndarray, np.ndarray]:
    """Faces s.. against the members of their probed cells: each face's `width` nearest per
    cell under the radius, in (face, slot) arrays of distances and neighbour ids."""
    m, probe = probes.shape
    cells = start.size - 1
    # Padded rows make one product give squared distances: [x, 1, |x|^2].[-2y, |y|^2, 1].
    left = np.empty((m, x.shape[1] + 2), dtype=np.float32)
    left[:, :-2] = x[s : s + m]
    left[:, -2] = 1.0
    left[:, -1] = xsq[s : s + m]
    flat = probes.ravel()
    by_cell = np.argsort(flat, kind="stable").astype(np.int32)  # (face, rank) entries, per cell
    cell_start = np.searchsorted(flat[by_cell], np.arange(cells + 1))
    best = np.full((m, probe * width), np.inf, dtype=np.float32)
    found = np.full((m, probe * width), -1, dtype=np.int32)

    def search(cell: int) -> None:
        entries = by_cell[cell_start[cell] : cell_start[cell + 1]]
        members = order[start[cell] : start[cell + 1]]
        if entries.size == 0 or members.size == 0:
            return
        right = np.empty((members.size, x.shape[1] + 2), dtype=np.float32)
        np.multiply(x[members], -2.0, out=right[:, :-2])
        right[:, -2] = xsq[members]
        right[:, -1] = 1.0
        block = max(1, (1 << 22) // members.size)  # bound the distance block to 16 MB
        for e0 in range(0, entries.size, block):
            queries, rank = np.divmod(entries[e0 : e0 + block], probe)
            dist = left[queries] @ right.T
            hit = dist < r2
            count = np.count_nonzero(hit, axis=1)
            over = np.flatnonzero(count > width)
            if over.size:  # keep the `width` nearest (partition: 5x faster than argpartition)
                near = dist[over]  # gathered once: these rows are 40% of all at 150,000 faces
                kth = np.partition(near, width - 1, axis=1)[:, width - 1]
                hit[over] = near <= kth[:, None]  # kth < r2: more than `width` are under it
            # Most faces have no neighbour in most of the cells they probe: nonzero() over
            # the rows that have one only (over the whole block it took a third of a cell).
            rows = np.flatnonzero(count)
            row, col = np.nonzero(hit[rows])
            row = rows[row]
            # Each hit's place among its row's hits; a row holds at most `width` unless ties.
            per_row = np.bincount(row, minlength=queries.size)
            pos = np.arange(row.size) - (np.cumsum(per_row) - per_row)[row]
            if per_row.max() > width:
                fits = pos < width
                row, col, pos = row[fits], col[fits], pos[fits]
            # Flat indices: one scatter per array instead of 2-D fancy indexing (a tenth of
            # the search at 150,000 faces).
            slot = (queries[row] * (probe * width) + rank[row] * width + pos).astype(np.intp)
            best.reshape(-1)[slot] = dist.reshape(-1)[row * dist.shape[1] + col]
            found.reshape(-1)[slot] = members[col]

    list(pool.map(search, range(cells)))
    return found, best


def _nearest_edges(
    s: int, n: int, found: np.ndarray, best: np.ndarray, width: int, r2: np.float32
) -> np.ndarray:
    """Edge keys (min * n + max) from each face's `width` nearest over all its probed cells."""
    keys = []
    for c in range(0, found.shape[0], 16384):
        d, j = best[c : c + 16384], found[c : c + 16384]
        if d.shape[1] > width:
            cols = np.argpartition(d, width - 1, axis=1)[:, :width]
            d, j = np.take_along_axis(d, cols, axis=1), np.take_along_axis(j, cols, axis=1)
        i = np.broadcast_to(np.arange(s + c, s + c + d.shape[0])[:, None], d.shape)
        keep = (d < r2) & (j >= 0) & (j != i)
        i, j = i[keep], j[keep].astype(np.int64)
        keys.append(np.minimum(i, j) * n + np.maximum(i, j))
    return sorted_unique(np.concatenate(keys))


def sorted_unique(a: np.ndarray) -> np.ndarray:
    """np.unique(a) for a 1-D array, by sorting: numpy 2.4's hashing np.unique took 7.7 s for
    3 million edge keys that np.sort handles in 0.5 s."""
    a = np.sort(a)
    return a[np.r_[True, a[1:] != a[:-1]]] if a.size else a


def _one_blas_thread() -> contextlib.AbstractContextManager[object]:
    """One BLAS thread per product: many small products ran 2.4x slower on two. But the BLAS
    thread count is process-wide state, and changing it while another thread is inside BLAS
    crashes OpenBLAS: only the main thread (the command line) changes it. In the window, where
    the clustering runs on a worker thread beside other numpy work, it is left alone."""
    if threading.current_thread() is threading.main_thread():
        return threadpool_limits(limits=1, user_api="blas")
    return contextlib.nullcontext()


def _kmeans(pool: ThreadPoolExecutor, x: np.ndarray, cells: int, iterations: int = 8) -> np.ndarray:
    """Lloyd's k-means on a fixed-seed sample: cells only need to be roughly right, and cheap."""
    rng = np.random.default_rng(0)
    sample = x[np.sort(rng.choice(x.shape[0], min(x.shape[0], 32 * cells), replace=False))]
    centres = sample[np.sort(rng.choice(sample.shape[0], cells, replace=False))].copy()
    for _ in range(iterations):
        assign, _ = _nearest_centres(pool, sample, centres, 1)
        counts = np.bincount(assign, minlength=cells)
        member = sparse.csr_matrix(
            (np.ones(assign.size), (assign, np.arange(assign.size))), (cells, assign.size)
        )
        totals = member @ sample.astype(np.float64)  # per-cell sums; np.add.at is 10x slower
        full = counts > 0  # an empty cell keeps its old centre
        centres[full] = (totals[full] / counts[full, None]).astype(np.float32)
    return centres


def _nearest_centres(
    pool: ThreadPoolExecutor, x: np.ndarray, centres: np.ndarray, count: int
) -> tuple[np.ndarray, np.ndarray]:
    """Each face's nearest centre, and its ``count`` nearest (unordered, nearest included).

    Chunks run on the pool: at a million faces this is 2,000 distances per face, and it ran on
    one core while the other waited.
    """
    csq = np.einsum("ij,ij->i", centres, centres)
    own = np.empty(x.shape[0], dtype=np.int32)
    near = np.empty((x.shape[0], count), dtype=np.int32)

    def chunk(s: int) -> None:
        g = x[s : s + 8192] @ centres.T
        g *= -2.0
        g += csq
        if count == 1:
            own[s : s + 8192] = near[s : s + 8192, 0] = np.argmin(g, axis=1)
            return
        if count < centres.shape[0]:
            part = np.argpartition(g, count - 1, axis=1)[:, :count]
        else:
            part = np.broadcast_to(np.arange(count), (g.shape[0], count))
        near[s : s + 8192] = part
        first = np.argmin(np.take_along_axis(g, part, axis=1), axis=1)
        own[s : s + 8192] = np.take_along_axis(part, first[:, None], axis=1)[:, 0]

    list(pool.map(chunk, range(0, x.shape[0], 8192)))
    return own, near
