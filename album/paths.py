"""File names as text: any name the file system hands us must be printable and storable."""

from __future__ import annotations


def display_path(path: str) -> str:
    """A path as text that can always be printed or stored (undecodable bytes shown as \\xNN)."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
