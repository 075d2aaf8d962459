"""album: find the people in your photos.

Importing album loads no model and no Qt: the CLI and the worker processes start fast, and the
core runs headless.
"""

__version__ = "0.1.0"
