"""The library: one SQLite file, and the only SQL in album."""
