"""One album window per library: a second launch hands its folders to the first and exits.

Two windows on one library would be two writers racing on one SQLite file, and a file
manager's "Open with album" on a folder must add that folder to the window already open, not
start another. The first instance listens on a local socket (a Unix socket, a named pipe on
Windows) named after the user and the library; a second launch connects, sends its paths as
one line of JSON, and waits for the first to answer `ok`: only an answer proves a live window
took them (a hung process's socket would still accept the connection).

The server side never blocks the GUI thread: it reads on readyRead, and a client that stops
half-way is dropped after a few seconds. hand_over() does block, briefly: it runs in the
second process before any window exists.

    instance = SingleInstance(str(library_path))
    if instance.hand_over(folders):
        return 0                      # the running window has them
    if not instance.listen():         # lost a start-up race: the winner is up now
        return 0 if instance.hand_over(folders) else 1
    instance.received.connect(window.open_paths)   # [] means "come to the front"
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import socket
import time
from collections.abc import Callable

from PySide6.QtCore import QDir, QLockFile, QObject, QTimer, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

ACK = b"ok\n"
REFUSED = b"error\n"
MAX_MESSAGE = 4 << 20  # bytes: thousands of paths; more is not a second launch
READ_TIMEOUT_MS = 5000  # a client that connects and goes quiet is dropped after this
PROBE_TIMEOUT_MS = 300  # how long listen() waits to learn whether a socket is alive
LOCK_TIMEOUT_MS = 3000  # how long listen() waits for another launch's listen() to finish


def server_name(key: str) -> str:
    """A socket name safe on every platform and private to this user and this key.

    A hash, because library paths hold characters a socket name cannot and may be longer
    than a Unix socket path allows; the uid, because sockets without a path live in one
    temporary folder that all users share.
    """
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:20]
    if hasattr(os, "getuid"):
        return f"album-{os.getuid()}-{digest}"
    user = hashlib.sha256(getpass.getuser().encode("utf-8", "replace")).hexdigest()[:8]
    return f"album-{user}-{digest}"


def other_windows(key: str) -> int:
    """How many album windows of this user are open on other libraries: live sockets of
    ours in the temporary folder, other than this key's. A plain connect answers at once
    (a stale socket refuses), and nothing is sent: the other window drops the connection.
    Where sockets are not files (Windows' named pipes) it says 0."""
    if not hasattr(socket, "AF_UNIX"):
        return 0
    own = server_name(key)
    prefix = own[: own.rindex("-") + 1]
    try:
        names = [n for n in os.listdir(QDir.tempPath()) if n.startswith(prefix) and n != own]
    except OSError:
        return 0
    alive = 0
    for name in names:
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        probe.settimeout(0.2)
        try:
            probe.connect(os.path.join(QDir.tempPath(), name))
            alive += 1
        except OSError:
            pass  # a stale socket (a window that crashed) or not a socket at all
        finally:
            probe.close()
    return alive


def encode_paths(paths: list[str]) -> bytes:
    """One line of JSON. Paths become absolute here: the receiving process has another
    working folder. Undecodable file names survive as JSON's \\udcXX escapes."""
    absolute = [os.path.abspath(path) for path in paths]
    return json.dumps({"paths": absolute}).encode("ascii") + b"\n"


def decode_paths(line: bytes) -> list[str] | None:
    """The paths in one message, or None when it is not one of ours."""
    try:
        message = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    paths = message.get("paths") if isinstance(message, dict) else None
    if not isinstance(paths, list) or not all(isinstance(path, str) for path in paths):
        return None
    return paths


class _Connection(QObject):
    """One second launch talking to the server: collects its line, answers, hangs up.

    A child of its socket, so both go when the socket is deleted after it disconnects.
    """

    def __init__(self, socket: QLocalSocket, deliver: Callable[[list[str]], None]) -> None:
        super().__init__(socket)
        self._socket = socket
        self._deliver = deliver
        self._buffer = bytearray()
        self._done = False
        socket.readyRead.connect(self._read)
        socket.disconnected.connect(socket.deleteLater)
        QTimer.singleShot(READ_TIMEOUT_MS, self, self._give_up)
        if socket.bytesAvailable():
            self._read()

    def _read(self) -> None:
        if self._done:
            return
        self._buffer += bytes(self._socket.readAll().data())
        if b"\n" not in self._buffer:
            if len(self._buffer) > MAX_MESSAGE:
                self._give_up()
            return
        self._done = True
        paths = decode_paths(bytes(self._buffer.split(b"\n", 1)[0]))
        self._socket.write(REFUSED if paths is None else ACK)
        self._socket.flush()
        self._socket.disconnectFromServer()  # after the answer is written
        if paths is not None:
            self._deliver(paths)  # after answering: the slot may take its time

    def _give_up(self) -> None:
        if not self._done:
            self._done = True
            self._socket.abort()


class SingleInstance(QObject):
    """The socket that makes one album window per library and user."""

    # The paths (list[str]) a second launch handed over, absolute; [] means "show yourself".
    # Declared `object`, not `list`: Signal(list) converts to Qt strings and silently cuts a
    # non-UTF-8 file name ("caf\udce9" arrives as "caf", another folder); object passes the
    # Python list through untouched.
    received = Signal(object)

    def __init__(self, key: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._name = server_name(key)
        self._server: QLocalServer | None = None

    @property
    def name(self) -> str:
        """The server name: a path in QDir.tempPath() on Unix, a pipe name on Windows."""
        return self._name

    def is_listening(self) -> bool:
        return self._server is not None and self._server.isListening()

    def hand_over(self, paths: list[str], timeout_ms: int = 1000) -> bool:
        """Give `paths` to a running instance; True only once it answered that it took them.

        False at once when nobody listens (no socket, or a dead one refuses), and within
        `timeout_ms` when a process holds the socket but does not answer. Blocks the calling
        thread, so call it before the event loop starts; PySide6 also keeps the GIL while it
        waits, so a listener in the same process could not answer: this is for the second
        launch's own process.
        """
        deadline = time.monotonic() + timeout_ms / 1000
        socket = QLocalSocket()
        try:
            socket.connectToServer(self._name)
            if not socket.waitForConnected(timeout_ms):
                return False
            socket.write(encode_paths(paths))
            reply = bytearray()
            while b"\n" not in reply:
                left = int((deadline - time.monotonic()) * 1000)
                if left <= 0:
                    return False
                if not socket.bytesAvailable() and not socket.waitForReadyRead(left):
                    return False
                reply += bytes(socket.readAll().data())
            return reply.startswith(ACK)
        finally:
            socket.abort()

    def listen(self) -> bool:
        """Become the instance that receives; False when a live instance already is.

        Asks first whether anyone answers: Qt's listen() with access options binds a fresh
        socket and renames it over an existing one, so it would silently steal a live
        instance's name. A socket file left by a crash (nobody answers on it) is removed.
        A lock file makes check-remove-listen one step across processes: two launches at
        once must not both decide the socket is free and replace each other's.
        """
        if self.is_listening():
            return True
        lock = QLockFile(os.path.join(QDir.tempPath(), f"{self._name}.lock"))
        if not lock.tryLock(LOCK_TIMEOUT_MS):
            return False
        try:
            if self._someone_answers():
                return False
            # Nobody answers: whatever is left under our name is a crashed instance's.
            QLocalServer.removeServer(self._name)
            server = QLocalServer(self)
            server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
            if not server.listen(self._name):
                server.deleteLater()
                return False
            server.newConnection.connect(self._accept)
            self._server = server
            return True
        finally:
            lock.unlock()

    def close(self) -> None:
        """Stop listening and remove the socket; connections in progress are dropped."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
            server.deleteLater()

    def _someone_answers(self) -> bool:
        """Whether a process accepts connections on our name (alive, if perhaps busy)."""
        probe = QLocalSocket()
        probe.connectToServer(self._name)
        alive = probe.waitForConnected(PROBE_TIMEOUT_MS)
        probe.abort()
        return alive

    def _accept(self) -> None:
        server = self._server
        while server is not None and server.hasPendingConnections():
            socket = server.nextPendingConnection()
            if socket is not None:
                _Connection(socket, self._emit)

    def _emit(self, paths: list[str]) -> None:
        self.received.emit(paths)


__all__ = ["SingleInstance", "decode_paths", "encode_paths", "server_name"]
