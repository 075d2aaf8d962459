"""What `album --version` prints, in a module of its own so answering it loads nothing else."""

from __future__ import annotations

import platform

from album import __version__


def version_text() -> str:
    return f"album {__version__} (Python {platform.python_version()})"
