"""Export ▸ a folder: the chosen photos (an album, a search, a person's) copied out, for a USB
stick or a print shop, with a progress bar and Cancel. The originals are never touched; what
each choice does is album.photo_export's."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from album.photo_export import ExportOptions, ExportReport, export_photos
from album.store.export_rows import export_rows
from album.store.library import Library
from album.terminal import counted
from album.ui.backend import Backend
from album.ui.file_dialogs import choose_folder

SHARING_SIDE = 2048  # pixels on the long side: sharp on any screen, small enough to send


class ExportDialog(QDialog):
    _progress = Signal(int, int)  # from the export's thread
    _finished = Signal(object)  # ExportReport, or the text of what went wrong

    def __init__(
        self, backend: Backend, photo_ids: list[int], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.backend = backend
        self.photo_ids = photo_ids
        self.report: ExportReport | None = None
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self.setWindowTitle(f"Export {counted(len(photo_ids), 'photo')}")
        self.folder = QLineEdit()
        self.folder.setPlaceholderText("The folder to export to")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.folder, 1)
        where.addWidget(browse)
        self.link = QCheckBox("Hard links instead of copies, where the folder is on the same disk")
        self.sidecars = QCheckBox("XMP sidecars with the people's names and the stars")
        self.resize_box = QCheckBox("Smaller, for sharing: long side of")
        self.side = QSpinBox(minimum=64, maximum=20000, value=SHARING_SIDE, suffix=" px")
        self.side.setEnabled(False)
        self.resize_box.toggled.connect(self.side.setEnabled)
        self.resize_box.toggled.connect(lambda on: self.link.setEnabled(not on))
        sized = QHBoxLayout()
        sized.addWidget(self.resize_box)
        sized.addWidget(self.side)
        sized.addStretch(1)
        self.gps = QCheckBox("Leave out where the photos were taken (GPS)")
        form = QFormLayout()
        form.addRow("Folder", where)
        column = QVBoxLayout(self)
        column.addLayout(form)
        for box in (self.link, self.sidecars):
            column.addWidget(box)
        column.addLayout(sized)
        column.addWidget(self.gps)
        self.bar = QProgressBar(maximum=len(photo_ids), value=0)
        self.bar.setVisible(False)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.bar)
        column.addWidget(self.status)
        self.buttons = QDialogButtonBox()
        self.start = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.start.clicked.connect(self._start)
        self.close_button.clicked.connect(self._cancel_or_close)
        column.addWidget(self.buttons)
        self._progress.connect(self._show_progress)
        self._finished.connect(self._done)
        self.resize(560, 0)

    def _browse(self) -> None:
        chosen = choose_folder(self, "Export to", self.folder.text() or str(Path.home()))
        if chosen:
            self.folder.setText(chosen)

    def options(self) -> ExportOptions:
        resized = self.resize_box.isChecked()
        return ExportOptions(
            link=self.link.isChecked() and not resized,
            sidecars=self.sidecars.isChecked(),
            long_side=self.side.value() if resized else None,
            strip_gps=self.gps.isChecked(),
        )

    def _start(self) -> None:
        text = self.folder.text().strip()
        if not text:
            self.status.setText("Choose the folder to export to first.")
            return
        dest = Path(text).expanduser()
        if dest.exists() and not dest.is_dir():
            self.status.setText(f"{dest} is a file, not a folder.")
            return
        options, ids, path = self.options(), list(self.photo_ids), self.backend.library_path
        self.start.setEnabled(False)
        self.bar.setVisible(True)
        self.status.setText(f"Exporting to {dest}…")

        def run() -> None:
            try:
                # A connection of its own: the export reads once, then only copies files.
                with Library.open(path, scheduled_backup=False) as library:
                    rows = export_rows(library.conn, ids)
                report = export_photos(
                    rows,
                    dest,
                    options,
                    progress=lambda done, total: self._progress.emit(done, total),
                    cancelled=self._cancel.is_set,
                )
            except Exception as exc:  # said to the user; nothing half-written stays
                self._finished.emit(str(exc))
                return
            self._finished.emit(report)

        self._thread = threading.Thread(target=run, name="album-export", daemon=True)
        self._thread.start()

    def _show_progress(self, done: int, total: int) -> None:
        self.bar.setMaximum(max(1, total))
        self.bar.setValue(done)

    def _done(self, result: object) -> None:
        self._thread = None
        self.close_button.setText("Close")
        if isinstance(result, str):
            self.status.setText(f"The export stopped: {result}")
            return
        assert isinstance(result, ExportReport)
        self.report = result
        self.status.setText(summary(result))
        self.backend.message.emit(summary(result))

    def _cancel_or_close(self) -> None:
        if self._thread is not None:
            self._cancel.set()
            self.status.setText("Stopping after the photo being written…")
            return
        self.reject()

    def reject(self) -> None:
        """Closing the window stops the export between two photos; nothing half-written."""
        if self._thread is not None:
            self._cancel.set()
            self._thread.join(30)
        super().reject()

    def wait(self, seconds: float = 60.0) -> None:
        """For tests and closing: let a running export finish (or stop)."""
        thread = self._thread
        if thread is not None:
            thread.join(seconds)


def summary(report: ExportReport) -> str:
    done = len(report.written) + len(report.unchanged)
    text = f"{counted(done, 'photo')} of {report.total} exported to {report.dest}"
    if report.linked:
        text += f" ({report.linked} as hard links)"
    if report.skipped:
        text += f"; {len(report.skipped)} skipped ({report.skipped[0][1]})"
    if report.cancelled:
        text = "Cancelled: " + text
    if report.error:
        text = f"{report.error}"
    return text
