"""The long soak of issue 18: a busy window for many minutes, the library checked after every step.

    python -m benchmarks.library_soak [--minutes 20] [--x11] [--seed 1] [--workdir DIR]

It runs `tests/soak.py`'s `Soak` (the real window; folders dropped and chosen in Ctrl+O's real
dialog while it scans; "Group faces again"; naming bursts; `album people` and `album export`
from other processes; a second launch handing a folder over; the window closed and opened
again mid-scan) until the time is up, then lets the scans finish and checks once more. After
every step: integrity_check ok, nothing the window showed or another process read is missing,
`-wal`/`-shm` present and the window's process still holding its lock. `--x11` runs the window
on a real X server (Xvfb, with openbox when installed) instead of offscreen.

Prints one table: steps of each kind, checks, operations, what the library ended with, and the
problems found (the goal: 0). Photos come from ../shared/faces (or $ALBUM_FACES).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


class Bot:
    """The few pytest-qt calls the soak makes, for a run outside pytest."""

    def __init__(self) -> None:
        self.widgets: list[object] = []

    def addWidget(self, widget: object) -> None:
        self.widgets.append(widget)

    def wait(self, ms: int) -> None:
        from PySide6.QtTest import QTest

        QTest.qWait(ms)

    def waitUntil(self, condition: Callable[[], object], timeout: int = 5000) -> None:
        from PySide6.QtTest import QTest

        deadline = time.monotonic() + timeout / 1000
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError(f"waited {timeout} ms in vain")
            QTest.qWait(20)

    def waitExposed(self, widget: object, timeout: int = 10_000) -> None:
        self.waitUntil(lambda: widget.isVisible(), timeout)  # type: ignore[attr-defined]


def start_x11() -> list[subprocess.Popen]:
    """Xvfb on a free display (and openbox, for focus as on a desktop)."""
    if shutil.which("Xvfb") is None:
        raise SystemExit("library_soak: --x11 needs Xvfb (apt-get install xvfb openbox)")
    for number in range(90, 120):
        if not Path(f"/tmp/.X11-unix/X{number}").exists():
            break
    display = f":{number}"
    started = [
        subprocess.Popen(
            ["Xvfb", display, "-screen", "0", "1400x1000x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    for _ in range(100):
        if Path(f"/tmp/.X11-unix/X{number}").exists():
            break
        time.sleep(0.05)
    os.environ["DISPLAY"] = display
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    if shutil.which("openbox"):
        started.append(
            subprocess.Popen(["openbox"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        )
        time.sleep(0.5)
    return started


def photos(faces: Path) -> list[Path]:
    found = []
    for folder in ("lfw-62x10", "eastasian", "group-photos", "web-celebs"):
        root = faces / folder
        if root.is_dir():
            found += [p for p in sorted(root.rglob("*.jpg")) if p.is_file()]
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--x11", action="store_true", help="a real X server (Xvfb)")
    parser.add_argument("--workdir", type=Path, help="kept after the run (default: a temp dir)")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(REPO))
    from tests.conftest import faces_root

    faces = faces_root()
    if faces is None:
        print("library_soak: no photos: set $ALBUM_FACES or put them in ../shared/faces")
        return 2
    servers = start_x11() if args.x11 else []
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    home = Path(tempfile.mkdtemp(prefix="album-soak-home-"))
    for name, sub in (("HOME", ""), ("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"),
                      ("XDG_CACHE_HOME", "cache"), ("XDG_RUNTIME_DIR", "run")):  # fmt: skip
        (home / sub).mkdir(mode=0o700, exist_ok=True)
        os.environ[name] = str(home / sub)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="album-soak-"))
    workdir.mkdir(parents=True, exist_ok=True)

    from tests.soak import Soak

    soak = Soak(Bot(), workdir, photos(faces), seed=args.seed)
    started = time.monotonic()
    try:
        tally = soak.run(seconds=args.minutes * 60, stop=False)
        if soak.window is not None:
            soak.settle()
    finally:
        soak.close()
        for server in reversed(servers):
            server.terminate()
    minutes = (time.monotonic() - started) / 60
    steps = sum(tally.steps.values())
    operations = steps + tally.checks * 4 + tally.reads + len(soak.typed)
    where = "X11 (Xvfb)" if args.x11 else "offscreen"
    print(f"\nlibrary soak: {minutes:.1f} min, seed {args.seed}, {where}, "
          f"library {workdir / 'library.db'}")  # fmt: skip
    print("| step | count |")
    print("|---|---|")
    for name, count in sorted(tally.steps.items()):
        print(f"| {name} | {count} |")
    print(f"| checks after a step | {tally.checks} |")
    print(f"| reads by other processes | {tally.reads} |")
    print(f"| operations in all | {operations} |")
    print(f"| photos analyzed / faces / names at the end | {len(soak.seen.photos)} / "
          f"{len(soak.seen.faces)} / {len(soak.seen.names)} |")  # fmt: skip
    print(f"| names typed, all present | {len(soak.typed)} |")
    print(f"| problems (lost photos, faces, names; integrity; -wal/-shm; lock) | "
          f"{len(tally.problems)} |")  # fmt: skip
    for problem in tally.problems[:20]:
        print(f"  {problem}")
    return 1 if tally.problems else 0


if __name__ == "__main__":
    sys.exit(main())
