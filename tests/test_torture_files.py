"""Torture: one scan of every kind of bad file a user's folders hold, plus a worker that crashes
and one that runs out of memory. Each photo ends with a status and a message a person can read,
the scan never stops, and its memory stays bounded (measured, not assumed).

tests/test_photo_files.py checks the decoder on several of these files one by one; this is the
whole scan, as `album scan` runs it, on all of them at once.
"""

from __future__ import annotations

import io
import os
import random
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from album.scan.runner import CRASH_MESSAGE
from tests.conftest import REPO, copy_photos, export, photos_by_name

WORKER_MEMORY_MB = 700  # the cap for this scan: the huge photo needs about twice that
HUGE_SIDE = 12_000  # 144 megapixels: under the 200-megapixel refusal, so it is decoded
PEAK_TOTAL_MB = 1_600  # the scan's processes together (2 workers)
DONE, ERROR = "done", "error"


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height (a decompression bomb)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 9 * 8)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)


def huge_png(path: Path, side: int) -> None:
    """A real side x side grey PNG, streamed so the test itself never holds its pixels."""
    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x80" * side
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def fake_raw(preview: bytes | None) -> bytes:
    """A TIFF-based RAW file (as DNG, NEF, CR2 are): a header, sensor data, maybe a preview."""
    header = b"II*\x00\x08\x00\x00\x00" + b"\x00" * 120
    sensor = random.Random(7).randbytes(60_000)
    return header + sensor + (preview or b"") + sensor[:5_000]


def jpeg_bytes(image: Image.Image, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def portrait(faces: Path) -> Image.Image:
    image = Image.open(faces / "web-celebs" / "will_smith" / "00000007.jpg").convert("RGB")
    image.thumbnail((400, 600))
    return image


def make_bad_files(folder: Path, portrait: Image.Image) -> dict[str, tuple[str, str | int]]:
    """Write every bad file; returns name -> (status, message fragment or number of faces)."""
    folder.mkdir(parents=True)
    good = jpeg_bytes(portrait)
    expected: dict[str, tuple[str, str | int]] = {}

    def write(name: str, data: bytes, status: str, what: str | int) -> None:
        (folder / name).write_bytes(data)
        expected[name] = (status, what)

    write("empty.jpg", b"", ERROR, "empty")
    write("truncated.jpg", good[: len(good) // 3], ERROR, "truncated")
    write("random-bytes.jpg", random.Random(1).randbytes(20_000), ERROR, "not an image")
    write("shopping-list.png", b"milk\neggs\nbread\n" * 40, ERROR, "not an image")
    write("bomb.png", png_declaring(30_000, 30_000), ERROR, "too large")
    write("one-pixel.png", _png(Image.new("RGB", (1, 1), (200, 150, 120))), DONE, 0)
    write("camera.dng", fake_raw(good), DONE, 1)
    write("camera-no-preview.cr2", fake_raw(None), ERROR, "not supported")

    grey = np.asarray(portrait.convert("L"), dtype=np.uint16) * 257
    Image.fromarray(grey).save(folder / "grey-16bit.png")
    expected["grey-16bit.png"] = (DONE, 1)
    portrait.convert("CMYK").save(folder / "cmyk.jpg", "JPEG", quality=95)
    expected["cmyk.jpg"] = (DONE, 1)
    palette = portrait.convert("P", palette=Image.Palette.ADAPTIVE)
    palette.save(folder / "palette-transparent.png", transparency=0)
    expected["palette-transparent.png"] = (DONE, 1)
    frames = [portrait, portrait.transpose(Image.Transpose.FLIP_TOP_BOTTOM)]
    frames[0].save(folder / "animated.gif", save_all=True, append_images=frames[1:], duration=90)
    expected["animated.gif"] = (DONE, 1)
    write("broken-exif.jpg", jpeg_bytes(portrait, exif=b"Exif\x00\x00MM\x00*\xff\xff\xff"), DONE, 1)
    odd = Image.Exif()
    odd[0x0112] = 42  # no such orientation
    write("orientation-42.jpg", jpeg_bytes(portrait, exif=odd.tobytes()), DONE, 1)
    try:
        import pillow_heif

        pillow_heif.from_pillow(portrait).save(folder / "phone.heic", quality=90)
        expected["phone.heic"] = (DONE, 1)
    except Exception as exc:  # a libheif without an HEVC encoder: nothing to test it with
        print(f"HEIC not tried: this pillow-heif cannot write one ({exc})")

    write("crashme.jpg", good, ERROR, CRASH_MESSAGE)  # its worker SIGKILLs itself
    huge_png(folder / "huge.png", HUGE_SIDE)
    expected["huge.png"] = (ERROR, "memory")
    return expected


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def process_group_rss(pgid: int) -> dict[int, int]:
    """Resident bytes of each process in a process group (the scan, its forkserver, workers)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:
                continue
            with open(f"/proc/{entry}/statm") as handle:
                found[int(entry)] = int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    return found


def run_measured(args: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess, dict]:
    """Run `album ARGS` in its own process group, sampling its memory every 20 ms."""
    process = subprocess.Popen(
        [sys.executable, "-m", "album", *args],
        cwd=REPO,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    peak_total = peak_one = 0
    deadline = time.monotonic() + 300
    while process.poll() is None and time.monotonic() < deadline:
        sizes = process_group_rss(process.pid)
        peak_total = max(peak_total, sum(sizes.values()))
        peak_one = max(peak_one, *sizes.values(), 0)
        time.sleep(0.02)
    stdout, stderr = process.communicate(timeout=60)
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    return result, {"total": peak_total >> 20, "one": peak_one >> 20}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc, caps RLIMIT_DATA")
def test_every_bad_file_gets_a_readable_status_and_the_scan_goes_on(
    tmp_path: Path, portrait: Image.Image, lfw_people: dict[str, list[Path]]
):
    folder = tmp_path / "Pictures"
    expected = make_bad_files(folder / "bad", portrait)
    good = copy_photos(lfw_people["Tony_Blair"][:3] + lfw_people["Laura_Bush"][:3], folder / "ok")
    library = tmp_path / "lib" / "library.db"

    result, peak = run_measured(
        ["scan", str(folder), "--library", str(library), "--workers", "2"],
        {"ALBUM_FAULT_CRASH": "crashme", "ALBUM_WORKER_MEMORY_MB": str(WORKER_MEMORY_MB)},
    )
    print(f"{len(expected)} bad files; peak memory {peak['total']} MB in all, {peak['one']} MB")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    failures = sum(1 for status, _ in expected.values() if status == ERROR)
    assert f"{failures} failed" in result.stdout

    photos = photos_by_name(export(library))
    assert len(photos) == len(expected) + len(good)
    for photo in good:
        found = photos[photo.name]
        assert found["status"] == DONE and len(found["faces"]) == 1, photo.name
    for name, (status, what) in expected.items():
        photo = photos[name]
        assert photo["status"] == status, (name, photo["error"])
        if status == ERROR:
            message = photo["error"]
            assert isinstance(what, str) and what in message, (name, message)
            assert len(message) < 160 and "Traceback" not in message and "<" not in message
            assert photo["faces"] == []
        else:
            assert photo["error"] is None
            assert len(photo["faces"]) == what, (name, photo["faces"])

    # Bounded: the huge photo alone would take one worker past 1.5 GB without the cap.
    assert peak["one"] < WORKER_MEMORY_MB + 300, peak
    assert peak["total"] < PEAK_TOTAL_MB, peak
