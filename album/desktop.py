"""Put album in the desktop's application menu, and take it out again (Linux, freedesktop.org).

A pip, uv or PyInstaller install leaves album runnable from a terminal only: menus, docks and
file managers find applications through `.desktop` entries and themed icons in the user's XDG
data folder. `install()` writes those (`applications/album.desktop` and
`icons/hicolor/<size>/apps/album.png`) with an Exec line that starts *this* installation by
absolute path, since the menu's PATH rarely includes a venv. `MimeType=inode/directory` makes
file managers offer "Open with album" for folders. `uninstall()` removes exactly those files.

No Qt here: the CLI runs this headless, and a desktop entry is plain text.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

APP_ID = "album"
DESKTOP_FILE = f"{APP_ID}.desktop"
ICON_SIZES = (16, 32, 48, 64, 128, 256)
GUI_SCRIPT = "album-gui"
# Exec's arguments after the program: the `gui` command, then the folders a file manager
# passes (%F: local paths, absolute, any number).
EXEC_ARGUMENTS = "gui %F"
# Characters that make the Desktop Entry Specification want an argument in double quotes.
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
_TOOL_TIMEOUT = 30


class DesktopError(Exception):
    """The desktop entry cannot be installed or removed; the message is for a person."""


@dataclass(frozen=True)
class Layout:
    """Where album's entry and icons live under one XDG data folder."""

    data_home: Path

    @property
    def applications(self) -> Path:
        return self.data_home / "applications"

    @property
    def entry(self) -> Path:
        return self.applications / DESKTOP_FILE

    @property
    def hicolor(self) -> Path:
        return self.data_home / "icons" / "hicolor"

    def icon(self, size: int) -> Path:
        return self.hicolor / f"{size}x{size}" / "apps" / f"{APP_ID}.png"

    @property
    def scalable_icon(self) -> Path:
        return self.hicolor / "scalable" / "apps" / f"{APP_ID}.svg"

    def files(self) -> list[Path]:
        """Every file install() writes: uninstall() removes these and nothing else."""
        return [self.entry, *(self.icon(size) for size in ICON_SIZES), self.scalable_icon]


@dataclass(frozen=True)
class Result:
    """What install() or uninstall() did (or, dry, would do)."""

    layout: Layout
    files: list[Path]
    command: list[str]


def data_home() -> Path:
    """$XDG_DATA_HOME when it is an absolute path (the spec says to ignore others), else
    ~/.local/share."""
    value = os.environ.get("XDG_DATA_HOME", "")
    if value and os.path.isabs(value):
        return Path(value)
    return Path(os.path.expanduser("~")) / ".local" / "share"


def resources_dir() -> Path:
    """The folder holding album.desktop and the icons: inside a PyInstaller bundle, or beside
    the `album` package in a source checkout (an editable install)."""
    candidates = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        candidates.append(Path(bundle) / "resources")
    candidates.append(Path(__file__).resolve().parent.parent / "resources")
    for candidate in candidates:
        if (candidate / DESKTOP_FILE).is_file():
            return candidate
    raise DesktopError(
        "this album installation has no resources folder (album.desktop and icons); "
        "install-desktop works from a source checkout or the bundled build"
    )


def _script_dirs() -> list[Path]:
    """Where this interpreter's entry-point scripts are: beside sys.executable (a venv's bin,
    not resolved: a venv's python is a symlink to the base interpreter), and the scripts path."""
    folders = [Path(os.path.abspath(sys.executable)).parent]
    with contextlib.suppress(KeyError):
        folders.append(Path(sysconfig.get_path("scripts")))
    return folders


def launch_command() -> list[str]:
    """The program (and its first arguments) that start this album installation: the bundle's
    own executable, else the `album-gui` entry point beside this Python, else
    `python -m album` with this very interpreter."""
    if getattr(sys, "frozen", False):
        return [os.path.abspath(sys.executable)]
    for folder in _script_dirs():
        script = folder / GUI_SCRIPT
        if script.is_file() and os.access(script, os.X_OK):
            return [str(script)]
    return [os.path.abspath(sys.executable), "-m", APP_ID]


def quote_argument(argument: str) -> str:
    """One Exec argument, quoted as the Desktop Entry Specification says: `%` doubled (it
    starts field codes), and an argument with a reserved character in double quotes, inside
    which `"`, `` ` ``, `$` and `\\` take a backslash."""
    if any(ord(char) < 0x20 for char in argument):
        raise DesktopError(
            f"cannot put a path with control characters in a menu entry: {argument!r}"
        )
    argument = argument.replace("%", "%%")
    if argument and not (set(argument) & _RESERVED):
        return argument
    return '"' + re.sub(r'(["`$\\])', r"\\\1", argument) + '"'


def exec_value(command: list[str]) -> str:
    """The Exec key's value: the quoted command, `gui %F`, then the string-level escaping
    every desktop-entry value gets (a backslash is written twice)."""
    line = " ".join([*(quote_argument(arg) for arg in command), EXEC_ARGUMENTS])
    return line.replace("\\", "\\\\")


def desktop_entry(template: str, command: list[str]) -> str:
    """The template from resources/ with Exec and TryExec pointing at `command`. TryExec
    hides the entry from menus once that program is gone (a deleted venv)."""
    replacements = {
        "Exec": exec_value(command),
        "TryExec": command[0].replace("\\", "\\\\"),
    }
    lines = []
    for line in template.splitlines():
        key = line.split("=", 1)[0].strip()
        lines.append(f"{key}={replacements[key]}" if key in replacements and "=" in line else line)
    return "\n".join(lines) + "\n"


def _sources(resources: Path) -> dict[str, Path]:
    sources = {"svg": resources / f"{APP_ID}.svg"}
    for size in ICON_SIZES:
        sources[str(size)] = resources / "icons" / f"{APP_ID}-{size}.png"
    missing = [str(path) for path in sources.values() if not path.is_file()]
    if missing:
        raise DesktopError(f"album's icons are missing: {', '.join(missing)}")
    return sources


def _write(target: Path, data: bytes) -> None:
    """Write through a temporary file and a rename: a menu never reads half an entry."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_bytes(data)
    temporary.chmod(0o644)
    os.replace(temporary, target)


def install(home: Path | None = None, *, dry_run: bool = False, refresh: bool = True) -> Result:
    """Write album's desktop entry and icons under `home` (default: data_home())."""
    layout = Layout(home if home is not None else data_home())
    resources = resources_dir()
    command = launch_command()
    template = (resources / DESKTOP_FILE).read_text(encoding="utf-8")
    entry = desktop_entry(template, command)
    sources = _sources(resources)
    contents: dict[Path, bytes] = {layout.entry: entry.encode("utf-8")}
    contents[layout.scalable_icon] = sources["svg"].read_bytes()
    for size in ICON_SIZES:
        contents[layout.icon(size)] = sources[str(size)].read_bytes()
    if not dry_run:
        try:
            for target, data in contents.items():
                _write(target, data)
        except OSError as exc:
            where = exc.filename or layout.data_home
            raise DesktopError(f"cannot write {where}: {exc.strerror}") from None
        if refresh:
            refresh_caches(layout)
    return Result(layout, list(contents), command)


def uninstall(home: Path | None = None, *, dry_run: bool = False, refresh: bool = True) -> Result:
    """Remove the files install() writes, then the folders that left empty."""
    layout = Layout(home if home is not None else data_home())
    present = [path for path in layout.files() if path.is_file() or path.is_symlink()]
    if not dry_run:
        try:
            for path in present:
                path.unlink()
        except OSError as exc:
            raise DesktopError(f"cannot remove {exc.filename}: {exc.strerror}") from None
        for path in present:
            _prune_empty_folders(path.parent, layout.data_home)
        if refresh and present:
            refresh_caches(layout)
            _drop_empty_mime_cache(layout)
    return Result(layout, present, launch_command())


def _prune_empty_folders(folder: Path, stop: Path) -> None:
    """Remove `folder` and its parents while empty, never `stop` or anything above it: an
    empty hicolor/16x16/apps is clutter we made, a data folder is not ours to remove."""
    while folder != stop and stop in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def _run_quietly(command: list[str]) -> None:
    """Cache tools are helpers: a missing, failing or hanging one must not fail the install."""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=_TOOL_TIMEOUT,
            check=False,
        )


def refresh_caches(layout: Layout) -> None:
    """Tell the desktop: update-desktop-database rebuilds the MIME cache that "Open with"
    menus read, gtk-update-icon-cache refreshes an icon cache (only one that exists: a stale
    cache hides new icons, while no cache at all means the folder is read directly)."""
    tool = shutil.which("update-desktop-database")
    if tool and layout.applications.is_dir():
        _run_quietly([tool, "-q", str(layout.applications)])
    tool = shutil.which("gtk-update-icon-cache")
    if tool and (layout.hicolor / "icon-theme.cache").is_file():
        _run_quietly([tool, "-q", "-f", "-t", str(layout.hicolor)])


def _drop_empty_mime_cache(layout: Layout) -> None:
    """update-desktop-database leaves a cache with only its header when no entry declares a
    MIME type: such a file says nothing, and leaving it would not undo the install."""
    cache = layout.applications / "mimeinfo.cache"
    with contextlib.suppress(OSError, UnicodeDecodeError):
        lines = [line.strip() for line in cache.read_text(encoding="utf-8").splitlines()]
        if all(not line or line == "[MIME Cache]" for line in lines):
            cache.unlink()
            _prune_empty_folders(layout.applications, layout.data_home)
