"""Shared fixtures: real face photos from ../shared/faces, fresh libraries, the CLI in-process."""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent

# The inverse of what each EXIF orientation asks a viewer to do: stored = inverse(upright).
STORE_AS = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def faces_root() -> Path | None:
    env = os.environ.get("ALBUM_FACES")
    candidates = [Path(env)] if env else []
    candidates.append(REPO.parent / "shared" / "faces")
    for candidate in candidates:
        if (candidate / "lfw-62x10").is_dir():
            return candidate
    return None


@pytest.fixture(scope="session")
def faces() -> Path:
    root = faces_root()
    if root is None:
        pytest.skip("real face photos not found: set $ALBUM_FACES or put them in ../shared/faces")
    return root


@pytest.fixture
def library(tmp_path: Path) -> Path:
    return tmp_path / "lib" / "library.db"


def copy_photos(sources: list[Path], folder: Path) -> list[Path]:
    """Copies (not links) of real photos, so a test can change, move or delete them."""
    folder.mkdir(parents=True, exist_ok=True)
    copies = []
    for source in sources:
        target = folder / f"{source.parent.name}__{source.name}"
        shutil.copy2(source, target)
        copies.append(target)
    return copies


@pytest.fixture
def lfw_people(faces: Path) -> dict[str, list[Path]]:
    root = faces / "lfw-62x10"
    return {p.name: sorted(p.iterdir()) for p in sorted(root.iterdir()) if p.is_dir()}


def album(*args: str | Path, check: bool = True, env: dict | None = None, timeout: float = 600):
    """Run the real `album` command in a subprocess, as a user would."""
    result = subprocess.run(
        [sys.executable, "-m", "album", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=REPO,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"album {' '.join(map(str, args))} exited {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return result


def export(library: Path) -> dict:
    return json.loads(album("export", "--json", "--library", library).stdout)


def photos_by_name(data: dict) -> dict[str, dict]:
    return {Path(p["path"]).name: p for p in data["photos"]}


def crop_difference(crop: bytes, other: bytes) -> float:
    """Mean difference of two face crops, grey at 32 px (0-255): under about 12, the same
    face cut from the same photo, whatever re-encoding or rescaling came between."""
    pictures = [Image.open(io.BytesIO(c)).convert("L").resize((32, 32)) for c in (crop, other)]
    a, b = (p.tobytes() for p in pictures)
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / (32 * 32)


def cached_crops(library: Path) -> dict[int, bytes]:
    """face id -> crop, as the cache file beside the library holds them (empty if none)."""
    cache = library.with_name(library.name + ".cache")
    if not cache.exists():
        return {}
    with sqlite3.connect(cache) as conn:
        return {r[0]: bytes(r[1]) for r in conn.execute("SELECT face_id, crop FROM crops")}
