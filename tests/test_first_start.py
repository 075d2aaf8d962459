"""The first start on a stock desktop: a typo is a typo, and a window that cannot open says
which packages to install instead of Qt aborting the process."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from album.display_check import PACKAGES, missing_libraries, xcb_plugin
from tests.conftest import album


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["scna", "~/Pictures"], "unknown command 'scna' — did you mean scan?"),
        (["write-metdata"], "did you mean write-metadata?"),
        (["tag-faces"], "unknown command 'tag-faces'"),
        (["--library", "x.db", "expot"], "did you mean export?"),
    ],
)
def test_a_mistyped_command_says_so_and_exits_2(args: list[str], said: str, tmp_path: Path):
    # No display at all: today a typo opened (or crashed) the window with the word as a folder.
    env = {"DISPLAY": "", "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": ""}
    result = album(*args, check=False, env=env, timeout=60)
    assert result.returncode == 2, result.stderr
    assert said in result.stderr
    assert "Traceback" not in result.stderr


def without_display() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    return env


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 and ldd are Linux's")
def test_no_display_is_one_line_and_exit_1(tmp_path: Path):
    import subprocess

    result = subprocess.run(
        [sys.executable, "-m", "album", "--library", str(tmp_path / "l.db")],
        capture_output=True,
        text=True,
        timeout=60,
        env=without_display(),
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no display" in lines[0] and "DISPLAY" in lines[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 and ldd are Linux's")
def test_missing_x11_libraries_are_named_with_their_packages(tmp_path: Path):
    """The system linker (here a stand-in `ldd` first on PATH, saying what a stock Debian
    desktop says) reports two libraries missing: album names them and the packages for each
    distribution family, and exits 1 before Qt can abort."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    ldd = bin_dir / "ldd"
    ldd.write_text(
        "#!/bin/sh\n"
        "echo '\tlibxcb-icccm.so.4 => not found'\n"
        "echo '\tlibxcb-keysyms.so.1 => not found'\n"
        "echo '\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x0000)'\n"
    )
    ldd.chmod(ldd.stat().st_mode | stat.S_IEXEC)
    env = {**without_display(), "DISPLAY": ":93", "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    import subprocess

    result = subprocess.run(
        [sys.executable, "-m", "album", "--library", str(tmp_path / "l.db")],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert result.returncode == 1, result.stderr
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in line
    assert "Debian/Ubuntu: sudo apt install libxcb-icccm4 libxcb-keysyms1" in line
    assert "Fedora: sudo dnf install xcb-util-wm xcb-util-keysyms" in line
    assert "Arch: sudo pacman -S xcb-util-wm xcb-util-keysyms" in line


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 and ldd are Linux's")
def test_the_real_plugin_is_found_and_every_library_it_may_miss_has_a_package():
    plugin = xcb_plugin()
    assert plugin is not None and plugin.name == "libqxcb.so"
    for soname in missing_libraries(plugin):
        assert soname in PACKAGES, f"{soname}: which package provides it?"
