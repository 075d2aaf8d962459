"""A test suite run on a user's machine never touches the user's album: every test has its own
HOME, XDG and temporary folders (tests/conftest.py `own_folders`)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from PySide6.QtCore import QDir

from album.config import LIBRARY_ENV, default_library_path
from album.ui.dialogs import app_settings
from album.ui.single_instance import SingleInstance
from tests.conftest import REAL_HOME, REAL_TEMP, OwnFolders, album

PROBE_KEY = "isolation-probe"


def private(path: Path, tmp_path: Path) -> bool:
    """Under the test's own folder, and so under the real home only where tmp_path is."""
    path = path.absolute()
    inside = path.is_relative_to(tmp_path)
    return inside and (tmp_path.is_relative_to(REAL_HOME) or not path.is_relative_to(REAL_HOME))


def test_home_and_the_default_library_are_the_tests(tmp_path: Path) -> None:
    assert LIBRARY_ENV not in os.environ
    assert private(Path.home(), tmp_path)
    assert private(Path(os.path.expanduser("~")), tmp_path)
    assert private(default_library_path(), tmp_path)


@pytest.mark.parametrize("run", [1, 2])
def test_qt_settings_are_the_tests_and_start_empty(tmp_path: Path, run: int) -> None:
    """Twice: QSettings caches its folder per process, so the second run proves it moved."""
    settings = app_settings()
    assert private(Path(settings.fileName()), tmp_path), settings.fileName()
    assert settings.value(PROBE_KEY) is None, "a value an earlier test wrote is still there"
    settings.setValue(PROBE_KEY, run)
    settings.sync()
    assert Path(settings.fileName()).is_file()


def test_single_instance_lock_and_socket_are_in_the_tests_temp_folder(
    qapp: object, tmp_path: Path, own_folders: OwnFolders
) -> None:
    assert Path(QDir.tempPath()) == own_folders.tmp
    instance = SingleInstance(str(tmp_path / "library.db"))
    try:
        assert instance.listen()
        assert (own_folders.tmp / instance.name).exists(), "the socket is elsewhere"
    finally:
        instance.close()
    assert own_folders.tmp != REAL_TEMP
    if own_folders.tmp.is_relative_to(REAL_TEMP) and not tmp_path.is_relative_to(REAL_TEMP):
        pytest.fail("the temporary folder is the real one's")


def test_python_temporary_files_are_the_tests(tmp_path: Path, own_folders: OwnFolders) -> None:
    assert Path(tempfile.gettempdir()) == own_folders.tmp != REAL_TEMP
    with tempfile.NamedTemporaryFile() as handle:
        assert Path(handle.name).parent == own_folders.tmp
    # Under tmp_path unless that is too deep for a socket (conftest SOCKET_PATH_MAX).
    assert private(own_folders.tmp, tmp_path) or own_folders.tmp.name.startswith("album-test-")


def test_album_without_library_creates_it_in_the_tests_folder(
    tmp_path: Path, own_folders: OwnFolders
) -> None:
    """A real `album info` in a subprocess: its default library and cache are the test's."""
    info = json.loads(album("info", "--json").stdout)
    library = Path(info["library"])
    assert library.is_file()
    assert private(library, tmp_path), library
    assert library.is_relative_to(own_folders.data)
    assert (own_folders.cache / "album" / "engine.json").is_file()
