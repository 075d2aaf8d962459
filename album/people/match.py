"""Is this face one of the people the user named? A k-nearest vote with a margin.

Each named person is represented by the faces the user confirmed. A face's distance to a person
is the mean of its `k` smallest distances to that person's confirmed faces (one lucky look-alike
photo does not decide), and it goes to the closest person only when that distance is under the
threshold and clearly smaller than the runner-up's: siblings sit close together, and a wrong
automatic label costs the user more than a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Distances are computed a block of queries at a time, at most this many at once (~80 MB).
BLOCK_CELLS = 20_000_000


@dataclass(frozen=True)
class MatchSettings:
    threshold: float = 0.5
    margin: float = 0.05
    k: int = 3
    # Confidence is a logistic of the distance, 0.5 exactly at the threshold.
    softness: float = 0.04


@dataclass
class Matches:
    person: np.ndarray  # (m,) int64, -1 = nobody
    distance: np.ndarray  # (m,) float, to the closest allowed person
    runner_up: np.ndarray  # (m,) float, to the second closest person (inf if none)
    best: np.ndarray  # (m,) int64, the closest allowed person even when not assigned (-1 none)
    confidence: np.ndarray  # (m,) float in (0, 1)


def confidence_of(
    distance: np.ndarray, settings: MatchSettings, scale: np.ndarray | float = 1.0
) -> np.ndarray:
    return 1.0 / (1.0 + np.exp((distance - settings.threshold * scale) / settings.softness))


def match(
    queries: np.ndarray,
    references: np.ndarray,
    reference_people: np.ndarray,
    *,
    forbidden: list[set[int]] | None = None,
    settings: MatchSettings | None = None,
    crowding: np.ndarray | None = None,
) -> Matches:
    """Match each query embedding to the reference people.

    `forbidden[i]` holds the people query i must never be matched to (its rejections).
    `crowding[i]` (at most 1) shrinks query i's threshold where people crowd, as the grouping's
    cut does (album.people.cluster): a toddler 0.45 from two named photos of another toddler
    is no likeness there. Naming 2 faces of each of 10 people in the mixed library of
    benchmarks/people_quality.py: 0.873 -> 0.971 of the faces matched to them right.
    """
    settings = settings or MatchSettings()
    m = len(queries)
    people = np.unique(reference_people) if len(reference_people) else np.array([], np.int64)
    result = Matches(
        person=np.full(m, -1, dtype=np.int64),
        distance=np.full(m, np.inf),
        runner_up=np.full(m, np.inf),
        best=np.full(m, -1, dtype=np.int64),
        confidence=np.zeros(m),
    )
    if m == 0 or len(people) == 0:
        return result
    refs = np.asarray(references, dtype=np.float32)
    ref_sq = (refs * refs).sum(1)
    member = [np.flatnonzero(reference_people == p) for p in people]
    rows_per_block = int(np.clip(BLOCK_CELLS // max(len(refs), 1), 1, 4096))
    for start in range(0, m, rows_per_block):
        q = np.asarray(queries[start : start + rows_per_block], dtype=np.float32)
        d2 = (q * q).sum(1)[:, None] + ref_sq[None, :] - 2.0 * q @ refs.T
        dist = np.sqrt(np.maximum(d2, 0.0))
        scores = np.empty((len(q), len(people)))
        for j, idx in enumerate(member):
            block = dist[:, idx]
            k = min(settings.k, block.shape[1])
            if k == block.shape[1]:
                scores[:, j] = block.mean(1)
            else:
                scores[:, j] = np.partition(block, k - 1, axis=1)[:, :k].mean(1)
        if forbidden is not None:
            for i in range(len(q)):
                banned = forbidden[start + i]
                if banned:
                    for j, p in enumerate(people):
                        if int(p) in banned:
                            scores[i, j] = np.inf
        order = np.argsort(scores, axis=1)
        rows = np.arange(len(q))
        first = scores[rows, order[:, 0]]
        second = scores[rows, order[:, 1]] if len(people) > 1 else np.full(len(q), np.inf)
        best = people[order[:, 0]]
        sl = slice(start, start + len(q))
        scale = 1.0 if crowding is None else crowding[sl]
        with np.errstate(invalid="ignore"):  # inf - inf where every person is forbidden
            ok = (first < settings.threshold * scale) & (second - first > settings.margin)
        finite = np.isfinite(first)
        result.best[sl] = np.where(finite, best, -1)
        result.distance[sl] = first
        result.runner_up[sl] = second
        result.person[sl] = np.where(ok & finite, best, -1)
        result.confidence[sl] = np.where(finite, confidence_of(first, settings, scale), 0.0)
    return result
