"""The worker processes that analyze photos.

Processes, not threads: dlib holds the GIL while it encodes (measured: two threads 0.93x of
one, two processes 1.97x). Each worker loads the models once, in its initializer; ignores
Ctrl-C (the scan decides when to stop, and stops them itself); runs at a lower priority so the
window stays responsive; caps its own memory so one monstrous photo fails alone instead of
taking the machine down; and exits when its scan is killed, instead of lingering for ever.

Starting workers and loading dlib's models takes seconds; nothing should wait for it. `warm_up`
makes a pool start every worker at once (the CLI calls it before it walks the folders, so both
happen together), and the window keeps a `WarmPool` whose idle workers wait for the next scan.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor

from album.config import Settings
from album.processes import alive

WORKER_NICENESS = 5
MIN_WORKER_MEMORY = 1536 << 20
MAX_WORKER_MEMORY = 8 << 30
MEMORY_ENV = "ALBUM_WORKER_MEMORY_MB"
WATCH_SECONDS = 1.0  # how often a worker checks that its scan is still there


def worker_memory_limit(workers: int) -> int:
    """Bytes of heap one worker may take: its share of most of the machine's memory.

    $ALBUM_WORKER_MEMORY_MB overrides it (a smaller machine share, or a test that wants a
    photo to run a worker out of memory); 0 removes the cap.
    """
    override = os.environ.get(MEMORY_ENV, "").strip()
    if override.isdigit():
        return int(override) << 20
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return MAX_WORKER_MEMORY
    return int(min(MAX_WORKER_MEMORY, max(MIN_WORKER_MEMORY, 0.6 * total / max(workers, 1))))


def init_worker(
    settings: Settings, memory_limit: int | None, niceness: int = WORKER_NICENESS
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_scan()
    with contextlib.suppress(OSError, AttributeError):
        os.nice(niceness)
    if memory_limit and sys.platform.startswith("linux"):
        import resource

        # RLIMIT_DATA counts the heap and anonymous mappings, not the code and model files
        # mapped in: a photo too big to decode raises MemoryError in this worker alone.
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_DATA, (memory_limit, memory_limit))
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(name, "1")
    from album.faces.engine import engine_for

    engine_for(settings)


def _exit_with_scan() -> None:
    """End this worker soon after the scan that started it is killed (SIGKILL, the OOM killer,
    a crash of the window). Nothing else would: each worker holds the other workers' end of
    the work queue and the forkserver's lifeline, so none of them ever sees the scan go, and
    all of them (about 150 MB each) wait for work until the computer restarts."""
    parent = multiprocessing.parent_process()
    if parent is None or parent.pid is None:
        return
    pid = parent.pid

    def watch() -> None:
        while alive(pid):
            time.sleep(WATCH_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, name="album-scan-watch", daemon=True).start()


def process_context() -> multiprocessing.context.BaseContext:
    """forkserver where it exists: children start clean (no inherited threads or Qt state)."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def local_pool(settings: Settings, niceness: int = WORKER_NICENESS) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=settings.workers,
        mp_context=process_context(),
        initializer=init_worker,
        initargs=(settings, worker_memory_limit(settings.workers), niceness),
    )


def headless_pool(settings: Settings) -> ProcessPoolExecutor:
    """`album scan`'s pool: no window to keep responsive, so its workers keep the priority the
    user started the command with (`nice album scan` still lowers it)."""
    return local_pool(settings, niceness=0)


def worker_ready() -> int:
    """Nothing to do: a worker that runs it has started and loaded its models."""
    return os.getpid()


def warm_up(executor: Executor, workers: int) -> list[Future[int]]:
    """Start a local pool's workers now rather than when the first photos arrive.

    A ProcessPoolExecutor starts one worker per task while none is idle, so one trivial task
    per worker starts them all; each loads the models in its initializer, in parallel with
    whatever the caller does next. Other executors (Dask's) manage their own workers.
    """
    if not isinstance(executor, ProcessPoolExecutor):
        return []
    return [executor.submit(worker_ready) for _ in range(workers)]


class WarmPool:
    """The window's worker pool, started at start-up and kept between scans.

    `take` hands a scan the warm pool (or a new one when the number of workers changed);
    `give_back` keeps a pool that finished its scan for the next one. A cancelled or crashed
    scan's pool is stopped instead (its workers may still be busy), and the next `start` or
    `take` makes a new one. Idle workers cost memory, not CPU: they wait on their queue.
    One lock around it all: a scan that starts while the pool is starting gets that pool.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._workers = 0
        self._warming: list[Future[int]] = []

    def start(self, settings: Settings) -> None:
        with self._lock:
            if self._executor is not None and self._workers == settings.workers:
                return
            if self._executor is not None:
                stop_now(self._executor)
            self._executor = local_pool(settings)
            self._warming = warm_up(self._executor, settings.workers)
            self._workers = settings.workers

    def take(self, settings: Settings) -> Executor:
        with self._lock:
            executor, self._executor = self._executor, None
            if executor is not None and self._workers == settings.workers:
                return executor
            if executor is not None:
                stop_now(executor)
            executor = local_pool(settings)
            warm_up(executor, settings.workers)
            return executor

    def give_back(self, executor: Executor, reusable: bool) -> None:
        with self._lock:
            if reusable and self._executor is None and isinstance(executor, ProcessPoolExecutor):
                self._executor = executor
                self._workers = getattr(executor, "_max_workers", 0)
                return
        stop_now(executor)

    @property
    def ready(self) -> bool:
        """Every worker started and its models loaded: a scan now starts at full speed."""
        with self._lock:
            return self._executor is not None and all(f.done() for f in self._warming)

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            stop_now(executor)


def stop_now(executor: Executor) -> None:
    """Shut an executor down without waiting for the photos its workers are analyzing."""
    if isinstance(executor, ProcessPoolExecutor):
        terminate = getattr(executor, "terminate_workers", None)  # Python 3.14+
        if terminate is not None:
            terminate()
            return
        processes = dict(getattr(executor, "_processes", None) or {})
        executor.shutdown(wait=False, cancel_futures=True)
        for process in processes.values():
            with contextlib.suppress(Exception):
                process.terminate()
        for process in processes.values():
            with contextlib.suppress(Exception):
                process.join(timeout=2)
        return
    try:
        executor.shutdown(wait=False, cancel_futures=True)
    except TypeError:  # executors older than Python 3.9's signature (Dask's ClientExecutor)
        executor.shutdown(wait=False)
