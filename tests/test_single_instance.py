"""One window per library: a second launch hands its paths to the first over a local socket.

The second launch is a real second process where it matters (the socket name must be the
same in both, relative paths must arrive absolute, a crash must leave a socket the next
start can replace); a thread stands in for it elsewhere, since hand_over() blocks its caller
while the listening instance needs the test's event loop to answer.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import socket
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtNetwork")

from PySide6.QtCore import QDir

from album.ui.single_instance import SingleInstance, decode_paths, server_name

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def key(tmp_path: Path):
    """A library path no other test (or album on this machine) uses; afterwards, no socket
    file a test made by hand (or a killed process left) stays in the temporary folder."""
    key = str(tmp_path / f"library-{uuid.uuid4().hex}.db")
    yield key
    for leftover in (socket_path(key), socket_path(key + "-other")):
        leftover.unlink(missing_ok=True)


@pytest.fixture
def instances(qapp):
    """SingleInstance objects a test makes, closed afterwards so no socket outlives it."""
    made: list[SingleInstance] = []

    def make(key: str) -> SingleInstance:
        instance = SingleInstance(key)
        made.append(instance)
        return instance

    yield make
    for instance in made:
        instance.close()


def socket_path(key: str) -> Path:
    return Path(QDir.tempPath()) / server_name(key)


def run_python(code: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """A second album process, as a second launch would be."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd or REPO,
        env=env,
    )


SECOND_LAUNCH = """
    import sys
    from PySide6.QtCore import QCoreApplication
    from album.ui.single_instance import SingleInstance
    app = QCoreApplication([])
    print("took" if SingleInstance(sys.argv[1]).hand_over(sys.argv[2:], 5000) else "refused")
"""


def raw_client(name: str, chunks: list[bytes], reply: list[bytes]) -> threading.Thread:
    """A client on a plain Python socket, in a thread: it releases the GIL while it waits,
    which PySide6's blocking waitFor* calls do not, so the listener in this thread can run.
    The chunks go out a moment apart, as a slow client's would."""

    def work() -> None:
        with socket.socket(socket.AF_UNIX) as client:
            client.settimeout(10)
            client.connect(str(Path(QDir.tempPath()) / name))
            for chunk in chunks:
                client.sendall(chunk)
                time.sleep(0.05)
            reply.append(client.recv(100))

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def second_launch(key: str, *paths: str, cwd: Path = REPO) -> subprocess.Popen:
    """`album FOLDER...` started while a window is open: a separate process, as in life."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(SECOND_LAUNCH), key, *paths],
        cwd=cwd,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )


def test_second_process_hands_paths_to_the_first(qtbot, instances, key, tmp_path):
    first = instances(key)
    assert first.listen()
    assert first.is_listening()
    (tmp_path / "Holidays").mkdir()
    odd = "caf\udce9"  # a file name that is not valid UTF-8 must survive the trip

    with qtbot.waitSignal(first.received, timeout=30_000) as blocker:
        # The event loop runs while the second process talks to us.
        process = second_launch(key, "Holidays", "/abs/x.jpg", odd, cwd=tmp_path)
    out, _ = process.communicate(timeout=60)

    assert blocker.args == [[str(tmp_path / "Holidays"), "/abs/x.jpg", str(tmp_path / odd)]]
    assert out.strip() == "took", "the second launch must learn that the first took its paths"


def test_a_launch_without_paths_asks_the_window_to_show_itself(qtbot, instances, key):
    first = instances(key)
    assert first.listen()
    with qtbot.waitSignal(first.received, timeout=30_000) as blocker:
        process = second_launch(key)
    assert process.communicate(timeout=60)[0].strip() == "took"
    assert blocker.args == [[]]


def test_the_listener_answers_a_message_split_across_writes(qtbot, instances, key):
    first = instances(key)
    assert first.listen()
    reply: list[bytes] = []
    with qtbot.waitSignal(first.received, timeout=10_000) as blocker:
        raw_client(first.name, [b'{"paths": ["/a",', b' "/b"]', b"}\n"], reply)
    qtbot.waitUntil(lambda: reply != [], timeout=10_000)
    assert blocker.args == [["/a", "/b"]]
    assert reply == [b"ok\n"]


def test_another_key_does_not_reach_it(qtbot, instances, key):
    first = instances(key)
    assert first.listen()
    received: list[list[str]] = []
    first.received.connect(received.append)

    other = instances(key + "-other")
    assert other.name != first.name
    assert other.hand_over(["/photos"], timeout_ms=500) is False
    qtbot.wait(200)
    assert received == []


def test_only_one_instance_listens_per_key(instances, key):
    first = instances(key)
    assert first.listen()
    second = instances(key)
    assert second.listen() is False, "a live instance's socket must not be taken over"
    assert first.is_listening()
    assert first.listen() is True  # listening again is harmless


def test_stale_socket_file_does_not_block_listen(qtbot, instances, key):
    path = socket_path(key)
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(path))
    stale.close()  # the file stays, nobody listens: what a crash leaves
    assert path.exists()

    fresh = instances(key)
    assert fresh.hand_over(["/x"], timeout_ms=500) is False
    assert fresh.listen()
    with qtbot.waitSignal(fresh.received, timeout=30_000) as blocker:
        process = second_launch(key, "/after/crash")
    assert process.communicate(timeout=60)[0].strip() == "took"
    assert blocker.args == [["/after/crash"]]


def test_a_killed_instance_leaves_nothing_that_blocks_the_next(instances, key):
    crashed = run_python(
        """
        import os, signal, sys
        from PySide6.QtCore import QCoreApplication
        from album.ui.single_instance import SingleInstance
        app = QCoreApplication([])
        instance = SingleInstance(sys.argv[1])  # kept: a dropped one closes its socket
        assert instance.listen()
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGKILL)
        """,
        key,
    )
    assert crashed.returncode == -9, crashed.stderr
    assert socket_path(key).exists(), "a killed listener leaves its socket file behind"

    assert instances(key).listen()


def test_close_lets_the_next_instance_listen(instances, key):
    first = instances(key)
    assert first.listen()
    first.close()
    assert not first.is_listening()
    assert not socket_path(key).exists()
    assert instances(key).listen()


@pytest.mark.parametrize("leftover", ["none", "stale"])
def test_hand_over_fails_fast_when_nobody_listens(instances, key, leftover):
    if leftover == "stale":
        stale = socket.socket(socket.AF_UNIX)
        stale.bind(str(socket_path(key)))
        stale.close()
    started = time.monotonic()
    assert instances(key).hand_over(["/photos"], timeout_ms=1000) is False
    assert time.monotonic() - started < 0.9  # well inside the 1 s timeout: no waiting for it


def test_an_instance_that_never_answers_costs_at_most_the_timeout(key):
    # A hung first instance: the kernel accepts the connection, nobody ever replies.
    hung = socket.socket(socket.AF_UNIX)
    hung.bind(str(socket_path(key)))
    hung.listen(1)
    try:
        started = time.monotonic()
        assert SingleInstance(key).hand_over(["/photos"], timeout_ms=400) is False
        assert 0.3 < time.monotonic() - started < 2.0
    finally:
        hung.close()
        socket_path(key).unlink()


def test_garbage_is_refused_and_not_delivered(qtbot, instances, key):
    first = instances(key)
    assert first.listen()
    received: list[list[str]] = []
    first.received.connect(received.append)
    reply: list[bytes] = []
    raw_client(first.name, [b'{"paths": [1, 2]}\n'], reply)
    qtbot.waitUntil(lambda: reply != [], timeout=10_000)
    assert reply == [b"error\n"]
    assert received == []
    # …and the server still serves the next launch.
    reply.clear()
    with qtbot.waitSignal(first.received, timeout=10_000):
        raw_client(first.name, [b'{"paths": ["/ok"]}\n'], reply)


def test_server_name_is_private_and_stable():
    name = server_name("/home/me/.local/share/album/library.db")
    assert name == server_name("/home/me/.local/share/album/library.db")
    assert name != server_name("/home/me/other.db")
    assert f"-{os.getuid()}-" in name
    assert "/" not in name and len(name) < 60
    assert decode_paths(b"not json") is None
    assert decode_paths(b'{"paths": "/x"}') is None
    assert decode_paths(b'{"paths": ["/x"], "later": 1}') == ["/x"]
