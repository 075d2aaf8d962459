"""Videos as the library sees them: a size, a length, a date, a poster and a few sharp frames.

A video is a row of `photos` like any photo, so the timeline, albums, ratings and people pages
show it unchanged; what differs is only how its pictures are decoded. PyAV (FFmpeg's binding,
whose wheels carry FFmpeg) decodes them: nothing to install by hand.

The faces of a video come from `FRAMES` frames spread over its length, not from every frame:
a face on screen for a moment is in several of them, and detection costs about as much per
frame as per photo. Each chosen frame is the sharpest of its neighbourhood (`WINDOW` seconds
from its time): a frame in a pan or a blink is passed over for a steadier one beside it, at
no extra decoding (the frames between two keyframes are decoded anyway).

Pictures come out upright: a phone stores its portrait videos sideways with a display matrix
saying how to turn them, as its photos carry an EXIF orientation.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from album.imaging import MESSAGE_CHARS, Photo, PhotoError
from album.interop import dates
from album.interop.places import Coordinates

FRAMES = 6  # frames analysed per video, spread from FIRST to LAST of its length
FIRST, LAST = 0.1, 0.9  # past a fade-in, before the credits; the first is also the poster
WINDOW = 0.5  # seconds after a chosen time whose frames compete for sharpness
MEASURED = 8  # at most this many frames of a window measured
SHARPNESS_SIDE = 320  # frames are measured at this width: the detail that matters, cheaply
SEEK_AHEAD = 5.0  # a time this close ahead is reached by decoding on, not by seeking
# QuickTime and MP4 write their epoch (1904) or Unix's (1970) when the camera had no clock.
EARLIEST_YEAR = 1971
# ISO 6709, as phones write where a video was taken: "+35.0116+135.7681+042.000/"
_LOCATION = re.compile(r"^\s*([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)")
_DATE_TAGS = ("com.apple.quicktime.creationdate", "creation_time", "date", "DATE")
_LOCATION_TAGS = ("com.apple.quicktime.location.ISO6709", "location", "location-eng")


class VideoError(PhotoError):
    """A video that cannot be decoded; a PhotoError, so it is reported as bad photos are."""


@dataclass(frozen=True)
class VideoInfo:
    width: int  # upright, in pixels
    height: int
    duration: float  # seconds; 0.0 when the file does not say
    taken_at: str | None
    place: Coordinates | None
    rotation: int  # degrees counterclockwise that turn the stored frames upright


@dataclass
class Frame:
    """One chosen frame, upright; `at_ms` finds it again (a face's crop is re-cut from it)."""

    at_ms: int
    photo: Photo
    sharpness: float


def _av() -> Any:
    import av  # loaded on the first video: a library of photos never pays for FFmpeg

    return av


@contextlib.contextmanager
def _opened(path: Path | str) -> Iterator[tuple[Any, Any]]:
    """The container and its video stream, or VideoError with a reason a user can read."""
    av = _av()
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise VideoError("the file disappeared before it could be read") from None
    except OSError as exc:
        raise VideoError(f"cannot read the file: {exc.strerror or exc}") from None
    if size == 0:
        raise VideoError("the file is empty (0 bytes)")
    try:
        container = av.open(os.fspath(path), metadata_errors="replace")
    except PermissionError:
        raise VideoError("permission denied") from None
    except av.FFmpegError as exc:
        raise VideoError(_unreadable(exc)) from None
    try:
        if not container.streams.video:
            raise VideoError("the file holds no pictures (sound only?)")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        yield container, stream
    finally:
        container.close()


def _unreadable(exc: Exception) -> str:
    message = " ".join(str(exc).split()) or type(exc).__name__
    lowered = message.lower()
    if "moov atom not found" in lowered or "end of file" in lowered or "truncat" in lowered:
        return "the video is truncated or damaged (incomplete download or copy?)"
    if "invalid data" in lowered:
        return "not a video album can read: damaged, truncated, or an unknown format"
    if len(message) > MESSAGE_CHARS:
        message = message[: MESSAGE_CHARS - 1] + "…"
    return f"cannot decode the video: {message}"


def _info(container: Any, stream: Any, rotation: int) -> VideoInfo:
    width, height = int(stream.codec_context.width or 0), int(stream.codec_context.height or 0)
    if width < 1 or height < 1:
        raise VideoError("the video has no pictures of a known size")
    if rotation % 180:
        width, height = height, width
    return VideoInfo(
        width, height, _duration(container, stream), _taken_at(container, stream),
        _place(container), rotation,
    )  # fmt: skip


def _duration(container: Any, stream: Any) -> float:
    if container.duration:
        return max(0.0, container.duration / 1_000_000)
    if stream.duration and stream.time_base:
        return max(0.0, float(stream.duration * stream.time_base))
    if stream.frames and stream.average_rate:  # a header that counts frames but gives no time
        return max(0.0, float(stream.frames / stream.average_rate))
    return 0.0


def _tags(container: Any, stream: Any) -> dict[str, str]:
    """The container's tags, then the video stream's where the container has none."""
    return {**dict(stream.metadata or {}), **dict(container.metadata or {})}


def _taken_at(container: Any, stream: Any) -> str | None:
    """When the video was taken: Apple's creation date (the local time, with its offset) first,
    then MP4's `creation_time`, which is UTC: shown in this computer's zone, as a guess of the
    local time that is right for every video taken at home."""
    tags = _tags(container, stream)
    for tag in _DATE_TAGS:
        raw = tags.get(tag)
        found = dates.stamp(raw) if raw else None
        if not found or int(found[:4]) < EARLIEST_YEAR:
            continue
        if found.endswith("+00:00") and tag != _DATE_TAGS[0]:
            with contextlib.suppress(ValueError):
                local = datetime.fromisoformat(found).astimezone()
                return local.isoformat(timespec="seconds")
        return found
    return None


def _place(container: Any) -> Coordinates | None:
    tags = dict(container.metadata or {})
    for tag in _LOCATION_TAGS:
        found = _LOCATION.match(tags.get(tag) or "")
        if found:
            latitude, longitude = float(found[1]), float(found[2])
            if -90 <= latitude <= 90 and -180 <= longitude <= 180 and (latitude or longitude):
                return Coordinates(latitude, longitude)
    return None


def _rotation(frame: Any) -> int:
    try:
        turn = round(float(frame.rotation or 0))
    except Exception:  # a broken display matrix must not fail the video
        return 0
    return turn % 360 if turn % 90 == 0 else 0


def sharpness(frame: Any) -> float:
    """Variance of the Laplacian of the frame's grey picture at SHARPNESS_SIDE pixels wide:
    motion blur and defocus take the fine detail it measures."""
    width = min(SHARPNESS_SIDE, frame.width)
    height = max(1, round(frame.height * width / max(frame.width, 1)))
    grey = frame.reformat(width=width, height=height, format="gray").to_ndarray()
    grey = np.asarray(grey, dtype=np.float32)
    if grey.shape[0] < 3 or grey.shape[1] < 3:
        return 0.0
    laplacian = (
        4 * grey[1:-1, 1:-1] - grey[:-2, 1:-1] - grey[2:, 1:-1] - grey[1:-1, :-2] - grey[1:-1, 2:]
    )
    return float(laplacian.var())


def _upright(frame: Any, rotation: int, min_side: int | None) -> Photo:
    """The frame as an upright RGB Photo; with `min_side`, shrunk while its long side stays at
    least that (a thumbnail), with `scale` saying how far."""
    image: Image.Image = frame.to_image()
    if image.mode != "RGB":
        image = image.convert("RGB")
    if rotation:
        image = image.rotate(rotation, expand=True)
    width, height = image.size
    if min_side and max(width, height) > min_side:
        ratio = min_side / max(width, height)
        size = (max(1, round(width * ratio)), max(1, round(height * ratio)))
        image = image.resize(size, Image.Resampling.BILINEAR)
    return Photo(
        image=image, width=width, height=height, scale=image.size[0] / width, taken_at=None
    )


class _Reader:
    """Decodes one video forward, seeking only when the next wanted time is far ahead: short
    videos and long-GOP ones are then decoded once, not once per chosen frame."""

    def __init__(self, container: Any, stream: Any) -> None:
        self.container, self.stream = container, stream
        self.frames: Iterator[Any] | None = None
        self.position = -1.0  # seconds of the last decoded frame
        self.held: Any = None  # decoded past a window's end: the next window's first
        self.last: Any = None
        self.decoded = 0

    def _seek(self, at: float) -> None:
        stream = self.stream
        if at > 0 and stream.time_base:
            try:
                self.container.seek(int(at / stream.time_base), stream=stream, backward=True)
            except Exception:  # not seekable: decoded on from where it is
                pass
            else:
                self.frames, self.held = None, None
        if self.frames is None:
            self.frames = self.container.decode(stream)
            self.position = -1.0

    def _next(self) -> Any | None:
        if self.held is not None:
            frame, self.held = self.held, None
            return frame
        assert self.frames is not None
        try:
            frame = next(self.frames)
        except StopIteration:
            return None
        except _av().FFmpegError:
            if self.decoded:  # a damaged stretch late in the file: the video ends there
                return None
            raise
        self.decoded += 1
        return frame

    def window(self, at: float, span: float) -> list[Any]:
        """The frames from `at` to `at + span` seconds (at most MEASURED); the last frame
        before it when the video ends first."""
        if self.frames is None or at - self.position > SEEK_AHEAD:
            self._seek(at)
        found: list[Any] = []
        while len(found) < MEASURED:
            frame = self._next()
            if frame is None:
                break
            time = frame.time if frame.time is not None else self.position + 1e-3
            if found and time > at + span:
                self.held = frame
                break
            self.position = time
            self.last = frame
            if time + 1e-3 >= at:
                found.append(frame)
        if not found and self.last is not None:
            found.append(self.last)
        return found


def _times(duration: float, count: int) -> list[float]:
    if duration <= 0 or count <= 1:
        return [duration * FIRST]
    return [duration * (FIRST + (LAST - FIRST) * i / (count - 1)) for i in range(count)]


def _pick(reader: _Reader, at: float, window: float) -> tuple[Any, float] | None:
    candidates = reader.window(at, window)
    if not candidates:
        return None
    scored = [(sharpness(f), i) for i, f in enumerate(candidates)]
    best, index = max(scored, key=lambda s: (s[0], -s[1]))
    return candidates[index], best


def sample_frames(
    path: Path | str, count: int = FRAMES, *, min_side: int | None = None
) -> tuple[VideoInfo, list[Frame]]:
    """The video's facts and `count` sharp frames spread over its length (fewer for a very
    short video; the first is the poster). Raises VideoError when no frame can be decoded."""
    av = _av()
    try:
        with _opened(path) as (container, stream):
            reader = _Reader(container, stream)
            duration = _duration(container, stream)
            # Windows never overlap: a short video's frames stay apart. The same windows
            # whatever `count`, so the poster is the scan's first frame.
            span = min(WINDOW, duration / FRAMES) if duration else WINDOW
            frames: list[Frame] = []
            rotation = 0
            seen: set[int] = set()
            for at in _times(duration, count):
                picked = _pick(reader, at, span)
                if picked is None:
                    continue
                frame, sharp = picked
                if not frames:
                    rotation = _rotation(frame)
                at_ms = round((frame.time or 0.0) * 1000)
                if at_ms in seen:
                    continue
                seen.add(at_ms)
                frames.append(Frame(at_ms, _upright(frame, rotation, min_side), sharp))
            if not frames:
                raise VideoError("the video holds no frame that can be decoded")
            info = _info(container, stream, rotation)
    except av.FFmpegError as exc:
        raise VideoError(_unreadable(exc)) from None
    except MemoryError:
        raise VideoError("not enough memory to decode this video") from None
    for frame in frames:
        frame.photo.taken_at, frame.photo.place = info.taken_at, info.place
    return info, frames


def poster(path: Path | str, *, min_side: int | None = None) -> Photo:
    """The picture that stands for the video: the sharpest frame near a tenth of its length
    (the first of `sample_frames`'s, so the scan and the grids agree on it)."""
    _, frames = sample_frames(path, 1, min_side=min_side)
    return frames[0].photo


def frame_at(path: Path | str, at_ms: int, *, min_side: int | None = None) -> Photo:
    """The frame shown at `at_ms` milliseconds (the first one at or after it), upright: the
    picture a face of the video was found in."""
    av = _av()
    try:
        with _opened(path) as (container, stream):
            reader = _Reader(container, stream)
            found = reader.window(at_ms / 1000, 0.0)
            if not found:
                raise VideoError("the video holds no frame that can be decoded")
            frame = found[0]
            info = _info(container, stream, _rotation(frame))
            photo = _upright(frame, info.rotation, min_side)
    except av.FFmpegError as exc:
        raise VideoError(_unreadable(exc)) from None
    photo.taken_at, photo.place = info.taken_at, info.place
    return photo


def probe(path: Path | str) -> VideoInfo:
    """The video's size, length, date and place, from its first frame and headers."""
    return sample_frames(path, 1, min_side=64)[0]


def describe_duration(seconds: float | None) -> str:
    """ "0:42", "12:05", "1:02:03": how players show a length."""
    total = max(0, round(seconds or 0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
