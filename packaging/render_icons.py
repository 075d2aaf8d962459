"""Render resources/album.svg to the PNG sizes desktops look for (resources/icons/album-N.png).

Run it after changing the SVG: `uv run python packaging/render_icons.py`. Icon themes want
PNGs at fixed sizes (hicolor/NxN/apps) and some docks and window managers never read SVG, so
the PNGs are committed beside the SVG. Qt's own SVG renderer draws them, headless, so no
Inkscape or librsvg is needed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "album.svg"
OUTPUT = ROOT / "resources" / "icons"
SIZES = (16, 32, 48, 64, 128, 256)


def render(svg: Path, size: int) -> QImage:
    """One square, transparent, antialiased rendering of the whole SVG."""
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"render_icons: {svg} is not an SVG Qt can draw")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    _app = QGuiApplication(sys.argv[:1])
    OUTPUT.mkdir(exist_ok=True)
    for size in SIZES:
        target = OUTPUT / f"album-{size}.png"
        if not render(SVG, size).save(str(target), "PNG"):
            raise SystemExit(f"render_icons: could not write {target}")
        print(target.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
