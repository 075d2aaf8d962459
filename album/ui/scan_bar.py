"""The scan's progress in the status bar, with Pause, Resume and Cancel."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from album.scan.runner import ScanProgress
from album.terminal import duration
from album.ui.backend import Backend


class ScanBar(QWidget):
    def __init__(self, backend: Backend, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.backend = backend
        self.bar = QProgressBar()
        self.bar.setFixedWidth(220)
        self.bar.setTextVisible(False)
        self.label = QLabel()
        self.pause = QPushButton("Pause")
        self.pause.clicked.connect(self._toggle_pause)
        self.cancel = QPushButton("Cancel")
        self.cancel.clicked.connect(self._cancel)
        self._last: ScanProgress | None = None
        self._stopping = False
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.label)
        layout.addWidget(self.pause)
        layout.addWidget(self.cancel)
        backend.scan_progress.connect(self.show_progress)
        backend.scan_finished.connect(self._finished)
        self.hide()

    def show_progress(self, progress: ScanProgress) -> None:
        self.show()
        self._last = progress
        if progress.phase == "listing":
            self.bar.setRange(0, 0)
            self.label.setText("Looking for photos…")
            return
        self.bar.setRange(0, max(progress.total, 1))
        self.bar.setValue(progress.done)
        self._describe(progress)

    def _describe(self, progress: ScanProgress) -> None:
        if self._stopping:
            return  # photos still finishing must not hide that the scan is stopping
        paused = self.backend.scan_paused
        state = "Paused · " if paused else ""
        eta = "" if paused else f" · ETA {duration(progress.eta)}"
        self.label.setText(
            f"{state}{progress.done} / {progress.total} photos · {progress.faces} faces · "
            f"{progress.rate:.1f}/s{eta}"
        )
        self.pause.setText("Resume" if paused else "Pause")

    def _toggle_pause(self) -> None:
        if self.backend.scan_paused:
            self.backend.resume_scan()
        else:
            self.backend.pause_scan()
        self.pause.setText("Resume" if self.backend.scan_paused else "Pause")
        # Say so at once: once paused, no more progress may come to update the line.
        if self._last is not None and self._last.phase != "listing":
            self._describe(self._last)

    def _cancel(self) -> None:
        self.backend.cancel_scan()
        self._stopping = True
        self.label.setText("Stopping… everything analyzed so far is kept")
        self.cancel.setEnabled(False)
        self.pause.setEnabled(False)

    def _finished(self, _report: object) -> None:
        self._stopping = False
        self._last = None
        self.hide()

    def showEvent(self, event: object) -> None:
        self.cancel.setEnabled(True)
        self.pause.setEnabled(True)
        super().showEvent(event)  # type: ignore[arg-type]
