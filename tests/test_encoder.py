"""Faces are encoded by dlib's network run in numpy (album.faces.descriptor_net): it must give
dlib's own descriptors, so libraries encoded before and after stay one library."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from album.config import Settings
from album.faces.engine import ENCODER_ENV, FaceEngine
from tests.conftest import album, copy_photos, export


def _engines(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> tuple[FaceEngine, FaceEngine]:
    monkeypatch.delenv(ENCODER_ENV, raising=False)
    fast = FaceEngine(settings)
    monkeypatch.setenv(ENCODER_ENV, "dlib")
    reference = FaceEngine(settings)
    monkeypatch.delenv(ENCODER_ENV)
    return fast, reference


@pytest.mark.parametrize("landmarks", [68, 5])
def test_the_faster_encoder_gives_dlibs_descriptors_for_real_faces(
    faces: Path, monkeypatch: pytest.MonkeyPatch, landmarks: int
):
    """Many faces of a crowd, small and large, several per call, and single portraits."""
    settings = Settings(detector="hog", workers=1, landmarks=landmarks)
    fast, reference = _engines(monkeypatch, settings)
    assert (fast.encoder_name, reference.encoder_name) == ("numpy", "dlib")
    mixed = faces / "group-photos" / "mixed"
    lfw = faces / "lfw-62x10"
    photos = [
        mixed / "deepface_selfie-many-people.jpg",
        mixed / "frec_obama_and_biden.jpg",
        lfw / "Colin_Powell" / "Colin_Powell_0001.jpg",
        lfw / "Serena_Williams" / "Serena_Williams_0001.jpg",
    ]
    ours, dlibs = [], []
    for photo in photos:
        pixels = np.asarray(Image.open(photo).convert("RGB"))
        boxes = fast.detect(pixels, upsample=1)
        assert boxes, photo.name
        ours += fast.encode(pixels, boxes)
        dlibs += reference.encode(pixels, boxes)
    ours, dlibs = np.stack(ours), np.stack(dlibs)
    assert len(ours) >= 8
    assert ours.dtype == np.float32
    assert np.abs(ours - dlibs).max() < 1e-5
    # Not one vector for everyone: Colin Powell and Serena Williams are far apart.
    assert np.linalg.norm(ours[-1] - ours[-2]) > 0.6


def test_a_name_given_before_the_faster_encoder_finds_the_faces_it_encodes(
    tmp_path: Path, lfw_people, library: Path
):
    """Photos scanned with dlib's own encoder, a person named, more photos of him scanned with
    the faster one (real worker processes both times): the new faces are his."""
    folder = tmp_path / "photos"
    copy_photos(lfw_people["Colin_Powell"][:4] + lfw_people["Serena_Williams"][:4], folder / "a")
    album("scan", folder, "--library", library, env={ENCODER_ENV: "dlib"})
    before = export(library)
    powell = {
        f["person_id"] for p in before["photos"] if "Colin_Powell" in p["path"] for f in p["faces"]
    }
    assert len(powell) == 1
    album(
        "name",
        "--face",
        str(_face_of(before, "Colin_Powell")),
        "Colin Powell",
        "--library",
        library,
    )
    copy_photos(lfw_people["Colin_Powell"][4:8], folder / "b")
    album("scan", folder, "--library", library)
    after = export(library)
    new = [f for p in after["photos"] if "/b/" in p["path"] for f in p["faces"]]
    assert len(new) >= 4
    assert all(f["person"] == "Colin Powell" for f in new), [f["person"] for f in new]


def _face_of(data: dict, who: str) -> int:
    return next(f["id"] for p in data["photos"] if who in p["path"] for f in p["faces"])


def test_a_model_file_that_is_not_the_network_keeps_dlibs_encoder():
    """Another file where the network should be (a newer model, a damaged download): the
    numpy network refuses it rather than compute wrong descriptors."""
    import face_recognition_models as models

    from album.faces.descriptor_net import DescriptorNet, UnknownNetwork

    with pytest.raises(UnknownNetwork):
        DescriptorNet(models.pose_predictor_five_point_model_location())
