"""Issue 20, item 9: Settings says what each setting does, in numbers that agree with the
README, and its lists show every choice."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtWidgets import QLabel

from album.ui.dialogs import SettingsDialog
from tests.conftest import REPO, open_window, run_on_x


def test_settings_show_the_detection_size_that_acts_and_every_write_choice(qtbot, tmp_path: Path):
    window = open_window(qtbot, tmp_path / "library.db")
    dialog = SettingsDialog(window.backend, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)

    # The plan looks first at up to 2000 px, as the README says: the dialog says the same.
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "at most 2000 px" in readme
    assert dialog.detect.value() <= 2000 and dialog.detect.maximum() == 2000
    assert "2000 px" in dialog.detect.toolTip()
    stored = window.backend.settings.detect_side
    dialog.accept()  # untouched: the stored size, and so every photo's analysis, stays
    assert window.backend.settings.detect_side == stored

    dialog = SettingsDialog(window.backend, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    help_lines = [label.text() for label in dialog.findChildren(QLabel)]
    assert any("XMP" in text and "sidecar" in text for text in help_lines), help_lines

    dialog.reject()


def test_every_choice_of_the_write_list_is_drawn_on_a_real_x_server(x_display, tmp_path: Path):
    """On X the stylesheet drew the current choice ("never") of the open list as a blank row."""
    out = run_on_x("tests.x11_settings", tmp_path / "library.db", env=x_display, timeout=300)
    drawn = json.loads(out.strip().splitlines()[-1])
    assert set(drawn) == {"never", "sidecar", "file"}
    for mode, ink in drawn.items():
        assert ink > 100, f"the choice {mode!r} is drawn blank (its frame only): {drawn}"
