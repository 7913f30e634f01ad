"""Who gets the bot's letters: every InfoSec head address of a list; Reply-To on letters to organisations."""

from __future__ import annotations

from datetime import datetime
from email import message_from_string, policy
from email.header import decode_header, make_header
from pathlib import Path

import pytest

from bot import outbox
from bot.clock import MOSCOW
from bot.config import ConfigError, parse
from bot.delivery import Delivery
from bot.digest.duties import queue_digest
from bot.edge.transport import SmtpTransport
from bot.rules import Rules
from bot.store import Store
from tests.support.smtp import SmtpServer

BASE = {"address": "bot@tfoms.example", "state_dir": "state", "organisations": "orgs.csv"}
HEADS = ["ib-head@tfoms.example", "Заместитель <ib-deputy@tfoms.example>", "ib-duty@tfoms.example"]


class FixedClock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


def _config(tmp_path: Path, bot: dict, **sections: dict):
    where = {} if "imap" in sections or "maildir" in sections else {"maildir": {"path": "m"}}
    sent = {} if "smtp" in sections else {"pickup": {"dir": "out"}}
    return parse({"bot": {**BASE, **bot}, **where, **sent, **sections}, base=tmp_path)


def test_infosec_head_may_be_a_list(tmp_path: Path) -> None:
    cfg = _config(tmp_path, {"infosec_head": HEADS, "reply_to": "ib-head@tfoms.example"})
    assert cfg.bot.infosec_heads == ["ib-head@tfoms.example", "ib-deputy@tfoms.example", "ib-duty@tfoms.example"]
    assert _config(tmp_path, {"infosec_head": "ib@x.example"}).bot.infosec_heads == ["ib@x.example"]
    one_line = _config(tmp_path, {"infosec_head": "Начальник <ib@x.example>, 29(АрхТФОМС) ИБ <dep@x.example>; d@x.example"})
    assert one_line.bot.infosec_heads == ["ib@x.example", "dep@x.example", "d@x.example"]


@pytest.mark.parametrize("value", [[], ["ib@x.example", ""], ["not an address"], 42])
def test_a_bad_recipient_list_is_refused_in_russian(tmp_path: Path, value: object) -> None:
    with pytest.raises(ConfigError, match="bot.infosec_head"):
        _config(tmp_path, {"infosec_head": value})


def test_reply_to_defaults_to_the_mailbox_the_bot_reads(tmp_path: Path) -> None:
    imap = {"host": "mail", "user": "ib-head@tfoms.example", "password_file": "pw"}
    assert _config(tmp_path, {"infosec_head": HEADS}, imap=imap).bot.reply_to == "ib-head@tfoms.example"
    # an IMAP login that is not an address, or a local Maildir: the (first) InfoSec head's mailbox
    imap["user"] = "ib"
    assert _config(tmp_path, {"infosec_head": HEADS[1:]}, imap=imap).bot.reply_to == "ib-deputy@tfoms.example"
    assert _config(tmp_path, {"infosec_head": HEADS[1:]}, maildir={"path": "m"}).bot.reply_to == \
        "ib-deputy@tfoms.example"
    explicit = _config(tmp_path, {"infosec_head": HEADS, "reply_to": "uc@tfoms.example"}, imap=imap)
    assert explicit.bot.reply_to == "uc@tfoms.example"


def test_every_infosec_head_receives_the_digest_and_alerts(tmp_path: Path, rules: Rules, store: Store) -> None:
    server = SmtpServer()
    server.start()
    try:
        cfg = _config(tmp_path, {"infosec_head": HEADS},
                      smtp={"host": "127.0.0.1", "port": server.port, "security": "none"})
        now = datetime(2026, 5, 12, 9, 0, tzinfo=MOSCOW)
        queue_digest(store, rules, None, bot_address=cfg.bot.address, infosec_head=cfg.bot.infosec_head,
                     now=now, force=True)
        with store.transaction():
            outbox.queue(store, outbox.make_message(sender=cfg.bot.address, to=cfg.bot.infosec_head,
                                                    subject="Оповещение", body="Текст", kind="alert", now=now),
                         kind="alert", ref="test", now=now)
        assert cfg.smtp is not None
        sent, failed = Delivery(store, SmtpTransport(cfg.smtp, timeout=10), rules, FixedClock(now)).deliver_due()
        assert (sent, failed) == (2, 0)
    finally:
        server.stop()
    assert len(server.received) == 2
    for letter in server.received:
        assert sorted(letter.recipients) == sorted(cfg.bot.infosec_heads)
        assert "ib-deputy@tfoms.example" in str(letter.message["To"])


def test_letters_to_organisations_carry_reply_to() -> None:
    now = datetime(2026, 5, 12, 9, 0, tzinfo=MOSCOW)
    msg = outbox.make_message(sender="bot@x.example", to="mo@y.example", subject="Re: Заявка", body="Текст",
                              kind="reply", now=now, reply_to="ib-head@x.example")
    assert msg["Reply-To"] == "ib-head@x.example"
    assert "Reply-To" not in outbox.make_message(sender="bot@x.example", to="h@x.example", subject="С",
                                                 body="Т", kind="alert", now=now)


def test_a_long_subject_keeps_its_spaces_for_rfc2047_readers() -> None:
    subject = "Напоминание: документы по сертификату ViPNet: Иванов Иван Иванович"
    msg = outbox.make_message(sender="bot@x.example", to="mo@y.example", subject=subject, body="Текст",
                              kind="reminder", now=datetime(2026, 5, 12, 9, 0, tzinfo=MOSCOW))
    raw = message_from_string(msg.as_string(policy=policy.SMTP), policy=policy.compat32)
    assert "\n" in str(raw["Subject"]) or len(str(raw["Subject"])) < 998   # folded, not one endless line
    assert str(make_header(decode_header(raw["Subject"]))) == subject      # as Thunderbird/Outlook decode it
    assert str(msg["Subject"]) == subject
