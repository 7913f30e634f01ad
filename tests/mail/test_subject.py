"""The subject rule, without servers."""

from __future__ import annotations

import pytest

from bot.mail.subject import SubjectRule


@pytest.fixture
def rule(rules) -> SubjectRule:
    return SubjectRule.from_rules(rules.section("mail"))


@pytest.mark.parametrize("subject", [
    "Заявка на сертификат ViPNet",
    "заявка на сертификат vipnet",
    "ЗАЯВКА НА СЕРТИФИКАТ VIPNET",
    "Re: Заявка на сертификат ViPNet",
    "RE: RE: Fwd: Заявка на сертификат ViPNet",
    "Fw: Заявка на сертификат ViPNet",
    "Ответ: Заявка на сертификат ViPNet",
    "Пересл.: Заявка на сертификат ViPNet",
    "Re[2]: Заявка на сертификат ViPNet",
    "RE (3) : Заявка на сертификат ViPNet",
    "«Заявка на сертификат ViPNet»",
    '"Заявка на сертификат ViPNet"',
    "  Заявка   на\tсертификат  ViPNet  ",
    "Заявка на сертификат ViPNet.",
    "Заявкa нa сертификат ViPNet",          # Latin a
    "3аявка на сертификат ViPNet",          # digit 3 for З
    "Заявка на сеpтификат VіPNet",          # Latin p, Ukrainian і
    "ЗАЯВКА НА СЕРТИФИКАТ VІPNET",          # Ukrainian capital І
    "ЗАЯВКA HA CEPTИФИКAT VIPNET",          # Latin A, H, C, E, P, T in Russian words
    "Заявка на сертификат ViРNet",          # Cyrillic Р in ViPNet
    "Заявка на сертификат ViPNеt",          # Cyrillic е
    "Автоответ: Re: Заявка на сертификат ViPNet",
    "Заявка на сертификат ViPNet".replace(" ", "\u00a0"),  # no-break spaces
])
def test_matches(rule: SubjectRule, subject: str) -> None:
    assert rule.matches(subject)


@pytest.mark.parametrize("subject", [
    "",
    "Заявка на сертификат",
    "Заявка на сертификат ViPNet 2026",
    "Сертификат ViPNet",
    "Заявка на сертификат КриптоПро",
    "Реестр счетов",
    "Отзыв сертификата ViPNet",
    "Re: Заявка на ключ ViPNet",
])
def test_does_not_match(rule: SubjectRule, subject: str) -> None:
    assert not rule.matches(subject)


def test_expected_subject_comes_from_rules(rules) -> None:
    section = dict(rules.section("mail"))
    section["subject"] = {**section["subject"], "expected": "Заявка на сертификат"}
    rule = SubjectRule.from_rules(section)
    assert rule.matches("Re: заявка на сертификат")
    assert not rule.matches("Заявка на сертификат ViPNet")
