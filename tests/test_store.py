"""The store: atomic writes, transactions that write all or nothing, one bot per state dir."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest

from bot.store import AlreadyRunning, Store, daemon_lock


def test_transaction_writes_once_and_all(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.transaction():
        store.messages.insert({"key": "a"})
        store.outbox.insert({"to": ["x"]})
        assert not (tmp_path / "store.json").exists()  # nothing on disk until the end
    data = json.loads((tmp_path / "store.json").read_text())
    assert len(data["messages"]) == 1 and len(data["outbox"]) == 1
    assert oct((tmp_path / "store.json").stat().st_mode & 0o777) == "0o600"


def test_failed_transaction_writes_nothing(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.transaction():
        store.messages.insert({"key": "kept"})
    with pytest.raises(RuntimeError), store.transaction():
        store.messages.insert({"key": "lost"})
        store.outbox.insert({"to": ["x"]})
        raise RuntimeError("crash")
    assert [r["key"] for r in store.messages.all()] == ["kept"]
    assert store.outbox.all() == []
    assert [r["key"] for r in Store(tmp_path).messages.all()] == ["kept"]


def _writer(path: str, n: int) -> None:
    store = Store(Path(path))
    for i in range(n):
        with store.transaction():
            store.table("counter").insert({"pid": os.getpid(), "i": i})


def test_two_processes_lose_no_update(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), 40)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert Store(tmp_path).table("counter").__len__() == 80


def _crash_mid_write(path: str) -> None:
    store = Store(Path(path))
    with store.transaction():
        store.messages.insert({"key": "x" * 100000})
        os._exit(1)  # the process dies before the transaction ends


def test_crash_leaves_the_previous_whole_state(tmp_path: Path) -> None:
    store = Store(tmp_path)
    with store.transaction():
        store.messages.insert({"key": "before"})
    proc = multiprocessing.get_context("fork").Process(target=_crash_mid_write, args=(str(tmp_path),))
    proc.start()
    proc.join(30)
    assert [r["key"] for r in Store(tmp_path).messages.all()] == ["before"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".store.json.")]


def test_one_daemon_per_state_dir(tmp_path: Path) -> None:
    with daemon_lock(tmp_path), pytest.raises(AlreadyRunning), daemon_lock(tmp_path):
        pass
    with daemon_lock(tmp_path):  # released after the first one ends
        pass
