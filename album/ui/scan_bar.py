"""The scan's progress in the status bar, with Pause, Resume and Cancel.

Its line has a slot of fixed width and Pause is as wide as Resume, so the buttons stay under the
mouse while the numbers change and between Pause and Resume (see status_widgets).
"""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QSizePolicy, QWidget

from album.scan.runner import ScanProgress
from album.terminal import duration
from album.ui.backend import Backend
from album.ui.status_widgets import SlotLabel, SteadyButton

# The line of a large scan, running: shown whole at 1280 px beside a regroup, elided beyond.
SAMPLE = "88888 / 88888 photos · 88888 faces · 88.8/s · ETA 8:88:88"


class ScanBar(QWidget):
    def __init__(self, backend: Backend, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.backend = backend
        self.bar = QProgressBar()
        self.bar.setFixedWidth(100)
        self.bar.setTextVisible(False)
        self.label = SlotLabel(SAMPLE)
        self.pause = SteadyButton(("Pause", "Resume"))
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
        # Never wider than its parts (its progress bar would take half the status bar): the
        # buttons stay put whichever other job comes and goes.
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        backend.scan_progress.connect(self.show_progress)
        backend.scan_finished.connect(self._finished)
        self.hide()

    def show_progress(self, progress: ScanProgress) -> None:
        self.show()
        self._last = progress
        if progress.phase == "listing":
            self.bar.setRange(0, 0)
            self.label.show_text("Looking for photos…")
            return
        self.bar.setRange(0, max(progress.total, 1))
        self.bar.setValue(progress.done)
        self._describe(progress)

    def _describe(self, progress: ScanProgress) -> None:
        if self._stopping:
            return  # photos still finishing must not hide that the scan is stopping
        paused = self.backend.scan_paused
        line = f"{progress.done} / {progress.total} photos · {progress.faces} faces"
        if paused:  # a speed and a time left would be of a scan that is not running
            self.label.show_text(f"Paused · {line}")
        else:
            self.label.show_text(f"{line} · {progress.rate:.1f}/s · ETA {duration(progress.eta)}")
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
        self.label.show_text("Stopping… everything analyzed so far is kept")
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
