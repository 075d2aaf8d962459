"""Folders: what album watches, how much of it is analyzed, and which photos failed and why."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from album.store import file_names, queries
from album.store.library import Library
from album.ui.backend import Backend

Loaded = tuple[list[queries.FolderSummary], list[tuple[str, str]], int]


class FoldersView(QWidget):
    add_folder = Signal()
    rescan = Signal()

    def __init__(self, backend: Backend, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.backend = backend
        self.folders = QTreeWidget()
        self.folders.setHeaderLabels(["Folder", "Photos", "Faces", "Failed", "Missing"])
        self.folders.setRootIsDecorated(False)
        self.folders.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.folders.header().setStretchLastSection(False)
        for column in range(1, 5):
            self.folders.header().setSectionResizeMode(
                column, QHeaderView.ResizeMode.ResizeToContents
            )
        self.failed = QTreeWidget()
        self.failed.setHeaderLabels(["Photo", "Why it failed"])
        self.failed.setRootIsDecorated(False)
        self.failed.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.failed.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        add = QPushButton("Add folder…")
        add.clicked.connect(self.add_folder)
        self.remove = QPushButton("Remove from library…")
        self.remove.setToolTip(
            "Forget the selected folder: its photos, faces and the names on them leave the "
            "library. The files themselves are not touched."
        )
        self.remove.clicked.connect(self.remove_selected)
        self.remove.setEnabled(False)
        self.folders.itemSelectionChanged.connect(
            lambda: self.remove.setEnabled(bool(self.folders.selectedItems()))
        )
        rescan = QPushButton("Rescan all")
        rescan.setToolTip("Look for new, changed, moved and removed photos")
        rescan.clicked.connect(self.rescan)
        self.failed_title = QLabel("Photos that could not be read")
        self.failed_title.setObjectName("section")
        buttons = QHBoxLayout()
        title = QLabel("Folders")
        title.setObjectName("section")
        buttons.addWidget(title)
        buttons.addStretch(1)
        buttons.addWidget(self.remove)
        buttons.addWidget(add)
        buttons.addWidget(rescan)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.folders, 1)
        self.imported = QLabel("")  # names read from the photos' XMP / Picasa files
        self.imported.setObjectName("dim")
        layout.addWidget(self.imported)
        layout.addWidget(self.failed_title)
        layout.addWidget(self.failed, 2)
        layout.addStretch(0)

    def remove_selected(self) -> None:
        items = self.folders.selectedItems()
        if not items:
            return
        root, photos, faces = items[0].text(0), items[0].text(1), items[0].text(2)
        answer = QMessageBox.question(
            self,
            "Remove folder from library?",
            f"album forgets {root}: {photos} photos and {faces} faces, with the names given "
            "to them. The photo files stay where they are; adding the folder again scans it "
            "anew.",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.backend.remove_folder(root)

    def reload(self) -> None:
        def load(library: Library) -> Loaded:
            return (
                queries.folders(library.conn),
                queries.failed_photos(library.conn),
                file_names.imported_count(library.conn),
            )

        self.backend.query(load, self._loaded, latest=self)

    def _loaded(self, value: Loaded) -> None:
        folders, failed, imported = value
        self.imported.setText(
            f"{imported} face names were read from the photos' own files (XMP, Picasa)"
            if imported
            else ""
        )
        self.imported.setVisible(bool(imported))
        self.folders.clear()
        for folder in folders:
            item = QTreeWidgetItem(
                [
                    folder.path,
                    str(folder.photos),
                    str(folder.faces),
                    str(folder.failed),
                    str(folder.missing),
                ]
            )
            for column in range(1, 5):
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight)
            if folder.missing == folder.photos and folder.photos:
                item.setToolTip(0, "Offline: its photos are kept and come back when it does")
            self.folders.addTopLevelItem(item)
        self.failed.clear()
        for path, reason in failed:
            item = QTreeWidgetItem([path, reason])
            item.setToolTip(0, path)
            item.setToolTip(1, reason)
            self.failed.addTopLevelItem(item)
        self.failed_title.setText(
            f"Photos that could not be read ({len(failed)})" if failed else "No photo failed"
        )
        self.failed.setVisible(bool(failed))
