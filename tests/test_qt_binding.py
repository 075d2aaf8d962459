"""The Qt binding itself must be sound: a model's data() returning None must not eat None.

PySide6 6.12.0 on Python 3.11 drops a reference to None each time a view reads a role the
model has no value for; scrolling a grid of 10,000 people then kills the process with "Fatal
Python error: none_dealloc". We pin 6.11.3, and this test keeps a future bump honest.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt


class Empty(QAbstractListModel):
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 1

    def data(self, index: object, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        return None


def test_reading_an_empty_role_keeps_none_alive(qapp):
    model = Empty()
    index = model.index(0)
    before = sys.getrefcount(None)
    for _ in range(10_000):
        index.data(Qt.ItemDataRole.DecorationRole)
    assert sys.getrefcount(None) - before > -100
