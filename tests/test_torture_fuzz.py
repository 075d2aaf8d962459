"""Torture: fuzz the photo loader. Whatever bytes a file holds, `open_photo` returns an upright
RGB picture or raises PhotoError (which the scan stores as that photo's error); anything else
escaping is a bug. `oriented_size`, which runs first on every file, never raises at all.

Bounded in CI. By hand, longer:  ALBUM_FUZZ_EXAMPLES=20000 uv run pytest tests/test_torture_fuzz.py
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from album.imaging import PhotoError, open_photo, oriented_size

EXAMPLES = int(os.environ.get("ALBUM_FUZZ_EXAMPLES", "300"))
# A mutated header can claim any size; keep what one example may decode small so the fuzzer
# spends its time on decoders, not on allocating (the real limit is tested elsewhere).
MAX_PIXELS = 4_000_000
SUFFIXES = [".jpg", ".png", ".gif", ".webp", ".tif", ".bmp", ".heic", ".dng", ".nef"]


def _seed_files() -> list[bytes]:
    """Small valid files of every format album reads: the fuzzer mutates these."""
    base = Image.new("RGB", (48, 32), (180, 120, 90))
    for x in range(48):
        base.putpixel((x, x % 32), (x * 5, 255 - x * 5, 40))
    seeds = []
    variants = [
        (base, "JPEG", {"quality": 80}),
        (base, "PNG", {}),
        (base.convert("P"), "GIF", {}),
        (base, "WEBP", {"quality": 70}),
        (base, "TIFF", {}),
        (base, "BMP", {}),
        (base.convert("LA"), "PNG", {}),
        (base.convert("CMYK"), "JPEG", {}),
        (base.convert("I;16"), "PNG", {}),
    ]
    exif = Image.Exif()
    exif[0x0112] = 6
    variants.append((base, "JPEG", {"exif": exif.tobytes()}))
    for image, fmt, options in variants:
        out = io.BytesIO()
        image.save(out, fmt, **options)
        seeds.append(out.getvalue())
    try:
        import pillow_heif

        out = io.BytesIO()
        pillow_heif.from_pillow(base).save(out, quality=50)
        seeds.append(out.getvalue())
    except Exception:
        pass
    return seeds


SEEDS = _seed_files()


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A seed file with a few bytes flipped, a slice cut out or repeated, or cut short."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(["flip", "cut", "dup", "truncate", "insert"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] = draw(st.integers(0, 255))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 64))]
        elif kind == "dup":
            data[at:at] = data[at : at + draw(st.integers(1, 64))]
        elif kind == "truncate":
            del data[at:]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
    return bytes(data)


photo_bytes = st.one_of(mutated(), st.binary(max_size=512))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 300,  # CI: the same examples every run; by hand: new ones
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    data=photo_bytes,
    suffix=st.sampled_from(SUFFIXES),
    min_side=st.one_of(st.none(), st.integers(1, 64)),
)
def test_the_loader_returns_a_picture_or_a_photo_error(
    data: bytes, suffix: str, min_side: int | None
):
    path = Path(f"/nonexistent/fuzz{suffix}")  # the bytes are passed in; the path names a type
    width, height = oriented_size(path, data)
    assert width >= 1 and height >= 1
    try:
        photo = open_photo(path, data, min_side=min_side, max_pixels=MAX_PIXELS)
    except PhotoError as exc:
        message = str(exc)
        assert message and len(message) < 300 and "\n" not in message
        return
    assert photo.image.mode == "RGB"
    assert photo.image.width >= 1 and photo.image.height >= 1
    assert photo.width >= 1 and photo.height >= 1 and 0 < photo.scale <= 1


@pytest.mark.parametrize("seed", range(len(SEEDS)))
def test_every_seed_decodes(seed: int):
    """The fuzzer starts from good files: each must decode, or it fuzzes nothing useful."""
    photo = open_photo(Path("seed.heic"), SEEDS[seed])  # .heic: the HEIF decoder is registered
    assert photo.image.mode == "RGB"
