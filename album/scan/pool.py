"""The worker processes that analyze photos.

Processes, not threads: dlib holds the GIL while it encodes (measured: two threads 0.93x of
one, two processes 1.97x). Each worker loads the models once, in its initializer; ignores
Ctrl-C (the scan decides when to stop, and stops them itself); runs at a lower priority so the
window stays responsive; caps its own memory so one monstrous photo fails alone instead of
taking the machine down; and exits when its scan is killed, instead of lingering for ever.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import Executor, ProcessPoolExecutor

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


def init_worker(settings: Settings, memory_limit: int | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_scan()
    with contextlib.suppress(OSError, AttributeError):
        os.nice(WORKER_NICENESS)
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


def local_pool(settings: Settings) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=settings.workers,
        mp_context=process_context(),
        initializer=init_worker,
        initargs=(settings, worker_memory_limit(settings.workers)),
    )


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
