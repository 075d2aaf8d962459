"""Torture: privacy. album never opens a network connection, and a forgotten person leaves no
byte of their name, face embeddings or face crops in any file of the library, backups included.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from album.people.service import PeopleService
from album.store import backup
from album.store.library import SCRUB_KEY, Library
from tests.conftest import REPO, album, cached_crops, copy_photos, export

# Installed in every Python process started with this folder on PYTHONPATH (sitecustomize), so
# the scan's forkserver and its workers have it too. It logs and refuses any socket that is not
# a local Unix socket (multiprocessing's forkserver talks over one) and any name lookup.
SITECUSTOMIZE = """
import os, socket, sys

_LOG = os.environ["ALBUM_NET_LOG"]

def _note(kind, what):
    with open(_LOG, "a") as handle:
        handle.write(f"{os.getpid()} {kind} {what!r}\\n")

def _hook(event, args):
    if event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"):
        _note("lookup", args[:2])
        raise OSError("network access blocked by album's privacy test")
    if event in ("socket.connect", "socket.bind", "socket.sendto", "socket.sendmsg"):
        family = getattr(args[0], "family", None)
        if family != socket.AF_UNIX:
            _note(event, args[1:2])
            raise OSError("network access blocked by album's privacy test")
    if event == "socket.__new__" and args[1] not in (socket.AF_UNIX, -1):
        _note("socket", args[1])
        raise OSError("network access blocked by album's privacy test")

sys.addaudithook(_hook)
with open(_LOG + ".armed", "a") as handle:
    handle.write(f"{os.getpid()}\\n")
"""


@pytest.fixture
def offline_env(tmp_path: Path) -> dict[str, str]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    log = tmp_path / "network.log"
    pythonpath = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
    return {"PYTHONPATH": pythonpath, "ALBUM_NET_LOG": str(log)}


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def test_the_block_catches_a_connection_even_in_a_worker_process(offline_env: dict[str, str]):
    """The control: without it, an empty log would prove nothing."""
    code = textwrap.dedent(
        """
        import multiprocessing, socket
        ctx = multiprocessing.get_context("forkserver")
        child = ctx.Process(target=socket.getaddrinfo, args=("example.org", 443))
        child.start(); child.join()
        try:
            socket.socket(socket.AF_INET, socket.SOCK_STREAM).connect(("127.0.0.1", 9))
        except OSError:
            pass
        """
    )
    subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **offline_env},
        cwd=REPO,
        timeout=60,
        capture_output=True,
    )
    log = Path(offline_env["ALBUM_NET_LOG"])
    entries = _lines(log)
    assert any("lookup" in e and "example.org" in e for e in entries), entries
    assert any("socket" in e or "connect" in e for e in entries), entries
    assert len({e.split()[0] for e in entries}) == 2, "the child process was not covered"


def test_scan_and_clustering_make_no_network_connection(
    offline_env: dict[str, str], tmp_path: Path, lfw_people: dict[str, list[Path]]
):
    folder = tmp_path / "Pictures"
    copy_photos(
        [p for name in ("Colin_Powell", "Laura_Bush") for p in lfw_people[name][:3]], folder
    )
    library = tmp_path / "lib" / "library.db"
    scan = album("scan", folder, "--library", library, "--workers", "2", env=offline_env)
    assert "Faces found: 6" in scan.stdout
    album("cluster", "--library", library, env=offline_env)
    album("people", "--library", library, env=offline_env)
    album("export", "--json", "--library", library, env=offline_env)
    log = Path(offline_env["ALBUM_NET_LOG"])
    assert _lines(log) == []
    armed = set(_lines(Path(str(log) + ".armed")))
    assert len(armed) >= 5, "the hook must run in the scan's helper processes too"


# -- forget --------------------------------------------------------------------------------

SECRET = "Zoë Secretname-Qx"


def _secret_forms() -> list[bytes]:
    """Every way the name could be stored: as text, JSON-escaped in the edit log, in parts."""
    return [
        SECRET.encode(),
        json.dumps(SECRET).encode(),
        json.dumps(SECRET, ensure_ascii=False).encode(),
        b"Secretname-Qx",
        SECRET.encode("utf-16-le"),
    ]


def _files(library: Path) -> list[Path]:
    return [p for p in library.parent.rglob("*") if p.is_file()]


def _found(library: Path, needles: list[bytes]) -> list[tuple[str, int]]:
    hits = []
    for path in _files(library):
        data = path.read_bytes()
        hits += [(path.name, n) for n, needle in enumerate(needles) if needle in data]
    return hits


def _face_bytes(library: Path, person: str | None) -> list[bytes]:
    """Pieces of a person's embeddings and crops, as any copy of them would hold them."""
    pieces = []
    crops = cached_crops(library)
    with sqlite3.connect(library) as conn:
        rows = [
            (embedding, crops[face])
            for face, embedding in conn.execute(
                "SELECT f.id, f.embedding FROM faces f JOIN people p ON p.id = f.person_id "
                "WHERE p.name IS ?",
                (person,),
            )
        ]
    for embedding, crop in rows:
        pieces += [embedding, embedding[:32], embedding[240:272], embedding[-32:]]
        middle = len(crop) // 2
        pieces.append(crop[middle : middle + 48])
    return pieces


@pytest.fixture
def scanned(tmp_path: Path, lfw_people: dict[str, list[Path]]) -> tuple[Path, Path]:
    folder = tmp_path / "Pictures"
    people = ("Colin_Powell", "Serena_Williams")
    copy_photos([p for name in people for p in lfw_people[name][:5]], folder)
    library = tmp_path / "lib" / "library.db"
    album("scan", folder, "--library", library, "--workers", "2")
    return folder, library


def _name_and_edit(library: Path) -> tuple[int, list[bytes], list[bytes]]:
    """Name Serena's group SECRET with edits that log it; returns her id, her face bytes and a
    bystander's (Colin's), and leaves a backup that holds her."""
    photos = export(library)["photos"]
    by_person: dict[str, list[int]] = {}
    for photo in photos:
        who = Path(photo["path"]).name.split("__")[0]
        by_person.setdefault(who, []).extend(f["id"] for f in photo["faces"])
    with Library.open(library) as lib:
        service = PeopleService(lib)
        serena = service.move_to_name(by_person["Serena_Williams"], SECRET).person_id
        colin = service.move_to_name(by_person["Colin_Powell"], "Colin").person_id
        service.reject([by_person["Serena_Williams"][0]])
        service.move_faces([by_person["Serena_Williams"][0]], serena)  # undo by hand: logged
        service.merge([colin, serena], into=colin)
        service.undo()
        lib.backup(reason="manual")
    assert serena is not None
    return serena, _face_bytes(library, SECRET), _face_bytes(library, "Colin")


def test_forget_leaves_no_byte_of_the_person_in_the_library_or_its_backups(scanned):
    folder, library = scanned
    _, hers, bystander = _name_and_edit(library)
    assert _found(library, _secret_forms()), "the control: the name is in the files before"
    assert _found(library, hers), "the control: her face data is in the files before"

    result = album("forget", SECRET, "--yes", "--library", library)
    assert "older backups were deleted" in result.stdout
    assert _found(library, _secret_forms()) == []
    assert _found(library, hers) == []
    assert _found(library, bystander), "the others' faces are still there"
    made = backup.backups(library)
    assert len(made) == 1 and "after-forget" in made[0].name
    with sqlite3.connect(made[0]) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = ?", (SCRUB_KEY,)).fetchone() is None
        assert conn.execute("SELECT count(*) FROM people WHERE name = 'Colin'").fetchone()[0] == 1

    # A rescan finds her faces again, but they stay forgotten: no data comes back.
    album("scan", folder, "--library", library, "--reanalyze")
    Library.open(library).close()
    assert _found(library, _secret_forms()) == [] and _found(library, hers) == []
    assert "Integrity check: ok" in album("check", "--library", library).stdout


def test_forget_finishes_on_the_next_open_when_a_reader_holds_old_pages(scanned):
    _, library = scanned
    serena, hers, _ = _name_and_edit(library)
    reader = sqlite3.connect(library, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM faces").fetchone()  # a window reading, mid-snapshot
    with Library.open(library) as lib:
        lib.conn.execute("PRAGMA busy_timeout = 300")
        service = PeopleService(lib)
        service.forget(serena)
        assert not service.scrubbed
        assert lib.meta(SCRUB_KEY) == "1"
    reader.execute("COMMIT")
    with Library.open(library) as lib:  # the next start of album finishes it
        assert lib.meta(SCRUB_KEY) is None
    reader.close()
    assert _found(library, _secret_forms()) == []
    assert _found(library, hers) == []
