"""The detection plan finds what the naive face_recognition loop finds, searching fewer pixels.

Reference boxes come from the naive loop itself (`benchmarks/scan_speed.py`'s), run here on a
sample of each shared set; recall is counted per face size as the benchmark's `--sizes` does.
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from album.config import Settings
from album.faces.analyze import (
    SCREEN_THRESHOLD,
    PhotoAnalysis,
    analyze_photo,
    coarse_scale,
    iou,
)
from album.faces.engine import HOG_WINDOW, engine_for
from album.store import settings as stored_settings
from album.store.library import Library
from tests.conftest import REPO, album, copy_photos

sys.path.insert(0, str(REPO / "benchmarks"))
from scan_speed import naive, phone_sized, photo_files, recall

HOG = Settings(detector="hog", workers=1, detection_plan=True)
# The goals, which the whole sets meet in the benchmark (faces of 80 px and more: 99% of
# the naive loop's; all: 97%); this sample of them finds 32/32 and 40/40.
BIG_FACES_RECALL = 0.99
ALL_FACES_RECALL = 0.97


def _sample(faces: Path) -> list[Path]:
    group = photo_files(faces / "group-photos" / "mixed")
    web = photo_files(faces / "web-celebs")
    lfw = photo_files(faces / "lfw-62x10")
    return [*group[::4], *web[::24], *lfw[::62]]


def test_recall_per_face_size_matches_the_naive_loop_on_the_shared_sets(faces: Path):
    files = _sample(faces)
    _, reference = naive(files)
    found = {
        str(Path(path).absolute()): [list(f.box) for f in analyze_photo(path, HOG).faces]
        for path in files
    }
    big_hit, big_total = recall(reference, found, (80, None))
    hit, total = recall(reference, found)
    assert big_total >= 25 and total >= 40, f"too few faces in the sample: {big_total}, {total}"
    assert big_hit / big_total >= BIG_FACES_RECALL, f"80+ px faces: {big_hit}/{big_total}"
    assert hit / total >= ALL_FACES_RECALL, f"all faces: {hit}/{total}"


def _plain_photo(width: int, height: int) -> Image.Image:
    """A photo of nothing: grey with a little noise, where faces are pasted."""
    noise = np.random.default_rng(13).normal(128, 12, (height, width, 3))
    return Image.fromarray(noise.clip(0, 255).astype(np.uint8), "RGB")


def pasted_found(result: PhotoAnalysis, pasted: list[tuple[int, int, int, int]]) -> int:
    """How many pasted faces hold the centre of a face the scan found."""
    centres = [((f.box[1] + f.box[3]) / 2, (f.box[0] + f.box[2]) / 2) for f in result.faces]
    return sum(
        any(left <= x <= right and top <= y <= bottom for x, y in centres)
        for top, right, bottom, left in pasted
    )


def _small_faces_only(faces: Path, target: Path) -> list[tuple[int, int, int, int]]:
    """Four 250 px portraits on a large plain photo (a phone's 15 MP); their boxes.

    The coarse pass sees this 4800 px photo at 2000 px (faces of about 50 px: none), so only
    the closer look a photo without faces gets can find them."""
    portraits = [
        faces / "lfw-62x10" / name / f"{name}_0001.jpg"
        for name in ("Colin_Powell", "Serena_Williams", "Tony_Blair", "Laura_Bush")
    ]
    canvas = _plain_photo(4800, 3200)
    boxes = []
    for i, portrait in enumerate(portraits):
        left, top = 600 + i * 1000, 1400
        canvas.paste(Image.open(portrait).convert("RGB"), (left, top))
        boxes.append((top, left + 250, top + 250, left))
    canvas.save(target, "JPEG", quality=92)
    return boxes


def test_a_large_photo_holding_only_small_faces_has_them_all_found(faces: Path, tmp_path: Path):
    path = tmp_path / "far-away.jpg"
    pasted = _small_faces_only(faces, path)
    result = analyze_photo(path, HOG)
    assert result.ok
    sides = [f.side for f in result.faces]
    coarse = coarse_scale(4800, HOG)
    assert len(result.faces) == 4 and max(sides) * coarse < HOG_WINDOW, (sides, coarse)
    assert pasted_found(result, pasted) == len(pasted), [f.box for f in result.faces]


def test_a_group_photos_far_faces_are_found_by_the_finer_bands(faces: Path, tmp_path: Path):
    """A group photo 1100 px wide: the coarse pass sees it at its own size, where the back
    rows' faces (36-52 px) are below HOG's 80 px window; the front row's are just above it, so
    the rows around them are searched again at twice the scale."""
    source = Image.open(faces / "group-photos" / "mixed" / "guott_Putin_8.jpg").convert("RGB")
    photo = tmp_path / "group-1100.jpg"
    source.resize((1100, round(source.height * 1100 / source.width)), Image.LANCZOS).save(
        photo, "JPEG", quality=92
    )
    _, reference = naive([photo])
    boxes = next(iter(reference.values()))
    coarse_only = analyze_photo(photo, HOG.replace(refine_small_faces=False))
    planned = analyze_photo(photo, HOG)

    def hits(result) -> int:
        return sum(any(iou(tuple(b), f.box) >= 0.5 for f in result.faces) for b in boxes)

    assert len(boxes) >= 8
    assert hits(planned) >= len(boxes) - 1
    assert hits(planned) >= hits(coarse_only) + 3
    far = [f for f in planned.faces if all(iou(f.box, g.box) < 0.5 for g in coarse_only.faces)]
    assert far and all(f.side < 80 for f in far)


def test_faces_the_coarse_pass_only_doubts_are_found_by_a_closer_look(faces: Path):
    """Two faces of 129 and 186 px that HOG scores just below its threshold at the coarse
    scale (-0.27 and -0.04) and above it at the naive loop's 2x: the plan looks again, closer,
    at the tile around each doubtful window. A third, of 87 px (-0.03 at the coarse scale),
    scores nothing in its tile at 2x but 0.22 half a pyramid step from there."""
    mixed = faces / "group-photos" / "mixed"
    names = ("guott_Putin_5.webp", "guott_Obama_3.png", "guott_Diana_1.jpg")
    photos = [mixed / name for name in names]
    _, reference = naive(photos)
    for path, boxes in reference.items():
        planned = analyze_photo(path, HOG)
        missed = [b for b in boxes if all(iou(tuple(b), f.box) < 0.5 for f in planned.faces)]
        assert not missed, f"{Path(path).name}: {missed} not among {[f.box for f in planned.faces]}"


def test_a_large_turned_face_the_coarse_pass_doubts_is_found_by_a_look_from_farther(
    faces: Path, tmp_path: Path
):
    """A web photo enlarged to 4000 px, as a phone writes it, of a man looking aside: his face
    (1,284 px) scores -0.08 at the coarse scale and no closer look confirms it, since the
    pyramid brings it back to the detector's window wherever it starts. Looked at again from
    pictures where it is a window and a half wide, it is found; the naive loop finds it too."""
    source = faces / "web-celebs" / "alan_grant" / "00000010.jpg"
    if not source.exists():
        pytest.skip(f"{source} is not in the shared faces")
    photo = phone_sized([source], tmp_path) / "alan_grant-00000010.jpg"
    found = analyze_photo(photo, HOG).faces
    assert len(found) == 1, [f.box for f in found]
    _, right, _, left = found[0].box
    assert right - left > 1000 and 1000 < (left + right) / 2 < 3000


def test_a_part_of_a_face_is_neither_a_face_of_its_own_nor_the_faces_box(faces: Path):
    """The closer passes search only the sizes the coarse pass could not see, and HOG can
    score a part of a larger face there: a mouth and chin under Will Smith's face, the middle
    of a face of 75 px. Each photo shows one person, with one box around the whole face."""
    web = faces / "web-celebs"
    smith = analyze_photo(web / "will_smith" / "00000023.jpg", HOG)
    assert len(smith.faces) == 1, [f.box for f in smith.faces]
    sattler = analyze_photo(web / "ellie_sattler" / "00000025.jpg", HOG)
    assert len(sattler.faces) == 1 and sattler.faces[0].side >= 65, [f.box for f in sattler.faces]


def test_the_plan_is_the_default_and_the_old_path_stays_one_switch_away(
    faces: Path, tmp_path: Path
):
    """A library saved while the plan was opt-in follows the new default; `album scan
    --no-detection-plan` still analyzes with the old path (its photos carry its fingerprint)."""
    assert Settings().detection_plan
    library = tmp_path / "library.db"
    with Library.open(library) as opened:
        stored_settings.save(opened, Settings(detection_plan=False, detect_side=2400))
        loaded = stored_settings.load(opened)
    assert loaded.detection_plan and loaded.detect_side == 2400
    folder = tmp_path / "photos"
    copy_photos([faces / "group-photos" / "mixed" / "frec_obama_and_biden.jpg"], folder)
    old = Settings(detection_plan=False, detect_side=2400).fingerprint()
    new = Settings(detect_side=2400).fingerprint()
    assert old != new
    album("scan", folder, "--library", library, "--no-detection-plan", "--workers", "1")
    assert _fingerprints(library) == [old]
    album("scan", folder, "--library", library, "--reanalyze", "--workers", "1")
    assert _fingerprints(library) == [new]


def _fingerprints(library: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(library)) as conn:
        return [r[0] for r in conn.execute("SELECT fingerprint FROM photos")]


def _near_and_far(faces: Path, target: Path) -> list[tuple[int, int, int, int]]:
    """A web-sized photo (800 x 530) of one near face, about 200 px, and two far ones of
    about 40 px beside it, in its rows; the far faces' boxes.

    The coarse pass sees the photo at its own size, where the far faces are below HOG's 80 px
    window and the near one is far above it: only a look beside the near face, twice as close,
    finds the others, as the naive loop does at 2x."""
    lfw = faces / "lfw-62x10"
    canvas = _plain_photo(800, 530)
    near = Image.open(lfw / "Colin_Powell" / "Colin_Powell_0001.jpg").convert("RGB")
    canvas.paste(near.resize((520, 520), Image.Resampling.LANCZOS), (280, 10))
    boxes = []
    for i, name in enumerate(("Alejandro_Toledo", "Alvaro_Uribe")):
        far = Image.open(lfw / name / f"{name}_0001.jpg").convert("RGB")
        left, top = 20 + i * 130, 200
        canvas.paste(far.resize((100, 100), Image.Resampling.LANCZOS), (left, top))
        boxes.append((top, left + 100, top + 100, left))
    canvas.save(target, "JPEG", quality=92)
    return boxes


def test_small_faces_beside_a_large_one_in_a_web_sized_photo_are_found(faces: Path, tmp_path: Path):
    path = tmp_path / "near-and-far.jpg"
    pasted = _near_and_far(faces, path)
    _, reference = naive([path])
    boxes = next(iter(reference.values()))
    coarse_only = analyze_photo(path, HOG.replace(refine_small_faces=False))
    planned = analyze_photo(path, HOG)

    assert len(boxes) == 3, f"the naive loop finds the near face and the 2 far ones: {boxes}"
    assert pasted_found(coarse_only, pasted) < 2, (
        "the coarse pass alone should not see both far faces"
    )
    assert pasted_found(planned, pasted) == 2, [f.box for f in planned.faces]
    assert all(any(iou(tuple(b), f.box) >= 0.5 for f in planned.faces) for b in boxes)


def test_small_faces_in_black_and_white_or_evening_light_are_still_found(
    faces: Path, tmp_path: Path
):
    """The closer look searches only where skin-coloured pixels could be a face: a photo whose
    colours cannot say (black and white) is searched whole, and faces in warm or cool light
    keep a chroma the gate takes for skin."""
    colour = tmp_path / "far-away.jpg"
    pasted = _small_faces_only(faces, colour)
    image = Image.open(colour).convert("RGB")
    grey = tmp_path / "black-and-white.jpg"
    image.convert("L").convert("RGB").save(grey, "JPEG", quality=92)
    pixels = np.asarray(image, dtype=np.float32)
    for name, tint in (("evening.jpg", (1.15, 0.95, 0.75)), ("shade.jpg", (0.85, 0.95, 1.15))):
        lit = np.clip(pixels * np.array(tint, dtype=np.float32), 0, 255).astype(np.uint8)
        Image.fromarray(lit).save(tmp_path / name, "JPEG", quality=92)
    for photo in (grey, tmp_path / "evening.jpg", tmp_path / "shade.jpg"):
        result = analyze_photo(photo, HOG)
        assert pasted_found(result, pasted) == len(pasted), (
            photo.name,
            [f.box for f in result.faces],
        )


def test_a_screenshot_or_a_green_landscape_is_not_searched_whole_again(tmp_path: Path):
    """Where no pixel could be skin, no face too small for the coarse pass can hide: such a
    photo gets no whole-photo closer look (the most of a first scan's time on a phone's
    photos of no one), and the scan still reads it."""
    from album.faces.hiding_places import hiding_places

    rng = np.random.default_rng(5)
    green = np.zeros((3024, 4032, 3), dtype=np.float32)
    green[:1200] = (90, 140, 210)  # sky
    green[1200:] = (60, 120, 45)  # grass
    green += rng.normal(0, 6, green.shape)
    landscape = Image.fromarray(np.clip(green, 0, 255).astype(np.uint8))
    screen = Image.new("RGB", (1170, 2532), (246, 246, 246))
    for picture in (landscape, screen):
        half = picture.resize((picture.width // 2, picture.height // 2))
        assert hiding_places(half, picture.width, picture.height, 77) == []
    path = tmp_path / "landscape.jpg"
    landscape.save(path, "JPEG", quality=90)
    result = analyze_photo(path, HOG)
    assert result.ok and result.faces == []


def test_a_far_face_in_other_rows_than_a_near_one_in_a_phone_photo_is_found(
    faces: Path, tmp_path: Path
):
    """A 12 MP photo: one person near (a face the coarse pass sees), another far away, lower
    in the picture (a face of about 100 px: too small for the coarse pass at 1/2, and in no
    row beside the near face, where the bands look). The closer look goes where skin could be
    a face even though a face was found."""
    canvas = _plain_photo(4032, 3024)
    near = Image.open(faces / "lfw-62x10" / "Colin_Powell" / "Colin_Powell_0001.jpg")
    canvas.paste(near.convert("RGB").resize((750, 750)), (300, 200))
    far = Image.open(faces / "lfw-62x10" / "Serena_Williams" / "Serena_Williams_0001.jpg")
    canvas.paste(far.convert("RGB").resize((230, 230)), (3000, 2500))
    path = tmp_path / "near-and-far.jpg"
    canvas.save(path, "JPEG", quality=92)
    result = analyze_photo(path, HOG)
    sides = sorted(f.side for f in result.faces)
    assert len(result.faces) == 2, sides
    assert sides[0] * coarse_scale(4032, HOG) < HOG_WINDOW, "the far face: below the coarse pass"


def test_the_screen_at_half_scale_marks_every_face_the_closer_look_would_find(faces: Path):
    """The closer look searches a 12 MP photo at its own pixels only around the windows the
    screen marks in the photo at half that size (FaceEngine.screen). A face it leaves
    unmarked is a face lost: on a sample of the shared sets, every face of 80 to 200 px that
    HOG finds searching a photo whole is under a window the screen scores at
    SCREEN_THRESHOLD or more."""
    engine = engine_for(HOG)
    assert engine.can_screen, "this dlib's detector could not be read with half-size cells"
    files = [*_sample(faces), *photo_files(faces / "eastasian")[::12]]
    total, missed = 0, []
    for path in files:
        picture = Image.open(path).convert("RGB")
        half = picture.resize((picture.width // 2, picture.height // 2), Image.BILINEAR)
        marked = engine.screen(np.asarray(half), SCREEN_THRESHOLD)
        for face in engine.detect(np.asarray(picture)):
            if not HOG_WINDOW * 0.85 <= face.side <= 200:
                continue
            total += 1
            box = (face.top, face.right, face.bottom, face.left)
            if all(
                iou(box, (w.top * 2, w.right * 2, w.bottom * 2, w.left * 2)) < 0.3 for w in marked
            ):
                missed.append((path.name, box, round(face.score, 2)))
    assert total >= 30, f"too few faces of 80-200 px in the sample: {total}"
    assert not missed, f"{len(missed)} of {total} faces unmarked: {missed}"


def test_a_phone_photos_near_faces_are_found_by_the_screened_coarse_pass(
    faces: Path, tmp_path: Path
):
    """A 12 MP photo of eight people a few steps away: faces of 160 to 300 px, one to two
    detector windows at the coarse pass's 1/2, the levels it screens rather than searches
    whole. Every face the whole coarse pass finds there, the plan finds."""
    names = (
        "Colin_Powell",
        "Serena_Williams",
        "Tony_Blair",
        "Laura_Bush",
        "George_W_Bush",
        "Gerhard_Schroeder",
        "Donald_Rumsfeld",
        "Ariel_Sharon",
    )
    canvas = _plain_photo(4032, 3024)
    for i, name in enumerate(names):
        portrait = Image.open(faces / "lfw-62x10" / name / f"{name}_0001.jpg").convert("RGB")
        side = 360 + 40 * i  # the face is about 0.45 of an LFW portrait: 160-290 px
        canvas.paste(portrait.resize((side, side)), (80 + (i % 4) * 1000, 300 + (i // 4) * 1400))
    path = tmp_path / "a-few-steps-away.jpg"
    canvas.save(path, "JPEG", quality=92)
    coarse = coarse_scale(4032, HOG)
    half = canvas.resize((round(4032 * coarse), round(3024 * coarse)), Image.BILINEAR)
    whole = [
        d.scaled(1 / coarse)
        for d in engine_for(HOG).detect(np.asarray(half))
        if d.side < 2 * HOG_WINDOW
    ]
    planned = analyze_photo(path, HOG).faces
    assert len(whole) >= 6, f"the whole coarse pass found only {len(whole)} of the near faces"
    missed = [
        d
        for d in whole
        if all(iou((d.top, d.right, d.bottom, d.left), f.box) < 0.5 for f in planned)
    ]
    assert not missed, f"{missed} not among {[f.box for f in planned]}"
