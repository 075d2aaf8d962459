"""Regrouping the whole library in a process of its own, written by the one writer.

A regroup of 150k faces takes a minute and 1 GB; run on a thread of the window's process it
held the GIL in long numpy-free stretches (the window stalled) and its memory stayed with the
window. Here a child process reads one snapshot of the library (a read transaction), plans
(match + cluster) and sends the plan back; the caller writes it through `write_plan`, which
skips every face a user edited while the child was planning. Cancelling kills the child:
nothing was written, so nothing is lost. Once the plan is being written it is too late to
cancel (a half-cancelled write would be the one outcome that loses something), and `cancel`
says so.

The child tells the stage it is in ("reading", "matching", "grouping") on a pipe of its own,
so a window can show progress without ever touching the plan's (large) pipe on its GUI thread.
"""

from __future__ import annotations

import multiprocessing.connection
import threading
from pathlib import Path
from typing import Any

import numpy as np

from album.people.update import PeoplePlan, UpdateReport, write_plan
from album.scan.pool import process_context
from album.store.library import Library

# What the stages are called where a person reads them, in the order they come.
STAGES = {
    "starting": "starting",
    "reading": "reading the faces",
    "matching": "matching faces to named people",
    "grouping": "grouping the other faces",
    "writing": "saving the new groups",
}


def _plan_in_child(
    path: str,
    out: multiprocessing.connection.Connection,
    told: multiprocessing.connection.Connection,
    around: list[int] | None = None,
    faces: list[int] | None = None,
) -> None:
    from album.people.update import plan_people

    def progress(stage: str, faces: int) -> None:
        told.send((stage, faces))

    try:
        with Library.open(path, migrate=False) as library:
            library.conn.execute("BEGIN")  # everything below reads one snapshot
            progress("reading", 0)
            plan = plan_people(
                library,
                recluster=around is None,
                around=around,
                faces=faces or (),
                progress=progress,
            )
            library.conn.execute("COMMIT")
        out.send(("plan", pack(plan)))
    except Exception as exc:  # the parent says what went wrong
        out.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        out.close()
        told.close()


def pack(plan: PeoplePlan) -> dict[str, Any]:
    """The plan as a few flat arrays. Unpickling 150,000 labels as Python tuples is one C call
    that holds the GIL for 100-190 ms (measured here), long enough to stall the window's GUI
    thread; arrays unpickle as a copy, and `unpack` rebuilds the tuples in interruptible
    Python."""
    ids = list(plan.labels)
    labels = [plan.labels[f] for f in ids]
    was = [plan.was.get(f, (None, None)) for f in ids]
    names = sorted({s for _, s, _ in labels} | {s for _, s in was} - {None}, key=str)
    code = {s: i for i, s in enumerate(names)}
    return {
        "ids": np.array(ids, dtype=np.int64),
        "person": np.array([0 if p is None else p for p, _, _ in labels], dtype=np.int64),
        "has_person": np.array([p is not None for p, _, _ in labels], dtype=bool),
        "source": np.array([code.get(s, -1) for _, s, _ in labels], dtype=np.int16),
        "confidence": np.array(
            [np.nan if c is None else c for _, _, c in labels], dtype=np.float64
        ),
        "was_person": np.array([0 if p is None else p for p, _ in was], dtype=np.int64),
        "was_has_person": np.array([p is not None for p, _ in was], dtype=bool),
        "was_source": np.array([code.get(s, -1) for _, s in was], dtype=np.int16),
        "has_was": np.array([f in plan.was for f in ids], dtype=bool),
        "names": names,
        "new_people": plan.new_people,
        "created": plan.created,
        "crowding_ids": np.fromiter(plan.crowding, dtype=np.int64, count=len(plan.crowding)),
        "crowding": np.fromiter(plan.crowding.values(), dtype=np.float64, count=len(plan.crowding)),
    }


def unpack(packed: dict[str, Any]) -> PeoplePlan:
    names: list[str | None] = [*packed["names"], None]  # code -1 is None
    plan = PeoplePlan(new_people=packed["new_people"], created=packed["created"])
    plan.crowding = dict(
        zip(packed["crowding_ids"].tolist(), packed["crowding"].tolist(), strict=True)
    )
    columns = zip(
        packed["ids"].tolist(),
        packed["person"].tolist(),
        packed["has_person"].tolist(),
        packed["source"].tolist(),
        packed["confidence"].tolist(),
        packed["was_person"].tolist(),
        packed["was_has_person"].tolist(),
        packed["was_source"].tolist(),
        packed["has_was"].tolist(),
        strict=True,
    )
    for face, person, has, source, confidence, was, was_has, was_source, has_was in columns:
        plan.labels[face] = (
            person if has else None,
            names[source],
            None if confidence != confidence else confidence,  # NaN: none
        )
        if has_was:
            plan.was[face] = (was if was_has else None, names[was_source])
    return plan


class RegroupCancelled(Exception):
    """The regroup was cancelled or its process died before handing over a plan."""


PROCESS_NAME = "album-regroup"


class Regroup:
    """One regroup: `start()`, then `finish()` on the writer's thread (or `cancel()`).

    With `around` (the people an edit touched) and `faces`, it is the quick matching that
    follows an edit rather than a regroup of everything: in the window it runs here too, as
    in-process it took the window from 130 MB to 660 MB at 100,000 photos (the face table of
    every embedding) and held the GIL long enough to stall it."""

    def __init__(
        self,
        library_path: Path | str,
        *,
        around: set[int] | None = None,
        faces: set[int] | None = None,
    ) -> None:
        self.library_path = str(Path(library_path).absolute())
        self._receive, send = multiprocessing.Pipe(duplex=False)
        self._heard, tell = multiprocessing.Pipe(duplex=False)
        self._send, self._tell = send, tell
        chosen = None if around is None else sorted(around)
        self.process = process_context().Process(
            target=_plan_in_child,
            args=(self.library_path, send, tell, chosen, sorted(faces or ())),
            daemon=True,
            name=PROCESS_NAME,
        )
        self.cancelled = False
        self.writing = False
        self.stage: tuple[str, int] = ("starting", 0)
        self._lock = threading.Lock()

    def start(self) -> Regroup:
        self.process.start()
        # The child holds the only sending ends: its death ends both pipes.
        self._send.close()
        self._tell.close()
        return self

    def planning(self) -> bool:
        return self.process.is_alive() and not self._receive.poll()

    def progress(self) -> list[tuple[str, int]]:
        """The stages the child entered since the last call, each with how many faces it
        works on (never blocks); `stage` keeps the latest."""
        heard = []
        try:
            while self._heard.poll():
                heard.append(self._heard.recv())
        except (EOFError, OSError):
            pass  # the child is gone; its last word stands
        if heard:
            self.stage = heard[-1]
        return heard

    def cancel(self) -> bool:
        """Stop planning; False when it is too late (the plan is being written)."""
        with self._lock:
            if self.writing:
                return False
            self.cancelled = True
        if self.process.is_alive():
            self.process.kill()
        return True

    def plan(self, timeout: float | None = None) -> PeoplePlan | None:
        """The child's plan; None while it is still planning (after `timeout` seconds)."""
        if not self._receive.poll(timeout):
            return None
        try:
            kind, value = self._receive.recv()
        except (EOFError, OSError):
            raise RegroupCancelled("the regroup stopped before it finished") from None
        finally:
            self.process.join(timeout=5)
        if kind == "error":
            raise RuntimeError(f"regrouping failed: {value}")
        return unpack(value)

    def finish(self, library: Library, timeout: float | None = None) -> UpdateReport:
        """Wait for the plan and write it (the one writer's short transaction)."""
        plan = self.plan(timeout)
        if plan is None:
            raise TimeoutError("the regroup is still planning")
        with self._lock:
            if self.cancelled:
                raise RegroupCancelled("the regroup was cancelled")
            self.writing = True
        return write_plan(library, plan)
