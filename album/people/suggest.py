"""What to ask the user next: "is this X?", "X or Y?" and "are these two the same person?"

The review queue puts first the faces the matcher was least sure about, on either side of its
threshold: one answer there teaches the most (a yes adds a confirmed face near the boundary, a
no adds a rejection). A face about as close to two named people ("Ada or Ben?", `choice`) is
asked as that one question, with both: between two people the user kept apart the matcher
files such a face to neither, so those questions come first. Merge suggestions pair people
whose faces sit close together and who never appear in one photo together.

Only faces a person could recognise are asked about, shown as a pair or taken as a person's
likeness (`FaceTable.recognisable`, album.faces.quality): a blurred bystander's descriptor lies
near everyone, so it used to be the least certain face of many people and came first.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from album.people.match import Matches, MatchSettings, is_apart, match
from album.store import file_names, queries
from album.store import people as rows
from album.store.library import Library

# Review asks "is this Ada?" only at or above this confidence: below it the answer is almost
# always No (a stranger, a statue, a microphone) and a question wastes the user's time.
# Measured by benchmarks/review_plausibility.py on lfw-embeddings (named people with three
# confirmed faces each among thousands of strangers): the lowest floor at which at least 70 %
# of the questions are answered Yes, with a margin. On real web and group photos with names
# imported from files (review_plausibility.py --photos) 173 of 174 questions are Yes.
PLAUSIBLE_ABOVE = 0.2
MERGE_BELOW = 0.55
FACES_PER_PERSON = 24


@dataclass(frozen=True)
class ReviewItem:
    face_id: int
    photo_id: int
    person_id: int
    person: str | None
    confidence: float
    suggested: bool  # True: already matched (auto); False: a near miss, not assigned
    # "Ada or Ben?": a second named person as plausible as the first and too close to call
    # (see `choice`); None for "Is this Ada?". The first person is the nearer one.
    rival_id: int | None = None
    rival: str | None = None
    rival_confidence: float | None = None
    distances: tuple[float, float] | None = None  # to the first person and to the rival
    apart: bool = False  # the user kept the two apart: the matcher files it to neither

    @property
    def is_choice(self) -> bool:
        return self.rival_id is not None


@dataclass(frozen=True)
class MergeSuggestion:
    a: int
    b: int
    a_name: str | None
    b_name: str | None
    distance: float


def review_queue(
    library: Library,
    *,
    person_id: int | None = None,
    limit: int = 100,
    settings: MatchSettings | None = None,
    floor: float = PLAUSIBLE_ABOVE,
) -> list[ReviewItem]:
    """The questions worth asking, most useful first: "Ada or Ben?" between two people kept
    apart (one answer settles a face nothing else will name), then every other question at or
    above the plausibility floor, the least certain first (one answer there teaches the most):
    suggestions, near misses, and "Ada or Ben?" between any two named people (`_rank`)."""
    settings = settings or MatchSettings()
    conn = library.conn
    table = rows.face_table(conn)
    names = rows.named_people(conn)
    apart = queries.distinct_pairs(conn)
    is_user = np.array([s in ("user", "file") for s in table.sources], dtype=bool)
    is_auto = np.array([s == "auto" for s in table.sources], dtype=bool)
    refs = is_user & (table.person_ids >= 0) & table.recognisable
    asked = np.flatnonzero(~is_user & table.recognisable)  # suggestions and loose faces
    held = is_user & (table.person_ids >= 0)
    taken = {(int(table.photo_ids[i]), int(table.person_ids[i])) for i in np.flatnonzero(held)}
    found = None
    if refs.any() and len(asked):
        rejected: dict[int, set[int]] = {}
        for face_id, pid in rows.rejections(conn):
            rejected.setdefault(face_id, set()).add(pid)
        found = match(
            table.embeddings[asked],
            table.embeddings[refs],
            table.person_ids[refs],
            forbidden=[rejected.get(int(table.ids[i]), set()) for i in asked],
            settings=settings,
            crowding=table.crowding[asked],
            kept_apart=apart,
            taken=table.taken[asked],
            reference_taken=table.taken[refs],
            born=rows.birthdays(conn),
        )
    items: list[ReviewItem] = []
    for j, i in enumerate(asked):
        face_id, photo = int(table.ids[i]), int(table.photo_ids[i])
        item = None
        if found is not None:
            item = choice(found, j, face_id, photo, names, taken, apart, settings, floor)
            if item is None and not is_auto[i]:
                item = _near_miss(found, j, face_id, photo, names, taken, floor)
        if item is None and is_auto[i]:
            pid, conf = int(table.person_ids[i]), table.confidences[i]
            item = ReviewItem(
                face_id, photo, pid, names.get(pid), 0.5 if np.isnan(conf) else float(conf), True
            )
        if item is not None and (person_id is None or person_id in (item.person_id, item.rival_id)):
            items.append(replace(item, suggested=bool(is_auto[i])))
    # A photo's own file named this person without saying which face: ask about it first, and
    # even below the floor (the file vouches for the person being in the photo).
    hinted = file_names.hinted(conn)

    def is_hinted(item: ReviewItem) -> bool:
        return any(
            (item.photo_id, (who or "").casefold()) in hinted for who in (item.person, item.rival)
        )

    items = [item for item in items if item.confidence >= floor or is_hinted(item)]
    items.sort(key=lambda item: (not is_hinted(item), *_rank(item), item.face_id))
    return items[:limit]


def choice(
    found: Matches,
    j: int,
    face_id: int,
    photo: int,
    names: dict[int, str],
    taken: set[tuple[int, int]],
    apart: set[tuple[int, int]],
    settings: MatchSettings,
    floor: float,
) -> ReviewItem | None:
    """ "Ada or Ben?" for query j of `found`, when its two nearest people are both named, both
    plausible (at or above the floor, as "Is this Ada?" must be), neither already confirmed
    elsewhere in the photo, and too close to call: nearer together than the margin the matcher
    wants between two people kept apart. Between people kept apart such a face is filed to
    neither, so this question is the only way it gets a name."""
    first, second = int(found.best[j]), int(found.second[j])
    if first < 0 or second < 0 or first not in names or second not in names:
        return None
    confidence, rival_confidence = float(found.confidence[j]), float(found.second_confidence[j])
    near, far = float(found.distance[j]), float(found.runner_up[j])
    if min(confidence, rival_confidence) < floor or far - near >= settings.apart_margin:
        return None
    if (photo, first) in taken or (photo, second) in taken:
        return None
    return ReviewItem(
        face_id,
        photo,
        first,
        names[first],
        confidence,
        False,
        rival_id=second,
        rival=names[second],
        rival_confidence=rival_confidence,
        distances=(round(near, 4), round(far, 4)),
        apart=is_apart(first, second, apart),
    )


def _near_miss(
    found: Matches,
    j: int,
    face_id: int,
    photo: int,
    names: dict[int, str],
    taken: set[tuple[int, int]],
    floor: float,
) -> ReviewItem | None:
    """ "Is this Ada?" for a face not matched to anyone, whose nearest person is plausible."""
    pid = int(found.best[j])
    conf = float(found.confidence[j])
    if pid < 0 or conf < floor or (photo, pid) in taken:
        return None
    return ReviewItem(face_id, photo, pid, names.get(pid), conf, False)


def _rank(item: ReviewItem) -> tuple[int, float]:
    """ "Ada or Ben?" between two people the user kept apart first, the closest calls first:
    the matcher files such a face to neither, so nothing else will ever name it. Then every
    other question, the least certain first (a choice by its nearer person's confidence).

    Other choices are not put first: on lfw-embeddings (120 named people among 4,000
    strangers) 82 of 1,614 questions were choices, and only 34 of them had one of the two as
    the answer (plain questions: 96 % Yes); in front, they took the first 50 questions."""
    if item.apart:
        near, far = item.distances or (0.0, 0.0)
        return 0, far - near
    return 1, abs(item.confidence - 0.5)


def merge_suggestions(library: Library, *, limit: int = 50) -> list[MergeSuggestion]:
    conn = library.conn
    table = rows.face_table(conn)
    # A person is shown by their recognisable faces only: one known only by blurs is no pair.
    shown = (table.person_ids >= 0) & table.recognisable
    people = np.unique(table.person_ids[shown])
    if len(people) < 2:
        return []
    names = {p.id: p.name for p in queries.people(conn, include_hidden=True)}
    apart = queries.distinct_pairs(conn)
    rng = np.random.default_rng(0)
    members: dict[int, np.ndarray] = {}
    photos: dict[int, set[int]] = {}
    centroids = np.empty((len(people), table.embeddings.shape[1]), dtype=np.float32)
    for j, pid in enumerate(people):
        photos[int(pid)] = {int(x) for x in table.photo_ids[table.person_ids == pid]}
        idx = np.flatnonzero(shown & (table.person_ids == pid))
        if len(idx) > FACES_PER_PERSON:
            idx = rng.choice(idx, FACES_PER_PERSON, replace=False)
        members[int(pid)] = table.embeddings[idx]
        centroids[j] = members[int(pid)].mean(0)
    from sklearn.neighbors import NearestNeighbors

    k = min(8, len(people))
    distances, neighbours = NearestNeighbors(n_neighbors=k).fit(centroids).kneighbors(centroids)
    suggestions: dict[tuple[int, int], MergeSuggestion] = {}
    for j, pid in enumerate(people):
        for d, n in zip(distances[j][1:], neighbours[j][1:], strict=True):
            if d > MERGE_BELOW:
                continue
            a, b = sorted((int(pid), int(people[n])))
            if (a, b) in suggestions or (a, b) in apart:
                continue
            if names.get(a) and names.get(b):
                continue  # two names the user chose: different people by their word
            if photos[a] & photos[b]:
                continue  # seen together in a photo: certainly two people
            pair = members[a][:, None, :] - members[b][None, :, :]
            mean = float(np.sqrt((pair * pair).sum(-1)).mean())
            if mean < MERGE_BELOW:
                suggestions[(a, b)] = MergeSuggestion(a, b, names.get(a), names.get(b), mean)
    return sorted(suggestions.values(), key=lambda s: s.distance)[:limit]
