"""Settings and where the library lives.

Everything a worker process needs to analyze a photo is in `Settings`, a frozen, picklable
dataclass: workers get their whole configuration in one argument, and the fields that change
what an analysis produces are folded into `fingerprint()` so a library can tell which photos
were analyzed with other settings.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "album"
LIBRARY_ENV = "ALBUM_LIBRARY"
DETECTORS = ("auto", "hog", "cnn")
PLAN_VERSION = 4  # bumped when the detection plan changes which faces it finds


def default_workers() -> int:
    """Cores this process may use: affinity beats cpu_count inside containers and taskset."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


# The HOG plan's first look caps a photo's long side here (album/faces/analyze.py).
COARSE_SIDE = 2000


@dataclass(frozen=True)
class Settings:
    # Detector: "auto" picks the CNN detector on a CUDA build of dlib, HOG otherwise.
    detector: str = "auto"
    # Long side, in pixels, that detection runs at for large photos (with `detection_plan`,
    # the HOG coarse pass runs at the smaller of this and analyze.COARSE_SIDE, 1000, and looks
    # closer only where faces can hide). Small photos are detected at up to `max_upscale` times
    # their size so small faces stay findable.
    detect_side: int = 3200
    max_upscale: float = 2.0
    # Second, finer detection pass when the first finds faces close to the detector's
    # smallest size: a group photo's far faces are smaller still.
    refine_small_faces: bool = True
    # 68-point landmarks: on lfw-62x10 they cluster better than 5-point (BCubed F 0.988 vs
    # 0.979) for about 1 ms more per face.
    landmarks: int = 68
    jitters: int = 1
    # Pixels a side of a face's avatar: the largest grid tile that shows faces (People, 116
    # px) at one device pixel per pixel; a HiDPI window asks for twice that (ui/thumbnails.py).
    crop_size: int = 120
    # Photos larger than this many pixels are refused instead of decoded (decompression bombs).
    max_pixels: int = 200_000_000
    workers: int = dataclasses.field(default_factory=default_workers)
    # Read the names other programs wrote into the photos and their sidecars (XMP, Picasa).
    import_names: bool = True
    # The HOG detection plan (album/faces/analyze.py): a coarse pass at a JPEG draft scale, a
    # closer look at its doubtful windows, and finer passes only where faces can hide. False:
    # the earlier detection at `detect_side` over every photo (album scan --no-detection-plan).
    # Measured side by side in benchmarks/scan_speed.py --both (README, "How well it works").
    detection_plan: bool = True

    def __post_init__(self) -> None:
        if self.detector not in DETECTORS:
            raise ValueError(
                f"detector must be one of {', '.join(DETECTORS)}, not {self.detector!r}"
            )
        if self.landmarks not in (5, 68):
            raise ValueError(f"landmarks must be 5 or 68, not {self.landmarks}")
        if self.detect_side < 160:
            raise ValueError(f"detection size must be at least 160 pixels, not {self.detect_side}")
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, not {self.workers}")

    def fingerprint(self) -> str:
        """Short hash of the fields that change which faces an analysis finds."""
        fields = dataclasses.asdict(self)
        for irrelevant in ("workers", "max_pixels", "crop_size", "import_names"):
            fields.pop(irrelevant)
        if not fields["detection_plan"]:  # libraries analyzed before it existed stay current
            fields.pop("detection_plan")
        else:  # each version of the plan (3: tiles beside large faces) finds other faces
            fields["detection_plan"] = PLAN_VERSION
        blob = json.dumps(fields, sort_keys=True).encode()
        return hashlib.blake2b(blob, digest_size=6).hexdigest()

    def first_look_side(self) -> int:
        """The detection size as it acts: with the plan, the first look's cap (a larger
        `detect_side` changes nothing there, and Settings once offered 3200 px that did
        nothing while the README said "at most 2000 px")."""
        return min(self.detect_side, COARSE_SIDE) if self.detection_plan else self.detect_side

    def replace(self, **changes: object) -> Settings:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def default_library_path() -> Path:
    """The library file: $ALBUM_LIBRARY, else the platform's per-user data folder."""
    env = os.environ.get(LIBRARY_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / "library.db"
