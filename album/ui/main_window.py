"""The album window: a sidebar (the pages, then the albums), the page, a status bar.

Folders (or photos) dropped anywhere on the window are added and scanned; the scan's progress
lives in the status bar and the people grid fills in while it runs.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QPoint, QStandardPaths, Qt, QTimer, QUrl
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from album.config import default_library_path
from album.store import photos as photo_rows
from album.store.library import Library
from album.store.scan_queue import Resume
from album.ui.albums_view import AlbumsView
from album.ui.backend import Backend, resume_message
from album.ui.damage_banner import DamageBanner
from album.ui.dialogs import AboutDialog, SettingsDialog, app_settings
from album.ui.duplicates_view import DuplicatesView
from album.ui.file_dialogs import choose_folder
from album.ui.folders_view import FoldersView
from album.ui.jobs import close_thread_libraries
from album.ui.keyboard import KeyboardDialog
from album.ui.people_view import PeopleView
from album.ui.person_page import PersonPage
from album.ui.photos_view import PhotosView
from album.ui.places_view import PlacesView
from album.ui.regroup_bar import RegroupBar
from album.ui.review_view import ReviewView
from album.ui.scan_bar import ScanBar
from album.ui.sidebar import Sidebar
from album.ui.single_instance import other_windows
from album.ui.thumbnails import Thumbnails
from album.ui.unsorted_page import UnsortedPage
from album.ui.viewer import PhotoViewer

PAGES = ("Photos", "People", "Review", "Folders", "Places", "Duplicates", "Albums")
RELOAD_DELAY_MS = 400
LAST_FOLDER_KEY = "last_folder"
GEOMETRY_KEY = "window_geometry"
CASCADE_PX = 40  # how far each further album window opens from the last one's place


def window_title(library: Path) -> str:
    """ "Family — album" for a library called Family (its file, or the folder of a file
    named library.db); plain "album" for the default library. Two windows on two libraries
    were both just "album"."""
    if library == default_library_path().expanduser().absolute():
        return "album"
    name = library.parent.name if library.stem.casefold() == "library" else library.stem
    return f"{name} \N{EM DASH} album" if name else "album"


def start_folder() -> str:
    """Where "Add folder…" opens: beside the last folder added, else the Pictures folder, else
    home; never the directory album happens to run from."""
    last = app_settings().value(LAST_FOLDER_KEY)
    if last and os.path.isdir(str(last)):
        return str(last)
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return pictures if pictures and os.path.isdir(pictures) else os.path.expanduser("~")


def local_paths(urls: list[QUrl]) -> list[str]:
    return [u.toLocalFile() for u in urls if u.isLocalFile() and os.path.exists(u.toLocalFile())]


class EmptyState(QWidget):
    """First run: nothing in the library yet."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        title = QLabel("Drop a folder of photos here")
        title.setObjectName("empty")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = QLabel(
            "album looks at every photo in it, finds the faces, and groups them by person.\n"
            "You name the people; album remembers, on this computer only."
        )
        text.setObjectName("dim")
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        button = QPushButton("Add folder…")
        button.setObjectName("primary")
        button.setMinimumWidth(160)
        button.clicked.connect(window.choose_folder)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(title)
        layout.addWidget(text)
        layout.addSpacing(16)
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)


class MainWindow(QMainWindow):
    def __init__(self, backend: Backend) -> None:
        super().__init__()
        self.backend = backend
        self.setWindowTitle(window_title(backend.library_path))
        self.setAcceptDrops(True)
        self.resize(1180, 780)
        geometry = app_settings().value(GEOMETRY_KEY)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        # Each library has a window of its own; a second one restored to the same place hid
        # the first exactly. Step each one open already down and to the right.
        others = other_windows(str(backend.library_path))
        if others:
            self.move(self.pos() + QPoint(CASCADE_PX, CASCADE_PX) * others)
        self.thumbnails = Thumbnails(backend.library_path, self)
        self._queued: list[str] = []
        self._stale: set[str] = set(PAGES)
        self._has_photos = False
        self._looked_for_unfinished = False  # once per window, when it is first shown

        self.sidebar = Sidebar(PAGES)
        self.sidebar.currentRowChanged.connect(self._sidebar_row)
        self.sidebar.photos_dropped.connect(self._dropped_on_album)
        backend.albums_changed.connect(lambda: self.sidebar.set_albums(backend.albums))

        self.photos = PhotosView(backend, self.thumbnails)
        self.people = PeopleView(backend, self.thumbnails)
        self.person = PersonPage(backend, self.thumbnails)
        self.review = ReviewView(backend, self.thumbnails)
        self.folders = FoldersView(backend)
        self.places = PlacesView(backend, self.thumbnails)
        self.albums = AlbumsView(backend, self.thumbnails)
        self.duplicates = DuplicatesView(backend, self.thumbnails)
        self.empty = EmptyState(self)
        self.people_stack = QStackedWidget()
        self.people_stack.addWidget(self.people)
        self.people_stack.addWidget(self.person)
        self.unsorted = UnsortedPage(backend, self.thumbnails)
        self.people_stack.addWidget(self.unsorted)
        self.pages = QStackedWidget()
        pages = (
            self.photos,
            self.people_stack,
            self.review,
            self.folders,
            self.places,
            self.duplicates,
            self.albums,
        )
        for widget in (*pages, self.empty):
            self.pages.addWidget(widget)

        # What the library itself warns about (a network file system) stays in sight.
        self.warning = QLabel("\n".join(f"⚠ {w}" for w in backend.warnings))
        self.warning.setObjectName("warning")
        self.warning.setWordWrap(True)
        self.warning.setVisible(bool(backend.warnings))
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.warning)
        self.banner = DamageBanner()
        column.addWidget(self.banner)
        column.addWidget(self.pages, 1)

        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.sidebar)
        row.addWidget(content, 1)
        self.setCentralWidget(central)
        # The scan's bar rightmost: regroups come and go during a scan and must not move its
        # Pause from under the mouse.
        self.regroup_bar = RegroupBar(backend)
        self.statusBar().addPermanentWidget(self.regroup_bar)
        self.scan_bar = ScanBar(backend)
        self.statusBar().addPermanentWidget(self.scan_bar)

        self.people.open_person.connect(self.show_person)
        self.person.back.connect(self._back_to_people)
        self.people.open_unsorted.connect(self.show_unsorted)
        self.unsorted.back.connect(self._back_to_people)
        self.unsorted.open_photo.connect(self.open_photo)
        self.person.open_photo.connect(self.open_photo)
        self.photos.open_photo.connect(self.open_photo)
        self.albums.open_photo.connect(self.open_photo)
        self.albums.export_asked.connect(self.export_photos)
        self.photos.actions.export_asked.connect(self.export_photos)
        self.person.photo_actions.export_asked.connect(self.export_photos)
        self.places.open_place.connect(self.show_place)
        self.folders.add_folder.connect(self.choose_folder)
        self.folders.rescan.connect(self.rescan)

        self._build_menus()
        self._reload_timer = QTimer(self, singleShot=True, interval=RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self._reload_visible)
        backend.changed.connect(self._changed)
        backend.message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        backend.error.connect(self.show_error)
        backend.damaged.connect(self.banner.show_damage)
        self.thumbnails.damaged.connect(backend.library_damaged)
        self.banner.show_report(backend.recovery)
        backend.history.connect(self._history)
        backend.scan_finished.connect(self._scan_finished)
        backend.refresh_history()
        self.sidebar.setCurrentRow(PAGES.index("People"))
        self._check_empty()

    # -- menus -----------------------------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "&Add folder…", self.choose_folder, QKeySequence.StandardKey.Open)
        self._action(file_menu, "&Rescan all folders", self.rescan, QKeySequence("F5"))
        self._action(file_menu, "Group faces &again", lambda: self.backend.recluster())
        file_menu.addSeparator()
        self._action(
            file_menu, "&Settings…", self.open_settings, QKeySequence.StandardKey.Preferences
        )
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        edit_menu = self.menuBar().addMenu("&Edit")
        self.undo_action = self._action(
            edit_menu, "&Undo", lambda: self.backend.undo(), QKeySequence.StandardKey.Undo
        )
        self.redo_action = self._action(
            edit_menu, "&Redo", lambda: self.backend.redo(), QKeySequence("Ctrl+Shift+Z")
        )
        edit_menu.addSeparator()
        self._action(edit_menu, "&Find person", self._find, QKeySequence.StandardKey.Find)
        view_menu = self.menuBar().addMenu("&View")
        for number, name in enumerate(PAGES, start=1):
            # triggered(bool) passes `checked` first: it must not land in the page name.
            self._action(
                view_menu,
                name,
                lambda _checked=False, n=name: self.show_page(n),
                QKeySequence(f"Ctrl+{number}"),
            )
        help_menu = self.menuBar().addMenu("&Help")
        self._action(
            help_menu,
            "&Keyboard shortcuts",
            lambda: KeyboardDialog(self).exec(),
            QKeySequence.StandardKey.HelpContents,
        )
        self._action(help_menu, "&About album", lambda: AboutDialog(self.backend, self).exec())

    def _action(
        self,
        menu: object,
        text: str,
        slot: object,
        shortcut: QKeySequence | QKeySequence.StandardKey | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)  # type: ignore[arg-type]
        menu.addAction(action)  # type: ignore[attr-defined]
        return action

    def _history(self, undo: str, redo: str) -> None:
        self.undo_action.setEnabled(bool(undo))
        self.undo_action.setText(f"&Undo {undo}" if undo else "&Undo")
        self.redo_action.setEnabled(bool(redo))
        self.redo_action.setText(f"&Redo {redo}" if redo else "&Redo")

    # -- pages -----------------------------------------------------------------------------

    def show_page(self, name: str) -> None:
        if name == "People":
            self.people_stack.setCurrentWidget(self.people)
        self.sidebar.setCurrentRow(PAGES.index(name))

    def current_page(self) -> str:
        if not self._has_photos and self.pages.currentWidget() is self.empty:
            return "Empty"
        return PAGES[self.sidebar.currentRow()]

    def _sidebar_row(self, row: int) -> None:
        """Choosing People (sidebar, menu, Ctrl+2) means the grid, not the last person opened;
        an album under the pages opens on the Albums page."""
        album_id = self.sidebar.album_at_row(row)
        if album_id is not None:
            self.show_album(album_id)
            return
        if 0 <= row < len(PAGES) and PAGES[row] == "Albums":
            self.albums.show_albums()
        if 0 <= row < len(PAGES) and PAGES[row] == "People":
            self.people_stack.setCurrentWidget(self.people)
        self._page_chosen(row)

    def _page_chosen(self, row: int) -> None:
        if not 0 <= row < len(PAGES):
            return
        name = PAGES[row]
        if not self._has_photos and name in ("Photos", "People"):
            self.pages.setCurrentWidget(self.empty)
        else:
            self.pages.setCurrentIndex(row)
        if name in self._stale:
            self._reload(name)
        self._focus_page(name)

    def _focus_page(self, name: str) -> None:
        """The keys of a page work the moment it is shown: its grid (or question) takes the
        keyboard, so arrows, F2, Y/N/S need no click first."""
        if self.pages.currentWidget() is self.empty:
            return
        target: QWidget
        if name == "Photos":
            target = self.photos.view
        elif name == "People":
            target = {self.person: self.person.face_view, self.unsorted: self.unsorted.view}.get(
                self.people_stack.currentWidget(), self.people.view
            )
        elif name == "Review":
            target = self.review.currentWidget()
        elif name == "Places":
            target = self.places.view
        elif name == "Albums":
            target = self.albums.currentWidget().focusWidget() or self.albums.view
        elif name == "Duplicates":
            target = self.duplicates.scroll
        else:
            target = self.folders.folders
        target.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_person(self, person_id: int) -> None:
        self.show_page("People")
        self.people_stack.setCurrentWidget(self.person)
        self.person.show_person(person_id)
        self.person.face_view.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_place(self, place: tuple[str, str, str], name: str) -> None:
        """A place's photos, by day, on the Photos page."""
        self.show_page("Photos")
        self.photos.show_place(place, name)

    def show_album(self, album_id: int) -> None:
        self.sidebar.blockSignals(True)
        self.sidebar.setCurrentRow(PAGES.index("Albums"))
        self.sidebar.blockSignals(False)
        self._page_chosen(PAGES.index("Albums"))
        self.albums.show_album(album_id)

    def _dropped_on_album(self, album_id: int, photo_ids: list[int]) -> None:
        self.backend.organize(lambda o: o.add(album_id, photo_ids))

    def export_photos(self, photo_ids: list[int]) -> None:
        from album.ui.export_dialog import ExportDialog

        if photo_ids:
            ExportDialog(self.backend, photo_ids, self).open()

    def show_unsorted(self) -> None:
        self.show_page("People")
        self.people_stack.setCurrentWidget(self.unsorted)
        self.unsorted.reload()
        self.unsorted.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def _back_to_people(self) -> None:
        self.people_stack.setCurrentWidget(self.people)
        self.people.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def open_photo(self, photo_id: int, around: list[int]) -> PhotoViewer:
        viewer = PhotoViewer(self.backend, around, photo_id, self)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        viewer.show()
        return viewer

    def _find(self) -> None:
        self.show_page("People")
        self.people_stack.setCurrentWidget(self.people)
        self.people.filter.setFocus()
        self.people.filter.selectAll()

    # -- keeping pages fresh ---------------------------------------------------------------

    def _changed(self) -> None:
        self._stale = set(PAGES)
        if self.backend.scanning:
            self.thumbnails.forget_faces()  # a re-analyzed face has a new crop
        self._reload_timer.start()

    def _reload_visible(self) -> None:
        self._check_empty()
        name = PAGES[self.sidebar.currentRow()]
        self._reload(name)

    def _reload(self, name: str) -> None:
        self._stale.discard(name)
        if name == "Photos":
            self.photos.reload()
        elif name == "People":
            self.people.reload()
            if self.people_stack.currentWidget() is self.person:
                self.person.reload()
            elif self.people_stack.currentWidget() is self.unsorted:
                self.unsorted.reload()
        elif name == "Review":
            self.review.reload()
        elif name == "Folders":
            self.folders.reload()
        elif name == "Places":
            self.places.reload()
        elif name == "Albums":
            self.albums.reload()
        elif name == "Duplicates":
            self.duplicates.reload()

    def _check_empty(self) -> None:
        def count(library: Library) -> int:
            return photo_rows.counts(library)["photos"]

        self.backend.query(count, self._counted)

    def _counted(self, photos: int) -> None:
        had = self._has_photos
        self._has_photos = photos > 0 or self.backend.scanning
        if had != self._has_photos:
            self._page_chosen(self.sidebar.currentRow())

    # -- adding photos ---------------------------------------------------------------------

    def choose_folder(self) -> None:
        folder = choose_folder(self, "Add a folder of photos", start_folder())
        if folder:
            app_settings().setValue(LAST_FOLDER_KEY, os.path.dirname(os.path.abspath(folder)))
            self.add_paths([folder])

    def add_paths(self, paths: list[str]) -> None:
        """Scan these folders or photos now, or as soon as the running scan ends."""
        paths = [os.path.abspath(p) for p in paths]
        if not paths:
            return
        if not self.backend.scan(paths):
            self.backend.remember(paths)  # recorded now: closing before its turn loses nothing
            self._queued.extend(p for p in paths if p not in self._queued)
            self.statusBar().showMessage("Added; it will be scanned after the current scan", 6000)
            return
        self._has_photos = True
        if self.current_page() == "Empty":  # the first scan: show its people as they come
            self.show_page("People")
        self._page_chosen(self.sidebar.currentRow())

    def open_paths(self, paths: list[str]) -> None:
        """Another launch handed us these (an empty list: just come to the front)."""
        self.showNormal()
        self.raise_()
        self.activateWindow()
        self.add_paths(paths)

    def rescan(self) -> None:
        def roots(library: Library) -> list[str]:
            return photo_rows.roots(library)

        self.backend.query(roots, self.add_paths)

    def _carry_on(self, resume: Resume) -> None:
        """A scan that stopped before its end (the window closed, album crashed, folders still
        waiting their turn) carries on by itself when the window starts. A scan the user
        cancelled is not restarted in that session, only at the next start."""
        if not resume.paths:
            return
        self.add_paths(resume.paths)
        self.statusBar().showMessage(resume_message(resume), 15000)

    def _scan_finished(self, _report: object) -> None:
        self._changed()
        if self._queued:
            queued, self._queued = self._queued, []
            QTimer.singleShot(0, lambda: self.add_paths(queued))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and local_paths(event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = local_paths(event.mimeData().urls())
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)

    # -- the rest --------------------------------------------------------------------------

    def open_settings(self) -> None:
        SettingsDialog(self.backend, self).exec()

    def show_error(self, text: str) -> None:
        self.statusBar().showMessage(f"⚠ {text}", 15000)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._looked_for_unfinished:  # once the window is on screen, not before
            self._looked_for_unfinished = True
            self.backend.still_to_scan(self._carry_on)

    def closeEvent(self, event: QCloseEvent) -> None:
        app_settings().setValue(GEOMETRY_KEY, self.saveGeometry())
        finished = self.backend.shutdown()
        finished = self.thumbnails.wait(2000) and finished
        if finished:  # else a thread still uses its connection: the process's exit closes it
            threads = self.backend.jobs.threads | self.thumbnails.threads
            close_thread_libraries(self.backend.library_path, threads)
        super().closeEvent(event)
