"""Render Review asking "Ada or Bea?" offscreen: docs/screenshots/25-review-a-or-b.png.

    QT_QPA_PLATFORM=offscreen uv run python docs/make_choice_screenshot.py [--faces DIR]

Apart from make_screenshots.py because it needs two people the user kept apart who look
alike, as twins do, and the other screenshots' library has none. Real photos stand in for
them: Amélie Mauresmo's ten LFW portraits, the first three named "Ada" and the next three
"Bea", kept apart as a parent keeps twins apart; her other photos are then close to both, and
Review asks which one each is. A few portraits of two other people fill the rest of the library.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))
sys.path.insert(0, str(DOCS))

from make_screenshots import largest_face, scanned, scene, shot, wait_for  # noqa: E402

from album.people.service import PeopleService  # noqa: E402
from album.store import queries  # noqa: E402
from album.store.library import Library  # noqa: E402
from album.ui.main_window import MainWindow  # noqa: E402

TWIN = "Amelie_Mauresmo"
OTHERS = ("Serena_Williams", "Tony_Blair")
NAMES = ("Ada", "Bea")


def prepare(faces: Path, root: Path) -> Path:
    """Scan the photos (the real `album scan`), name the twins and keep them apart."""
    folder = root / "Pictures"
    lfw = faces / "lfw-62x10"
    for name, count in ((TWIN, 10), *((other, 5) for other in OTHERS)):
        target = folder / name
        target.mkdir(parents=True)
        for photo in sorted((lfw / name).iterdir())[:count]:
            shutil.copy(photo, target / photo.name)
    library_path = scanned(folder, root)
    with Library.open(library_path) as library:
        service = PeopleService(library)
        twin = [
            largest_face(library, p.id)
            for p in sorted(queries.all_photos(library.conn), key=lambda p: Path(p.path).name)
            if Path(p.path).parent.name == TWIN
        ]
        ada = service.move_to_name(twin[:3], NAMES[0]).person_id
        bea = service.move_to_name(twin[3:6], NAMES[1]).person_id
        assert ada is not None and bea is not None
        service.keep_apart(ada, bea)
    return library_path


def show(window: MainWindow) -> None:
    window.show_page("Review")
    review = window.review.faces
    wait_for(lambda: review.current is not None and review.current.is_choice)
    wait_for(lambda: all(not p.pixmap().isNull() for p in review.candidates.pictures))
    wait_for(lambda: review.context.pixmap() is not None and not review.context.pixmap().isNull())
    shot(window, "25-review-a-or-b")


if __name__ == "__main__":
    scene(__doc__.split("\n\n")[0], f"lfw-62x10/{TWIN}", prepare, show)
