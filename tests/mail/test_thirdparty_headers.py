"""Header decoding checked against other projects' test suites (tests/mail/thirdparty/).

Each case is raw header text or a whole letter taken byte for byte from a public mail
library's tests, with the decoded text that library's own test asserts: an oracle that is
not Python's `email`. Nothing is repaired before our code reads it. The expected strings
are compared exactly: none of the source tests normalises white space either.
"""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

import pytest

from bot.daemon import Daemon
from bot.mail.headers import decode
from bot.mail.parse import parse, subject_of
from bot.mail.subject import SubjectRule
from bot.pipeline import chain as chain_mod
from bot.pipeline.model import Context
from bot.registry import load as load_registry
from bot.store import Store
from tests.conftest import INFOSEC_HEAD, EarlyMorningClock

HERE = Path(__file__).resolve().parent / "thirdparty"
CASES = tomllib.loads((HERE / "cases.toml").read_text(encoding="utf-8"))["case"]
VALUES = [c for c in CASES if c["kind"] == "value"]
MESSAGES = [c for c in CASES if c["kind"] == "message"]

# One real letter per charset family, run through the bot as it arrived.
WHOLE_LETTERS = {
    "koi8-r": "mozilla-releases-comm-central/sample04.eml",
    "windows-1251": "mozilla-releases-comm-central/sample05.eml",
    "utf-8": "mailgun-flanker/bilingual-simple.eml",
    "iso-2022-jp (Outlook, ru-RU)": "php-mime-mail-parser/issue116",
}


def raw(case_or_path: dict | str) -> bytes:
    name = case_or_path if isinstance(case_or_path, str) else case_or_path["raw"]
    return (HERE / name).read_bytes()


def test_every_file_has_a_case_a_licence_and_a_readme_row() -> None:
    readme = (HERE / "README.md").read_text(encoding="utf-8")
    used = {c["raw"] for c in CASES} | set(WHOLE_LETTERS.values())
    data = {p.relative_to(HERE).as_posix() for p in HERE.glob("*/*") if p.name != "LICENSE"}
    assert data == used
    for source in {c["source"] for c in CASES}:
        assert (HERE / source / "LICENSE").stat().st_size > 500, source
        assert f"`{source}`" in readme
    for case in CASES:
        assert f"`{case['id']}`" in readme, case["id"]
    assert len({c["id"] for c in CASES}) == len(CASES)
    assert len({c["source"] for c in CASES}) >= 3


@pytest.mark.parametrize("case", VALUES, ids=[c["id"] for c in VALUES])
def test_header_value_decodes_as_the_other_project_says(case: dict) -> None:
    value = raw(case)
    assert decode(value.decode("ascii")) == case["expected"]
    # the same bytes as a mailer's Subject line, through the cheap first look of the intake
    assert subject_of(b"Subject: " + value + b"\r\n\r\n") == case["expected"]


@pytest.mark.parametrize("case", MESSAGES, ids=[c["id"] for c in MESSAGES])
def test_letter_header_decodes_as_the_other_project_says(case: dict) -> None:
    letter = parse(raw(case), "k")
    if case["header"] == "subject":
        got = letter.subject
    elif case["header"] == "from-name":
        got = letter.from_name
    else:
        got = letter.headers[case["header"]]
    assert got == case["expected"]
    assert letter.defects == ()  # real, well-formed letters: nothing to report


@pytest.fixture
def decide(rules, registry_csv: Path, store: Store):
    chain = chain_mod.load(rules)
    ctx = Context(rules=rules, registry=load_registry(registry_csv), bot_address="ib-bot@tfoms.example",
                  infosec_head=INFOSEC_HEAD, now=EarlyMorningClock().now(), state_dir=store.state_dir, store=store)
    return lambda letter: chain.decide(letter, ctx)


@pytest.mark.parametrize("family", sorted(WHOLE_LETTERS))
def test_real_letter_goes_through_the_chain_and_is_left_alone(family: str, decide, rules) -> None:
    data = raw(WHOLE_LETTERS[family])
    letter = parse(data, "k")
    assert letter.defects == ()
    assert "�" not in letter.subject and "\x1b" not in letter.subject
    header_block = data.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in data else data.split(b"\n\n", 1)[0]
    assert subject_of(header_block + b"\r\n\r\n") == letter.subject
    assert SubjectRule.from_rules(rules.section("mail")).classify(letter.subject) is None
    outcome = decide(letter)
    assert outcome.action == "leave"
    assert [h.decision for h in outcome.hits] == ["not_application_subject"]


@pytest.mark.imap
def test_real_letters_from_imap_are_not_read_nor_answered(imap_setup, dovecot, smtp_server, rules) -> None:
    config, user = imap_setup
    with dovecot.client(user) as client:
        for name in WHOLE_LETTERS.values():
            client.append("INBOX", raw(name))
    assert Daemon(config, rules, EarlyMorningClock()).run_once() == []  # left at the first look
    time.sleep(0.3)
    assert smtp_server.replies == []
    with dovecot.client(user) as client:
        client.select_folder("INBOX", readonly=True)
        flags = client.get_flags(client.search(["ALL"]))
    assert len(flags) == len(WHOLE_LETTERS)
    assert all(b"\\Seen" not in f for f in flags.values())
