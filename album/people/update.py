"""Keeping the automatic part of people up to date: match named people, cluster the rest.

Runs after every scan and on demand (`album cluster`), and in its quick form (`rematch`) after
every edit that confirms faces, so a person's new faces help at once. It never touches what a
user decided: `user` labels, removed faces and rejections are read, never written.

The heavy part (distances, clustering) runs without holding the write lock; the result is
written in one short transaction that skips any face a user edited in the meantime.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from album.duplicates import twin
from album.people.apart import apart_links
from album.people.match import Matches, MatchSettings, confidence_of, match
from album.people.nearby import within
from album.store import named_groups, queries
from album.store import people as rows
from album.store import settings as stored_settings
from album.store.faces import DECIDED_SOURCES
from album.store.library import Library

CLUSTER = "cluster"
AUTO = "auto"
USER = "user"


@dataclass(frozen=True)
class PeopleSettings:
    match: MatchSettings = field(default_factory=MatchSettings)
    cluster_threshold: float | None = None  # None: the clustering's own tuned default
    min_cluster_size: int = stored_settings.DEFAULT_MIN_GROUP


def stored_people_settings(library: Library) -> PeopleSettings:
    """The people settings this library keeps (today: the smallest group shown as a person)."""
    return PeopleSettings(min_cluster_size=stored_settings.load_min_group_size(library))


@dataclass
class UpdateReport:
    matched: int = 0
    clustered: int = 0
    unsorted: int = 0
    people_created: int = 0
    people_removed: int = 0
    skipped_edited: int = 0
    seconds: float = 0.0


@dataclass
class PeoplePlan:
    """New (person, source, confidence) for each face the update decides about."""

    labels: dict[int, tuple[int | None, str | None, float | None]] = field(default_factory=dict)
    new_people: dict[int, int] = field(default_factory=dict)  # cluster label -> temp id (< 0)
    created: dict[int, int] = field(default_factory=dict)  # temp id -> new person's id
    # (person, source) of each face in `labels` as the plan read them: the writer skips any
    # face whose label changed since (a user edited it while the plan was being made).
    was: dict[int, tuple[int | None, str | None]] = field(default_factory=dict)
    # The crowding the grouping found for each face whose stored value it changes: matching
    # (here, after edits, and in Review) shrinks a face's threshold by it.
    crowding: dict[int, float] = field(default_factory=dict)


def update_people(
    library: Library,
    settings: PeopleSettings | None = None,
    *,
    recluster: bool = True,
    around: Iterable[int] | None = None,
    faces: Iterable[int] = (),
) -> UpdateReport:
    """Match every face without a user label to the named people; cluster the rest.

    `around` (people an edit touched) makes it the quick rematch that follows an edit: only the
    faces within reach of those people's confirmed faces, the faces they hold, and `faces` are
    decided again, so its cost follows the edit, not the library.
    """
    started = time.monotonic()
    if named_groups.is_pending(library.conn):  # a naming's group is the user's before this
        with library.write() as db:
            named_groups.settle(db.conn)
    plan = plan_people(library, settings, recluster=recluster, around=around, faces=faces)
    report = write_plan(library, plan)
    report.seconds = time.monotonic() - started
    return report


def plan_people(
    library: Library,
    settings: PeopleSettings | None = None,
    *,
    recluster: bool = True,
    around: Iterable[int] | None = None,
    faces: Iterable[int] = (),
    progress: Callable[[str, int], None] | None = None,
) -> PeoplePlan:
    """Decide without writing (the heavy part; it may run in another process, on a snapshot).

    `progress(stage, faces)` hears of each stage as it starts ("matching", then "grouping"):
    the window shows it while a regroup of a large library plans for a minute."""
    settings = settings or stored_people_settings(library)
    table = rows.face_table(library.conn)
    rejected = _rejections_by_face(library)
    apart = queries.distinct_pairs(library.conn)  # "Different people": never one, never a guess
    plan = PeoplePlan()
    not_user = np.array([s not in DECIDED_SOURCES for s in table.sources], dtype=bool)
    decided = ~not_user & (table.person_ids >= 0)
    # A face nobody could recognise (a blur, a tiny bystander) is never matched nor grouped,
    # and a blurred face the user named is no likeness of them to match others by: its
    # descriptor lies near everyone (album.faces.quality).
    refs = decided & table.recognisable
    hopeless = not_user & ~table.recognisable
    if around is not None and not recluster:
        candidates = not_user & _affected(table, refs, set(around), set(faces), settings)
        candidates |= hopeless
    else:
        candidates = not_user
    if progress is not None:
        progress("matching", int(candidates.sum()))
    born = rows.birthdays(library.conn)
    matched, nearest = _match(table, candidates, refs, rejected, apart, born, settings, plan)
    if recluster:
        rest = candidates & ~matched & ~hopeless
        on_copy = np.zeros(len(table), dtype=bool) if table.copy_of is None else table.copy_of >= 0
        if progress is not None:
            progress("grouping", int((rest & ~on_copy).sum()))
        # A set of copies is grouped once: its copies' faces would make a group of one photo
        # look like several, and a lone stranger's photo sent twice look like a person.
        _cluster(table, rest & ~on_copy, decided, rejected, apart, settings, plan, nearest)
        _follow_kept(table, rest & on_copy, rejected, plan)
    else:
        withdrawn = np.flatnonzero(
            candidates
            & ~matched
            & ~hopeless
            & np.array([s == AUTO for s in table.sources], dtype=bool)
        )
        _back_to_groups(library, table, withdrawn, rejected, plan)
    for i in np.flatnonzero(hopeless & (table.person_ids >= 0)):
        plan.labels[int(table.ids[i])] = (None, None, None)
    index = {int(face_id): i for i, face_id in enumerate(table.ids)}
    for face_id in plan.labels:
        i = index[face_id]
        person = int(table.person_ids[i])
        plan.was[face_id] = (None if person < 0 else person, table.sources[i])
    return plan


def _affected(
    table: rows.FaceTable,
    refs: np.ndarray,
    people: set[int],
    faces: set[int],
    settings: PeopleSettings,
) -> np.ndarray:
    """Faces whose match an edit of `people` (and of `faces`) can change."""
    edited = np.isin(table.person_ids, np.fromiter(people, dtype=np.int64, count=len(people)))
    affected = edited | np.isin(table.ids, np.fromiter(faces, dtype=np.int64, count=len(faces)))
    # The person's confirmed faces now, and those the edit took from them (an undo, a move).
    reference = (refs & edited) | np.isin(table.ids, list(faces))
    if reference.any():
        reach = settings.match.threshold + settings.match.margin
        matched = np.array([s == AUTO for s in table.sources], dtype=bool)
        affected |= within(table.embeddings, table.embeddings[reference], reach, exact=matched)
    return affected


def _rejections_by_face(library: Library) -> dict[int, set[int]]:
    rejected: dict[int, set[int]] = {}
    for face_id, person_id in rows.rejections(library.conn):
        rejected.setdefault(face_id, set()).add(person_id)
    return rejected


def _match(
    table: rows.FaceTable,
    candidates: np.ndarray,
    refs: np.ndarray,
    rejected: dict[int, set[int]],
    apart: set[tuple[int, int]],
    born: dict[int, float],
    settings: PeopleSettings,
    plan: PeoplePlan,
) -> tuple[np.ndarray, _Nearest | None]:
    """Assign `auto` labels to the recognisable candidates; returns which faces got one, and
    every candidate's nearest named person (for `_follow_names`).

    A face rejected from a person is never matched to them; one about as close to two people
    kept apart is matched to neither (match's `apart_margin`) and is asked about in Review."""
    matched = np.zeros(len(table), dtype=bool)
    idx = np.flatnonzero(candidates & table.recognisable)
    if not refs.any() or len(idx) == 0:
        return matched, None
    found = match(
        table.embeddings[idx],
        table.embeddings[refs],
        table.person_ids[refs],
        forbidden=[rejected.get(int(table.ids[i]), set()) for i in idx],
        settings=settings.match,
        crowding=table.crowding[idx],
        kept_apart=apart,
        taken=table.taken[idx],
        reference_taken=table.taken[refs],
        born=born,
    )
    # One person per photo: a user-labelled face wins, then a label not decided again here,
    # then the closest automatic match.
    held = ~candidates & (table.person_ids >= 0)
    taken = {(int(table.photo_ids[i]), int(table.person_ids[i])) for i in np.flatnonzero(held)}
    order = np.argsort(found.distance)
    for j in order:
        person = int(found.person[j])
        if person < 0:
            continue
        i = idx[j]
        key = (int(table.photo_ids[i]), person)
        if key in taken:
            continue
        taken.add(key)
        matched[i] = True
        plan.labels[int(table.ids[i])] = (person, AUTO, round(float(found.confidence[j]), 4))
    return matched, _Nearest(idx, found)


@dataclass
class _Nearest:
    """The matcher's answer for the faces it was asked about (rows `idx` of the face table)."""

    idx: np.ndarray
    found: Matches

    def of(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per table row: the nearest named person (-1: none, or a close call between two),
        the distance to them, and the match's confidence."""
        at = np.full(int(max(rows.max(initial=0), self.idx.max(initial=0))) + 1, -1)
        at[self.idx] = np.arange(self.idx.size)
        j = at[rows]
        has = j >= 0
        js = np.where(has, j, 0)
        f = self.found
        person = np.where(has & f.clear[js], f.best[js], -1)
        return person, np.where(has, f.distance[js], np.inf), np.where(has, f.confidence[js], 0.0)


def _cluster(
    table: rows.FaceTable,
    rest: np.ndarray,
    decided: np.ndarray,
    rejected: dict[int, set[int]],
    apart: set[tuple[int, int]],
    settings: PeopleSettings,
    plan: PeoplePlan,
    nearest: _Nearest | None = None,
) -> None:
    """Group the faces nobody was matched to. Faces of one photo, and the groups the user
    kept apart, never end in one group; a face never lands in a group it was rejected from.
    A group that is clearly one named person's follows the name (`_follow_names`)."""
    idx = np.flatnonzero(rest)
    if len(idx) == 0:
        return
    # Loaded here: SciPy and scikit-learn cost a second to import, and only regrouping needs them.
    from album.people.cluster import carry_identities, cluster_and_crowding

    kwargs = {"min_cluster_size": settings.min_cluster_size}
    if settings.cluster_threshold is not None:
        kwargs["threshold"] = settings.cluster_threshold
    old = np.where(
        np.array([table.sources[i] == CLUSTER for i in idx], dtype=bool),
        table.person_ids[idx],
        -1,
    )
    labels, crowding = cluster_and_crowding(
        table.embeddings[idx],
        table.photo_ids[idx],
        cannot_link=apart_links(old, apart),
        **kwargs,
    )
    # Kept to two decimals (a hundredth of crowding moves a threshold by 0.005), and written only
    # where it moved: the first regroup writes every face once, later ones only the few whose
    # neighbourhood changed.
    crowding = np.round(crowding, 2)
    changed = np.abs(crowding - table.crowding[idx]) > 0.005
    plan.crowding.update(
        zip(table.ids[idx[changed]].tolist(), crowding[changed].tolist(), strict=True)
    )
    carried = carry_identities(labels, old)
    user_in_photo = {
        (int(table.photo_ids[i]), int(table.person_ids[i])) for i in np.flatnonzero(decided)
    }
    follows = _follow_names(idx, labels, crowding, nearest, settings.match)
    in_photo = user_in_photo | {
        (int(table.photo_ids[index[f]]), p)
        for index in [{int(face): i for i, face in enumerate(table.ids)}]
        for f, (p, source, _) in plan.labels.items()
        if source == AUTO and p is not None
    }
    for j, i in enumerate(idx):
        face_id = int(table.ids[i])
        label = int(labels[j])
        if label < 0:
            plan.labels[face_id] = (None, None, None)
            continue
        if j in follows:
            person, confidence = follows[j]
            key = (int(table.photo_ids[i]), person)
            if person not in rejected.get(face_id, set()) and key not in in_photo:
                in_photo.add(key)
                plan.labels[face_id] = (person, AUTO, confidence)
                continue
        person = carried.get(label)
        if person is None:
            person = plan.new_people.setdefault(label, -(len(plan.new_people) + 1))
        blocked = person in rejected.get(face_id, set()) or (
            (int(table.photo_ids[i]), person) in user_in_photo
        )
        plan.labels[face_id] = (None, None, None) if blocked else (person, CLUSTER, None)


def _follow_kept(
    table: rows.FaceTable, copies: np.ndarray, rejected: dict[int, set[int]], plan: PeoplePlan
) -> None:
    """Each face on a copy takes the label of the same face on the photo its set keeps."""
    idx = np.flatnonzero(copies)
    if len(idx) == 0 or table.copy_of is None:
        return
    kept_photos = np.unique(table.copy_of[idx])
    on_kept = np.flatnonzero(np.isin(table.photo_ids, kept_photos))
    faces_of: dict[int, list[int]] = {}
    for j in on_kept.tolist():
        faces_of.setdefault(int(table.photo_ids[j]), []).append(j)
    # The people the copies' photos already hold on faces decided elsewhere (a user's
    # label, a match made above): one person per photo.
    taken: set[tuple[int, int]] = set()
    for i in np.flatnonzero((table.copy_of >= 0) & ~copies).tolist():
        person = plan.labels.get(int(table.ids[i]), (int(table.person_ids[i]),))[0]
        if person is not None and person >= 0:
            taken.add((int(table.photo_ids[i]), person))
    for i in idx.tolist():
        face_id = int(table.ids[i])
        label: tuple[int | None, str | None, float | None] = (None, None, None)
        others = faces_of.get(int(table.copy_of[i]), [])
        found = twin(table.embeddings[i], table.embeddings[others]) if others else None
        if found is not None:
            j = others[found]
            person, source, _ = plan.labels.get(
                int(table.ids[j]),
                (
                    None if table.person_ids[j] < 0 else int(table.person_ids[j]),
                    table.sources[j],
                    None,
                ),
            )
            key = (int(table.photo_ids[i]), person) if person is not None else None
            if (
                person is not None
                and person not in rejected.get(face_id, set())
                and key not in taken
            ):
                taken.add(key)
                label = (person, CLUSTER, None) if source == CLUSTER else (person, AUTO, 1.0)
        plan.labels[face_id] = label


# A group follows a name when at least this share of its faces have that person nearest (and no
# close call with another) ...
_FOLLOW_SHARE = 0.5
# ... at a mean distance within this (times their crowding): the matcher's own threshold is 0.5.
_FOLLOW_REACH = 0.54


def _follow_names(
    idx: np.ndarray,
    labels: np.ndarray,
    crowding: np.ndarray,
    nearest: _Nearest | None,
    settings: MatchSettings,
) -> dict[int, tuple[int, float]]:
    """Which of the grouped faces (positions in `idx`) follow a named person, and how sure.

    Naming 2 faces of a person matched only the faces near those two, and left the rest of the
    person's group apart, unnamed: in benchmarks/people_quality.py the named people's other
    faces under their names fell from 0.741 (one group held them) to 0.642 after the names. A
    group whose faces mostly have that person nearest is theirs: its faces that do follow the
    name, as suggestions (the matcher's confidence), never as the user's own labels.
    """
    if nearest is None or idx.size == 0:
        return {}
    person, distance, _ = nearest.of(idx)
    voter = (labels >= 0) & (person >= 0)
    if not voter.any():
        return {}
    size = np.bincount(labels[labels >= 0])
    pos = np.flatnonzero(voter)
    scaled = distance[pos] / crowding[pos]
    key, slot, votes = np.unique(
        labels[pos] * (int(person.max()) + 1) + person[pos],
        return_inverse=True,
        return_counts=True,
    )
    mean = np.bincount(slot.ravel(), weights=scaled) / votes
    group, who = key // (int(person.max()) + 1), key % (int(person.max()) + 1)
    ok = (votes >= _FOLLOW_SHARE * size[group]) & (mean <= _FOLLOW_REACH)
    chosen = dict(zip(group[ok].tolist(), who[ok].tolist(), strict=True))
    follows: dict[int, tuple[int, float]] = {}
    for j in pos.tolist():
        name = chosen.get(int(labels[j]))
        if name == int(person[j]):
            sure = confidence_of(np.array([distance[j]]), settings, crowding[j])[0]
            follows[j] = (name, round(float(sure), 4))
    return follows


def _back_to_groups(
    library: Library,
    table: rows.FaceTable,
    withdrawn: np.ndarray,
    rejected: dict[int, set[int]],
    plan: PeoplePlan,
) -> None:
    """Faces whose automatic match an edit withdrew go back to the group they came from.

    Without this a face that left its group for a named person, and then lost that match (a
    look-alike named later narrows the margin, an undo takes the person's faces back), ended
    with no person at all: 4,986 faces after 20 names in a 150k-face library. The group may
    be gone (every face of it was matched away) or no longer fit (named since, or its person
    is already in that photo): then the faces of that old group form a new unnamed group.
    """
    if len(withdrawn) == 0:
        return
    people = rows.people_ids(library.conn)
    holder = np.where(table.person_ids >= 0, table.person_ids, -1)
    final = {int(table.ids[i]): int(holder[i]) for i in range(len(table))}
    for face_id, (person, _, _) in plan.labels.items():
        final[face_id] = -1 if person is None else person
    index = {int(face_id): i for i, face_id in enumerate(table.ids)}
    for face_id in (int(table.ids[i]) for i in withdrawn):
        final[face_id] = -1
    taken = {(int(table.photo_ids[index[f]]), p) for f, p in final.items() if p != -1}
    fresh: dict[int, int] = {}  # old group -> temporary id of the group rebuilt for it
    for i in withdrawn:
        face_id, photo, group = int(table.ids[i]), int(table.photo_ids[i]), int(table.group_ids[i])
        person: int | None = None
        if group >= 0:
            fits = group in people and people[group] is None
            if not fits or (photo, group) in taken:
                group_key = group
                if group_key not in fresh:
                    fresh[group_key] = -(len(plan.new_people) + len(fresh) + 1)
                person = fresh[group_key]
            else:
                person = group
            if person in rejected.get(face_id, set()) or (photo, person) in taken:
                person = None
        if person is None:
            plan.labels[face_id] = (None, None, None)
            continue
        taken.add((photo, person))
        plan.labels[face_id] = (person, CLUSTER, None)


def write_plan(library: Library, plan: PeoplePlan) -> UpdateReport:
    """Write a plan in one short transaction, the one writer's part. A face a user labelled,
    removed or otherwise changed since the plan read it is left as it is now."""
    report = UpdateReport()
    was = plan.was
    with library.write() as db:
        conn = db.conn
        # A group named while the plan was made is the user's now: its faces are skipped below.
        named_groups.settle(conn)
        now = rows.label_states(conn, plan.labels)
        # A person the plan gives faces to may be gone since (merged away, forgotten, emptied
        # by an undo): those faces stay as they are, like faces edited meanwhile.
        people = rows.people_ids(conn)
        changes = []
        for face_id, (person, source, confidence) in plan.labels.items():
            current = now.get(face_id)
            if current is None or current[2] or current[:2] != was[face_id]:
                report.skipped_edited += 1  # a user acted on it meanwhile: theirs wins
                continue
            if person is not None and person >= 0 and person not in people:
                report.skipped_edited += 1
                continue
            if person is not None and person < 0:
                person = _created(conn, plan, person, report)
            if (person, source) != current[:2] or source == AUTO:
                changes.append((face_id, person, source, confidence, current[0]))
            report.matched += source == AUTO
            report.clustered += source == CLUSTER
            report.unsorted += person is None
        rows.relabel(conn, [c[:4] for c in changes])
        rows.set_crowding(conn, plan.crowding)
        for person in {c[4] for c in changes if c[4] is not None}:
            report.people_removed += rows.delete_person_if_empty(conn, person)
    return report


def _created(conn: sqlite3.Connection, plan: PeoplePlan, temp: int, report: UpdateReport) -> int:
    """Turn a cluster's temporary id into a new unnamed person, once."""
    if temp not in plan.created:
        plan.created[temp] = rows.create_person(conn)
        report.people_created += 1
    return plan.created[temp]
