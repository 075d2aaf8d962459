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
from dataclasses import dataclass, field

import numpy as np

from album.people.cluster import carry_identities, cluster_faces
from album.people.match import MatchSettings, match
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
class _Plan:
    """New (person, source, confidence) for each face the update decides about."""

    labels: dict[int, tuple[int | None, str | None, float | None]] = field(default_factory=dict)
    new_people: dict[int, int] = field(default_factory=dict)  # cluster label -> temp id (< 0)
    created: dict[int, int] = field(default_factory=dict)  # temp id -> new person's id


def update_people(
    library: Library, settings: PeopleSettings | None = None, *, recluster: bool = True
) -> UpdateReport:
    """Match every face without a user label to the named people; cluster the rest."""
    settings = settings or stored_people_settings(library)
    started = time.monotonic()
    table = rows.face_table(library.conn)
    rejected = _rejections_by_face(library)
    plan = _Plan()
    candidates = np.array([s not in DECIDED_SOURCES for s in table.sources], dtype=bool)
    refs = ~candidates & (table.person_ids >= 0)
    matched = _match(table, candidates, refs, rejected, settings, plan)
    if recluster:
        rest = candidates & ~matched
        _cluster(table, rest, refs, rejected, settings, plan)
    else:
        # Faces that lost their automatic match go back to being unsorted.
        for i in np.flatnonzero(candidates & ~matched):
            if table.sources[i] == AUTO:
                plan.labels[int(table.ids[i])] = (None, None, None)
    report = _write(library, table, plan)
    report.seconds = time.monotonic() - started
    return report


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
    settings: PeopleSettings,
    plan: _Plan,
) -> np.ndarray:
    """Assign `auto` labels; returns which faces got one."""
    matched = np.zeros(len(table), dtype=bool)
    idx = np.flatnonzero(candidates)
    if not refs.any() or len(idx) == 0:
        return matched
    found = match(
        table.embeddings[idx],
        table.embeddings[refs],
        table.person_ids[refs],
        forbidden=[rejected.get(int(table.ids[i]), set()) for i in idx],
        settings=settings.match,
    )
    # One person per photo: a user-labelled face wins, then the closest automatic match.
    taken = {(int(table.photo_ids[i]), int(table.person_ids[i])) for i in np.flatnonzero(refs)}
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
    return matched


def _cluster(
    table: rows.FaceTable,
    rest: np.ndarray,
    refs: np.ndarray,
    rejected: dict[int, set[int]],
    settings: PeopleSettings,
    plan: _Plan,
) -> None:
    idx = np.flatnonzero(rest)
    if len(idx) == 0:
        return
    kwargs = {"min_cluster_size": settings.min_cluster_size}
    if settings.cluster_threshold is not None:
        kwargs["threshold"] = settings.cluster_threshold
    labels = cluster_faces(table.embeddings[idx], table.photo_ids[idx], **kwargs)
    old = np.where(
        np.array([table.sources[i] == CLUSTER for i in idx], dtype=bool),
        table.person_ids[idx],
        -1,
    )
    carried = carry_identities(labels, old)
    user_in_photo = {
        (int(table.photo_ids[i]), int(table.person_ids[i])) for i in np.flatnonzero(refs)
    }
    for j, i in enumerate(idx):
        face_id = int(table.ids[i])
        label = int(labels[j])
        if label < 0:
            plan.labels[face_id] = (None, None, None)
            continue
        person = carried.get(label)
        if person is None:
            person = plan.new_people.setdefault(label, -(len(plan.new_people) + 1))
        blocked = person in rejected.get(face_id, set()) or (
            (int(table.photo_ids[i]), person) in user_in_photo
        )
        plan.labels[face_id] = (None, None, None) if blocked else (person, CLUSTER, None)


def _write(library: Library, table: rows.FaceTable, plan: _Plan) -> UpdateReport:
    report = UpdateReport()
    was = {
        int(face_id): (None if p < 0 else int(p), s)
        for face_id, p, s in zip(table.ids, table.person_ids, table.sources, strict=True)
    }
    with library.write() as db:
        conn = db.conn
        now = rows.label_states(conn)
        changes = []
        for face_id, (person, source, confidence) in plan.labels.items():
            current = now.get(face_id)
            if current is None or current[2] or current[:2] != was[face_id]:
                report.skipped_edited += 1  # a user acted on it meanwhile: theirs wins
                continue
            if person is not None and person < 0:
                person = _created(conn, plan, person, report)
            if (person, source) != current[:2] or source == AUTO:
                changes.append((face_id, person, source, confidence, current[0]))
            report.matched += source == AUTO
            report.clustered += source == CLUSTER
            report.unsorted += person is None
        rows.relabel(conn, [c[:4] for c in changes])
        for person in {c[4] for c in changes if c[4] is not None}:
            report.people_removed += rows.delete_person_if_empty(conn, person)
    return report


def _created(conn: sqlite3.Connection, plan: _Plan, temp: int, report: UpdateReport) -> int:
    """Turn a cluster's temporary id into a new unnamed person, once."""
    if temp not in plan.created:
        plan.created[temp] = rows.create_person(conn)
        report.people_created += 1
    return plan.created[temp]
