"""Torture: a real scan SIGKILLed 20 times while another process names, merges and rejects.

After every kill nothing an edit returned is lost, the library passes its integrity check and
no face is stored twice; in the end the library equals an uninterrupted scan's, and no worker
process outlives its killed scan. The loop itself is tests/stress/crash_loop.py, which runs
hundreds of kills by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.stress.crash_loop import pick_photos, run_crash_loop

KILLS = 20
# LFW portraits: 40 at first, 12 to 30 more after each kill: enough that a scan is still
# analyzing when a commit (one a second) lands, at about 0.1 s a portrait.
PHOTOS = 160
SEED = 20


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_kills_while_editing_lose_nothing(faces: Path, tmp_path: Path):
    photos = pick_photos(faces, PHOTOS, SEED)
    result = run_crash_loop(
        photos, tmp_path, kills=KILLS, seed=SEED, workers=1, first=40, arrivals=(12, 30)
    )
    print(
        f"{result.kills} kills survived ({result.mid_analysis} mid-analysis), "
        f"{result.completed} scans finished first, "
        f"{result.edits} edits returned ({result.refused} refused), {result.seconds:.0f} s"
    )
    assert result.kills == KILLS
    assert result.problems == []
    assert result.edit_errors == []
    assert result.edits >= KILLS, "the editor must really have been editing"
    assert result.mid_analysis >= KILLS // 4, "kills must land during analysis, not only at start"
    assert result.orphans == 0, "worker processes outlived their killed scan"
