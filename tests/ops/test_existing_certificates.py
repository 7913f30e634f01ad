"""Certificates issued before the bot: `cert import` without a case, `cert import-csv`.

The certificates are GOST ones built by the renewal tests' generator (tests/cases/gostfiles.py).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.cases import model as m
from bot.cases import service
from bot.cases.due import due_letters
from bot.cases.policy import load_policy
from bot.registry import Registry
from bot.rules import Rules
from bot.store import Store
from tests.cases import gostfiles as g
from tests.cases.conftest import INN_A, INN_B, INN_UNKNOWN, OGRN_A, at
from tests.cases.test_cli import Bot, ok


def cases_of(bot: Bot) -> list[dict]:
    store = Store(bot.state)
    try:
        with store.transaction():
            return service.all_cases(store)
    finally:
        store.close()


@pytest.fixture
def bot(config_path: Path, tmp_path: Path) -> Bot:
    return Bot(config_path, tmp_path)


def _cert(path: Path, *, cn: str, inn: str = INN_A, serial: int, made: datetime, until: datetime,
          pem: bool = False) -> Path:
    der = g.certificate_der(g.subject_attrs(cn=cn, o="ГБУЗ АО «Первая больница»", inn_le=inn, ogrn=OGRN_A),
                            serial=serial, not_before=made, not_after=until)
    path.write_bytes(g.pem(der, "CERTIFICATE") if pem else der)
    return path


def test_a_certificate_without_a_case_is_registered_as_issued_before(
        bot: Bot, tmp_path: Path, rules: Rules, registry: Registry) -> None:
    cer = _cert(tmp_path / "old.cer", cn="Иванов Иван Иванович", serial=0x0A1B2C,
                made=datetime(2025, 6, 2, 8, tzinfo=UTC), until=datetime(2026, 6, 2, 8, tzinfo=UTC))
    out = ok(bot("cert", "import", str(cer), "--by", "petrova", now="2026-04-29T10:00"))
    assert "A1B2C учтён как выданный ранее: дело 2026-0001" in out
    [case] = cases_of(bot)
    st = m.derive(case, load_policy(rules), date(2026, 4, 29))
    assert (st.state, st.serial, st.not_after, st.made_on) == ("closed", "A1B2C", date(2026, 6, 2), date(2025, 6, 2))
    assert st.missing == ()
    made = case["events"][0]
    assert (made["kind"], made["source"], made["by"]) == ("certificate_made", "import", "petrova")
    assert made["existing"] is True and [e["kind"] for e in case["events"][1:]] == ["closed"]
    # no paper letter ever; the rotation reminder 30 days before the end goes to the organisation
    assert due_letters(cases_of(bot), at("2026-04-29 10:00"), rules, registry) == []
    [letter] = due_letters(cases_of(bot), at("2026-05-04 10:00"), rules, registry)
    assert (letter.key, letter.to) == ("rotation:A1B2C:30", "mo-a@a.example")
    # the timeline says what happened
    text = ok(bot("case", "2026-0001"))
    assert "выпущен до бота, бумажные документы не ведутся" in text
    # importing it again changes nothing
    before = bot.snapshot()
    assert "уже учтён в деле 2026-0001 — пропущен" in ok(bot("cert", "import", str(cer)))
    assert bot.snapshot() == before


def test_a_folder_of_certificates_and_a_waiting_case(bot: Bot, tmp_path: Path, rules: Rules,
                                                     registry: Registry) -> None:
    ok(bot("request", "add", "--inn", INN_A, "--owner", "Смирнова Ольга Петровна", now="2026-04-27T10:00"))
    bot.scan(rules, registry, "2026-0001", "2026-04-27 11:00")
    folder = tmp_path / "ca-export"
    folder.mkdir()
    _cert(folder / "new.cer", cn="Смирнова Ольга Петровна", serial=0xBEEF,
          made=datetime(2026, 4, 28, 8, tzinfo=UTC), until=datetime(2027, 4, 28, 8, tzinfo=UTC), pem=True)
    _cert(folder / "old.crt", cn="Кузнецов Пётр Ильич", serial=0xC0FFEE,
          made=datetime(2025, 9, 1, 8, tzinfo=UTC), until=datetime(2026, 9, 1, 8, tzinfo=UTC))
    (folder / "readme.txt").write_text("не сертификат")
    out = ok(bot("cert", "import", str(folder), now="2026-04-28T15:00"))
    assert "C0FFEE учтён как выданный ранее: дело 2026-0002" in out
    assert "Сертификат BEEF отмечен изготовленным 28.04.2026: дело 2026-0001" in out
    states = {c["id"]: m.derive(c, load_policy(rules), date(2026, 4, 28)).state for c in cases_of(bot)}
    assert states == {"2026-0001": "certificate_made", "2026-0002": "closed"}


def test_existing_flag_skips_matching(bot: Bot, tmp_path: Path, rules: Rules) -> None:
    ok(bot("request", "add", "--inn", INN_A, "--owner", "Иванов Иван Иванович", now="2026-04-27T10:00"))
    cer = _cert(tmp_path / "old.cer", cn="Иванов Иван Иванович", serial=0x77,
                made=datetime(2025, 6, 2, 8, tzinfo=UTC), until=datetime(2026, 6, 2, 8, tzinfo=UTC))
    before = bot.snapshot()
    result = bot("cert", "import", str(cer))
    assert result.exit_code != 0 and "открыто дело 2026-0001" in result.output and "--existing" in result.output
    assert bot.snapshot() == before
    assert "учтён как выданный ранее: дело 2026-0002" in ok(bot("cert", "import", "--existing", str(cer)))


CSV_OK = f"""inn;owner;serial;not_after;made_on;node
{INN_A};Иванов Иван Иванович;01 A2 B3;02.06.2026;02.06.2025;0x1A0E000B
{INN_B};Петрова Анна Сергеевна;c0ffee;2026-12-01;2025-12-01;
"""


def test_csv_import_registers_each_row(bot: Bot, tmp_path: Path, rules: Rules) -> None:
    path = tmp_path / "old.csv"
    path.write_bytes(CSV_OK.encode("cp1251"))    # as Excel saves it on Windows
    out = ok(bot("cert", "import-csv", str(path), "--by", "petrova"))
    assert "Учтено сертификатов: 2, пропущено: 0." in out
    rows = json.loads(ok(bot("cases", "--json")))
    assert [(r["id"], r["state"], r["serial"], r["not_after"], r["made_on"], r["node"]) for r in rows] == [
        ("2026-0001", "closed", "01A2B3", "2026-06-02", "2025-06-02", "0x1A0E000B"),
        ("2026-0002", "closed", "C0FFEE", "2026-12-01", "2025-12-01", "")]
    # again: nothing new
    before = bot.snapshot()
    assert "Учтено сертификатов: 0, пропущено: 2." in ok(bot("cert", "import-csv", str(path)))
    assert bot.snapshot() == before


@pytest.mark.parametrize(("text", "message"), [
    ("inn,owner,serial,not_after\n", "нет столбцов: made_on"),
    (f"inn,owner,serial,not_after,made_on\n{INN_A},Иванов И. И.,1,2026-13-01,2025-01-01\n", "неверная дата"),
    (f"inn,owner,serial,not_after,made_on\n{INN_A},,1,2026-12-01,2025-01-01\n", "пусто в столбце owner"),
    (f"inn,owner,serial,not_after,made_on\n{INN_UNKNOWN},Иванов И. И.,1,2026-12-01,2025-01-01\n", "нет в реестре"),
    (f"inn,owner,serial,not_after,made_on\n{INN_A},Иванов И. И.,ZZ,2026-12-01,2025-01-01\n", "серийный номер"),
    (f"inn,owner,serial,not_after,made_on\n{INN_A},Иванов И. И.,1,2025-12-01,2025-12-01\n", "должен быть позже"),
    (f"inn,owner,serial,not_after,made_on\n{INN_A},Иванов И. И.,1,2026-12-01,2027-01-01\n", "ещё не наступила"),
    (f"inn,owner,serial,not_after,made_on\n{INN_A},Иванов И. И.,1,2026-12-01,2025-01-01\n"
     f"{INN_A},Петров П. П.,01,2026-12-01,2025-01-01\n", "уже есть в файле"),
    ("", "пустой файл"),
])
def test_a_bad_csv_is_refused_and_changes_nothing(bot: Bot, tmp_path: Path, text: str, message: str) -> None:
    good = tmp_path / "good.csv"
    good.write_text(f"inn,owner,serial,not_after,made_on\n{INN_B},Петрова А. С.,99,2026-12-01,2025-01-01\n")
    ok(bot("cert", "import-csv", str(good)))
    path = tmp_path / "bad.csv"
    path.write_text(text + (f"{INN_B},Сидоров С. С.,98,2026-12-01,2025-01-01\n" if text else ""), encoding="utf-8")
    before = bot.snapshot()
    result = bot("cert", "import-csv", str(path))
    assert result.exit_code != 0 and message in result.output, result.output
    assert "Traceback" not in result.output
    assert bot.snapshot() == before


def test_a_renewal_opened_before_the_import_stops_the_rotation_reminders(
        bot: Bot, tmp_path: Path, rules: Rules, registry: Registry) -> None:
    ok(bot("request", "add", "--inn", INN_A, "--owner", "Иванов Иван Иванович", now="2026-04-27T10:00"))
    cer = _cert(tmp_path / "old.cer", cn="Иванов Иван Иванович", serial=0x0A1B2C,
                made=datetime(2025, 6, 2, 8, tzinfo=UTC), until=datetime(2026, 6, 2, 8, tzinfo=UTC))
    ok(bot("cert", "import", "--existing", str(cer), now="2026-04-28T10:00"))
    old = next(c for c in cases_of(bot) if c["id"] == "2026-0002")
    assert old["opened_at"].startswith("2025-06-02T00:00")
    # the renewal has no scan yet: it is reminded, and the rotation reminders about the old
    # certificate go on until the renewal has its full set (issue 12)
    letters = due_letters(cases_of(bot), at("2026-05-04 10:00"), rules, registry)
    assert sorted(letter.key.split(":")[0] for letter in letters) == ["rotation", "stalled"]


def test_cert_import_into_a_waiting_case_records_who(bot: Bot, tmp_path: Path, rules: Rules,
                                                     registry: Registry) -> None:
    ok(bot("request", "add", "--inn", INN_A, "--owner", "Иванов Иван Иванович", now="2026-04-27T10:00"))
    bot.scan(rules, registry, "2026-0001", "2026-04-27 11:00")
    cer = _cert(tmp_path / "new.cer", cn="Иванов Иван Иванович", serial=0xBEEF,
                made=datetime(2026, 4, 28, 8, tzinfo=UTC), until=datetime(2027, 4, 28, 8, tzinfo=UTC))
    ok(bot("cert", "import", str(cer), "--by", "petrova", now="2026-04-28T15:00"))
    [case] = cases_of(bot)
    made = next(ev for ev in case["events"] if ev["kind"] == "certificate_made")
    assert (made["serial"], made["source"], made["by"]) == ("BEEF", "file", "petrova")
