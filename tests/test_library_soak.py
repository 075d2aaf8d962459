"""Issue 18: the window busy as in the trial that lost work, the library checked after every step.

About a minute of the soak in `tests/soak.py` (the long one is `benchmarks/library_soak.py`).
It opens with the step that broke the trial's library: Ctrl+O's dialog listing the folder that
holds the library while a scan and a regroup run and other processes read it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.soak import Soak

# raise(): the second launch brings the offscreen window to the front.
pytestmark = [
    pytest.mark.usefixtures("faces"),
    pytest.mark.qt_log_ignore("This plugin does not support raise"),
]


@pytest.fixture
def soak_photos(faces: Path) -> list[Path]:
    people = sorted((faces / "lfw-62x10").iterdir())[:12]
    return [photo for person in people for photo in sorted(person.iterdir())[:6]]


def test_a_busy_window_loses_nothing_and_keeps_the_library_sound(
    qtbot, tmp_path: Path, soak_photos: list[Path]
):
    workdir = tmp_path / "trial"
    workdir.mkdir()
    soak = Soak(qtbot, workdir, soak_photos, seed=18)
    first = [
        "regroup",
        "folder_from_dialog",
        "read_people",
        "name_someone",
        "second_launch",
        "drop_folder",
        "reopen",
        "folder_from_dialog",
        "regroup",
    ]
    tally = soak.run(steps=30, first=first)
    try:
        if not tally.problems:
            soak.settle()
    finally:
        soak.close()
    assert not tally.problems, "\n".join([*tally.problems, "", *soak.log])
    assert tally.checks >= 10
    assert soak.seen.faces, "the soak must have analyzed faces to lose"
