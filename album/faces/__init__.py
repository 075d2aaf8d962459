"""Face detection and encoding: dlib's models, and the pure per-photo analysis built on them."""
