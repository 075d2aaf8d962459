"""The keyboard map, in one place: Help ▸ Keyboard shortcuts shows it, and the tests press every
key in it. A key listed here works the moment its page is shown, without a click first.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

KEYMAP: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Everywhere",
        (
            ("Ctrl+1 … Ctrl+7", "Photos, People, Review, Folders, Places, Duplicates, Albums"),
            ("Ctrl+O", "Add a folder"),
            ("F5", "Look for new and changed photos"),
            ("Ctrl+F", "Find a person by name"),
            ("Ctrl+Z / Ctrl+Shift+Z", "Undo / redo the last change"),
            ("F1", "This list"),
        ),
    ),
    (
        "Grids (photos, people, faces)",
        (
            ("Arrows, Home, End, Page Up, Page Down", "Move between tiles"),
            ("Shift / Ctrl + arrows or click", "Select several"),
            ("Return", "Open the person or photo"),
        ),
    ),
    (
        "Photos",
        (
            ("Ctrl+G", "Go to a date (the closest day with photos)"),
            ("Up / Down", "The line above or below, across days"),
        ),
    ),
    (
        "Any grid of photos (Photos, an album, a person's photos)",
        (
            ("1 … 5 / 0", "Give the selected photos that many stars / take the stars off"),
            ("F", "Favourite: the heart on or off"),
            ("Menu key, right-click", "Add to album, rate, export"),
            ("Drag onto an album in the sidebar", "Put the photos in that album"),
        ),
    ),
    (
        "An album",
        (
            ("Delete", "Take the selected photos out of the album (they stay in the library)"),
            ("Drag within the album", "Put the photos in another order"),
        ),
    ),
    (
        "People",
        (
            ("F2", "Rename the selected person"),
            ("Ctrl+M", "Merge the selected people"),
        ),
    ),
    (
        "A person's page",
        (
            ("F2", "Rename this person"),
            ("Delete", "Not this person: the selected faces leave (Ctrl+Z brings them back)"),
            ("Backspace, Alt+Left", "Back to People"),
        ),
    ),
    (
        "Unsorted faces",
        (
            ("Ctrl+A", "Select all"),
            ("F2, Return", "Name the selected faces"),
            ("Delete", "Not a face: remove the selected faces"),
        ),
    ),
    (
        "Review",
        (
            ("Y", "Yes, that is them"),
            ("N", "No; for “Ada or Ben?”: neither of them"),
            ("1 / 2", "“Ada or Ben?”: the first / the second person"),
            ("S", "Skip: ask again at the end"),
            ("X", "Not a face"),
            ("Z", "Take the last answer back"),
        ),
    ),
    (
        "Duplicates",
        (
            ("Up / Down, Page Up / Page Down", "The set before / after"),
            ("Left / Right", "The photo before / after in the set"),
            ("Return, K", "Keep this one: the others go to the trash (asked first)"),
            ("A", "Keep all: not copies to drop, not asked about again"),
        ),
    ),
    (
        "Photo viewer",
        (
            ("Right, Page Down, Space", "Next photo"),
            ("Left, Page Up, Backspace", "Previous photo"),
            ("Home / End", "First / last photo"),
            ("O", "Open the RAW (or the original) under a stacked photo"),
            ("Escape", "Close"),
        ),
    ),
)


class KeyboardDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.table = QTreeWidget()
        self.table.setHeaderLabels(["Keys", "What they do"])
        self.table.setRootIsDecorated(False)
        self.table.setSelectionMode(QTreeWidget.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for section, keys in KEYMAP:
            title = QTreeWidgetItem([section, ""])
            font = title.font(0)
            font.setBold(True)
            title.setFont(0, font)
            title.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.table.addTopLevelItem(title)
            # Only once in the tree: before, Qt ignores it, and the unspanned titles sized the
            # Keys column ("Any grid of photos (…)" made it half the window) and cut the
            # longest descriptions to "…, Duplicates, Al…".
            title.setFirstColumnSpanned(True)
            for key, what in keys:
                self.table.addTopLevelItem(QTreeWidgetItem([key, what]))
        self.table.expandAll()
        self.table.resizeColumnToContents(0)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(close)
        # Wide enough for the longest description too, whatever the font: no row elided.
        margins = layout.contentsMargins()
        needed = (
            self.table.columnWidth(0)
            + self.table.sizeHintForColumn(1)
            + 2 * self.table.frameWidth()
            + self.table.verticalScrollBar().sizeHint().width()
            + margins.left()
            + margins.right()
        )
        self.resize(max(780, needed), 660)
