"""Is this face one of the people the user named? A k-nearest vote with a margin.

Each named person is represented by the faces the user confirmed. A face's distance to a person
is the mean of its `k` smallest distances to that person's confirmed faces (one lucky look-alike
photo does not decide), and it goes to the closest person only when that distance is under the
threshold and clearly smaller than the runner-up's: siblings sit close together, and a wrong
automatic label costs the user more than a missing one.

Two people the user kept apart (`album keep-apart`, "Different people" in Review) are a pair the
user already had to tell apart once: a face between them needs twice the margin (`apart_margin`)
to be filed to either, and otherwise waits for Review's "Ada or Ben?". Measured on
lfw-embeddings (benchmarks/review_plausibility.py's library, 60 named people with three
confirmed faces each among 4,000 strangers): the doubled margin for EVERY pair of people would
file 625 faces instead of 667, 98.9 % right instead of 97.0 %, but find 79.3 % of the named
people's faces instead of 83.1 % (120 people: 81.0 % instead of 84.8 %). That is a real cost
for every user, so only kept-apart pairs pay it; everyone else's close calls still become
questions, not labels (see album.people.suggest).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np

# Distances are computed a block of queries at a time, at most this many at once (~80 MB).
BLOCK_CELLS = 20_000_000
# A person with a birthday is matched by their faces from about the age in the query's photo:
# within this many years of it ...
AGE_WINDOW_YEARS = 3.0
# ... or this share of their age then, where that is wider (a grandparent changes slowly).
AGE_WINDOW_SHARE = 0.25
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class MatchSettings:
    threshold: float = 0.5
    margin: float = 0.05
    # The margin between two people kept apart: twice the usual one (see the module's note).
    apart_margin: float = 0.10
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
    second: np.ndarray  # (m,) int64, the runner-up person (-1 none): "Ada or Ben?" in Review
    # (m,) float, the runner-up's confidence at the same scale (0 when there is none)
    second_confidence: np.ndarray
    # (m,) bool, the runner-up is farther than the margin: `best` is no close call
    clear: np.ndarray


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
    kept_apart: Collection[tuple[int, int]] = (),
    taken: np.ndarray | None = None,
    reference_taken: np.ndarray | None = None,
    born: Mapping[int, float] | None = None,
) -> Matches:
    """Match each query embedding to the reference people.

    `forbidden[i]` holds the people query i must never be matched to (its rejections).
    `crowding[i]` (at most 1) shrinks query i's threshold where people crowd, as the grouping's
    cut does (album.people.cluster): a toddler 0.45 from two named photos of another toddler
    is no likeness there. Naming 2 faces of each of 10 people in the mixed library of
    benchmarks/people_quality.py: 0.873 -> 0.971 of the faces matched to them right.
    `kept_apart` holds (low id, high id) pairs of people the user said are different: between
    two of them a face needs `settings.apart_margin`, not `settings.margin`.
    `taken` and `reference_taken` are the days (Julian, NaN: unknown) the photos were taken,
    `born` each person's birthday, where the user gave one: a face in a photo taken before it
    is never theirs, and a face is measured against their photos from about the same age
    (`_by_age`), not a toddler's against the same child's at ten: babies look alike to dlib,
    the same child two years on far less so.
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
        second=np.full(m, -1, dtype=np.int64),
        second_confidence=np.zeros(m),
        clear=np.zeros(m, dtype=bool),
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
        when = None if taken is None else taken[start : start + len(q)]
        for j, idx in enumerate(member):
            block = dist[:, idx]
            birthday = None if born is None or when is None else born.get(int(people[j]))
            if birthday is not None and reference_taken is not None:
                scores[:, j] = _by_age(block, when, reference_taken[idx], birthday, settings.k)
                continue
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
        runner = people[order[:, 1]] if len(people) > 1 else np.full(len(q), -1, np.int64)
        sl = slice(start, start + len(q))
        scale = 1.0 if crowding is None else crowding[sl]
        margin = _margins(best, runner, kept_apart, settings)
        with np.errstate(invalid="ignore"):  # inf - inf where every person is forbidden
            ok = (first < settings.threshold * scale) & (second - first > margin)
        finite = np.isfinite(first)
        has_second = np.isfinite(second)
        result.best[sl] = np.where(finite, best, -1)
        result.distance[sl] = first
        result.runner_up[sl] = second
        result.person[sl] = np.where(ok & finite, best, -1)
        with np.errstate(invalid="ignore"):
            result.clear[sl] = finite & (second - first > margin)
        result.confidence[sl] = np.where(finite, confidence_of(first, settings, scale), 0.0)
        result.second[sl] = np.where(has_second, runner, -1)
        result.second_confidence[sl] = np.where(
            has_second, confidence_of(np.where(has_second, second, 0.0), settings, scale), 0.0
        )
    return result


def _by_age(
    block: np.ndarray, when: np.ndarray, ref_when: np.ndarray, birthday: float, k: int
) -> np.ndarray:
    """The k-nearest mean distance of each query to one person with a birthday, over the
    person's faces from about the query's age (and at least the k nearest in time, so two
    confirmed faces still count as two); infinite for a photo taken before they were born."""
    kk = min(k, block.shape[1])
    age = (when - birthday) / DAYS_PER_YEAR
    window = np.maximum(AGE_WINDOW_YEARS, AGE_WINDOW_SHARE * age) * DAYS_PER_YEAR
    gap = np.abs(when[:, None] - ref_when[None, :])
    gap = np.where(np.isnan(gap), np.inf, gap)  # no date on either side: no time to go by
    kth = np.partition(gap, kk - 1, axis=1)[:, kk - 1]
    with np.errstate(invalid="ignore"):
        use = gap <= np.fmax(window, kth)[:, None]
        unborn = when < birthday
    masked = np.where(use, block, np.inf)
    score = np.partition(masked, kk - 1, axis=1)[:, :kk].mean(1)
    return np.where(unborn, np.inf, score)


def is_apart(a: int, b: int, kept_apart: Collection[tuple[int, int]]) -> bool:
    """Whether the user kept these two people apart (pairs are stored low id first)."""
    return (min(a, b), max(a, b)) in kept_apart


def _margins(
    best: np.ndarray,
    runner: np.ndarray,
    kept_apart: Collection[tuple[int, int]],
    settings: MatchSettings,
) -> np.ndarray:
    """Each query's margin: the wider one where its two nearest people are kept apart."""
    margin = np.full(len(best), settings.margin)
    if kept_apart:
        pairs = np.array([_code(a, b) for a, b in kept_apart], dtype=np.int64)
        codes = _code(np.minimum(best, runner), np.maximum(best, runner))
        margin[np.isin(codes, pairs)] = settings.apart_margin  # no runner-up (-1): no pair
    return margin


def _code(low: np.ndarray | int, high: np.ndarray | int) -> np.ndarray | int:
    """One number per (low, high) pair of person ids, to look many pairs up at once."""
    return low * (1 << 32) + high
