"""album's replacement for PyInstaller's PySide6.QtGui hook: the same, with fewer plugins.

The stock hook collects every platform, theme and EGL plugin, and PyInstaller then collects
each plugin's own libraries (Wayland, EGLFS, GTK 3 with cairo and glib): about 60 MB album
never loads. Filtering here, before the libraries are resolved, keeps them out; filtering the
finished Analysis would leave the libraries behind. album runs on X11 (and XWayland) and
offscreen; Qt falls back to xcb under Wayland when the wayland plugin is absent.
"""

from pathlib import PurePath

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

KEEP_PLATFORMS = {"libqoffscreen.so", "libqxcb.so", "qwindows.dll", "libqcocoa.dylib"}
KEEP_THEMES = {"libqxdgdesktopportal.so"}  # native file dialogs through the desktop portal
DROP_KINDS = {"egldeviceintegrations", "generic", "accessiblebridge"}


def _keep(source: str, dest_dir: str) -> bool:
    kind = PurePath(dest_dir).name
    name = PurePath(source).name
    if kind == "platforms":
        return name in KEEP_PLATFORMS
    if kind == "platformthemes":
        return name in KEEP_THEMES
    return kind not in DROP_KINDS and not kind.startswith("wayland")


hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [(source, dest) for source, dest in binaries if _keep(source, dest)]
