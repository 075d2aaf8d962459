"""File dialogs that never read the files they list.

Qt's file dialog asks its icon provider for each listed file's icon and type, and for a file
with no extension it knows (`library.db`, `library.db-wal`, `library.db-shm`) Qt reads the
first bytes to guess its MIME type: an `open()` and `close()` in the window's own process.
On POSIX, closing any descriptor of a file drops every lock the process holds on it, so the
window's SQLite connections silently lost their locks on the library the moment the dialog
showed the library's folder. The next album process to close its connection (the regroup
process, `album people`) then believed it was the library's last user, checkpointed and
deleted the `-wal` and `-shm` under the window's feet: the window's later commits went to a
deleted file and the library came back "malformed" (issue 18, reproduced by
tests/test_library_soak.py). A GTK native dialog in our process would sniff the same way, so
these are always Qt's own dialogs, with an icon provider that looks at names only.
"""

from __future__ import annotations

from PySide6.QtCore import QFileInfo
from PySide6.QtGui import QAbstractFileIconProvider, QIcon
from PySide6.QtWidgets import QFileDialog, QWidget


class NamesOnlyIcons(QAbstractFileIconProvider):
    """A folder icon for folders and a file icon for files, decided without opening them."""

    def icon(self, what: object) -> QIcon:  # type: ignore[override]
        if isinstance(what, QFileInfo):
            kind = (
                QAbstractFileIconProvider.IconType.Folder
                if what.isDir()
                else QAbstractFileIconProvider.IconType.File
            )
            return super().icon(kind)
        return super().icon(what)  # type: ignore[arg-type]

    def type(self, info: QFileInfo) -> str:
        if info.isDir():
            return "Folder"
        suffix = info.suffix()
        return f"{suffix.upper()} file" if suffix else "File"


def _dialog(parent: QWidget | None, title: str, start: str) -> QFileDialog:
    dialog = QFileDialog(parent, title, start)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    icons = NamesOnlyIcons()
    dialog.setIconProvider(icons)
    dialog._icons = icons  # type: ignore[attr-defined]  # the dialog does not own it
    return dialog


def choose_folder(parent: QWidget | None, title: str, start: str) -> str:
    """A folder the user picked, or "" when they cancelled."""
    dialog = _dialog(parent, title, start)
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    if not dialog.exec():
        return ""
    chosen = dialog.selectedFiles()
    return chosen[0] if chosen else ""


def choose_new_file(parent: QWidget | None, title: str, start: str, name_filter: str) -> str:
    """A file path to create or reuse, or "" when the user cancelled."""
    dialog = _dialog(parent, title, start)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setNameFilter(name_filter)
    if not dialog.exec():
        return ""
    chosen = dialog.selectedFiles()
    return chosen[0] if chosen else ""
