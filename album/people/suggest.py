"""What to ask the user next: "is this X?" and "are these two the same person?"

The review queue puts first the faces the matcher was least sure about, on either side of its
threshold: one answer there teaches the most (a yes adds a confirmed face near the boundary, a
no adds a rejection). Merge suggestions pair people whose faces sit close together and who
never appear in one photo together.

Only faces a person could recognise are asked about, shown as a pair or taken as a person's
likeness (`FaceTable.recognisable`, album.faces.quality): a blurred bystander's descriptor lies
near everyone, so it used to be the least certain face of many people and came first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from album.people.match import MatchSettings, match
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
    """The questions worth asking, most useful first: suggestions and near misses at or above
    the plausibility floor, the least certain first (one answer there teaches the most)."""
    settings = settings or MatchSettings()
    conn = library.conn
    table = rows.face_table(conn)
    names = rows.named_people(conn)
    items: list[ReviewItem] = []
    is_user = np.array([s in ("user", "file") for s in table.sources], dtype=bool)
    is_auto = np.array([s == "auto" for s in table.sources], dtype=bool)
    for i in np.flatnonzero(is_auto & table.recognisable):
        pid = int(table.person_ids[i])
        if person_id is None or pid == person_id:
            conf = table.confidences[i]
            items.append(
                ReviewItem(
                    int(table.ids[i]),
                    int(table.photo_ids[i]),
                    pid,
                    names.get(pid),
                    0.5 if np.isnan(conf) else float(conf),
                    True,
                )
            )
    refs = is_user & (table.person_ids >= 0) & table.recognisable
    loose = np.flatnonzero(~is_user & ~is_auto & table.recognisable)
    if refs.any() and len(loose):
        rejected: dict[int, set[int]] = {}
        for face_id, pid in rows.rejections(conn):
            rejected.setdefault(face_id, set()).add(pid)
        found = match(
            table.embeddings[loose],
            table.embeddings[refs],
            table.person_ids[refs],
            forbidden=[rejected.get(int(table.ids[i]), set()) for i in loose],
            settings=settings,
            crowding=table.crowding[loose],
        )
        held = is_user & (table.person_ids >= 0)
        taken = {(int(table.photo_ids[i]), int(table.person_ids[i])) for i in np.flatnonzero(held)}
        for j, i in enumerate(loose):
            pid = int(found.best[j])
            conf = float(found.confidence[j])
            if pid < 0 or conf < floor or (person_id is not None and pid != person_id):
                continue
            if (int(table.photo_ids[i]), pid) in taken:
                continue
            items.append(
                ReviewItem(
                    int(table.ids[i]), int(table.photo_ids[i]), pid, names.get(pid), conf, False
                )
            )
    # A photo's own file named this person without saying which face: ask about it first, and
    # even below the floor (the file vouches for the person being in the photo).
    hinted = file_names.hinted(conn)

    def is_hinted(item: ReviewItem) -> bool:
        return (item.photo_id, (item.person or "").casefold()) in hinted

    items = [item for item in items if item.confidence >= floor or is_hinted(item)]
    items.sort(key=lambda item: (not is_hinted(item), abs(item.confidence - 0.5), item.face_id))
    return items[:limit]


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
