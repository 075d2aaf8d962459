"""album: find the people in your photos."""
