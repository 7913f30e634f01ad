"""The one look-alike table (rules/lookalikes.toml) and sender identity in the registry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot import lookalikes
from bot.registry import Organisation, Registry, normalise_node

BOT_DIR = Path(lookalikes.__file__).resolve().parent


@pytest.mark.parametrize("a,b", [
    ("ViPNet", "VIPNET"), ("ViPNet", "ViРNet"), ("ViPNet", "VіPNet"), ("ViPNet", "vipnet"),
    ("Заявка", "3аявка"), ("Заявка", "ЗAЯBKA"), ("сертификат", "ceртификaт"), ("Fwd", "FWD"),
    ("Семёнов", "Cемeнов"), ("(подпись)", "(nognuсь)"),
])
def test_fold_equal(a: str, b: str) -> None:
    assert lookalikes.fold(a) == lookalikes.fold(b)


@pytest.mark.parametrize("a,b", [("ViPNet", "ВипНет"), ("2026", "2о2б"), ("Заявка", "Заявки")])
def test_fold_different(a: str, b: str) -> None:
    assert lookalikes.fold(a) != lookalikes.fold(b)


def test_numbers_standing_alone_stay_numbers() -> None:
    assert lookalikes.fold("Заявка 2026 от 30.11") == "заявка 2026 от 30.11"


def test_number_fields_and_hex_ids() -> None:
    assert "29O1OO1236".translate(lookalikes.TO_DIGITS) == "2901001236"
    assert "ЗЗ l5 Б8".translate(lookalikes.TO_DIGITS) == "33 15 68"
    assert "0хlА0Е00ОВ".translate(lookalikes.TO_HEX) == "0x1A0E000B"
    assert "0X1A0E000B".translate(lookalikes.TO_HEX) == "0x1A0E000B"


def test_no_other_lookalike_table_in_the_code() -> None:
    """rules/lookalikes.toml is the only table: no module builds its own translation of letters."""
    offenders = [p.relative_to(BOT_DIR).as_posix() for p in BOT_DIR.rglob("*.py")
                 if p.name != "lookalikes.py" and re.search(r"maketrans\(", p.read_text(encoding="utf-8"))]
    assert offenders == []


ORG = Organisation(inn="2901052450", ogrn="1022900509521", name="ГБУЗ АО АГКП1",
                   emails=("mo1@poliklinika1.example",), vipnet_node="29(АГКП1) Секретарь")
OTHER = Organisation(inn="2921003130", ogrn="1022901440001", name="ГБУЗ АО КЦГБ",
                     emails=("mo2@kotlas-crb.example",), vipnet_node="29(КЦГБ)")
REGISTRY = Registry((ORG, OTHER))


def test_identity_is_the_address_only() -> None:
    assert REGISTRY.identify("MO1@Poliklinika1.example ") is ORG
    assert REGISTRY.identify("attacker@elsewhere.example") is None


@pytest.mark.parametrize("name", ["29(АГКП1) Секретарь", '"29(АГКП1) Секретарь"', "29 ( AГKП1 ) ceкpeтapь",
                                  "29(КЦГБ) Канцелярия", "29(KЦГБ)"])
def test_a_claimed_node_at_another_address(name: str) -> None:
    assert REGISTRY.claimed_node("attacker@elsewhere.example", name) is not None
    assert REGISTRY.claimed_node("mo2@kotlas-crb.example", "29(АГКП1) Секретарь") is ORG  # another member's name


@pytest.mark.parametrize("address,name", [
    ("mo1@poliklinika1.example", "29(АГКП1) Секретарь"), ("x@elsewhere.example", "Иванов Иван"),
    ("x@elsewhere.example", ""), ("x@elsewhere.example", "29(АГКП10) Секретарь")])
def test_nothing_claimed(address: str, name: str) -> None:
    assert REGISTRY.claimed_node(address, name) is None


def test_node_names_fold_lookalikes() -> None:
    assert normalise_node("29 ( AГKП1 )  Ceкpeтapь") == normalise_node("29(АГКП1) Секретарь")
