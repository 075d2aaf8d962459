"""Pillow pictures into Qt, off the GUI thread.

From pixels, never from an encoded file: decoding a file in Qt (QImage.fromData) probes image
formats with QObjects, and a worker thread doing that while it holds Python's GIL deadlocked
with the GUI thread deleting a QObject (which waits for the GIL under Qt's own lock). A QImage
made from bytes touches no QObject.
"""

from __future__ import annotations

from PIL import Image
from PySide6.QtGui import QImage


def qimage_of(picture: Image.Image) -> QImage:
    rgb = picture if picture.mode == "RGB" else picture.convert("RGB")
    data = rgb.tobytes()
    image = QImage(data, rgb.width, rgb.height, 3 * rgb.width, QImage.Format.Format_RGB888)
    return image.copy()  # its own pixels: `data` goes away with this function
