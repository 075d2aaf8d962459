"""Settings and About."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from album.config import Settings, default_workers
from album.info import collect_info
from album.store.settings import MAX_MIN_GROUP
from album.ui.backend import Backend
from album.ui.file_dialogs import choose_new_file

LIBRARY_KEY = "library"
WORKERS_KEY = "workers"


def app_settings() -> QSettings:
    return QSettings("album", "album")


WRITE_MODES = (("never", "never"), ("sidecar", "sidecar files"), ("file", "inside photos"))


def explain(text: str) -> QLabel:
    """A setting's meaning, in sight under it (a tooltip alone is found by nobody)."""
    label = QLabel(text)
    label.setObjectName("dim")
    label.setWordWrap(True)
    return label


class SettingsDialog(QDialog):
    """Detection size and workers apply to the next scan; a new library location to the next
    start (the current library stays where it is)."""

    def __init__(self, backend: Backend, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(560)  # room for a library path
        self.backend = backend
        settings = backend.settings
        self.detect = QSpinBox(minimum=400, maximum=8000, singleStep=200, suffix=" px")
        self.detect.setValue(settings.detect_side)
        self.detect.setToolTip(
            "Photos are scaled to this long side before album looks for faces: larger finds "
            "smaller faces (people in the background, group photos) but takes longer."
        )
        self.workers = QSpinBox(minimum=1, maximum=max(64, default_workers()))
        self.workers.setValue(settings.workers)
        self.workers.setToolTip("Photos analyzed at once (default: one per processor core)")
        self.min_group = QSpinBox(minimum=1, maximum=MAX_MIN_GROUP, suffix=" faces")
        self.min_group.setValue(backend.min_group_size)
        self.min_group.setToolTip(
            "Look-alike faces become a person once there are this many; fewer stay unsorted "
            "until more photos of them arrive"
        )
        self.import_names = QCheckBox("Read the names other programs wrote into photos")
        self.import_names.setChecked(settings.import_names)
        self.import_names.setToolTip(
            "Face names from XMP (digiKam, Lightroom, Windows, exiftool) and Picasa, on each scan"
        )
        self.write_names = QComboBox()
        for mode, label in WRITE_MODES:
            self.write_names.addItem(label, mode)
        self.write_names.setCurrentIndex(
            max(0, self.write_names.findData(backend.write_names_mode))
        )
        self.write_names.setToolTip(
            "After each naming edit, write the names as XMP for other programs: into sidecar "
            "files beside the photos (the photos stay untouched) or inside JPEG photos"
        )
        self.library = QLineEdit(str(backend.library_path))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.library, 1)
        where.addWidget(browse)
        form = QFormLayout()
        form.addRow("Detection size:", self.detect)
        form.addRow("", explain(self.detect.toolTip()))
        form.addRow("Workers:", self.workers)
        form.addRow("Smallest group:", self.min_group)
        form.addRow("", explain(self.min_group.toolTip() + "."))
        form.addRow("Names from files:", self.import_names)
        form.addRow("Write names to photos:", self.write_names)
        form.addRow("Library:", where)
        note = QLabel("A new library location takes effect the next time album starts.")
        note.setObjectName("dim")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        path = choose_new_file(self, "Library file", self.library.text(), "album library (*.db)")
        if path:
            self.library.setText(path)

    def accept(self) -> None:
        settings: Settings = self.backend.settings.replace(
            detect_side=self.detect.value(),
            workers=self.workers.value(),
            import_names=self.import_names.isChecked(),
        )
        self.backend.save_write_names_mode(self.write_names.currentData())
        self.backend.save_settings(settings)
        self.backend.save_min_group_size(self.min_group.value())
        stored = app_settings()
        stored.setValue(WORKERS_KEY, self.workers.value())
        chosen = Path(self.library.text()).expanduser()
        if chosen != self.backend.library_path:
            stored.setValue(LIBRARY_KEY, str(chosen))
        super().accept()


class AboutDialog(QDialog):
    def __init__(self, backend: Backend, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About album")
        self.setMinimumWidth(520)  # the library path and versions on their own lines, unclipped
        self.text = QLabel("Reading versions…")
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        backend.query(collect_info, self._show)

    def _show(self, info: dict) -> None:
        v = info["versions"]
        cuda = "yes: faces are found on the GPU" if info["cuda"] else "no (CPU build of dlib)"
        counts = info["counts"]
        self.text.setText(
            f"<h2>album {v['album']}</h2>"
            "<p>Finds the people in your photos. Your names stay in your library, on your "
            "computer; album makes no network connection.</p>"
            f"<p>Library: {info['library']}<br>"
            f"{counts['photos']} photos, {counts['faces']} faces, {counts['people']} people</p>"
            f"<p>Python {v['python']} · dlib {v['dlib']} · SQLite {v['sqlite']} · "
            f"PySide6 {v['pyside6']}<br>CUDA: {cuda}</p>"
        )
