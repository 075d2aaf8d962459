"""The name dialog (Name…, Move to…, Who is this?) on a real X server with a real window manager
(Xvfb + openbox), typed into by real keys (xdotool): one Return takes the name offered or the
new one typed, the list of names never covers OK, and the title bar has room for its title.

The dialog runs in a process of its own (this module, run as `python -m tests.test_name_dialog`)
with QT_QPA_PLATFORM=xcb: the test session's own Qt is offscreen.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from tests.conftest import run_on_x

NAMES = ["Colin Powell", "Grace Kelly", "Serena Williams"]
# What the user types, the keys pressed after it (before the one Return), and the name wanted.
CASES = {
    # A new name that is part of one offered stays as typed (a list open is no choice made).
    "part of a name": ("Will", [], "Will"),
    "a new name": ("Grace Hopper", [], "Grace Hopper"),
    "a name picked in the list": ("owe", ["Down"], "Colin Powell"),
}
TITLE = "Name faces"


def test_one_return_takes_the_name_and_nothing_covers_ok_on_a_real_x_server(x_desktop):
    out = run_on_x("tests.test_name_dialog", env=x_desktop, timeout=300)
    seen = json.loads(out.strip().splitlines()[-1])
    for case, (_typed, _keys, wanted) in CASES.items():
        got = seen[case]
        assert got["returns"] == 1, f"{case}: {got['returns']} Returns to close the dialog"
        assert got["name"] == wanted, (case, got)
        # The title bar: the title as the window manager has it, whole, beside its buttons.
        assert got["wm_name"].startswith(TITLE), got["wm_name"]
        assert got["width"] >= 360, got
        assert got["title_width"] + 100 <= got["width"], got
    # The list of names is open over the dialog, and OK and Cancel stay in sight.
    offered = seen["part of a name"]
    assert offered["popup"] is not None, "no list of names was offered"
    for text, button in offered["buttons"].items():
        assert not overlap(offered["popup"], button), f"the list covers {text}"
    assert offered["shown_before_return"] == "Will"


def overlap(a: list[int], b: list[int]) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


# -- the dialog's side, run in its own process on the X server -------------------------------


def main() -> int:
    from PySide6.QtCore import QPoint, QTimer
    from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics
    from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton, QWidget

    from album.ui.app import application
    from album.ui.person_page import ask_name

    assert os.environ.get("QT_QPA_PLATFORM") == "xcb"
    app = application()
    assert app.platformName() == "xcb", app.platformName()

    def pump(seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            QApplication.processEvents()
            time.sleep(0.01)

    def xdotool(*args: str) -> str:
        done = subprocess.run(["xdotool", *args], check=True, timeout=30, capture_output=True)
        return done.stdout.decode().strip()

    def rect(widget: QWidget) -> list[int]:
        corner = widget.mapToGlobal(QPoint(0, 0))
        return [corner.x(), corner.y(), widget.width(), widget.height()]

    window = QWidget()
    window.setWindowTitle("album")
    window.resize(1000, 700)
    window.show()
    pump(1.0)
    seen: dict[str, dict] = {}

    def drive(case: str, typed: str, keys: list[str]) -> None:
        report = seen[case] = {"returns": 0, "popup": None}
        deadline = time.monotonic() + 20
        while True:
            dialog = QApplication.activeModalWidget()
            if dialog is not None and dialog.isActiveWindow():
                break
            assert time.monotonic() < deadline, "the dialog never got the keyboard"
            pump(0.05)
        pump(0.3)
        report["wm_name"] = xdotool("getwindowname", str(int(dialog.winId())))
        font = QFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.TitleFont))
        font.setBold(True)
        report["title_width"] = QFontMetrics(font).horizontalAdvance(report["wm_name"])
        report["width"] = dialog.width()
        xdotool("type", "--delay", "80", typed)
        pump(0.5)
        for key in keys:
            xdotool("key", key)
            pump(0.3)
        edit = dialog.findChild(QLineEdit)
        popup = edit.completer().popup() if edit.completer() else None
        if popup is not None and popup.isVisible():
            report["popup"] = rect(popup)
        report["buttons"] = {b.text(): rect(b) for b in dialog.findChildren(QPushButton)}
        report["shown_before_return"] = edit.text()
        while dialog.isVisible() and report["returns"] < 3:
            xdotool("key", "Return")
            report["returns"] += 1
            pump(0.6)
        if dialog.isVisible():
            dialog.reject()

    for case, (typed, keys, _wanted) in CASES.items():
        QTimer.singleShot(100, lambda c=case, t=typed, k=keys: drive(c, t, k))
        seen.setdefault(case, {})
        name = ask_name(window, TITLE, "Who are these 3 faces?", NAMES)
        seen[case]["name"] = name
        xdotool("windowfocus", "--sync", str(int(window.winId())))
        pump(0.5)
    window.close()
    print(json.dumps(seen))
    return 0


if __name__ == "__main__":
    sys.exit(main())
