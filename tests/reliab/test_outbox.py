"""Delivery ends: SMTP 5xx and the attempt limit end a letter `failed`; an interrupted one stays
`sending`; both are listed (`outbox`), shown in the digest, alerted once, and `letter resend` puts
them back. Message-IDs are never encoded. Against a real aiosmtpd server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tinydb import Query

from bot import outbox
from bot.clock import MOSCOW
from bot.config import load
from bot.delivery import Delivery
from bot.edge.transport import SmtpTransport
from bot.store import Store
from tests.conftest import BOT_ADDRESS, INFOSEC_HEAD, write_config
from tests.support.smtp import SmtpServer

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 30, 7, 0, tzinfo=MOSCOW)


class RefusingSmtp(SmtpServer):
    """Refuses one address for good (550), takes the rest."""

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802 - aiosmtpd
                          rcpt_options: Any) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.moment = now

    def now(self) -> datetime:
        return self.moment


def _queue(store: Store, to: str, subject: str = "Re: Заявка на сертификат ViPNet") -> int:
    msg = outbox.make_message(sender=BOT_ADDRESS, to=to, subject=subject, body="текст", kind="reply", now=NOW,
                              in_reply_to="<orig@mo.example>")
    with store.transaction():
        return outbox.queue(store, msg, kind="reply", ref="test", now=NOW)


def _cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args, "--config", str(config)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "VIPNET_CERT_BOT_NOW": NOW.isoformat()})


@pytest.fixture
def refusing() -> Any:
    server = RefusingSmtp(infosec_head=INFOSEC_HEAD)
    server.start()
    yield server
    server.stop()


def test_5xx_ends_failed_at_once_and_resend_to_another_address_delivers(tmp_path, registry_csv, refusing,
                                                                          rules) -> None:
    config_path = write_config(tmp_path, registry_csv, maildir=tmp_path / "md",
                               smtp={"host": "127.0.0.1", "port": refusing.port, "security": "none"})
    config = load(config_path)
    store = Store(config.bot.state_dir)
    bad = _queue(store, "nobody@mo.example")
    good = _queue(store, "mo1@poliklinika1.example")
    delivery = Delivery(store, SmtpTransport(config.smtp), rules, Clock(NOW))
    sent, failed = delivery.deliver_due()
    assert (sent, failed, delivery.refused) == (1, 0, 1)  # the refusal does not hold up the next letter
    row = store.outbox.get(doc_id=bad)
    assert row["state"] == "failed" and row["failed_for"] == "permanent" and "550" in row["last_error"]
    assert store.outbox.get(doc_id=good)["state"] == "sent"
    store.close()

    listing = _cli(config_path, "outbox", "--json")
    assert listing.returncode == 0
    assert [(r["number"], r["state"]) for r in json.loads(listing.stdout)] == [(bad, "failed")]
    assert "letter resend" in _cli(config_path, "outbox").stdout

    before = (config.bot.state_dir / "store.json").read_bytes()
    for args, says in ((["letter", "resend", "999"], "нет в очереди"),
                       (["letter", "resend", str(good)], "уже отправлено"),
                       (["letter", "resend", "abc"], "число"),
                       (["letter", "resend", str(bad), "--to", "not an address"], "неверный адрес"),
                       (["outbox", "--state", "sent"], "неизвестное состояние"),
                       (["letters", "--state", "bogus"], "неизвестное состояние")):
        result = _cli(config_path, *args)
        assert result.returncode != 0 and says in result.stderr and "Traceback" not in result.stderr, args
    assert (config.bot.state_dir / "store.json").read_bytes() == before  # refused: nothing changed

    result = _cli(config_path, "letter", "resend", str(bad), "--to", "secretary@kotlas-crb.example", "--by", "ivanov")
    assert result.returncode == 0, result.stderr
    store = Store(config.bot.state_dir)
    row = store.outbox.get(doc_id=bad)
    assert row["state"] == "pending" and row["to"] == ["secretary@kotlas-crb.example"]
    assert row["history"][-1]["by"] == "ivanov" and row["history"][-1]["from_state"] == "failed"
    assert Delivery(store, SmtpTransport(config.smtp), rules, Clock(NOW)).deliver_due() == (1, 0)
    store.close()
    last = refusing.received[-1]
    assert last.recipients == ["secretary@kotlas-crb.example"]
    assert last.message["To"] == "secretary@kotlas-crb.example"


def test_a_partly_refused_letter_is_sent_and_its_refused_address_kept_failed(tmp_path, registry_csv, refusing,
                                                                                rules) -> None:
    """The server takes the letter for one address and refuses the other (aiosmtplib does not raise):
    sent once to the first, and a failed copy to the refused one, listed for `letter resend`."""
    config_path = write_config(tmp_path, registry_csv, maildir=tmp_path / "md",
                               smtp={"host": "127.0.0.1", "port": refusing.port, "security": "none"})
    config = load(config_path)
    store = Store(config.bot.state_dir)
    both = _queue(store, "mo1@poliklinika1.example, nobody@mo.example")
    delivery = Delivery(store, SmtpTransport(config.smtp), rules, Clock(NOW))
    assert delivery.deliver_due() == (1, 0) and delivery.refused == 1
    assert [r.recipients for r in refusing.received] == [["mo1@poliklinika1.example"]]
    assert store.outbox.get(doc_id=both)["state"] == "sent"
    (copy,) = outbox.in_state(store, outbox.FAILED)
    assert copy["to"] == ["nobody@mo.example"] and copy["split_from"] == both and "550" in copy["last_error"]
    assert delivery.deliver_due() == (0, 0)      # nothing is sent twice
    with store.transaction():
        outbox.resend(store, copy.doc_id, by="ivanov", now=NOW, to="secretary@kotlas-crb.example")
    assert delivery.deliver_due() == (1, 0)
    assert [r.recipients for r in refusing.received][-1] == ["secretary@kotlas-crb.example"]
    store.close()


def test_attempt_limit_ends_failed(tmp_path, registry_csv, rules) -> None:
    from tests.support.dovecot import free_port

    config = load(write_config(tmp_path, registry_csv, maildir=tmp_path / "md",
                               smtp={"host": "127.0.0.1", "port": free_port(), "security": "none"}))  # nobody there
    section = dict(rules.section("mail"))
    section["outbox"] = {**section["outbox"], "max_attempts": 3}
    rules.sections["mail"] = section
    store = Store(config.bot.state_dir)
    letter = _queue(store, "mo1@poliklinika1.example")
    clock = Clock(NOW)
    delivery = Delivery(store, SmtpTransport(config.smtp, timeout=2), rules, clock)
    for attempt in range(1, 4):
        assert delivery.deliver_due() == (0, 1)
        row = store.outbox.get(doc_id=letter)
        assert row["attempts"] == attempt
        clock.moment = datetime.fromisoformat(row["next_attempt_at"])
    assert row["state"] == "failed" and row["failed_for"] == "attempts"
    assert delivery.deliver_due() == (0, 0)  # not tried again
    store.close()


def test_interrupted_letter_is_shown_alerted_once_and_not_resent(tmp_path, registry_csv, smtp_server, rules) -> None:
    from bot.daemon import Daemon

    config = load(write_config(tmp_path, registry_csv, maildir=tmp_path / "md",
                               smtp={"host": "127.0.0.1", "port": smtp_server.port, "security": "none"}))
    store = Store(config.bot.state_dir)
    letter = _queue(store, "mo1@poliklinika1.example")
    assert outbox.mark_sending(store, letter, NOW) is not None  # as a run killed mid-send leaves it
    store.close()
    Daemon(config, rules, Clock(NOW)).run_once()
    Daemon(config, rules, Clock(NOW)).run_once()
    time.sleep(0.3)
    assert smtp_server.replies == []                            # never re-sent blindly
    alerts = [r for r in smtp_server.to_head if "подтверждена" in str(r.message["Subject"])]
    assert len(alerts) == 1 and f"№ {letter}" in alerts[0].text and "letter resend" in alerts[0].text
    store = Store(config.bot.state_dir)
    assert store.outbox.get(doc_id=letter)["state"] == "sending"
    from bot.digest import build

    digest, _ = build(store, rules, None, now=NOW, with_pictures=False)
    section = digest.section("outbox")
    assert section is not None and section.rows[0].cells[0] == str(letter)
    with store.transaction():
        outbox.resend(store, letter, by="test", now=NOW)
    store.close()
    Daemon(config, rules, Clock(NOW)).run_once()
    assert len(smtp_server.wait_for(1)) == 1


@pytest.mark.parametrize("length", [40, 300, 900])
def test_message_ids_are_never_encoded(length: int) -> None:
    mid = f"<{'a' * length}@mo.example>"
    msg = outbox.make_message(sender=BOT_ADDRESS, to="x@mo.example", subject="Re: Заявка", body="т", kind="reply",
                              now=datetime.now(UTC), in_reply_to=mid, references=f"<first@mo.example> {mid}")
    head = msg.as_string(policy=outbox.SMTP_POLICY).split("\r\n\r\n")[0]
    assert "=?" not in head.split("Subject:")[0] + head.split("\r\nDate:")[1]
    assert f"In-Reply-To: {mid}\r\n" in head
    assert all(len(line) <= 998 for line in head.split("\r\n"))
    parsed = __import__("email").message_from_string(msg.as_string(policy=outbox.SMTP_POLICY),
                                                     policy=outbox.SMTP_POLICY)
    assert parsed["In-Reply-To"] == mid
    assert parsed["References"].split() == ["<first@mo.example>", mid]


def test_an_overlong_message_id_is_dropped_from_threading() -> None:
    mid = f"<{'a' * 10000}@mo.example>"
    msg = outbox.make_message(sender=BOT_ADDRESS, to="x@mo.example", subject="Re: Заявка", body="т", kind="reply",
                              now=datetime.now(UTC), in_reply_to=mid, references=f"<first@mo.example> {mid}")
    text = msg.as_string(policy=outbox.SMTP_POLICY)
    assert msg["In-Reply-To"] is None and msg["References"] is None
    assert "aaaaaaaaaa" not in text and "=?utf-8?q?=3C" not in text


def test_delivery_logs_name_no_subject(tmp_path, registry_csv, smtp_server, rules, capsys) -> None:
    import structlog

    from bot import logs

    saved = structlog.get_config()
    logs.configure("INFO", json=True)  # writes to the captured stderr: restored below
    try:
        config = load(write_config(tmp_path, registry_csv, maildir=tmp_path / "md",
                                   smtp={"host": "127.0.0.1", "port": smtp_server.port, "security": "none"}))
        store = Store(config.bot.state_dir)
        _queue(store, "mo1@poliklinika1.example", subject="Re: Заявка — Иванов Иван Иванович")
        Delivery(store, SmtpTransport(config.smtp), rules, Clock(NOW)).deliver_due()
        store.close()
        out = capsys.readouterr()
    finally:
        structlog.configure(**saved)
    assert "letter sent" in out.err + out.out
    assert "Иванов" not in out.err + out.out


def test_resend_of_sending_row_by_store_api(tmp_path) -> None:
    store = Store(tmp_path / "state")
    letter = _queue(store, "mo1@poliklinika1.example")
    with store.transaction(), pytest.raises(outbox.ResendError, match="ещё ждёт"):
        outbox.resend(store, letter, by="x", now=NOW)
    outbox.mark_sending(store, letter, NOW)
    with store.transaction():
        row = outbox.resend(store, letter, by="x", now=NOW)
    assert row["state"] == "pending" and row["history"][0]["from_state"] == "sending"
    assert store.outbox.count(Query().state == "sending") == 0
    store.close()
