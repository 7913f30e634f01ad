"""The store: one TinyDB file in the state dir, written atomically.

TinyDB's own JSONStorage rewrites the file in place, so a crash can tear it.
AtomicStorage writes a temp file in the same folder, fsyncs it, renames it over
the old one and fsyncs the folder: the file on disk is always a whole state.

Several processes share the store (the daemon and the operator's commands), so
every change happens inside `Store.transaction()`: it takes an exclusive lock,
re-reads the file if another process changed it, and writes once at the end.
A failed transaction writes nothing.

The store refuses to forget: once it has held anything, a marker file (`store.marker`)
says so, and the daemon keeps daily copies in `backups/`. A store file that is then
missing, empty or `null` is not taken for a fresh start: opening it raises StoreLost,
naming the latest copy. A file that is not the store's JSON raises StoreCorrupt. Both
carry a Russian message for the operator; the daemon and every command stop on them.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from bot import crashpoint

STORE_FILE = "store.json"
STORE_LOCK = "store.lock"
DAEMON_LOCK = "daemon.lock"
MARKER_FILE = "store.marker"     # exists once the store has held anything
BACKUP_DIR = "backups"           # store-YYYY-MM-DD.json, one a day, the newest N kept
TMP_DIR = "tmp"                  # the daemon's temp files (page rasters); emptied at start


class StoreError(Exception):
    pass


class AlreadyRunning(StoreError):
    pass


class StoreLost(StoreError):
    """The store file is missing or empty, but the state dir shows it had history."""


class StoreCorrupt(StoreError):
    """The store file is not the store's JSON."""


def backups(state_dir: Path) -> list[Path]:
    """The daily copies, oldest first."""
    folder = Path(state_dir) / BACKUP_DIR
    return sorted(folder.glob("store-*.json")) if folder.is_dir() else []


def _restore_hint(state_dir: Path) -> str:
    copies = backups(state_dir)
    if not copies:
        return "Резервных копий нет (папка backups пуста)."
    latest = copies[-1]
    return (f"Последняя резервная копия: {latest}. Восстановить: cp {latest} {Path(state_dir) / STORE_FILE}")


def backup(state_dir: Path, today: date, keep: int) -> Path | None:
    """Today's copy of the store (once a day), and only the newest `keep` copies kept.

    Call under the store lock (inside a transaction). Returns the new copy, or None."""
    state_dir = Path(state_dir)
    source = state_dir / STORE_FILE
    target = state_dir / BACKUP_DIR / f"store-{today.isoformat()}.json"
    made = None
    if source.exists() and source.stat().st_size > 0 and not target.exists():
        target.parent.mkdir(exist_ok=True, mode=0o700)
        write_atomic(target, source.read_bytes())
        made = target
    for old in backups(state_dir)[:-keep] if keep > 0 else []:
        old.unlink(missing_ok=True)
    return made


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, mode: int = 0o600, *, crash_point: str | None = None) -> None:
    """Write a whole file or nothing: temp file, fsync, rename, fsync the folder."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if crash_point:
            crashpoint.reach(crash_point)
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

    @property
    def marker(self) -> Path:
        return self.path.parent / MARKER_FILE

    def _history(self) -> str | None:
        """What shows the store had history (the marker, backups), or None."""
        if self.marker.exists():
            return f"есть отметка {self.marker}"
        if backups(self.path.parent):
            return f"есть резервные копии в {self.path.parent / BACKUP_DIR}"
        return None

    def _lost(self, what: str) -> StoreLost:
        return StoreLost(
            f"файл состояния {self.path} {what}, хотя бот уже работал ({self._history()}). "
            "Бот остановлен, чтобы не начать историю заново (письма получили бы ответ повторно). "
            f"{_restore_hint(self.path.parent)} Если история действительно не нужна, удалите {self.marker}.")

    def read(self) -> dict[str, Any] | None:
        if self.batching and self._cache is not None:
            return self._cache
        stamp = self._file_stamp()
        if stamp is None:
            if self._history():
                raise self._lost("отсутствует")
            self._cache, self._stamp = None, None
            return None
        if self._cache is None or stamp != self._stamp:
            raw = self.path.read_bytes()
            try:
                data = json.loads(raw) if raw.strip() else None
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise StoreCorrupt(
                    f"файл состояния {self.path} повреждён (это не JSON: {exc}). Бот остановлен. "
                    f"{_restore_hint(self.path.parent)}") from exc
            if data is None:
                if self._history():
                    raise self._lost("пуст" if not raw.strip() else "содержит null")
                data = {}
            if not isinstance(data, dict) or not all(
                    isinstance(t, dict) and all(isinstance(r, dict) for r in t.values()) for t in data.values()):
                raise StoreCorrupt(
                    f"файл состояния {self.path} повреждён (не та структура: ожидались таблицы из записей). "
                    f"Бот остановлен. {_restore_hint(self.path.parent)}")
            self._cache = data
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
        write_atomic(self.path, payload, crash_point="store_write")
        self._stamp = self._file_stamp()
        self.dirty = False
        if self._cache and not self.marker.exists():
            write_atomic(self.marker, b"The store has held data since this file was made; see bot/store.py.\n")

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
        try:
            self.storage.read()  # refuse a lost or corrupt store at once, not mid-way
        except StoreError:
            os.close(self._lock_fd)
            raise

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

    def clean_leftovers(self) -> list[str]:
        """Remove what a killed run left behind: store temp files and the daemon's temp folder.

        Call at the daemon's start, under the daemon lock (no other daemon, so no page
        rasters in use); the store lock keeps an operator's command from writing meanwhile."""
        removed: list[str] = []
        with self.transaction():
            for path in self.state_dir.glob(f".{STORE_FILE}.*"):
                path.unlink(missing_ok=True)
                removed.append(path.name)
            tmp = self.state_dir / TMP_DIR
            if tmp.is_dir():
                for path in tmp.iterdir():
                    if path.is_dir() and not path.is_symlink():
                        shutil.rmtree(path, ignore_errors=True)
                    else:
                        path.unlink(missing_ok=True)
                    removed.append(f"{TMP_DIR}/{path.name}")
        return removed


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
