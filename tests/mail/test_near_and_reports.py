"""Near-miss subjects, delivery reports, deep MIME nesting and the ViPNet-bridge mark:
through parse(), the chain, and a whole round against the real Dovecot."""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from bot import digest
from bot import rules as rules_mod
from bot.daemon import Daemon
from bot.letters import Draft
from bot.mail.parse import parse
from bot.mail.subject import MATCH, NEAR, SubjectRule
from bot.pipeline import chain as chain_mod
from bot.pipeline.model import Context
from bot.registry import load as load_registry
from bot.store import Store
from tests.conftest import INFOSEC_HEAD, EarlyMorningClock

KNOWN = "ГБУЗ АО АГКП1 <mo1@poliklinika1.example>"
KNOWN_ADDRESS = "mo1@poliklinika1.example"
PDF = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NEAR_SUBJECTS = ["Заявка на сертификат", "Заявка на сертификат VipNet 2026", "заявка на сертификат ВипНет",
                 "Скан заявки на сертификат ViPNet", "RE: Заявка на сертификат  КриптоПро"]
UNRELATED = ["Счёт на оплату", "Реестр счетов за октябрь", "Сертификат ViPNet", "Re: Отзыв сертификата"]


@pytest.fixture
def rule(rules) -> SubjectRule:
    return SubjectRule.from_rules(rules.section("mail"))


@pytest.mark.parametrize("subject", NEAR_SUBJECTS)
def test_near_subjects(rule: SubjectRule, subject: str) -> None:
    assert rule.classify(subject) == NEAR


@pytest.mark.parametrize("subject", UNRELATED + [""])
def test_unrelated_subjects(rule: SubjectRule, subject: str) -> None:
    assert rule.classify(subject) is None


def test_the_subject_itself_is_a_match(rule: SubjectRule) -> None:
    assert rule.classify("Re: 3аявка на сертификат VіPNet") == MATCH


def test_near_groups_come_from_rules(rules) -> None:
    section = dict(rules.section("mail"))
    section["subject"] = {**section["subject"], "near": {"groups": [["счет"]]}}
    rule = SubjectRule.from_rules(section)
    assert rule.classify("Счёт на оплату") == NEAR
    assert rule.classify("Заявка на сертификат") is None


# -- the chain, without servers ------------------------------------------------------------

def nested_multipart(depth: int) -> bytes:
    out = [f"From: {KNOWN_ADDRESS}\r\nSubject: Заявка на сертификат ViPNet\r\nMIME-Version: 1.0\r\n".encode()]
    for i in range(depth):
        out.append(f'Content-Type: multipart/mixed; boundary="b{i}"\r\n\r\n--b{i}\r\n'.encode())
    out.append(b"Content-Type: text/plain\r\n\r\nhi\r\n")
    out += [f"--b{i}--\r\n".encode() for i in reversed(range(depth))]
    return b"".join(out)


def nested_messages(depth: int) -> bytes:
    out = [f"From: {KNOWN_ADDRESS}\r\nSubject: Заявка на сертификат ViPNet\r\nMIME-Version: 1.0\r\n".encode()]
    out += [b"Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n"] * depth
    out.append(b"Content-Type: text/plain\r\n\r\nhi\r\n")
    return b"".join(out)


def bounce(sender: str = KNOWN_ADDRESS, subject: str = "Заявка на сертификат ViPNet") -> bytes:
    return (f"From: {sender}\r\nTo: ib@tfoms.example\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n"
            "--r\r\nContent-Type: text/plain\r\n\r\nThe message could not be delivered.\r\n"
            "--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n"
            "Final-Recipient: rfc822; nobody@tfoms.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
            "--r\r\nContent-Type: text/rfc822-headers\r\n\r\nSubject: x\r\n--r--\r\n").encode()


@pytest.fixture
def decide(rules, registry_csv: Path, store: Store):
    chain = chain_mod.load(rules)
    ctx = Context(rules=rules, registry=load_registry(registry_csv), bot_address="ib-bot@tfoms.example",
                  infosec_head=INFOSEC_HEAD, now=EarlyMorningClock().now(), state_dir=store.state_dir, store=store)
    return lambda raw: chain.decide(parse(raw, "k"), ctx)


@pytest.mark.parametrize("make", [nested_multipart, nested_messages])
@pytest.mark.parametrize("depth", [1000, 5000])
def test_deep_nesting_is_malformed_not_an_exception(decide, make, depth: int) -> None:
    raw = make(depth)
    letter = parse(raw, "k")  # does not raise
    assert letter.subject == "Заявка на сертификат ViPNet"
    assert decide(raw).decision == "review:malformed"


@pytest.mark.parametrize("make", [nested_multipart, nested_messages])
def test_nesting_deeper_than_the_rules_limit_is_malformed(decide, rules, make) -> None:
    limit = int(rules.value("mail", "mime.max_depth"))
    assert parse(make(limit + 1), "k").mime_depth == limit + 1
    assert decide(make(limit + 1)).decision == "review:malformed"
    assert decide(make(limit)).decision == "accept"
    assert parse(make(500), "k").mime_depth == 500  # CPython still parses this; no recursion in our walk
    assert decide(make(500)).decision == "review:malformed"


def test_nesting_is_measured_without_recursion(decide) -> None:
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        assert parse(nested_messages(150), "k").mime_depth in (0, 150)  # parsed, or refused: never raises
    finally:
        sys.setrecursionlimit(old)


def test_a_bounce_from_a_registered_address_is_filed(decide) -> None:
    outcome = decide(bounce())
    assert outcome.decision == "file:delivery_report"
    assert outcome.organisation is not None  # the sender is known, and still gets no reply


def test_vipnet_header_check_is_off_by_default_and_optional(decide, rules, registry_csv: Path, store) -> None:
    plain = Draft(sender=KNOWN).build()
    assert decide(plain).decision == "accept"
    section = {**rules.sections["mail"], "sender": {"vipnet_header": "X-ViPNet-Node"}}
    strict = rules_mod.Rules(dir=rules.dir, sections={**rules.sections, "mail": section}, templates=rules.templates)
    ctx = Context(rules=strict, registry=load_registry(registry_csv), bot_address="ib-bot@tfoms.example",
                  infosec_head=INFOSEC_HEAD, now=EarlyMorningClock().now(), state_dir=store.state_dir, store=store)
    chain = chain_mod.load(strict)
    assert chain.decide(parse(plain, "k"), ctx).decision == "review:sender_spoof"
    marked = Draft(sender=KNOWN, extra_headers={"X-ViPNet-Node": "0x1A0E000B"}).build()
    assert chain.decide(parse(marked, "k"), ctx).decision == "accept"


# -- a whole round against Dovecot ---------------------------------------------------------

def _append(dovecot, user: str, *messages: bytes) -> None:
    with dovecot.client(user) as client:
        for raw in messages:
            client.append("INBOX", raw)


def _folder_count(dovecot, user: str, folder: str) -> int:
    with dovecot.client(user) as client:
        if not client.folder_exists(folder):
            return 0
        client.select_folder(folder, readonly=True)
        return len(client.search(["ALL"]))


@pytest.mark.imap
def test_near_misses_with_a_scan_are_parked_and_listed_in_the_digest(imap_setup, dovecot, smtp_server, rules):
    config, user = imap_setup
    near = [Draft(sender=KNOWN, subject=s, attachments=[("скан.pdf", PDF)]).build() for s in NEAR_SUBJECTS]
    left = [Draft(sender=KNOWN, subject="Счёт на оплату", attachments=[("счёт.pdf", PDF)]).build(),
            Draft(sender=KNOWN, subject="Заявка на сертификат").build(),  # no scan
            Draft(sender="Кто-то <someone@elsewhere.example>", subject="Заявка на сертификат",
                  attachments=[("скан.pdf", PDF)]).build()]  # not a registered address
    _append(dovecot, user, *near, *left)
    results = Daemon(config, rules, EarlyMorningClock()).run_once()
    parked = [r for r in results if r["decision"] == "review:near_subject"]
    assert [r["subject"] for r in parked] == NEAR_SUBJECTS
    assert [r["decision"] for r in results if r not in parked] == ["leave:not_application_subject"] * 2
    # each parked one: «передано специалисту» (issue 12), saying why; nothing to the letters left alone
    replies = smtp_server.wait_for(len(NEAR_SUBJECTS))
    assert len(replies) == len(NEAR_SUBJECTS)
    assert all("Тема письма отличается от установленной" in r.text for r in replies)
    assert _folder_count(dovecot, user, "Заявки/На проверку") == len(NEAR_SUBJECTS)
    assert _folder_count(dovecot, user, "INBOX") == len(left)
    with dovecot.client(user) as client:
        client.select_folder("INBOX", readonly=True)
        assert all(b"\\Seen" not in f for f in client.get_flags(client.search(["ALL"])).values())
    store = Store(config.bot.state_dir)
    try:
        built, _ = digest.build(store, rules, None, now=EarlyMorningClock().now() + timedelta(hours=2),
                                with_pictures=False)
    finally:
        store.close()
    (review,) = [s for s in built.sections if s.key == "review"]
    lines = [row.cells for row in review.rows if "тема похожа на заявку" in row.cells[3]]
    assert sorted(cells[2] for cells in lines) == sorted(NEAR_SUBJECTS)


@pytest.mark.imap
def test_a_bounce_and_a_deep_letter_through_dovecot(imap_setup, dovecot, smtp_server, rules):
    config, user = imap_setup
    _append(dovecot, user, bounce(), nested_multipart(1000))
    results = Daemon(config, rules, EarlyMorningClock()).run_once()
    assert [r["decision"] for r in results] == ["file:delivery_report", "review:malformed"]
    # the bounce gets nothing; the broken letter from a registered address hears it went to a person
    (reply,) = smtp_server.wait_for(1)
    assert "нарушенной структурой" in reply.text
    time.sleep(0.3)
    assert len(smtp_server.replies) == 1

