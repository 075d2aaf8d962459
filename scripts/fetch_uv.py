"""Put the pinned uv into DEST/bin with nothing but Python's standard library.

    python3 scripts/fetch_uv.py DEST

Why: a stock Debian or Ubuntu desktop has python3 but not python3-venv (no ensurepip), so
`python3 -m venv` then `pip install uv` fails on exactly the machine a new user has. uv is
published on PyPI as a wheel holding one static binary; a wheel is a zip file. This downloads
the wheel for this machine from PyPI, checks it against the SHA-256 pinned below (the same
release as UV_VERSION in ensure-env.sh) and unpacks only the binary. Written for any Python 3.8
or newer: the Python that fetches uv may be older than the one album runs on (uv brings that).
"""

import hashlib
import os
import platform
import stat
import sys
import tempfile
import urllib.request
import zipfile
from typing import NoReturn

VERSION = "0.13.8"
FILES = "https://files.pythonhosted.org/packages/"
# (system, machine) -> (path under FILES, sha256 of the wheel)
WHEELS = {
    ("Linux", "x86_64"): (
        "c5/32/52ee34636aea1ab3f8baeeae1c3599461b8cddfb379862cc72ac61b8d91c/"
        "uv-0.13.8-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "e18a57b8b352eb7c8feb317b9f6f533c8f0ad9673fd6cf34bbe3cf1a9f6a8984",
    ),
    ("Linux", "aarch64"): (
        "9e/f0/d989ac5fcebf83f1c8c5d78974f27788e8364945969eb646f5d0db35d924/"
        "uv-0.13.8-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64.whl",
        "0b3e8b1a4f5e405e31e2ff33de8af4744831e9f7338539671efbd8c3c94e791d",
    ),
    ("Darwin", "arm64"): (
        "84/46/deb3a1eb3020575e41d1f9840c07185761d8d4c25cd6f58e813afb017476/"
        "uv-0.13.8-py3-none-macosx_11_0_arm64.whl",
        "62b6943c7fd64fac6854f780bea6e0359e5a5bc3241f83ee357bb38276afac49",
    ),
    ("Darwin", "x86_64"): (
        "be/7a/fd8a719c0198f8f8341847fc33b377f25ac79f7c4a56dbce5ceb086f239c/"
        "uv-0.13.8-py3-none-macosx_10_12_x86_64.whl",
        "b7124ca1956ec2e476a1003ea5715a15f0266afaec37f4dc9c6972ba8183e6d1",
    ),
}
BINARY = f"uv-{VERSION}.data/scripts/uv"


def fail(message: str) -> NoReturn:
    sys.stderr.write(f"album: {message}\n")
    sys.exit(1)


def main() -> None:
    if len(sys.argv) != 2:
        fail("usage: fetch_uv.py DEST")
    dest = os.path.join(sys.argv[1], "bin")
    key = (platform.system(), platform.machine().replace("amd64", "x86_64"))
    if key not in WHEELS:
        fail(
            f"no pinned uv for {key[0]} {key[1]}: install uv yourself "
            "(https://docs.astral.sh/uv/) and run again"
        )
    path, sha256 = WHEELS[key]
    sys.stderr.write(f"album: downloading uv {VERSION} from PyPI (once, about 18 MB)\n")
    try:
        with urllib.request.urlopen(FILES + path, timeout=120) as response:
            wheel = response.read()
    except OSError as exc:
        fail(f"could not download uv from PyPI ({exc}): check the network, or install uv")
    if hashlib.sha256(wheel).hexdigest() != sha256:
        fail("the uv wheel from PyPI does not match its pinned SHA-256: not installed")
    os.makedirs(dest, exist_ok=True)
    with tempfile.TemporaryFile() as spool:
        spool.write(wheel)
        spool.seek(0)
        with zipfile.ZipFile(spool) as archive:
            target = os.path.join(dest, "uv")
            partial = target + ".part"
            with archive.open(BINARY) as source, open(partial, "wb") as out:
                out.write(source.read())
    os.chmod(partial, os.stat(partial).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    os.replace(partial, target)
    print(target)


if __name__ == "__main__":
    main()
