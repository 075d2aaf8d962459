"""The bundled executable's entry point: the `album` command (album.cli:main).

A frozen program cannot run `python -m album`, and the scan's worker processes start with
forkserver or spawn: `multiprocessing.freeze_support()` is what lets the bundled executable
act as a worker when multiprocessing starts it again, instead of parsing a worker's arguments
as an `album` command line.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from album.cli import main

    sys.exit(main())
