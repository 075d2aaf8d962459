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
    QStyledItemDelegate,
    QVBoxLayout,
    QWidget,
)

from album.config import COARSE_SIDE, Settings, default_workers
from album.info import collect_info
from album.store.settings import MAX_MIN_GROUP
from album.ui.backend import Backend
from album.ui.file_dialogs import choose_new_file

LIBRARY_KEY = "library"
WORKERS_KEY = "workers"


def app_settings() -> QSettings:
    return QSettings("album", "album")


WRITE_MODES = (
    ("never", "No, album keeps the names to itself"),
    ("sidecar", "Into sidecar files beside the photos (.xmp)"),
    ("file", "Inside the photos themselves (JPEG)"),
)


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
        # What the size does under the detection plan: the first look's cap. The stored value
        # stays as it is unless the user changes it (it is part of every analysis's
        # fingerprint: a new value means every photo is analyzed again).
        shown = settings.first_look_side()
        self._shown_detect = shown
        top = COARSE_SIDE if settings.detection_plan else 8000
        self.detect = QSpinBox(minimum=400, maximum=max(top, shown), singleStep=200, suffix=" px")
        self.detect.setValue(shown)
        self.detect.setToolTip(
            f"album first looks for faces in each photo at up to this long side (at most "
            f"{COARSE_SIDE} px), then looks closer only where faces can hide: around doubtful "
            "spots, beside very small and very large faces, and over the whole photo at up to "
            "13 megapixels where it found none. Smaller is faster but may miss faces in the "
            "background. A change applies to photos scanned from now on."
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
        # The stylesheet's QComboBox rule drew the current item of the open list blank (the
        # first, "never", showed as an empty row); a plain item delegate paints the list.
        self.write_names.setItemDelegate(QStyledItemDelegate(self.write_names))
        for mode, label in WRITE_MODES:
            self.write_names.addItem(label, mode)
        self.write_names.setCurrentIndex(
            max(0, self.write_names.findData(backend.write_names_mode))
        )
        self.write_names.setToolTip(
            "After each name you give or confirm, album writes the names of the faces as XMP "
            "face regions (the standard digiKam, Lightroom and Windows read): into sidecar "
            "files beside the photos, which stay untouched, or inside the JPEG photos."
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
        form.addRow("", explain(self.write_names.toolTip()))
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
        detect = self.backend.settings.detect_side
        if self.detect.value() != self._shown_detect:
            detect = self.detect.value()
        settings: Settings = self.backend.settings.replace(
            detect_side=detect,
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
