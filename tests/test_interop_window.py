"""The window's switches for names in files: read them on scans, write them after edits."""

from __future__ import annotations

from pathlib import Path

import pytest

from album.interop.write_names import load_mode
from album.store import settings as stored_settings
from album.store.library import Library
from album.ui.app import application, create_window
from album.ui.dialogs import SettingsDialog


@pytest.fixture(autouse=True)
def private_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def test_settings_switch_import_and_write_modes_for_the_library(qtbot, tmp_path: Path):
    application()
    library = tmp_path / "library.db"
    window = create_window(library)
    qtbot.addWidget(window)
    window.show()
    dialog = SettingsDialog(window.backend, window)
    assert dialog.import_names.isChecked()
    assert dialog.write_names.currentData() == "never"
    dialog.import_names.setChecked(False)
    dialog.write_names.setCurrentIndex(dialog.write_names.findData("sidecar"))
    dialog.accept()
    qtbot.waitUntil(lambda: not window.backend.jobs.busy, timeout=20_000)
    with Library.open(library) as lib:
        assert load_mode(lib) == "sidecar"
        assert stored_settings.load(lib).import_names is False
    reopened = SettingsDialog(window.backend, window)
    assert not reopened.import_names.isChecked()
    assert reopened.write_names.currentData() == "sidecar"
    reopened.reject()
    window.close()
