"""`python -m album`: the same as the `album` command."""

import sys

from album.cli import main

if __name__ == "__main__":
    sys.exit(main())
