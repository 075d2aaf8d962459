"""analyze_video: a video file in, a PhotoAnalysis out, as for a photo.

A few frames spread over the video (album.video) are searched like photos. One person is on
screen in many of them: kept once per video, so the person's page lists the video once and
the rule that two faces of one photo are never the same person is not strained by frames of
the same face. Faces too small for the first pass (40-80 px of a 720p frame) are looked for
in the sharpest frame only: that closer look is most of a frame's cost, and a person filmed
is seldom in one frame alone. Faces closer than `SAME_FACE` in descriptor space are taken for
one face; the one kept is the largest and sharpest, the best picture of that person the
video gave.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from album.config import Settings
from album.duplicates import perceptual_hash
from album.faces.analyze import FaceFound, PhotoAnalysis, faces_in_picture, file_hash
from album.faces.engine import FaceEngine
from album.imaging import PhotoError
from album.video import sample_frames

# Descriptor distance under which two faces of one video are one person seen twice. Frames of
# one face lie at 0.2-0.35 from each other; two different people rarely below 0.45 (the
# grouping's own cut is near 0.5): one person per video is worth a rare pair of look-alikes
# kept as one face.
SAME_FACE = 0.45


def analyze_video(engine: FaceEngine, path: str | Path, settings: Settings) -> PhotoAnalysis:
    result = PhotoAnalysis(
        path=str(path), detector=engine.detector_name, fingerprint=settings.fingerprint()
    )
    started = time.perf_counter()
    try:
        try:
            stat = os.stat(path)
            result.size, result.mtime_ns = stat.st_size, stat.st_mtime_ns
            # Read in chunks: a video can be larger than the memory a worker should take.
            result.content_hash = file_hash(path)
        except OSError as exc:
            raise PhotoError(f"cannot read the file: {exc.strerror or exc}") from None
        decode_started = time.perf_counter()
        info, frames = sample_frames(path)
        result.stages["decode"] = time.perf_counter() - decode_started
        result.width, result.height, result.duration = info.width, info.height, info.duration
        result.taken_at, result.place = info.taken_at, info.place
        result.phash = perceptual_hash(frames[0].photo.image)  # the poster's
        found: list[FaceFound] = []
        sharpest = max(frames, key=lambda f: f.sharpness)
        for frame in frames:
            closer = frame is sharpest
            for face in faces_in_picture(engine, frame.photo, settings, result.stages, closer):
                face.frame_ms = frame.at_ms
                found.append(face)
        result.faces = distinct_faces(found)
    except PhotoError as exc:
        result.error = str(exc)
        result.faces = []
    except MemoryError:
        result.error = "not enough memory to analyze this video"
        result.faces = []
    result.seconds = time.perf_counter() - started
    return result


def _quality(face: FaceFound) -> tuple[float, float]:
    """Which of two pictures of one face to keep: a recognisable one, then the larger, then
    the sharper."""
    return (float(face.recognisable) * face.side, face.sharpness or 0.0)


def distinct_faces(faces: list[FaceFound]) -> list[FaceFound]:
    """One face per person seen: the best picture of each group of faces closer than
    SAME_FACE, in the order of the frames they came from."""
    kept: list[FaceFound] = []
    for face in sorted(faces, key=_quality, reverse=True):
        if all(_distance(face, other) >= SAME_FACE for other in kept):
            kept.append(face)
    return sorted(kept, key=lambda f: (f.frame_ms or 0, f.box[3], f.box[0]))


def _distance(a: FaceFound, b: FaceFound) -> float:
    return float(np.linalg.norm(np.asarray(a.embedding) - np.asarray(b.embedding)))
