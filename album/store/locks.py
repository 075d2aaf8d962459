"""Whether this process still holds SQLite's lock on the library, read from /proc/locks.

SQLite's multi-process safety rests on POSIX advisory locks, and POSIX drops every lock a
process holds on a file when *any* descriptor of that file is closed in the process, even one
SQLite never saw (a file dialog sniffing `library.db`'s type did exactly that: issue 18).
A process whose connections lost their locks looks fine to itself while the next process to
close its connection deletes the `-wal` and `-shm` from under it. Reading /proc/locks opens
nothing of the library's, so checking costs no lock; the soak test asserts it after every
step and the window checks it while it runs.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PROC_LOCKS = Path("/proc/locks")


def lock_holders(path: Path | str) -> set[int] | None:
    """The pids holding a POSIX lock on this file, or None where the kernel does not say
    (not Linux, /proc not mounted, the file gone)."""
    try:
        inode = os.stat(path).st_ino
        text = PROC_LOCKS.read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    holders: set[int] = set()
    for line in text.splitlines():
        fields = line.split()
        if "->" in fields:  # a waiter, listed under the lock it waits for
            continue
        if len(fields) < 6 or fields[1] not in ("POSIX", "OFDLCK"):
            continue
        try:
            pid, where = int(fields[4]), fields[5]
        except ValueError:
            continue
        if where.rsplit(":", 1)[-1] == str(inode):
            holders.add(pid)
    return holders


def holds_lock(path: Path | str, pid: int | None = None) -> bool | None:
    """Whether `pid` (this process) holds a lock on the file; None when unknown."""
    holders = lock_holders(path)
    if holders is None:
        return None
    return (os.getpid() if pid is None else pid) in holders


def open_descriptors(path: Path | str, pid: int | None = None) -> int | None:
    """How many descriptors `pid` (this process) has open on the file, read from
    /proc/PID/fd's links (which opens nothing of the file's); None when unknown."""
    folder = Path(f"/proc/{os.getpid() if pid is None else pid}/fd")
    try:
        inode = os.stat(path).st_ino
        entries = list(folder.iterdir())
    except OSError:
        return None
    count = 0
    for entry in entries:
        try:
            if entry.stat().st_ino == inode:
                count += 1
        except OSError:
            continue  # closed meanwhile
    return count


def lost_lock(path: Path | str, pid: int | None = None) -> bool:
    """True when the process has the library open but holds no lock on it: its SQLite
    connections think they hold one, and another process may delete the -wal and -shm.
    A connection just being opened has its file before its lock, so only a state that
    lasts is reported."""
    for attempt in range(3):
        if attempt:
            time.sleep(0.1)
        if not open_descriptors(path, pid) or holds_lock(path, pid) is not False:
            return False
    return True
