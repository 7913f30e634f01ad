"""The store refuses to forget: a lost, empty, `null` or corrupt store stops the bot and every
command with a Russian message and a non-zero exit, naming the latest backup; no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from bot.store import (
    BACKUP_DIR,
    MARKER_FILE,
    STORE_FILE,
    TMP_DIR,
    Store,
    StoreCorrupt,
    StoreLost,
    backup,
    backups,
)
from tests.conftest import write_config

ROOT = Path(__file__).resolve().parents[2]


def _cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args, "--config", str(config)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, env={**os.environ, "OMP_THREAD_LIMIT": "1"})


def _with_history(state: Path) -> None:
    store = Store(state)
    with store.transaction():
        store.messages.insert({"key": "k1", "state": "filed"})
    with store.transaction():
        backup(state, date(2026, 11, 28), keep=3)
    store.close()


@pytest.mark.parametrize("damage,what", [
    (lambda p: p.write_bytes(b""), "пуст"),
    (lambda p: p.unlink(), "отсутствует"),
    (lambda p: p.write_text("null"), "содержит null"),
])
def test_lost_store_with_history_is_refused(tmp_path: Path, damage, what) -> None:
    state = tmp_path / "state"
    _with_history(state)
    damage(state / STORE_FILE)
    with pytest.raises(StoreLost) as err:
        Store(state)
    message = str(err.value)
    assert what in message and "store-2026-11-28.json" in message and "cp " in message


def test_backups_alone_show_history(tmp_path: Path) -> None:
    state = tmp_path / "state"
    _with_history(state)
    (state / MARKER_FILE).unlink()
    (state / STORE_FILE).unlink()
    with pytest.raises(StoreLost, match="резервные копии"):
        Store(state)


def test_fresh_state_dir_starts_empty(tmp_path: Path) -> None:
    store = Store(tmp_path / "state")
    assert store.messages.all() == []
    store.close()
    (tmp_path / "state" / STORE_FILE).write_bytes(b"")  # no history: an empty file is a fresh store
    assert Store(tmp_path / "state").messages.all() == []


@pytest.mark.parametrize("content", [b"{garbage", b"[1, 2]", b'{"messages": [1, 2]}', b'{"messages": {"1": 5}}',
                                     b"\xff\xfe\x00"])
def test_corrupt_store_is_refused(tmp_path: Path, content: bytes) -> None:
    state = tmp_path / "state"
    _with_history(state)
    (state / STORE_FILE).write_bytes(content)
    with pytest.raises(StoreCorrupt, match="повреждён"):
        Store(state)


def test_every_command_and_the_daemon_say_it_in_russian(tmp_path: Path, registry_csv: Path) -> None:
    config = write_config(tmp_path, registry_csv, maildir=tmp_path / "maildir", pickup=tmp_path / "out")
    state = tmp_path / "state"
    _with_history(state)
    (state / STORE_FILE).write_bytes(b"")
    for args in (["run", "--once"], ["cases"], ["letters"], ["outbox"], ["digest", "--print"]):
        result = _cli(config, *args)
        assert result.returncode == 65, (args, result.stderr[-2000:])
        assert "Traceback" not in result.stderr and "Ошибка: файл состояния" in result.stderr, args
        assert "store-2026-11-28.json" in result.stderr
    assert (state / STORE_FILE).read_bytes() == b""  # nothing was started afresh
    (state / STORE_FILE).write_text("{oops")
    result = _cli(config, "run")
    assert result.returncode == 65 and "повреждён" in result.stderr and "Traceback" not in result.stderr


def test_daemon_stops_on_a_store_corrupted_while_it_runs(tmp_path: Path, registry_csv: Path, rules) -> None:
    from bot.config import load
    from bot.daemon import Daemon
    from tests.conftest import EarlyMorningClock

    config = load(write_config(tmp_path, registry_csv, maildir=tmp_path / "maildir", pickup=tmp_path / "out"))
    section = dict(rules.section("mail"))
    section["intake"] = {**section["intake"], "idle_check_seconds": 0.2}
    rules.sections["mail"] = section
    daemon = Daemon(config, rules, EarlyMorningClock())
    failure: list[BaseException] = []

    def run() -> None:
        try:
            daemon.run_forever()
        except BaseException as exc:  # noqa: BLE001 - the test looks at it
            failure.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not (config.bot.state_dir / MARKER_FILE).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    (config.bot.state_dir / STORE_FILE).write_text("{torn")
    thread.join(timeout=20)
    daemon.stop.set()
    assert not thread.is_alive(), "the daemon kept looping on a corrupt store"
    assert failure and isinstance(failure[0], StoreCorrupt)


def test_daily_backups_are_rolled(tmp_path: Path) -> None:
    state = tmp_path / "state"
    store = Store(state)
    with store.transaction():
        store.messages.insert({"key": "a"})
    for day in range(1, 6):
        with store.transaction():
            assert backup(state, date(2026, 11, day), keep=3) is not None
        with store.transaction():
            assert backup(state, date(2026, 11, day), keep=3) is None  # once a day
    assert [p.name for p in backups(state)] == [f"store-2026-11-0{d}.json" for d in (3, 4, 5)]
    assert json.loads((state / BACKUP_DIR / "store-2026-11-05.json").read_text())["messages"]
    store.close()


def test_leftovers_of_a_killed_run_are_removed(tmp_path: Path) -> None:
    state = tmp_path / "state"
    store = Store(state)
    (state / ".store.json.abc123").write_text("{half")
    (state / TMP_DIR / "scan-xyz").mkdir(parents=True)
    (state / TMP_DIR / "scan-xyz" / "page-000.raw").write_bytes(b"\0" * 1000)
    removed = store.clean_leftovers()
    assert sorted(removed) == [".store.json.abc123", "tmp/scan-xyz"]
    assert not (state / ".store.json.abc123").exists() and not any((state / TMP_DIR).iterdir())
    store.close()


def test_kept_raw_letters_follow_the_retention(tmp_path: Path, rules) -> None:
    from datetime import timedelta

    from bot.upkeep import review_raw_retention
    from tests.conftest import EarlyMorningClock

    store = Store(tmp_path / "state")
    folder = tmp_path / "state" / "review"
    folder.mkdir()
    old, waiting, fresh = (folder / f"{n}.eml" for n in ("old", "waiting", "fresh"))
    for path in (old, waiting, fresh):
        path.write_bytes(b"Subject: x\r\n\r\n")
    long_ago = time.time() - 400 * 86400
    for path in (old, waiting):
        os.utime(path, (long_ago, long_ago))
    with store.transaction():
        store.messages.insert({"key": "k", "state": "retry", "raw": "review/waiting.eml"})
    now = EarlyMorningClock().now()
    assert review_raw_retention(store, rules, now=now) == ["retention:review_raw:1"]
    assert not old.exists() and waiting.exists() and fresh.exists()
    assert review_raw_retention(store, rules, now=now + timedelta(minutes=1)) == []
    store.close()


def test_a_failing_round_still_delivers_and_backs_off_longer(tmp_path: Path, registry_csv: Path, rules) -> None:
    from bot.config import load
    from bot.daemon import Daemon
    from bot.edge.maildir import MaildirMailbox
    from tests.conftest import EarlyMorningClock

    class BrokenListing(MaildirMailbox):
        """A mailbox whose listing fails with something unexpected (not an outage)."""

        calls: list[float] = []

        def pending(self, known):
            self.calls.append(time.monotonic())
            raise RuntimeError("listing failed")

    config = load(write_config(tmp_path, registry_csv, maildir=tmp_path / "md", pickup=tmp_path / "out"))
    store = Store(config.bot.state_dir)
    from bot import outbox

    msg = outbox.make_message(sender="bot@tfoms.example", to="mo1@poliklinika1.example", subject="Re: Заявка",
                              body="т", kind="reply", now=EarlyMorningClock().now(), in_reply_to="<q@mo.example>")
    with store.transaction():
        outbox.queue(store, msg, kind="reply", ref="queued-before", now=EarlyMorningClock().now())
    store.close()
    mailbox = BrokenListing(tmp_path / "md")
    daemon = Daemon(config, rules, EarlyMorningClock(), mailbox=mailbox)
    thread = threading.Thread(target=daemon.run_forever, daemon=True)
    thread.start()
    time.sleep(4.5)
    daemon.stop.set()
    thread.join(timeout=20)
    gaps = [b - a for a, b in zip(mailbox.calls, mailbox.calls[1:], strict=False)]
    assert 2 <= len(mailbox.calls) <= 3, gaps         # at 0, ~1 s, ~3 s: not once a second
    assert all(later > earlier for earlier, later in zip(gaps, gaps[1:], strict=False)), gaps
    assert len(list((tmp_path / "out").glob("*.eml"))) == 1  # the queued letter went out regardless
