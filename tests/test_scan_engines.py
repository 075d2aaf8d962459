"""The other ways a scan runs: the CNN detector (what a CUDA build of dlib uses, batched) and
a Dask cluster's executor (when one machine is not enough)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from album.config import Settings
from album.faces.analyze import analyze_photos, iou
from tests.conftest import REPO, album, copy_photos, export


def test_cnn_detector_batches_photos_of_different_sizes(tmp_path: Path, lfw_people):
    """On a CPU the CNN is slow, so this uses small photos; the code path is the GPU's."""
    first, second = copy_photos(lfw_people["Colin_Powell"][:2], tmp_path)
    Image.open(second).resize((200, 180)).save(second)  # a batch of unequal sizes
    cnn = analyze_photos([first, second], Settings(detector="cnn", workers=1))
    hog = analyze_photos([first, second], Settings(detector="hog", workers=1))
    for c, h in zip(cnn, hog, strict=True):
        assert c.error is None and c.detector == "cnn"
        assert len(c.faces) >= 1
        assert max(iou(c.faces[0].box, f.box) for f in h.faces) > 0.4


def test_import_album_loads_neither_dlib_nor_qt():
    """`album --help` and a headless scan's parent process must not pay for models or Qt."""
    code = (
        "import sys; import album, album.cli; "
        "print(any(m in sys.modules for m in ('dlib', '_dlib_pybind11', 'PySide6')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    ).stdout.split()
    assert out == ["False"], "importing album loaded dlib or Qt"


def test_scan_on_a_dask_cluster(tmp_path: Path, lfw_people, library: Path):
    distributed = pytest.importorskip("distributed")
    folder = tmp_path / "photos"
    copy_photos(lfw_people["Serena_Williams"][:3], folder)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        result = album("scan", folder, "--library", library, "--scheduler", address)
    assert "3 new" in result.stdout
    photos = export(library)["photos"]
    assert len(photos) == 3 and all(p["status"] == "done" and p["faces"] for p in photos)


def test_scan_with_the_cnn_detector_sends_photos_in_batches(
    tmp_path: Path, lfw_people, library: Path
):
    """The CUDA path end to end (on a CPU it is slow, so three small photos, one batch)."""
    folder = tmp_path / "cnn"
    copy_photos(lfw_people["Hugo_Chavez"][:3], folder)
    result = album("scan", folder, "--library", library, "--detector", "cnn", "--workers", "1")
    assert "3 new" in result.stdout
    photos = export(library)["photos"]
    assert all(p["status"] == "done" and len(p["faces"]) >= 1 for p in photos)
