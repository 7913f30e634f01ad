"""The mail loop against a real Dovecot and a real SMTP server on loopback."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from tinydb import Query

from bot import outbox
from bot.daemon import Daemon
from bot.edge.imap import ImapMailbox
from bot.letters import Draft
from bot.rules import Rules
from bot.store import Store
from tests.conftest import BOT_ADDRESS, INFOSEC_HEAD, EarlyMorningClock
from tests.support.daemon import running
from tests.support.dovecot import Dovecot
from tests.support.smtp import SmtpServer

pytestmark = pytest.mark.imap

KNOWN = "ГБУЗ АО АГКП1 <mo1@poliklinika1.example>"
PROCESSED = "Заявки/Обработано"
REVIEW = "Заявки/На проверку"


def append(dovecot: Dovecot, user: str, *drafts: Draft) -> None:
    with dovecot.client(user) as client:
        for draft in drafts:
            client.append("INBOX", draft.build())


def folder_subjects(dovecot: Dovecot, user: str, folder: str) -> list[str]:
    with dovecot.client(user) as client:
        if not client.folder_exists(folder):
            return []
        client.select_folder(folder, readonly=True)
        uids = client.search(["ALL"])
        data = client.fetch(uids, ["ENVELOPE"]) if uids else {}
        from bot.mail.headers import decode

        return [decode(data[u][b"ENVELOPE"].subject.decode("utf-8", "surrogateescape")) for u in sorted(data)]


def run_once(config, rules: Rules, mailbox=None) -> list[dict]:
    return Daemon(config, rules, EarlyMorningClock(), mailbox=mailbox).run_once()


def test_letter_appended_while_idling_is_answered_within_5_seconds(imap_setup, dovecot, smtp_server, rules):
    config, user = imap_setup
    with running(Daemon(config, rules, EarlyMorningClock())):
        time.sleep(0.5)  # let it enter IDLE
        started = time.monotonic()
        append(dovecot, user, Draft(sender=KNOWN))
        received = smtp_server.wait_for(1, timeout=5)
        elapsed = time.monotonic() - started
        assert len(received) == 1, dovecot.log()[-2000:]
        assert elapsed < 5
        reply = received[0].message
        assert reply["Subject"] == "Re: Заявка на сертификат ViPNet"
        assert reply["Auto-Submitted"] == "auto-replied"
        assert reply["In-Reply-To"]
        assert received[0].recipients == ["mo1@poliklinika1.example"]
        assert "поступило письмо" in received[0].text
    assert folder_subjects(dovecot, user, PROCESSED) == ["Заявка на сертификат ViPNet"]


@pytest.mark.parametrize("subject,encoding", [
    ("Заявка на сертификат ViPNet", "rfc2047"),
    ("Заявка на сертификат ViPNet", "cp1251"),
    ("Заявка на сертификат ViPNet", "koi8-r"),
    ("Заявка на сертификат ViPNet", "utf8-raw"),
    ("RE: Fwd: заявка на СЕРТИФИКАТ VIPNET", "rfc2047"),
    ("Ответ: Пересл.: «Заявка на сертификат ViPNet»", "cp1251"),
    ("Re[2]:  Заявкa нa сертификат ViPNet ", "koi8-r"),  # Latin a in «Заявкa», «нa»
])
def test_subject_variants_and_encodings_are_answered(imap_setup, dovecot, smtp_server, rules, subject, encoding):
    config, user = imap_setup
    append(dovecot, user, Draft(sender=KNOWN, subject=subject, subject_encoding=encoding))
    results = run_once(config, rules)
    assert [r["decision"] for r in results] == ["accept"]
    assert len(smtp_server.wait_for(1)) == 1


def test_other_subjects_stay_untouched(imap_setup, dovecot, smtp_server, rules):
    config, user = imap_setup
    append(dovecot, user, Draft(sender=KNOWN, subject="Реестр счетов за октябрь"),
           Draft(sender=KNOWN, subject="Заявка на сертификат"))  # a near miss, but no scan
    # the near miss is read (without \\Seen) and left; the unrelated letter is not even read
    assert [r["decision"] for r in run_once(config, rules)] == ["leave:not_application_subject"]
    assert smtp_server.replies == []
    assert len(folder_subjects(dovecot, user, "INBOX")) == 2
    with dovecot.client(user) as client:
        client.select_folder("INBOX", readonly=True)
        flags = client.get_flags(client.search(["ALL"]))
    assert all(b"\\Seen" not in f for f in flags.values())  # not even marked read


NEVER_ANSWER = {
    "auto_submitted": Draft(sender=KNOWN, extra_headers={"Auto-Submitted": "auto-replied"}),
    "auto_generated": Draft(sender=KNOWN, extra_headers={"Auto-Submitted": "auto-generated; reason=x"}),
    "precedence_bulk": Draft(sender=KNOWN, extra_headers={"Precedence": "bulk"}),
    "precedence_junk": Draft(sender=KNOWN, extra_headers={"Precedence": "junk"}),
    "precedence_list": Draft(sender=KNOWN, extra_headers={"Precedence": "list"}),
    "list_id": Draft(sender=KNOWN, extra_headers={"List-Id": "<mo.lists.example>"}),
    "null_return_path": Draft(sender=KNOWN, extra_headers={"Return-Path": "<>"}),
    "mailer_daemon": Draft(sender="MAILER-DAEMON@poliklinika1.example"),
    "empty_sender": Draft(sender=""),
    "own_address": Draft(sender=BOT_ADDRESS),
    "unknown_sender": Draft(sender="Someone <stranger@unknown.example>"),
}


@pytest.mark.parametrize("case", sorted(NEVER_ANSWER))
def test_never_answer(imap_setup, dovecot, smtp_server, rules, case):
    config, user = imap_setup
    append(dovecot, user, NEVER_ANSWER[case])
    results = run_once(config, rules)
    assert len(results) == 1
    assert results[0]["reply"] is None
    time.sleep(0.2)
    assert smtp_server.replies == []
    if case == "unknown_sender":  # the InfoSec head is told instead
        alerts = [r for r in smtp_server.to_head if "Сводка" not in str(r.message["Subject"])]
        assert len(alerts) == 1 and alerts[0].message["Auto-Submitted"] == "auto-generated"
    expected_folder = REVIEW if case == "unknown_sender" else PROCESSED
    assert len(folder_subjects(dovecot, user, expected_folder)) == 1
    assert folder_subjects(dovecot, user, "INBOX") == []


@pytest.mark.parametrize("sender", [
    "29(КЦГБ) Канцелярия <relay@vipnet-gateway.example>",
    '"29(КЦГБ) Канцелярия" <attacker@elsewhere.example>',
    "29(KЦГБ)  канцелярия <attacker@elsewhere.example>",       # Latin K, other case and spacing
    "29(AГKП1) Ceкpeтapь <x@elsewhere.example>",               # Latin A, K, C, e, p, a
])
def test_display_name_claiming_a_node_proves_nothing(imap_setup, dovecot, smtp_server, rules, sender):
    """A display name is not an identity: a letter claiming a registered node from another address
    is parked with an alert to the InfoSec head, and nobody gets a reply or the case's data."""
    config, user = imap_setup
    append(dovecot, user, Draft(sender=sender, attachments=[("скан.pdf", b"%PDF-1.4\n%%EOF\n")]))
    results = run_once(config, rules)
    assert results[0]["decision"] == "review:sender_spoof"
    assert results[0]["reply"] is None
    time.sleep(0.3)
    alerts = smtp_server.to_head
    assert smtp_server.replies == []
    assert [r.recipients for r in smtp_server.received] == [[INFOSEC_HEAD]]
    assert "возможная подмена отправителя" in str(alerts[0].message["Subject"])
    assert "Возможная подмена отправителя" in alerts[0].text
    store = Store(config.bot.state_dir)
    (row,) = store.messages.all()
    assert row["case"] is None and row["organisation_inn"] is None and row["attachments"] == []
    store.close()
    assert len(folder_subjects(dovecot, user, REVIEW)) == 1


def test_registered_address_is_known_whatever_its_name(imap_setup, dovecot, smtp_server, rules):
    config, user = imap_setup
    append(dovecot, user, Draft(sender="29(АГКП1) Секретарь <MO1@Poliklinika1.example>"),
           Draft(sender="Someone Else <secretary@kotlas-crb.example>"))
    results = run_once(config, rules)
    assert [r["decision"] for r in results] == ["accept", "accept"]
    received = smtp_server.wait_for(2)
    assert sorted(r.recipients[0] for r in received) == ["mo1@poliklinika1.example", "secretary@kotlas-crb.example"]


def test_reply_cap_stops_a_loop(imap_setup, dovecot, smtp_server, rules):
    config, user = imap_setup
    cap = int(rules.value("mail", "replies.per_sender_per_day"))
    append(dovecot, user, *[Draft(sender=KNOWN) for _ in range(cap + 2)])
    results = run_once(config, rules)
    assert [r["decision"] for r in results] == ["accept"] * cap + ["review:reply_cap"] * 2
    assert len(smtp_server.wait_for(cap)) == cap
    assert len(folder_subjects(dovecot, user, REVIEW)) == 2


class CrashingMailbox(ImapMailbox):
    """The real IMAP mailbox, but the process 'dies' right before moving the Nth letter."""

    def __init__(self, *args, crash_on_file: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.crash_on_file = crash_on_file
        self.filed = 0

    def file(self, ref, folder):
        self.filed += 1
        if self.filed == self.crash_on_file:
            raise KeyboardInterrupt("simulated crash between commit and move")
        super().file(ref, folder)


def test_restart_in_the_middle_answers_nothing_twice_and_skips_nothing(imap_setup, dovecot, smtp_server, rules):
    config, user = imap_setup
    append(dovecot, user, *[Draft(sender=KNOWN, body=f"письмо {i}") for i in range(4)])
    crashing = CrashingMailbox(config.imap, crash_on_file=2)
    with pytest.raises(KeyboardInterrupt):
        run_once(config, rules, mailbox=crashing)
    # The first letter went out... or is queued: the outbox is durable either way.
    store = Store(config.bot.state_dir)
    assert store.messages.count(Query().state == "done") == 1  # committed, not yet moved
    store.close()
    results = run_once(config, rules)
    assert len(results) == 3
    received = smtp_server.wait_for(4)
    time.sleep(0.3)
    assert len(smtp_server.replies) == 4
    assert len({r.message["In-Reply-To"] for r in received}) == 4
    assert len(folder_subjects(dovecot, user, PROCESSED)) == 4
    assert folder_subjects(dovecot, user, "INBOX") == []
    # a third start finds nothing to do
    assert run_once(config, rules) == []
    assert len(smtp_server.replies) == 4


def test_smtp_down_then_up_sends_the_reply_once(tmp_path, dovecot, registry_csv, rules):
    from bot.config import load
    from tests.conftest import write_config

    user, password = dovecot.add_user()
    smtp = SmtpServer(infosec_head=INFOSEC_HEAD)
    config = load(write_config(
        tmp_path, registry_csv,
        imap={"host": "127.0.0.1", "port": dovecot.port, "security": "none", "user": user, "password": password},
        smtp={"host": "127.0.0.1", "port": smtp.port, "security": "none"},
    ))
    append(dovecot, user, Draft(sender=KNOWN))
    results = run_once(config, rules)  # SMTP is down: the reply waits in the outbox
    assert results[0]["decision"] == "accept"
    store = Store(config.bot.state_dir)
    assert outbox.pending_count(store) == 1
    row = store.outbox.all()[0]
    assert row["attempts"] == 1 and row["last_error"]
    # retry is due later: make it due now, as time would
    with store.transaction():
        store.outbox.update({"next_attempt_at": "2000-01-01T00:00:00+00:00"}, doc_ids=[row.doc_id])
    store.close()
    smtp.start()
    try:
        assert run_once(config, rules) == []
        assert len(smtp.wait_for(1)) == 1
        assert run_once(config, rules) == []
        time.sleep(0.3)
        assert len(smtp.replies) == 1
    finally:
        smtp.stop()
    store = Store(config.bot.state_dir)
    assert outbox.pending_count(store) == 0
    store.close()


def test_uidvalidity_change_does_not_reanswer(imap_setup, dovecot, smtp_server, rules):
    config, user = imap_setup
    append(dovecot, user, Draft(sender=KNOWN, message_id="<uidv-1@mo.example>"))
    crashing = CrashingMailbox(config.imap, crash_on_file=1)
    with pytest.raises(KeyboardInterrupt):
        run_once(config, rules, mailbox=crashing)  # answered and committed, not moved
    dovecot.doveadm("mailbox", "update", "-u", user, "--uid-validity", "4242", "INBOX")
    with dovecot.client(user) as client:
        assert client.select_folder("INBOX")[b"UIDVALIDITY"] == 4242
    results = run_once(config, rules)
    assert len(results) == 1
    assert ":4242:" in results[0]["key"]
    time.sleep(0.3)
    assert len(smtp_server.replies) == 1
    assert folder_subjects(dovecot, user, "INBOX") == []


def test_letter_put_back_into_inbox_is_not_answered_again(imap_setup, dovecot, smtp_server, rules):
    config, user = imap_setup
    append(dovecot, user, Draft(sender=KNOWN))
    run_once(config, rules)
    with dovecot.client(user) as client:
        client.select_folder(PROCESSED)
        client.move(client.search(["ALL"]), "INBOX")
    run_once(config, rules)
    time.sleep(0.3)
    assert len(smtp_server.replies) == 1
    assert len(folder_subjects(dovecot, user, PROCESSED)) == 1


def test_malformed_mime_is_filed_for_review(imap_setup, dovecot, smtp_server, rules):
    config, user = imap_setup
    raw = (b"From: mo1@poliklinika1.example\r\nSubject: =?utf-8?B?" +
           __import__("base64").b64encode("Заявка на сертификат ViPNet".encode()) +
           b"?=\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"nope\"\r\n\r\n"
           b"--wrong\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
           b"JVBER!!!i0xLjQK*\r\n")
    with dovecot.client(user) as client:
        client.append("INBOX", raw)
    results = run_once(config, rules)
    assert results[0]["decision"].startswith("review:malformed")
    # a registered sender hears that a person will look at it (issue 12), nothing more
    (reply,) = smtp_server.wait_for(1)
    assert reply.recipients == ["mo1@poliklinika1.example"]
    assert "передано на проверку специалисту" in reply.text and "нарушенной структурой" in reply.text
    assert len(folder_subjects(dovecot, user, REVIEW)) == 1


def test_second_bot_on_the_same_state_dir_is_refused(imap_setup, rules):
    from bot.store import AlreadyRunning, daemon_lock

    config, _ = imap_setup
    with daemon_lock(config.bot.state_dir), pytest.raises(AlreadyRunning):
        run_once(config, rules)


def test_cli_run_once_against_config(imap_setup, dovecot, smtp_server, tmp_path: Path):
    import subprocess
    import sys

    config, user = imap_setup
    append(dovecot, user, Draft(sender=KNOWN))
    env = {**os.environ, "VIPNET_CERT_BOT_NOW": EarlyMorningClock().now().isoformat()}
    result = subprocess.run([sys.executable, "-m", "bot", "run", "--once", "--config", str(config.source)],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert len(smtp_server.wait_for(1)) == 1
    assert "secret" not in result.stderr  # the password never reaches the log
    assert '"decision": "accept"' in result.stderr


def test_failing_letter_is_retried_then_parked_and_others_still_answered(imap_setup, dovecot, smtp_server, rules):
    config, user = imap_setup
    # A disk problem: the attachments folder cannot be made, so keeping the scan fails.
    config.bot.state_dir.mkdir(parents=True, exist_ok=True)
    (config.bot.state_dir / "attachments").write_text("not a folder")
    append(dovecot, user, Draft(sender=KNOWN, attachments=[("скан.pdf", b"%PDF-1.4\n%%EOF\n")]),
           Draft(sender=KNOWN))
    first = run_once(config, rules)
    assert [r["decision"] for r in first] == ["accept"]  # the second letter is not held up
    max_attempts = int(rules.value("mail", "intake.max_attempts"))
    for _ in range(max_attempts - 1):
        assert run_once(config, rules) == []
    store = Store(config.bot.state_dir)
    (row,) = store.messages.search(Query().state == "claimed")
    assert row["attempts"] == max_attempts and "NotADirectoryError" in row["last_error"]
    store.close()
    (parked,) = run_once(config, rules)
    assert parked["decision"] == "review:processing_failed"
    assert len(folder_subjects(dovecot, user, REVIEW)) == 1
    time.sleep(0.3)
    # the answer to the second letter, and to the parked one «передано специалисту» (issue 12)
    replies = smtp_server.replies
    assert len(replies) == 2
    assert sum("не удалось обработать автоматически" in r.text for r in replies) == 1
    assert any("Сводка" not in str(r.message["Subject"]) for r in smtp_server.to_head)  # the alert
