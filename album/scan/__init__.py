"""Scanning folders: find photo files, analyze them on worker processes, store the results."""
