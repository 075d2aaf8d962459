"""Drawing a missed face in the viewer with a real mouse, on a real X server (Xvfb, openbox):
the rubber band shows from the first pixel moved, as the X server's own pixels say, even over
a white sky (a white band alone showed nothing there), and letting go adds the face. The
window part runs in its own process with QT_QPA_PLATFORM=xcb (the test session's Qt is
offscreen):

    python -m tests.test_viewer_draw_x11 LIBRARY PHOTO_ID LEFT TOP SIDE
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.conftest import album, export, photos_by_name, run_on_x

# A portrait against a white sky, pasted into a large bright photo, where a small detection
# size misses its face; the drag starts on the sky, where a white band alone cannot be seen.
PORTRAIT = ("Tony_Blair", "Tony_Blair_0010.jpg")
PASTED_AT = (600, 400)
FACE = (80, 60, 120)  # left, top, side of a box around the face inside the portrait (250 px)


def test_a_face_drawn_with_a_real_mouse_shows_its_box_at_once_and_is_added(
    x_desktop: dict[str, str], tmp_path: Path, faces: Path
):
    from PIL import Image

    folder = tmp_path / "Pictures"
    folder.mkdir()
    canvas = Image.new("RGB", (1600, 1200), (246, 247, 250))
    with Image.open(faces / "lfw-62x10" / PORTRAIT[0] / PORTRAIT[1]) as portrait:
        canvas.paste(portrait.convert("RGB"), PASTED_AT)
    canvas.save(folder / "far-away.jpg", quality=92)
    library = tmp_path / "library.db"
    album("scan", folder, "--library", library, "--detect-size", "400", "--no-detection-plan")
    photo = photos_by_name(export(library))["far-away.jpg"]
    assert photo["faces"] == [], "the detector was meant to miss this face"
    left, top = PASTED_AT[0] + FACE[0], PASTED_AT[1] + FACE[1]
    args = [str(a) for a in (library, photo["id"], left, top, FACE[2])]
    assert "drawn" in run_on_x("tests.test_viewer_draw_x11", *args, env=x_desktop, timeout=300)
    [face] = photos_by_name(export(library))["far-away.jpg"]["faces"]
    assert face["manual"]
    box_top, box_right, box_bottom, box_left = face["box"]
    assert abs(box_left - left) <= 12 and abs(box_top - top) <= 12, face["box"]
    assert abs(box_right - (left + FACE[2])) <= 12, face["box"]
    assert abs(box_bottom - (top + FACE[2])) <= 12, face["box"]


# -- the window's side, on the X server ----------------------------------------------------


def _changed(before: object, after: object) -> int:
    """Pixels of two grabs (QImage) that differ clearly: the band is white on a dim photo."""
    count = 0
    for y in range(before.height()):  # type: ignore[attr-defined]
        for x in range(before.width()):  # type: ignore[attr-defined]
            a, b = before.pixelColor(x, y), after.pixelColor(x, y)  # type: ignore[attr-defined]
            if abs(a.lightness() - b.lightness()) > 60:
                count += 1
    return count


def draw(library: Path, photo_id: int, left: int, top: int, side: int) -> None:
    from PySide6.QtCore import QPoint, QPointF, QTimer
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication, QMessageBox

    from tests.x11_journey import focus, open_x_window, pump, wait, xdotool

    window = open_x_window(library)
    viewer = window.open_photo(photo_id, [photo_id])
    wait(lambda: viewer.scene_view.picture is not None and viewer.isVisible(), "the photo")
    focus(viewer)
    pump(1.0)
    view = viewer.scene_view

    def on_screen(x: float, y: float) -> QPoint:
        return view.viewport().mapToGlobal(view.mapFromScene(QPointF(x, y)))

    start, end = on_screen(left, top), on_screen(left + side, top + side)
    screen = QGuiApplication.primaryScreen()

    def grab() -> object:
        pump(0.3)
        return screen.grabWindow(0, start.x() - 10, start.y() - 10, 30, 30).toImage()

    # A slip of the mouse adds nothing, and says why instead of vanishing without a word.
    xdotool("mousemove", "--sync", str(end.x()), str(end.y()))
    xdotool("mousedown", "1", "mousemove", str(end.x() + 5), str(end.y() + 5), "mouseup", "1")
    wait(lambda: "Too small" in viewer.caption.text(), "a word on the slip")
    xdotool("mousemove", "--sync", str(start.x()), str(start.y()))
    before = grab()
    xdotool("mousedown", "1")
    pump(0.2)
    # The first pixel moved already shows the band, in the pixels the X server shows.
    xdotool("mousemove", "--sync", str(start.x() + 1), str(start.y() + 1))
    first = _changed(before, grab())
    print(f"pixels changed by the first pixel moved: {first}", flush=True)
    assert first >= 4, f"no rubber band after the first pixel moved ({first} pixels changed)"
    steps = 8
    for step in range(1, steps + 1):
        x = start.x() + (end.x() - start.x()) * step // steps
        y = start.y() + (end.y() - start.y()) * step // steps
        xdotool("mousemove", "--sync", str(x), str(y))
        pump(0.05)
    answered: list[str] = []

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            answered.append(box.text())
            focus(box)
            xdotool("key", "Return")  # the Yes button is the default, as a user presses it
        else:
            QTimer.singleShot(200, answer)

    QTimer.singleShot(300, answer)
    xdotool("mouseup", "1")
    wait(lambda: bool(answered), "the question after the drawn box")
    wait(lambda: len(viewer.boxes) == 1, "the drawn face in the viewer", timeout=120)
    print("drawn", answered[0], flush=True)
    viewer.close()
    window.close()
    pump(0.5)


if __name__ == "__main__":
    library, photo_id, left, top, side = sys.argv[1:6]
    draw(Path(library), int(photo_id), int(left), int(top), int(side))
    sys.exit(0)
