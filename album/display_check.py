"""Can the window open here? Asked before Qt loads, because Qt answers a missing display or a
missing system library by aborting the process with a hint that names the wrong package.

The PySide6 wheel carries Qt but not the X11 helper libraries its xcb plugin links to
(libxcb-icccm4, libxcb-keysyms1, libxcb-cursor0 …), which a stock desktop does not always
have. `ldd` on the plugin lists exactly the ones missing; each is named here with the package
that provides it on the three big distribution families.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

# soname -> (Debian/Ubuntu, Fedora, Arch) package
PACKAGES: dict[str, tuple[str, str, str]] = {
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms", "xcb-util-keysyms"),
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor", "xcb-util-cursor"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image", "xcb-util-image"),
    "libxcb-render-util.so.0": (
        "libxcb-render-util0",
        "xcb-util-renderutil",
        "xcb-util-renderutil",
    ),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util", "xcb-util"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb", "libxcb"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb", "libx11"),
    "libX11.so.6": ("libx11-6", "libX11", "libx11"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon", "libxkbcommon"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl", "libglvnd"),
    "libGL.so.1": ("libgl1", "libglvnd-glx", "libglvnd"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl", "libglvnd"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype", "freetype2"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs", "dbus"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2", "glib2"),
}
FAMILIES = (
    ("Debian/Ubuntu", "sudo apt install"),
    ("Fedora", "sudo dnf install"),
    ("Arch", "sudo pacman -S"),
)
HEADLESS_PLATFORMS = {"offscreen", "minimal", "vnc", "eglfs", "linuxfb", "vkkhrdisplay"}
NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)


def xcb_plugin() -> Path | None:
    """Qt's X11 platform plugin inside the installed (or bundled) PySide6, found without
    importing Qt."""
    roots: list[Path] = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        roots.append(Path(bundle) / "PySide6")
    spec = importlib.util.find_spec("PySide6")
    if spec is not None and spec.submodule_search_locations:
        roots.extend(Path(p) for p in spec.submodule_search_locations)
    for root in roots:
        for candidate in (root / "Qt" / "plugins", root / "plugins"):
            plugin = candidate / "platforms" / "libqxcb.so"
            if plugin.exists():
                return plugin
    return None


def run_ldd(path: Path) -> str:
    """What the system's dynamic linker says about `path`; "" where it cannot be asked."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return ""
    try:
        done = subprocess.run(
            [ldd, str(path)], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout


def missing_libraries(plugin: Path, ldd: Callable[[Path], str] = run_ldd) -> list[str]:
    """The sonames the plugin needs that the system does not have, each once, in order."""
    return list(dict.fromkeys(NOT_FOUND.findall(ldd(plugin))))


def install_hint(sonames: list[str]) -> str:
    """The packages to install, per distribution family, on one line."""
    parts = []
    for index, (family, command) in enumerate(FAMILIES):
        names = dict.fromkeys(PACKAGES.get(s, (s, s, s))[index] for s in sonames)
        parts.append(f"{family}: {command} {' '.join(names)}")
    return "; ".join(parts)


def window_problem(
    env: Mapping[str, str] | None = None,
    platform: str = sys.platform,
    ldd: Callable[[Path], str] = run_ldd,
    plugin: Path | None = None,
) -> str | None:
    """Why the window cannot open here, in one line for the terminal; None when it can."""
    env = os.environ if env is None else env
    if not platform.startswith("linux"):
        return None
    chosen = env.get("QT_QPA_PLATFORM", "").split(":")[0].split(";")[0].strip()
    if chosen in HEADLESS_PLATFORMS:
        return None
    wayland = bool(env.get("WAYLAND_DISPLAY"))
    if chosen == "wayland" or (not chosen and wayland):
        return None if wayland else "no display to open the window on (WAYLAND_DISPLAY is not set)"
    if not env.get("DISPLAY"):
        return (
            "no display to open the window on (DISPLAY is not set): start album from your "
            "desktop, or use the commands that need none (album scan FOLDER, album --help)"
        )
    plugin = plugin or xcb_plugin()
    if plugin is None:
        return None
    missing = missing_libraries(plugin, ldd)
    if not missing:
        return None
    return (
        f"the window needs system libraries that are missing ({', '.join(missing)}). "
        f"Install them — {install_hint(missing)}"
    )
