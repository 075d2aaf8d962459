"""Is another process still there? Asked by workers about their scan and by a backup about
whoever left a half-made copy behind."""

from __future__ import annotations

import os


def alive(pid: int) -> bool:
    """Whether `pid` runs. A killed process whose parent has not reaped it yet is a zombie:
    it holds nothing and will never act again, so it counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: there all the same
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):  # no /proc (macOS): kill(0) is all we know
        return True
