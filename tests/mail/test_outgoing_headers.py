"""Every subject and display name the bot writes decodes back to exactly the text it meant.

Read back two ways: by the bot's own parser (RFC 2047 §6.2: whitespace between adjacent
encoded words is not text) and, for subjects, by the email package's policy.default. Display
names are not checked with policy.default: CPython 3.11's address parser keeps the space
between two encoded words of a display name (python/cpython gh-128110, fixed later), a
reader-side bug that real mail clients do not share.
"""

from __future__ import annotations

from datetime import date, datetime
from email import message_from_bytes, policy
from email.utils import formataddr

import pytest

from bot import outbox
from bot.cases import service
from bot.cases.due import certificate_notice
from bot.cases.policy import load_policy
from bot.clock import MOSCOW
from bot.mail.parse import RAW_HEADERS, display_and_address, parse
from bot.pipeline.handlers import compose_reply
from bot.pipeline.model import ACCEPT, Context, Letter, Outcome
from bot.registry import Organisation, Registry
from bot.store import Store
from tests.mail.test_corpus import INDEX

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=MOSCOW)
BOT = "ib-bot@tfoms.example"
ORG = Organisation(inn="2901001236", ogrn="1022900000012", name="ГБУЗ АО «Первая больница»",
                   emails=("mo-a@a.example",), vipnet_node="29(Первая больница)")
_LONG = "Константинопольская-Преображенская Елизавета-Александра Ивановна Ёлкина"
# owner names of every length from 5 to 60 characters, cut at word or letter boundaries
OWNERS = sorted({_LONG[:n].rstrip(" -") for n in range(5, 61)} | {
    "Ли Ан", "Иванов Иван Иванович", "Салтыкова-Щедрина Александра Константиновна",
    "Ёлкина-Муравьёва Анна-Мария Вячеславовна", "О'Коннор-Петрова Мария"})
DISPLAY_NAMES = [*OWNERS, "29(АГКП1) Секретарь", '29(КЦГБ) Канцелярия "приёмная"', ORG.name,
                 "ГБУЗ АО «Архангельская городская клиническая поликлиника № 1»",
                 "Удостоверяющий центр ТФОМС Архангельской области"]


def wire(message) -> bytes:
    """The bytes as the outbox stores and sends them."""
    return message.as_string(policy=policy.SMTP).encode("utf-8")


def subject_back(data: bytes) -> tuple[str, str]:
    return parse(data, "k").subject, str(message_from_bytes(data, policy=policy.default)["Subject"])


def test_owner_names_cover_5_to_60_characters() -> None:
    assert len({len(o) for o in OWNERS}) > 45
    assert min(map(len, OWNERS)) == 5 and max(map(len, OWNERS)) == 60


def test_case_letter_subjects_round_trip(rules, tmp_path) -> None:
    """Every subject of rules/policy.toml [subjects], with each owner name as bot/cases/due.py
    adds it; the certificate notice itself through the real code path."""
    pol = load_policy(rules)
    registry = Registry((ORG,))
    store = Store(tmp_path / "state")
    try:
        for owner in OWNERS:
            with store.transaction():
                rec = service.add_request(store, pol, registry, inn=ORG.inn, owner=owner, on=date(2026, 11, 30),
                                          now=NOW)
                service.record_scan(store, pol, rec.case, ORG, verdict="complete", fields={}, on=date(2026, 11, 30),
                                    now=NOW, letter={})
                service.mark_issued(store, pol, rec.case["id"], serial="7F01", on=date(2026, 11, 30), now=NOW,
                                    not_after=date(2027, 11, 30))
            case = service.get_case(store, rec.case["id"])
            built = [certificate_notice(case, rules, registry, NOW).subject]
            built += [f"{subject}: {owner}" for subject in pol.subjects.values()]  # due._letter's form
            for subject in built:
                assert owner in subject
                msg = outbox.make_message(sender=BOT, to=ORG.email, subject=subject, body="текст", kind="notice",
                                          now=NOW)
                data = wire(msg)
                assert subject_back(data) == (subject, subject), data.split(b"\r\n\r\n")[0]
                assert max(len(line) for line in data.split(b"\r\n\r\n")[0].split(b"\r\n")) <= 78
    finally:
        store.close()


def _ctx(rules, tmp_path) -> Context:
    return Context(rules=rules, registry=Registry((ORG,)), bot_address=BOT, infosec_head="head@tfoms.example",
                   now=NOW, state_dir=tmp_path, store=None)


def _letter(subject: str, name: str) -> Letter:
    return Letter(key="k", message_id="<m@a.example>", subject=subject, from_header="", from_address=ORG.email,
                  from_name=name, return_path=None, headers={}, references="", date=NOW, attachments=(),
                  defects=(), size=0, sha256="")


@pytest.mark.parametrize("subject", sorted({v["subject"].strip() for v in INDEX.values()} | {
    "Заявка на сертификат ViPNet " + "очень длинная тема " * 6,
    "Заявка на сертификат ViPNet: Салтыкова-Щедрина Александра Константиновна"}))
def test_reply_subject_and_recipient_round_trip(rules, tmp_path, subject: str) -> None:
    for name in ("", *DISPLAY_NAMES[::7]):
        reply = compose_reply.run(_letter(subject, name), Outcome(action=ACCEPT, organisation=ORG),
                                  _ctx(rules, tmp_path)).reply
        assert reply is not None
        meant = str(reply["Subject"])
        assert meant.startswith("Re: ") and meant.endswith(subject.split(": ")[-1].strip())
        data = wire(reply)
        assert subject_back(data) == (meant, meant)
        raw_to = message_from_bytes(data, policy=RAW_HEADERS)["To"]
        assert display_and_address(raw_to) == (name, ORG.email)


@pytest.mark.parametrize("name", DISPLAY_NAMES)
def test_display_names_round_trip(name: str) -> None:
    msg = outbox.make_message(sender=formataddr((name, BOT)), to=formataddr((name, ORG.email), charset="utf-8"),
                              subject=f"Сертификат ViPNet изготовлен: {name}", body="текст", kind="notice", now=NOW)
    data = wire(msg)
    letter = parse(data, "k")
    assert (letter.from_name, letter.from_address) == (name, BOT)
    assert display_and_address(message_from_bytes(data, policy=RAW_HEADERS)["To"]) == (name, ORG.email)
    assert subject_back(data)[0] == f"Сертификат ViPNet изготовлен: {name}"


def test_reply_goes_only_to_a_registered_address(rules, tmp_path) -> None:
    letter = _letter("Заявка на сертификат ViPNet", "29(Первая больница) Секретарь")
    stranger = Letter(**{**letter.__dict__, "from_address": "attacker@elsewhere.example"})
    outcome = Outcome(action=ACCEPT, organisation=ORG)
    assert compose_reply.run(stranger, outcome, _ctx(rules, tmp_path)).reply is None
    assert compose_reply.run(letter, Outcome(action=ACCEPT), _ctx(rules, tmp_path)).reply is None
