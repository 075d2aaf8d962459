"""The window's look: quiet greys, one accent colour, room around things."""

ACCENT = "#2f7de1"

STYLESHEET = f"""
QMainWindow, QDialog {{ background: #f6f6f7; }}
QListWidget#sidebar {{
    background: #ececef; border: none; padding-top: 8px; font-size: 14px;
}}
QListWidget#sidebar::item {{ padding: 9px 16px; border-radius: 6px; margin: 1px 8px; }}
QListWidget#sidebar::item:selected {{ background: {ACCENT}; color: white; }}
QLabel#title {{ font-size: 20px; font-weight: 600; padding: 4px 0; }}
QLabel#section {{ font-size: 15px; font-weight: 600; padding-top: 6px; }}
QLabel#dim {{ color: #6b6b70; }}
QLabel#warning {{
    background: #fff4d6; color: #5c4400; border-bottom: 1px solid #e8c96a; padding: 8px 12px;
}}
QFrame#damage[kind="damage"] {{
    background: #fde2e1; border-bottom: 1px solid #e39a96;
}}
QFrame#damage[kind="damage"] QLabel {{ color: #6b1410; font-weight: 600; }}
QFrame#damage[kind="report"] {{
    background: #e4f1e4; border-bottom: 1px solid #9cc79c;
}}
QFrame#damage[kind="report"] QLabel {{ color: #1f4d1f; }}
QLabel#picture {{ background: #e4e4e8; border-radius: 10px; }}
QFrame#copySet[current="true"] {{ border: 2px solid {ACCENT}; border-radius: 8px; }}
QLabel#copyPicture[chosen="true"] {{ border: 3px solid {ACCENT}; border-radius: 4px; }}
QLabel#empty {{ font-size: 22px; font-weight: 600; color: #3a3a3e; }}
QPushButton {{
    padding: 5px 12px; border: 1px solid #c9c9cf; border-radius: 6px; background: white;
}}
QPushButton:hover {{ border-color: {ACCENT}; }}
QPushButton:disabled {{ color: #a0a0a6; border-color: #dedee2; }}
QPushButton#primary {{ background: {ACCENT}; color: white; border-color: {ACCENT}; }}
QPushButton#primary:disabled {{ background: #9dbdea; border-color: #9dbdea; color: #eef3fb; }}
QPushButton:flat {{ border: none; background: transparent; color: {ACCENT}; }}
QLineEdit, QComboBox, QSpinBox, QDoubleSpinBox {{
    padding: 4px 6px; border: 1px solid #c9c9cf; border-radius: 6px; background: white;
}}
QComboBox QAbstractItemView {{ background: white; border: 1px solid #c9c9cf; }}
QComboBox QAbstractItemView::item {{ padding: 4px 6px; color: #1d1d1f; }}
QComboBox QAbstractItemView::item:selected {{ background: {ACCENT}; color: white; }}
QListView {{ background: #f6f6f7; }}
QStatusBar {{ background: #ececef; }}
QTabWidget::pane {{ border: none; }}
"""
