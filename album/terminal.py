"""What `album scan` shows in a terminal: a live progress line, then a summary.

On a terminal the progress line redraws in place; when stderr is a file or a pipe (CI logs,
`2> scan.log`) a plain line is written every few seconds instead, so logs stay readable.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from album.paths import display_path
from album.scan.runner import ScanProgress, ScanReport

BAR_WIDTH = 24
LOG_INTERVAL = 5.0
LISTED_FAILURES = 20


def counted(number: int, word: str, plural: str | None = None) -> str:
    """ "1 face", "2 faces", "1 person", "3 people": a user reads these, not a program."""
    return f"{number} {word if number == 1 else (plural or word + 's')}"


def file_size(size: int) -> str:
    """A file's size as the Duplicates page and `album duplicates` both show it, so that the
    two read alike when a user compares copies in one and decides in the other."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def stage_line(report: ScanReport) -> str:
    """Where the time went, summed over every worker: the split `album scan --timings` prints."""
    total = sum(report.stages.values()) or 1.0
    parts = [f"{name} {sec:.1f} s ({sec / total:.0%})" for name, sec in report.stages.items()]
    return "Stages (seconds of all workers): " + ", ".join(parts)


def progress_line(p: ScanProgress) -> str:
    if p.phase == "listing":
        return "Looking for photos…"
    fraction = p.done / p.total if p.total else 1.0
    filled = int(fraction * BAR_WIDTH)
    bar = "█" * filled + "░" * (BAR_WIDTH - filled)
    state = " (paused)" if p.paused else ""
    return (
        f"{bar} {p.done}/{p.total} photos · {p.faces} faces · {p.rate:.1f} photos/s · "
        f"ETA {duration(p.eta)}{state}"
    )


class ProgressPrinter:
    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self._last_log = 0.0
        self._width = 0

    def __call__(self, progress: ScanProgress) -> None:
        line = progress_line(progress)
        if progress.phase == "finished":
            if self.live and self._width:
                self.stream.write("\r" + " " * self._width + "\r")
                self.stream.flush()
            return
        if self.live:
            padding = " " * max(0, self._width - len(line))
            self.stream.write("\r" + line + padding)
            self._width = len(line)
            self.stream.flush()
            return
        now = time.monotonic()
        if now - self._last_log >= LOG_INTERVAL or progress.done == progress.total:
            self._last_log = now
            self.stream.write(line + "\n")
            self.stream.flush()


def summary(report: ScanReport) -> str:
    lines = []
    if report.cancelled:
        lines.append("Scan cancelled; everything analyzed so far is saved. Run it again to go on.")
    lines.append(
        f"Photos: {report.new} new, {report.changed + report.resumed} changed or resumed, "
        f"{report.unchanged} unchanged, {report.moved} moved, {report.missing} missing, "
        f"{len(report.failed)} failed"
    )
    lines.append(f"Faces found: {report.faces} in {report.analyzed} analyzed photos")
    if report.versions:
        lines.append(
            f"Versions: {report.versions} RAW or original files beside their photo's JPEG or "
            "edit, shown and analysed as one photo"
        )
    lines.append(f"Time: {duration(report.seconds)} ({report.seconds:.1f} s)")
    if report.warm_rate and report.first_result is not None:
        lines.append(
            f"Speed: {report.warm_rate:.2f} photos/s after warm-up "
            f"(first photo done {report.first_result:.1f} s after the start; "
            f"last {report.tail:.1f} s after a worker ran out of photos)"
        )
    for root in report.offline_roots:
        lines.append(f"Offline: {display_path(root)} (its photos are kept, marked missing)")
    if report.failed:
        lines.append("Failed photos:")
        for path, message in report.failed[:LISTED_FAILURES]:
            lines.append(f"  {display_path(path)}: {message}")
        if len(report.failed) > LISTED_FAILURES:
            more = len(report.failed) - LISTED_FAILURES
            lines.append(f"  … and {more} more (album export --json lists them all)")
    if report.problems:
        lines.append("Skipped:")
        for path, message in report.problems[:LISTED_FAILURES]:
            lines.append(f"  {display_path(path)}: {message}")
        if len(report.problems) > LISTED_FAILURES:
            lines.append(f"  … and {len(report.problems) - LISTED_FAILURES} more")
    return "\n".join(lines)
