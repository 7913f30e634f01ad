"""The corpus of subjects as mailers write them (tests/mail/corpus/): decoded as meant,
recognised unrepaired, and answered through a real Dovecot."""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

import pytest

from bot.daemon import Daemon
from bot.mail.parse import parse, subject_of
from bot.mail.subject import SubjectRule
from tests.conftest import EarlyMorningClock

CORPUS = Path(__file__).resolve().parent / "corpus"
INDEX = tomllib.loads((CORPUS / "index.toml").read_text(encoding="utf-8"))


def raw(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def test_index_names_every_file() -> None:
    assert sorted(INDEX) == sorted(p.name for p in CORPUS.glob("*.eml"))


@pytest.mark.parametrize("name", sorted(INDEX))
def test_subject_decodes_as_meant_and_matches(name: str, rules) -> None:
    data = raw(name)
    letter = parse(data, "k")
    assert letter.subject == INDEX[name]["subject"]
    header_block = data.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in data else data.split(b"\n\n", 1)[0]
    assert subject_of(header_block + b"\r\n\r\n") == INDEX[name]["subject"]  # the cheap first look
    assert SubjectRule.from_rules(rules.section("mail")).matches(letter.subject)
    assert letter.from_address.endswith(".example")


@pytest.mark.imap
def test_every_corpus_letter_is_answered_from_imap(imap_setup, dovecot, smtp_server, rules) -> None:
    config, user = imap_setup
    names = sorted(INDEX)
    with dovecot.client(user) as client:
        for name in names:
            client.append("INBOX", raw(name))
    results = Daemon(config, rules, EarlyMorningClock()).run_once()
    assert {n: r["decision"] for n, r in zip(names, results, strict=True)} == {n: "accept" for n in names}
    replies = smtp_server.wait_for(len(names))
    time.sleep(0.3)
    assert len(smtp_server.replies) == len(names)
    asked = {parse(raw(n), "k").message_id for n in names}
    assert {str(r.message["In-Reply-To"]) for r in replies} == asked
    for r in replies:
        subject = str(r.message["Subject"])  # parsed with policy.default
        assert subject.startswith("Re: ") and not subject.lower().startswith(("re: re", "re: ответ"))
