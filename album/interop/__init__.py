"""Face names and boxes in formats other tools read (XMP MWG regions)."""
