"""Running a scan: plan, analyze on an executor, write, report progress; pause, resume, cancel.

The executor is any `concurrent.futures.Executor`: the local process pool by default, a Dask
cluster's executor when one machine is not enough. At most `IN_FLIGHT_PER_WORKER` photos per
worker are submitted at a time, so memory stays flat however many photos there are. A worker
that dies (a decoder crash, the kernel's OOM killer) takes only its own photo down: the pool is
replaced, the photos it held are retried one at a time, and the one that kills a worker alone
is marked failed.

Nothing waits for the workers to start: on a first scan (a folder new to the library) the pool
starts, and loads its models, while the folders are walked; the window hands in a pool that is
already warm. Photos go out largest file first, so the scan does not end with one worker on a
big photo while the others idle.
"""

from __future__ import annotations

import contextlib
import copy
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, fields
from pathlib import Path

from album import copies, geocode, stacks
from album.config import Settings
from album.faces.analyze import STAGES, PhotoAnalysis, analyze_photos
from album.faces.engine import resolve_detector
from album.imaging import is_video
from album.scan.place_names import name_photo_places
from album.scan.plan import FileCounts, Plan, make_plan
from album.scan.pool import local_pool, stop_now, warm_up
from album.scan.writer import Committed, Writer
from album.store import photos, scan_queue
from album.store.library import Library

IN_FLIGHT_PER_WORKER = 2
CNN_BATCH = 8  # photos per GPU call: the CNN detector batches equal-sized pictures
PROGRESS_INTERVAL = 0.1
CRASH_MESSAGE = "the analysis crashed (its worker process died: out of memory or a decoder crash)"


@dataclass
class ScanProgress:
    phase: str  # "listing", "analyzing", "finished"
    done: int = 0
    total: int = 0
    faces: int = 0
    failed: int = 0
    elapsed: float = 0.0
    paused: bool = False
    current: str | None = None

    @property
    def rate(self) -> float:
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        rate = self.rate
        return (self.total - self.done) / rate if rate > 0 and self.done else None


@dataclass
class ScanReport(FileCounts):
    analyzed: int = 0
    faces: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    cancelled: bool = False
    # Photos/s from the first result on: the speed once workers are up, whatever start-up cost.
    warm_rate: float = 0.0
    first_result: float | None = None  # seconds from the scan's start to its first photo
    # Seconds from the moment a worker first had no photo left to take to the last result: how
    # long the end of the scan left cores idle (photos go out largest first to keep it short).
    tail: float = 0.0
    # Seconds spent per stage (the workers' decode, detect, refine, encode; the writer's store).
    stages: dict[str, float] = field(default_factory=dict)
    places_error: str | None = None  # why the photos' places could not be named this time

    @classmethod
    def from_plan(cls, plan: Plan) -> ScanReport:
        counts = {f.name: copy.copy(getattr(plan, f.name)) for f in fields(FileCounts)}
        return cls(**counts)


Job = list[tuple[int, str]]  # (photo id, path) analyzed by one worker call
ProgressCallback = Callable[[ScanProgress], None]


def batch_size(settings: Settings) -> int:
    """One photo per call on the CPU; a batch per call for the CNN detector (the GPU's)."""
    return CNN_BATCH if resolve_detector(settings) == "cnn" else 1


ExecutorFactory = Callable[[Settings], Executor]
# Called with the scan's executor when it is done; True when it could serve another scan.
ExecutorRelease = Callable[[Executor, bool], None]


def _stop(executor: Executor, _reusable: bool) -> None:
    stop_now(executor)


def _largest_first(tasks: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Biggest photos first: they take longest, and small ones then fill the end of the scan.
    Videos after the photos: a video costs its few frames whatever its size (a phone's minute
    of video is 100 MB), and first in line they held back the first faces of a dropped folder
    by seconds each."""

    def size(task: tuple[int, str]) -> tuple[bool, int]:
        try:
            return not is_video(task[1]), os.stat(task[1]).st_size
        except OSError:
            return True, 0

    return sorted(tasks, key=size, reverse=True)


class Scanner:
    """One scan of some folders into one library. Thread-safe controls: pause/resume/cancel."""

    def __init__(
        self,
        library_path: Path,
        settings: Settings,
        *,
        executor_factory: ExecutorFactory = local_pool,
        executor_release: ExecutorRelease = _stop,
        on_progress: ProgressCallback | None = None,
        on_commit: Callable[[Committed], None] | None = None,
        reanalyze: bool = False,
        retry_failed: bool = False,
    ) -> None:
        self.library_path = Path(library_path)
        self.settings = settings
        self._executor_factory = executor_factory
        self._executor_release = executor_release
        self._early: _EarlyStart | None = None
        self._on_progress = on_progress
        self._on_commit = on_commit
        self._reanalyze = reanalyze
        self._retry_failed = retry_failed
        self._cancel = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._progress = ScanProgress("listing")
        self._last_report = 0.0

    def cancel(self) -> None:
        self._cancel.set()
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def run(self, roots: list[str | Path]) -> ScanReport:
        started = time.monotonic()
        self._report(force=True)
        with Library.open(self.library_path) as library:
            known = set(photos.roots(library))
            if any(photos.db_path(str(Path(r).absolute())) not in known for r in roots):
                # A first scan of a folder: start the workers while it is walked.
                self._early = _EarlyStart(self._executor_factory, self.settings)
            try:
                # Folders become library folders, and stay marked as still to scan until this
                # scan runs to its end: one killed or cancelled is carried on by the next start.
                scan_queue.record(library, [str(Path(r).absolute()) for r in roots])
                plan = make_plan(
                    library,
                    [str(r) for r in roots],
                    fingerprint=self.settings.fingerprint(),
                    reanalyze=self._reanalyze,
                    retry_failed=self._retry_failed,
                    cancelled=self._cancel,
                    import_names=self.settings.import_names,
                )
            except BaseException:
                self._release_early()
                raise
        report = ScanReport.from_plan(plan)
        self._progress = ScanProgress("analyzing", total=len(plan.analyze))
        if plan.analyze and not self.cancelled:
            self._analyze(plan.analyze, report, started)
        else:
            self._release_early()
        report.cancelled = self.cancelled
        if not report.cancelled:
            with Library.open(self.library_path, scheduled_backup=False) as library:
                named = time.monotonic()
                report.places_error = name_photo_places(library)
                report.stages["places"] = time.monotonic() - named
                if plan.analyze or plan.moved or plan.missing or plan.returned:
                    # Copies count once from now on: the grouping that follows reads the marks.
                    marked = time.monotonic()
                    stacks.after_analysis(library)  # versions whose names waited for a top
                    copies.refresh(library)
                    report.stages["copies"] = time.monotonic() - marked
                scan_queue.finish(library, [str(Path(r).absolute()) for r in roots])
        report.seconds = time.monotonic() - started
        self._progress.phase = "finished"
        self._progress.elapsed = report.seconds
        self._report(force=True)
        return report

    def _release_early(self) -> None:
        if self._early is not None:
            early, self._early = self._early, None
            with contextlib.suppress(Exception):
                self._executor_release(early.executor(), False)

    def _report(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if self._on_progress is not None and (
            force or now - self._last_report >= PROGRESS_INTERVAL
        ):
            self._last_report = now
            self._progress.paused = self.paused
            self._on_progress(self._progress)

    def _analyze(self, tasks: list[tuple[int, str]], report: ScanReport, started: float) -> None:
        writer = Writer(self.library_path, self._on_commit)
        writer.start()
        if self._early is not None:
            early, self._early = self._early, None
            executor = early.executor()
        else:
            executor = self._executor_factory(self.settings)
            warm_up(executor, self.settings.workers)
        reusable = True
        first_done = last_done = 0.0
        ran_out: float | None = None
        first_count = 0
        size = batch_size(self.settings)
        tasks = _largest_first(tasks)
        queue: deque[Job] = deque(tasks[i : i + size] for i in range(0, len(tasks), size))
        isolate: deque[Job] = deque()  # suspects of a worker crash, one photo at a time
        inflight: dict[Future[list[PhotoAnalysis]], Job] = {}
        limit = self.settings.workers * IN_FLIGHT_PER_WORKER
        analyzing_started = time.monotonic()

        def submit(job: Job) -> None:
            paths = [path for _, path in job]
            inflight[executor.submit(analyze_photos, paths, self.settings)] = job

        try:
            while (queue or isolate or inflight) and not self.cancelled:
                if self._running.is_set():
                    if isolate:
                        if not inflight:
                            submit(isolate.popleft())
                    else:
                        while queue and len(inflight) < limit:
                            submit(queue.popleft())
                if not inflight:
                    self._running.wait(PROGRESS_INTERVAL)
                    self._progress.elapsed = time.monotonic() - analyzing_started
                    self._report()
                    continue
                done, _ = wait(inflight, timeout=PROGRESS_INTERVAL, return_when=FIRST_COMPLETED)
                crashed: list[Job] = []
                for future in done:
                    job = inflight.pop(future)
                    try:
                        analyses = future.result()
                    except BrokenProcessPool:
                        crashed.append(job)
                        continue
                    except Exception as exc:  # a worker-side bug must not end the scan
                        analyses = [
                            PhotoAnalysis(path, error=f"analysis failed: {exc}") for _, path in job
                        ]
                    if report.first_result is None:
                        report.first_result = time.monotonic() - started
                        first_done, first_count = time.monotonic(), report.analyzed + len(job)
                    last_done = time.monotonic()
                    for (photo_id, _), analysis in zip(job, analyses, strict=True):
                        self._record(writer, photo_id, analysis, report)
                if (
                    ran_out is None
                    and not queue
                    and not isolate
                    and len(inflight) < self.settings.workers
                ):
                    ran_out = time.monotonic()
                if crashed:
                    # Every photo in flight died with the pool; only a lone one is the culprit.
                    crashed.extend(inflight.values())
                    inflight.clear()
                    self._executor_release(executor, False)
                    executor = self._executor_factory(self.settings)
                    suspects = [task for job in crashed for task in job]
                    if len(suspects) == 1:
                        photo_id, path = suspects[0]
                        self._record(
                            writer, photo_id, PhotoAnalysis(path, error=CRASH_MESSAGE), report
                        )
                    else:
                        isolate.extend([task] for task in suspects)
                self._progress.elapsed = time.monotonic() - analyzing_started
                self._report()
        except BaseException:
            reusable = False
            raise
        finally:
            self._executor_release(executor, reusable and not self.cancelled and not inflight)
            writer.close()
            report.stages["store"] = writer.seconds
        if report.analyzed > first_count and last_done > first_done:
            report.warm_rate = (report.analyzed - first_count) / (last_done - first_done)
        if ran_out is not None and last_done > ran_out:
            report.tail = last_done - ran_out

    def _record(
        self, writer: Writer, photo_id: int, analysis: PhotoAnalysis, report: ScanReport
    ) -> None:
        writer.put(photo_id, analysis)
        if analysis.place is not None:
            geocode.preload()
        for stage in STAGES:
            report.stages[stage] = report.stages.get(stage, 0.0) + analysis.stages.get(stage, 0.0)
        report.analyzed += 1
        report.faces += len(analysis.faces)
        self._progress.done += 1
        self._progress.faces += len(analysis.faces)
        self._progress.current = analysis.path
        if analysis.error is not None:
            report.failed.append((analysis.path, analysis.error))
            self._progress.failed += 1


class _EarlyStart:
    """An executor made (and its workers started) on a thread, while the scan walks folders."""

    def __init__(self, factory: ExecutorFactory, settings: Settings) -> None:
        self._made: list[Executor] = []
        self._error: list[BaseException] = []

        def make() -> None:
            try:
                executor = factory(settings)
                warm_up(executor, settings.workers)
                self._made.append(executor)
            except BaseException as exc:  # raised again by executor(), in the scan's thread
                self._error.append(exc)

        self._thread = threading.Thread(target=make, name="album-pool-start", daemon=True)
        self._thread.start()

    def executor(self) -> Executor:
        self._thread.join()
        if self._error:
            raise self._error[0]
        return self._made[0]
