"""A regroup's progress in the status bar, with Cancel.

Grouping the faces of a large library again plans for a minute in a process of its own; the
bar says which stage it is in, how many faces that stage works on and for how long it has run,
and Cancel stops it with the library exactly as it was (names typed meanwhile are kept).
Like the scan's, its line has a slot of fixed width, so Cancel stays put while the stages pass.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QSizePolicy, QWidget

from album.people.regroup import STAGES
from album.terminal import counted, duration
from album.ui.backend import Backend
from album.ui.status_widgets import SlotLabel

ORDER = list(STAGES)
# A stage of a large library: whole at 1280 px beside a scan (the longest one is elided).
SAMPLE = "Regrouping: grouping the other faces (88888 faces) · 8:88"


class RegroupBar(QWidget):
    def __init__(self, backend: Backend, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.backend = backend
        self.bar = QProgressBar()
        self.bar.setFixedWidth(60)
        self.bar.setTextVisible(False)
        self.bar.setRange(0, len(ORDER))
        self.bar.setToolTip("Grouping faces again")
        self.label = SlotLabel(SAMPLE)
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Stop grouping; the groups stay as they were")
        self.cancel.clicked.connect(self._cancel)
        self._stage = ("starting", 0)
        self._started = 0.0
        self._clock = QTimer(self, interval=1000)
        self._clock.timeout.connect(self._describe)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.label)
        layout.addWidget(self.cancel)
        # Never wider than its parts (its progress bar would take half the status bar): the
        # buttons stay put whichever other job comes and goes.
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        backend.regroup_progress.connect(self.show_progress)
        backend.regroup_finished.connect(self._finished)
        self.hide()

    def show_progress(self, stage: str, faces: int) -> None:
        if not self.isVisible():
            self._started = time.monotonic()
            self.cancel.setEnabled(True)
            self._clock.start()
            self.show()
        self._stage = (stage, faces)
        self.bar.setValue(ORDER.index(stage) + 1 if stage in ORDER else 0)
        self._describe()

    def _describe(self) -> None:
        if not self.cancel.isEnabled():
            return  # "Cancelling…" stays until the regroup is gone
        stage, faces = self._stage
        what = STAGES.get(stage, stage)
        if faces:
            what += f" ({counted(faces, 'face')})"
        elapsed = duration(time.monotonic() - self._started)
        self.label.show_text(f"Regrouping: {what} · {elapsed}")

    def _cancel(self) -> None:
        if self.backend.cancel_regroup():
            self.cancel.setEnabled(False)
            self.label.show_text("Cancelling… the groups stay as they were")
        else:
            self.label.show_text("Too late to cancel: saving the new groups")

    def _finished(self, _how: str) -> None:
        self._clock.stop()
        self.hide()
