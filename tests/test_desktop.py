"""album in the application menu: `album install-desktop` and `album uninstall-desktop`.

Every test points HOME and XDG_DATA_HOME at a temporary folder, so nothing reaches the real
desktop. desktop-file-validate comes from Debian's `desktop-file-utils` package; the tests
that need it skip without it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from album import desktop
from tests.conftest import REPO, album

SIZES = (16, 32, 48, 64, 128, 256)
VALIDATOR = shutil.which("desktop-file-validate")
needs_validator = pytest.mark.skipif(
    VALIDATOR is None,
    reason="desktop-file-validate is missing: apt-get install desktop-file-utils",
)


def xdg_env(home: Path) -> dict[str, str]:
    return {"HOME": str(home), "XDG_DATA_HOME": str(home / "share")}


def snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under root, with a hash of each file's bytes."""
    if not root.exists():
        return {}
    found = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        found[key] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
    return found


def read_entry(path: Path) -> dict[str, str]:
    keys = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            keys[key] = value
    return keys


def split_exec(value: str) -> list[str]:
    """Exec's value back into arguments, by the Desktop Entry Specification: string escapes
    first (a doubled backslash), then quoting ("…" with \\-escaped ", `, $ and \\)."""
    line = value.replace("\\\\", "\\")
    args: list[str] = []
    current: list[str] = []
    quoted = False
    index = 0
    while index < len(line):
        char = line[index]
        if quoted and char == "\\":
            index += 1
            current.append(line[index])
        elif char == '"':
            quoted = not quoted
        elif char == " " and not quoted:
            if current:
                args.append("".join(current).replace("%%", "%"))
            current = []
        else:
            current.append(char)
        index += 1
    if current:
        args.append("".join(current).replace("%%", "%"))
    return args


def validate(path: Path) -> subprocess.CompletedProcess:
    assert VALIDATOR is not None
    return subprocess.run([VALIDATOR, str(path)], capture_output=True, text=True, timeout=60)


def test_install_writes_the_entry_and_icons(tmp_path):
    result = album("install-desktop", env=xdg_env(tmp_path))
    share = tmp_path / "share"
    entry = share / "applications" / "album.desktop"
    assert str(entry) in result.stdout

    keys = read_entry(entry)
    assert keys["Type"] == "Application"
    assert keys["Icon"] == "album"
    assert "inode/directory" in keys["MimeType"].split(";")
    argv = split_exec(keys["Exec"])
    assert argv[-2:] == ["gui", "%F"]
    program = Path(argv[0])
    assert program.is_absolute() and os.access(program, os.X_OK)
    assert keys["TryExec"] == argv[0]

    for size in SIZES:
        icon = share / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "album.png"
        with Image.open(icon) as image:
            assert image.size == (size, size)
            assert image.mode == "RGBA"  # transparent corners, not a white square
    svg = share / "icons" / "hicolor" / "scalable" / "apps" / "album.svg"
    assert svg.read_bytes() == (REPO / "resources" / "album.svg").read_bytes()


def test_the_entry_starts_this_album_from_anywhere(tmp_path):
    """The menu runs Exec with its own environment: no venv activated, another folder."""
    album("install-desktop", env=xdg_env(tmp_path))
    keys = read_entry(tmp_path / "share" / "applications" / "album.desktop")
    argv = split_exec(keys["Exec"])[:-2]  # without `gui %F`: ask for the version instead
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = "/usr/bin:/bin"
    run = subprocess.run(
        [*argv, "--version"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("album ")


@needs_validator
def test_desktop_file_validate_accepts_the_entry(tmp_path):
    album("install-desktop", env=xdg_env(tmp_path))
    for entry in (
        tmp_path / "share" / "applications" / "album.desktop",
        REPO / "resources" / "album.desktop",
    ):
        check = validate(entry)
        assert check.returncode == 0, check.stdout + check.stderr
        assert "error" not in (check.stdout + check.stderr)


@needs_validator
def test_awkward_install_paths_are_quoted_validly(tmp_path, monkeypatch):
    weird = '/opt/my photos/100% "album" $HOME/bin\\x/album-gui'
    monkeypatch.setattr(desktop, "launch_command", lambda: [weird])
    result = desktop.install(tmp_path / "share", refresh=False)
    keys = read_entry(result.layout.entry)
    assert split_exec(keys["Exec"]) == [weird, "gui", "%F"]
    check = validate(result.layout.entry)
    assert check.returncode == 0, check.stdout + check.stderr


def test_exec_quoting_follows_the_spec():
    assert desktop.exec_value(["/usr/bin/album-gui"]) == "/usr/bin/album-gui gui %F"
    assert desktop.exec_value(["/opt/a b/python", "-m", "album"]) == (
        '"/opt/a b/python" -m album gui %F'
    )
    assert desktop.exec_value(["/x/100%/py"]) == "/x/100%%/py gui %F"
    # " and $ take one backslash inside the quotes; the file doubles every backslash.
    assert desktop.exec_value(['/a"b$c/py']) == '"/a\\\\"b\\\\$c/py" gui %F'
    with pytest.raises(desktop.DesktopError):
        desktop.exec_value(["/bad\nname"])


def test_launch_command_prefers_the_gui_script_then_python(tmp_path, monkeypatch):
    script = tmp_path / "album-gui"
    script.write_text("#!/bin/sh\n")
    monkeypatch.setattr(desktop, "_script_dirs", lambda: [tmp_path])
    python = [os.path.abspath(sys.executable), "-m", "album"]
    assert desktop.launch_command() == python  # not executable: not a candidate
    script.chmod(0o755)
    assert desktop.launch_command() == [str(script)]
    script.unlink()
    assert desktop.launch_command() == python
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert desktop.launch_command() == [os.path.abspath(sys.executable)]


def test_a_relative_xdg_data_home_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_DATA_HOME", "relative/share")
    assert desktop.data_home() == tmp_path / ".local" / "share"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert desktop.data_home() == tmp_path / "xdg"


@pytest.mark.parametrize("neighbours", [False, True], ids=["fresh", "shared-folders"])
def test_uninstall_removes_exactly_what_install_added(tmp_path, neighbours):
    share = tmp_path / "share"
    if neighbours:
        # Another application's entry (one that opens folders too) and icon, and the
        # caches its own installation built: all must come through untouched.
        apps = share / "applications"
        apps.mkdir(parents=True)
        (apps / "files.desktop").write_text(
            "[Desktop Entry]\nType=Application\nName=Files\nExec=files %F\n"
            "MimeType=inode/directory;\n"
        )
        icons = share / "icons" / "hicolor" / "48x48" / "apps"
        icons.mkdir(parents=True)
        (icons / "files.png").write_bytes(b"\x89PNG not really")
        tool = shutil.which("update-desktop-database")
        if tool:
            subprocess.run([tool, "-q", str(apps)], check=True, timeout=60)
    before = snapshot(share)

    album("install-desktop", env=xdg_env(tmp_path))
    installed = snapshot(share)
    assert "applications/album.desktop" in installed
    assert installed != before
    mime_cache = share / "applications" / "mimeinfo.cache"
    if shutil.which("update-desktop-database"):
        assert "album.desktop" in mime_cache.read_text(), "Open with album needs the cache"

    result = album("uninstall-desktop", env=xdg_env(tmp_path))
    assert "album.desktop" in result.stdout
    assert snapshot(share) == before


def test_uninstall_with_nothing_installed_changes_nothing(tmp_path, own_folders):
    (tmp_path / "share").mkdir()
    result = album("uninstall-desktop", env=xdg_env(tmp_path))
    assert "nothing to do" in result.stdout
    left = {k: v for k, v in snapshot(tmp_path).items() if not own_folders.holds(tmp_path / k)}
    assert left == {"share": "dir"}


def test_dry_run_lists_the_files_and_writes_none(tmp_path):
    result = album("install-desktop", "--dry-run", env=xdg_env(tmp_path))
    assert "album.desktop" in result.stdout and "256x256" in result.stdout
    assert not (tmp_path / "share").exists()
    album("install-desktop", env=xdg_env(tmp_path))
    installed = snapshot(tmp_path / "share")
    result = album("uninstall-desktop", "--dry-run", env=xdg_env(tmp_path))
    assert "album.desktop" in result.stdout
    assert snapshot(tmp_path / "share") == installed


def test_data_dir_option_installs_there(tmp_path):
    target = tmp_path / "elsewhere"
    album("install-desktop", "--data-dir", target, env=xdg_env(tmp_path))
    assert (target / "applications" / "album.desktop").is_file()
    assert not (tmp_path / "share").exists()
    album("uninstall-desktop", "--data-dir", target, env=xdg_env(tmp_path))
    assert not (target / "applications" / "album.desktop").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["install-desktop", "--data-dir", "FILE"], "not a folder"),
        (["uninstall-desktop", "--data-dir", "FILE"], "not a folder"),
        (["install-desktop", "--data-dir", " "], "needs a folder"),
        (["install-desktop", "Pictures"], "unrecognized arguments"),
        (["uninstall-desktop", "--force"], "unrecognized arguments"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(tmp_path, args, message):
    file = tmp_path / "a-file"
    file.write_text("not a folder")
    args = [str(file) if arg == "FILE" else arg for arg in args]
    result = album(*args, check=False, env=xdg_env(tmp_path))
    assert result.returncode == 2
    assert message in result.stderr
    assert not (tmp_path / "share").exists()


def test_resources_hold_every_icon_size():
    for size in SIZES:
        with Image.open(REPO / "resources" / "icons" / f"album-{size}.png") as image:
            assert image.size == (size, size)
