"""The store: one TinyDB file in the state dir, written atomically.

TinyDB's own JSONStorage rewrites the file in place, so a crash can tear it.
AtomicStorage writes a temp file in the same folder, fsyncs it, renames it over
the old one and fsyncs the folder: the file on disk is always a whole state.

Several processes share the store (the daemon and the operator's commands), so
every change happens inside `Store.transaction()`: it takes an exclusive lock,
re-reads the file if another process changed it, and writes once at the end.
A failed transaction writes nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

STORE_FILE = "store.json"
STORE_LOCK = "store.lock"
DAEMON_LOCK = "daemon.lock"


class StoreError(Exception):
    pass


class AlreadyRunning(StoreError):
    pass


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write a whole file or nothing: temp file, fsync, rename, fsync the folder."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


class AtomicStorage(Storage):
    """TinyDB storage: whole-file atomic writes, batched inside a transaction."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._cache: dict[str, Any] | None = None
        self._stamp: tuple[int, int, int] | None = None
        self.batching = False
        self.dirty = False

    def _file_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def read(self) -> dict[str, Any] | None:
        if self.batching and self._cache is not None:
            return self._cache
        stamp = self._file_stamp()
        if stamp is None:
            self._cache, self._stamp = None, None
            return None
        if self._cache is None or stamp != self._stamp:
            try:
                self._cache = json.loads(self.path.read_bytes() or b"{}")
            except json.JSONDecodeError as exc:
                raise StoreError(f"store file {self.path} is not valid JSON: {exc}") from exc
            self._stamp = stamp
        return self._cache

    def write(self, data: dict[str, Any]) -> None:
        self._cache = data
        if self.batching:
            self.dirty = True
            return
        self.flush()

    def flush(self) -> None:
        payload = json.dumps(self._cache or {}, ensure_ascii=False, sort_keys=True).encode("utf-8")
        write_atomic(self.path, payload)
        self._stamp = self._file_stamp()
        self.dirty = False

    def forget(self) -> None:
        """Drop the cache: the next read comes from the file (after a failed transaction)."""
        self._cache, self._stamp, self.dirty = None, None, False

    def close(self) -> None:
        pass


class Store:
    """The bot's durable state: the message ledger, the outbox, the cases."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock_fd = os.open(self.state_dir / STORE_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        self._depth = 0
        self.db = TinyDB(self.state_dir / STORE_FILE, storage=AtomicStorage)
        self.storage: AtomicStorage = self.db.storage  # type: ignore[assignment]

    def table(self, name: str) -> Table:
        # A fresh Table each time: TinyDB's cached Table keeps its query cache and next
        # document id, both stale once another process (daemon / operator command) wrote.
        return Table(self.storage, name, cache_size=0)

    @property
    def messages(self) -> Table:
        """The ledger: one row per mailbox message the bot has seen."""
        return self.table("messages")

    @property
    def outbox(self) -> Table:
        return self.table("outbox")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        """Everything inside is written to disk at once, or not at all."""
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        self._depth = 1
        try:
            self.storage.batching = False
            self.storage.read()  # fresh from disk if another process wrote
            self.storage.batching = True
            try:
                yield self
            except BaseException:
                self.storage.forget()
                raise
            if self.storage.dirty:
                self.storage.flush()
        finally:
            self.storage.batching = False
            self._depth = 0
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def close(self) -> None:
        self.db.close()
        os.close(self._lock_fd)


@contextlib.contextmanager
def daemon_lock(state_dir: Path) -> Iterator[None]:
    """One running bot per state dir."""
    state_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(state_dir / DAEMON_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise AlreadyRunning(f"another bot is already running on {state_dir}") from exc
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)
