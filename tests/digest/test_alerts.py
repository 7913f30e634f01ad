"""Alerts fire once per event: unknown senders (per sender per day, with a daily cap), outages, the digest."""

from __future__ import annotations

import dataclasses
import os
import time
from datetime import datetime, timedelta
from pathlib import Path

from tinydb import Query

from bot import health
from bot.clock import MOSCOW, FixedClock
from bot.config import load as load_config
from bot.daemon import Daemon
from bot.digest import duties
from bot.letters import Draft
from bot.rules import Rules
from tests.conftest import BOT_ADDRESS, INFOSEC_HEAD, write_config

TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=MOSCOW)


def alerts(store, kind: str = "alert") -> list[dict]:
    return [r for r in store.outbox.all() if r["kind"] == kind]


def with_review_alerts(rules: Rules, **review: object) -> Rules:
    """The rules with alert_review in the review handlers (and optional [alerts.review] overrides)."""
    sections = {k: dict(v) for k, v in rules.sections.items()}
    sections["pipeline"]["handlers"] = {**sections["pipeline"]["handlers"], "review": ["alert_review"]}
    digest = {**sections["digest"], "alerts": {**sections["digest"]["alerts"]}}
    digest["alerts"]["review"] = {**digest["alerts"]["review"], **review}
    sections["digest"] = digest
    return dataclasses.replace(rules, sections=sections)


def maildir_daemon(tmp_path: Path, registry_csv: Path, rules: Rules, clock: FixedClock) -> tuple[Daemon, Path]:
    maildir = tmp_path / "mailbox"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    config = load_config(write_config(tmp_path, registry_csv, maildir=maildir, pickup=tmp_path / "outgoing"))
    return Daemon(config, rules, clock), maildir


def drop(maildir: Path, n: int, draft: Draft) -> None:
    (maildir / "new" / f"{1700000000 + n}.t{n}.localhost").write_bytes(draft.build())


def test_unknown_sender_twice_the_same_day_alerts_once(tmp_path, registry_csv, rules) -> None:
    clock = FixedClock(TUESDAY)
    daemon, maildir = maildir_daemon(tmp_path, registry_csv, with_review_alerts(rules), clock)
    stranger = Draft(sender="Кто-то <stranger@unknown.example>")
    drop(maildir, 1, stranger)
    drop(maildir, 2, Draft(sender="Кто-то <stranger@unknown.example>", body="ещё раз"))
    daemon.intake.process_pending()
    sent = alerts(daemon.store)
    assert len(sent) == 1
    assert sent[0]["to"] == [INFOSEC_HEAD] and "неизвестный отправитель" in sent[0]["subject"]
    assert "stranger@unknown.example" in sent[0]["message"] or "stranger@unknown.example" in _text(sent[0])
    # the next day the same sender alerts again, once
    clock.set(TUESDAY + timedelta(days=1))
    drop(maildir, 3, stranger)
    drop(maildir, 4, stranger)
    daemon.intake.process_pending()
    assert len(alerts(daemon.store)) == 2
    # both letters of each day are parked for review all the same
    rows = daemon.store.messages.search(Query().decision == "review:unknown_sender")
    assert len(rows) == 4
    daemon.shutdown()


def _text(row: dict) -> str:
    from email import message_from_string, policy

    return message_from_string(row["message"], policy=policy.default).get_body(("plain",)).get_content()


def test_daily_cap_then_one_final_notice(tmp_path, registry_csv, rules) -> None:
    daemon, maildir = maildir_daemon(tmp_path, registry_csv, with_review_alerts(rules, daily_cap=2),
                                     FixedClock(TUESDAY))
    for i in range(5):
        drop(maildir, i, Draft(sender=f"spam{i}@unknown.example"))
    daemon.intake.process_pending()
    sent = alerts(daemon.store)
    assert len(sent) == 3  # two alerts, then one notice that the rest wait for the digest
    assert "приостановлены" in sent[-1]["subject"]
    assert "папку «Заявки/На проверку»" in _text(sent[-1]).replace("\n", " ")
    daemon.shutdown()


def test_known_sender_letters_do_not_alert(tmp_path, registry_csv, rules) -> None:
    daemon, maildir = maildir_daemon(tmp_path, registry_csv, with_review_alerts(rules), FixedClock(TUESDAY))
    drop(maildir, 1, Draft(sender="ГБУЗ АО АГКП1 <mo1@poliklinika1.example>"))
    daemon.intake.process_pending()
    assert alerts(daemon.store) == []
    daemon.shutdown()


def run(store, rules, now):
    return duties.run(store, rules, None, bot_address=BOT_ADDRESS, infosec_head=INFOSEC_HEAD, now=now)


def test_imap_down_longer_than_threshold_alerts_once_per_outage(store, rules) -> None:
    t0 = TUESDAY.replace(hour=7)  # before the digest time: only outage alerts here
    health.record(store, "imap", ok=True, now=t0 - timedelta(minutes=5))
    for minutes in (0, 5, 10, 20):
        health.record(store, "imap", ok=False, now=t0 + timedelta(minutes=minutes), error="IMAP 10.0.0.5:993: refused")
        run(store, rules, t0 + timedelta(minutes=minutes))
    assert alerts(store) == []  # 20 minutes: under the 30-minute threshold
    for minutes in (31, 35, 50, 70):
        health.record(store, "imap", ok=False, now=t0 + timedelta(minutes=minutes), error="refused")
        run(store, rules, t0 + timedelta(minutes=minutes))
    down = alerts(store)
    assert len(down) == 1 and down[0]["subject"] == "Бот заявок ViPNet: нет связи с почтовым сервером"
    assert "Почтовый ящик (IMAP)" in _text(down[0])
    # back: one recovery notice, once
    health.record(store, "imap", ok=True, now=t0 + timedelta(minutes=80))
    run(store, rules, t0 + timedelta(minutes=80))
    run(store, rules, t0 + timedelta(minutes=81))
    assert [a["subject"] for a in alerts(store)][1:] == ["Бот заявок ViPNet: связь с почтовым сервером восстановлена"]
    # flapping: a second long outage within min_interval_hours is recorded, not alerted
    health.record(store, "imap", ok=False, now=t0 + timedelta(minutes=90), error="refused")
    run(store, rules, t0 + timedelta(minutes=130))
    health.record(store, "imap", ok=True, now=t0 + timedelta(minutes=140))
    run(store, rules, t0 + timedelta(minutes=140))
    assert len(alerts(store)) == 2
    # a new outage hours later alerts again
    t1 = t0 + timedelta(hours=9)
    health.record(store, "imap", ok=False, now=t1, error="refused")
    run(store, rules, t1 + timedelta(minutes=45))
    run(store, rules, t1 + timedelta(minutes=50))
    assert len(alerts(store)) == 3


def test_digest_once_per_working_day_at_the_set_time(store, rules) -> None:
    morning = TUESDAY.replace(hour=8, minute=0)
    assert not any(d.startswith("digest") for d in run(store, rules, morning))
    assert run(store, rules, TUESDAY.replace(hour=8, minute=30)) == ["digest:2026-11-24"]
    assert run(store, rules, TUESDAY.replace(hour=12)) == []
    assert len(alerts(store, "digest")) == 1
    saturday = datetime(2026, 11, 28, 9, 0, tzinfo=MOSCOW)
    assert run(store, rules, saturday) == []
    assert run(store, rules, datetime(2026, 11, 30, 9, 0, tzinfo=MOSCOW)) == ["digest:2026-11-30"]
    # the second digest covers what happened since the first
    row = store.table("digests").get(Query().day == "2026-11-30")
    assert row["since"] == TUESDAY.replace(hour=8, minute=30).isoformat()


def test_retention_deletes_old_scans_and_keeps_the_ledger(store, rules) -> None:
    base = store.state_dir
    old = base / "attachments/2026-01/old.png"
    recent = base / "attachments/2026-11/recent.png"
    for path in (old, recent):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"scan")
    long_ago = time.time() - 400 * 86400
    os.utime(old, (long_ago, long_ago))
    os.utime(recent, (long_ago, long_ago))  # old file, but a recent letter still refers to it
    now = datetime.now(MOSCOW)
    with store.transaction():
        store.messages.insert({"key": "a", "handled_at": (now - timedelta(days=300)).isoformat(),
                               "attachments": [{"stored_as": "attachments/2026-01/old.png"}]})
        store.messages.insert({"key": "b", "handled_at": (now - timedelta(days=3)).isoformat(),
                               "attachments": [{"stored_as": "attachments/2026-11/recent.png"}]})
    assert duties.retention(store, rules, now=now) == ["retention:scans:1", "retention:pictures:0"]
    assert not old.exists() and not old.parent.exists() and recent.exists()
    assert len(store.messages.all()) == 2  # the ledger stays
    assert duties.retention(store, rules, now=now + timedelta(minutes=5)) == []  # not again within the hour
