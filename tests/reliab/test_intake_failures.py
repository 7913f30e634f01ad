"""Every letter gets a ledger row, whatever fails (fetch, parse, claim), and ends in a named
outcome; a parked letter can be sent through the chain again (`letter retry`); a failing duty
fails alone. Against the real Dovecot and SMTP server (crashes injected at the mailbox edge)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from tinydb import Query

from bot.daemon import Daemon
from bot.edge.imap import ImapMailbox
from bot.letters import Draft
from bot.store import Store
from tests.conftest import EarlyMorningClock
from tests.mail.test_imap_loop import append, folder_subjects

pytestmark = pytest.mark.imap
ROOT = Path(__file__).resolve().parents[2]
KNOWN = "ГБУЗ АО АГКП1 <mo1@poliklinika1.example>"
REVIEW = "Заявки/На проверку"


class BrokenFetch(ImapMailbox):
    """The real IMAP mailbox, but fetching one letter raises something no one expected."""

    def fetch(self, ref):
        raw = super().fetch(ref)
        if b"<broken@mo.example>" in raw:
            raise ValueError("unexpected fetch failure")
        return raw


def _rows(config) -> list[dict]:
    store = Store(config.bot.state_dir)
    try:
        return [dict(r) for r in store.messages.all()]
    finally:
        store.close()


def test_a_letter_failing_before_its_claim_is_counted_then_parked_with_an_alert(imap_setup, dovecot, smtp_server,
                                                                                rules) -> None:
    config, user = imap_setup
    append(dovecot, user, Draft(sender=KNOWN, message_id="<broken@mo.example>"), Draft(sender=KNOWN))
    max_attempts = int(rules.value("mail", "intake.max_attempts"))
    first = Daemon(config, rules, EarlyMorningClock(), mailbox=BrokenFetch(config.imap)).run_once()
    assert [r["decision"] for r in first] == ["accept"]  # the other letter is not held up
    (row,) = [r for r in _rows(config) if r["state"] == "claimed"]
    assert row["attempts"] == 1 and row["failed_stage"] == "fetch" and "ValueError" in row["last_error"]
    for attempt in range(2, max_attempts + 1):
        assert Daemon(config, rules, EarlyMorningClock(), mailbox=BrokenFetch(config.imap)).run_once() == []
        (row,) = [r for r in _rows(config) if r["state"] == "claimed"]
        assert row["attempts"] == attempt
    (parked,) = Daemon(config, rules, EarlyMorningClock(), mailbox=BrokenFetch(config.imap)).run_once()
    assert parked["decision"] == "review:processing_failed"
    assert len(folder_subjects(dovecot, user, REVIEW)) == 1
    time.sleep(0.3)
    alerts = [r for r in smtp_server.to_head if "Сводка" not in str(r.message["Subject"])]
    assert len(alerts) == 1 and "ошибка обработки" in str(alerts[0].message["Subject"])
    assert Daemon(config, rules, EarlyMorningClock(), mailbox=BrokenFetch(config.imap)).run_once() == []


def _nested(depth: int) -> bytes:
    head = ("From: ГБУЗ АО АГКП1 <mo1@poliklinika1.example>\r\nTo: ib@tfoms.example\r\n"
            "Subject: =?utf-8?b?0JfQsNGP0LLQutCwINC90LAg0YHQtdGA0YLQuNGE0LjQutCw0YIgVmlQTmV0?=\r\n"
            "Message-ID: <deep@mo.example>\r\nMIME-Version: 1.0\r\n").encode()
    body = io.BytesIO()
    for i in range(depth):
        body.write(f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode())
    body.write(b"Content-Type: text/plain\r\n\r\nx\r\n")
    for i in reversed(range(depth)):
        body.write(f"--b{i}--\r\n".encode())
    return head + body.getvalue()


def test_deep_nesting_ends_in_a_named_outcome(imap_setup, dovecot, smtp_server, rules) -> None:
    config, user = imap_setup
    with dovecot.client(user) as client:
        client.append("INBOX", _nested(1200))
    max_attempts = int(rules.value("mail", "intake.max_attempts"))
    results: list[dict] = []
    for _ in range(max_attempts + 1):
        results += Daemon(config, rules, EarlyMorningClock()).run_once()
        if results:
            break
    assert len(results) == 1 and results[0]["decision"].startswith("review:"), results
    assert folder_subjects(dovecot, user, "INBOX") == []
    # its registered sender hears once that a person will look at it (issue 12)
    (reply,) = smtp_server.wait_for(1)
    assert "передано на проверку специалисту" in reply.text
    time.sleep(0.3)
    assert len(smtp_server.replies) == 1


def test_letter_retry_after_the_registry_is_fixed(imap_setup, dovecot, smtp_server, rules, registry_csv) -> None:
    config, user = imap_setup
    stranger = "Новая больница <secretary@new-hospital.example>"
    append(dovecot, user, Draft(sender=stranger, message_id="<stranger-1@new-hospital.example>"))
    (first,) = Daemon(config, rules, EarlyMorningClock()).run_once()
    assert first["decision"] == "review:unknown_sender"
    time.sleep(0.3)
    (alert,) = [r for r in smtp_server.to_head if "Сводка" not in str(r.message["Subject"])]
    assert f"letter retry {first['key']}" in alert.text
    assert smtp_server.replies == []

    env = {**os.environ, "VIPNET_CERT_BOT_NOW": EarlyMorningClock().now().isoformat()}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", *args, "--config", str(config.source)], cwd=ROOT,
                              capture_output=True, text=True, timeout=60, env=env)

    listing = cli("letters", "--state", "review")
    assert listing.returncode == 0 and "неизвестный отправитель" in listing.stdout
    number = next(r["number"] for r in __import__("json").loads(cli("letters", "--json").stdout))
    refused = cli("letter", "retry", "no-such-letter")
    assert refused.returncode != 0 and "нет в журнале" in refused.stderr

    # the InfoSec head adds the organisation to the registry, then asks for the letter again
    with registry_csv.open("a", encoding="utf-8") as fh:
        fh.write("2901000000,1022900000000,ГБУЗ АО «Новая больница»,secretary@new-hospital.example,,НБ\n")
    done = cli("letter", "retry", str(number), "--by", "petrov")
    assert done.returncode == 0, done.stderr
    again = cli("letter", "retry", str(number))
    assert again.returncode != 0 and "уже ждёт" in again.stderr

    (retried,) = Daemon(config, rules, EarlyMorningClock()).run_once()
    assert retried["decision"] == "accept"
    (reply,) = smtp_server.wait_for(1)
    assert reply.recipients == ["secretary@new-hospital.example"]
    assert reply.message["In-Reply-To"] == "<stranger-1@new-hospital.example>"
    (row,) = _rows(config)
    assert row["state"] == "filed" and row["decision"] == "accept" and row["retry_by"] == "petrov"
    assert row["mailbox_folder"] == "Заявки/Обработано"           # moved out of the review folder too
    assert folder_subjects(dovecot, user, REVIEW) == []
    assert len(folder_subjects(dovecot, user, "Заявки/Обработано")) == 1
    assert row["history"][0]["decision"] == "review:unknown_sender"
    assert Daemon(config, rules, EarlyMorningClock()).run_once() == []  # once only
    time.sleep(0.3)
    assert len(smtp_server.replies) == 1


def test_a_failing_duty_fails_alone(imap_setup, dovecot, smtp_server, rules) -> None:
    config, user = imap_setup
    config.bot.state_dir.mkdir(parents=True, exist_ok=True)
    (config.bot.state_dir / "backups").write_text("not a folder")  # a disk problem: the backup duty fails
    append(dovecot, user, Draft(sender=KNOWN))
    results = Daemon(config, rules, EarlyMorningClock()).run_once()
    assert [r["decision"] for r in results] == ["accept"]
    assert len(smtp_server.wait_for(1)) == 1          # delivery ran although a duty failed
    append(dovecot, user, Draft(sender=KNOWN))
    Daemon(config, rules, EarlyMorningClock()).run_once()
    assert len(smtp_server.wait_for(2)) == 2
    time.sleep(0.3)
    duty_alerts = [r for r in smtp_server.to_head if "плановой задачи" in str(r.message["Subject"])]
    assert len(duty_alerts) == 1 and "резервная копия хранилища" in duty_alerts[0].text   # once, not every round
    store = Store(config.bot.state_dir)
    (duty,) = store.table("duties").search(Query().name == "backup")
    assert duty["errors"] == 2 and duty["failing_since"]
    from bot.digest import build

    digest, _ = build(store, rules, None, now=EarlyMorningClock().now(), with_pictures=False)
    assert any("Задача «резервная копия хранилища»" in row.cells[0] for row in digest.health.rows)
    store.close()
    (config.bot.state_dir / "backups").unlink()  # fixed: the streak ends
    Daemon(config, rules, EarlyMorningClock()).run_once()
    store = Store(config.bot.state_dir)
    (duty,) = store.table("duties").search(Query().name == "backup")
    assert duty["failing_since"] is None and (config.bot.state_dir / "backups").is_dir()
    store.close()


class CrashingRefile(ImapMailbox):
    """The real IMAP mailbox, but the process 'dies' right before moving a retried letter."""

    def refile(self, source, target, sha256, message_id):
        raise KeyboardInterrupt("simulated crash between the retry's commit and its move")


def test_a_retry_cut_off_before_its_move_only_moves(imap_setup, dovecot, smtp_server, rules, registry_csv) -> None:
    config, user = imap_setup
    append(dovecot, user, Draft(sender="Новая больница <secretary@new-hospital.example>"))
    (first,) = Daemon(config, rules, EarlyMorningClock()).run_once()
    with registry_csv.open("a", encoding="utf-8") as fh:
        fh.write("2901000000,1022900000000,ГБУЗ АО «Новая больница»,secretary@new-hospital.example,,НБ\n")
    store = Store(config.bot.state_dir)
    with store.transaction():
        store.messages.update({"state": "retry", "retry_by": "test"}, Query().key == first["key"])
    store.close()
    with pytest.raises(KeyboardInterrupt):
        Daemon(config, rules, EarlyMorningClock(), mailbox=CrashingRefile(config.imap)).run_once()
    (row,) = _rows(config)
    assert row["state"] == "retry" and row["retry_committed"] and row["decision"] == "accept"
    (again,) = Daemon(config, rules, EarlyMorningClock()).run_once()
    assert again["folder"] == "Заявки/Обработано"
    assert len(smtp_server.wait_for(1)) == 1
    time.sleep(0.3)
    assert len(smtp_server.replies) == 1                                # answered once, not twice
    assert folder_subjects(dovecot, user, REVIEW) == []
