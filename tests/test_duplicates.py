"""`album duplicates` after a real `album scan`: exact copies (the same bytes in another
folder) and near copies (resized and recompressed, cropped) of real photos are found, the
original is the one album would keep, and two different photos of one person are never
called copies. A library analysed before near copies were looked for still lists its exact
copies, says why it lists no near ones, and `album scan --reanalyze` finds them."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from PIL import Image

from album.duplicates import NEAR_DISTANCE
from tests.conftest import album, library_copy


def _lfw(faces: Path, name: str, number: int = 1) -> Path:
    return faces / "lfw-62x10" / name / f"{name}_{number:04d}.jpg"


def _save(image: Image.Image, target: Path, quality: int = 90) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    image.save(target, "JPEG", quality=quality)


def _make_photos(folder: Path, faces: Path) -> dict[str, Path]:
    """The originals in `folder`, their copies in folders beside them, by role."""
    photos = {
        "original": folder / "colin.jpg",
        "byte copy": folder / "Backup" / "old phone" / "colin.jpg",
        "resized": folder / "tony.jpg",
        "small copy": folder / "Shared" / "tony-small.jpg",
        "cropped": folder / "serena.jpg",
        "crop copy": folder / "Edited" / "serena-cropped.jpg",
        "one person 1": folder / "donald-1.jpg",
        "one person 2": folder / "donald-2.jpg",
    }
    for role, source in (
        ("original", _lfw(faces, "Colin_Powell")),
        ("byte copy", _lfw(faces, "Colin_Powell")),
        ("resized", _lfw(faces, "Tony_Blair")),
        ("cropped", _lfw(faces, "Serena_Williams")),
        # The closest two photos of one person in lfw-62x10 (10 bits apart, measured by
        # benchmarks/duplicates.py distances): different photos, never copies.
        ("one person 1", _lfw(faces, "Donald_Rumsfeld", 2)),
        ("one person 2", _lfw(faces, "Donald_Rumsfeld", 9)),
    ):
        photos[role].parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, photos[role])
    tony = Image.open(photos["resized"]).convert("RGB")
    half = tony.resize((tony.width // 2, tony.height // 2), Image.Resampling.LANCZOS)
    _save(half, photos["small copy"], quality=60)
    serena = Image.open(photos["cropped"]).convert("RGB")
    dx, dy = round(serena.width * 0.015), round(serena.height * 0.015)  # 3 % in all
    _save(serena.crop((dx, dy, serena.width - dx, serena.height - dy)), photos["crop copy"])
    return photos


@pytest.fixture(scope="module")
def scanned(
    tmp_path_factory: pytest.TempPathFactory, faces: Path
) -> tuple[Path, Path, dict[str, Path]]:
    """The photos and their copies, scanned once into a library for the module's tests
    (skipped, with the reason, where ../shared/faces is absent)."""
    root = tmp_path_factory.mktemp("duplicates")
    folder = root / "Pictures"
    photos = _make_photos(folder, faces)
    library = root / "lib" / "library.db"
    album("scan", folder, "--library", library, "--workers", "1", "--quiet")
    return folder, library, photos


def _sets(library: Path) -> list[dict]:
    return json.loads(album("duplicates", "--json", "--library", library).stdout)


def _by_path(sets: list[dict]) -> dict[frozenset[str], dict]:
    return {frozenset(p["path"] for p in s["photos"]): s for s in sets}


def _expected(photos: dict[str, Path]) -> dict[frozenset[str], tuple[str, Path]]:
    """Each set: its kind and the photo album keeps (the original: larger, shorter path)."""
    return {
        frozenset(str(photos[r]) for r in ("original", "byte copy")): ("exact", photos["original"]),
        frozenset(str(photos[r]) for r in ("resized", "small copy")): ("near", photos["resized"]),
        frozenset(str(photos[r]) for r in ("cropped", "crop copy")): ("near", photos["cropped"]),
    }


def test_exact_and_near_copies_are_found_and_the_original_kept(scanned):
    _, library, photos = scanned
    sets = _sets(library)
    found = _by_path(sets)
    assert found.keys() == _expected(photos).keys(), "exactly the copies, in three sets"
    for paths, (kind, keep) in _expected(photos).items():
        listed = found[paths]
        assert set(listed) == {"kind", "keep", "photos"}
        assert listed["kind"] == kind
        first = listed["photos"][0]
        assert first["path"] == str(keep) and listed["keep"] == first["id"], "the keeper first"
        for photo in listed["photos"]:
            assert set(photo) == {"id", "path", "size", "width", "height", "taken_at", "distance"}
            assert photo["size"] == Path(photo["path"]).stat().st_size
        copy = listed["photos"][1]
        assert first["width"] * first["height"] >= copy["width"] * copy["height"]
        if kind == "exact":
            assert first["distance"] == copy["distance"] == 0
        else:
            assert 0 <= copy["distance"] <= NEAR_DISTANCE
    in_sets = {p["path"] for s in sets for p in s["photos"]}
    assert not in_sets & {str(photos["one person 1"]), str(photos["one person 2"])}, (
        "two different photos of one person are not copies"
    )


def test_the_text_lists_each_set_keeper_first(scanned):
    _, library, photos = scanned
    out = album("duplicates", "--library", library).stdout
    blocks = out.strip().split("\n\n")
    assert len(blocks) == 4 and blocks[-1] == "3 sets, 3 copies", out
    for block in blocks[:-1]:
        keep, copy = block.splitlines()[1:]
        assert keep.split()[0] == "keep"
        # A near copy 0 bits apart is a re-saved file: "same picture", never "distance 0".
        near = "near copy (distance " in copy or "same picture, another file" in copy
        assert ("exact copy" in copy) != near and "distance 0)" not in copy, block
    exact = next(b for b in blocks if b.startswith("exact"))
    assert str(photos["original"]) in exact.splitlines()[1], "the original is kept"
    assert "250x250" in exact and "no date" in exact
    assert "analysed before" not in out


def test_a_library_from_before_near_copies_lists_exact_ones_until_reanalysed(
    scanned, tmp_path: Path
):
    folder, template, photos = scanned
    library = library_copy(template, tmp_path)
    with sqlite3.connect(library) as conn:  # as a library analysed before schema v11 is
        conn.execute("UPDATE photos SET phash = NULL")
    old = _sets(library)
    assert [s["kind"] for s in old] == ["exact"], "exact copies need no perceptual hash"
    note = "8 photos were analysed before near copies were looked for: album scan --reanalyze"
    listed = album("duplicates", "--json", "--library", library)
    assert note in listed.stderr and json.loads(listed.stdout) == old
    assert note in album("duplicates", "--library", library).stdout
    album("scan", folder, "--library", library, "--workers", "1", "--quiet", "--reanalyze")
    again = album("duplicates", "--json", "--library", library)
    assert _by_path(json.loads(again.stdout)).keys() == _expected(photos).keys()
    assert "analysed before" not in again.stderr
