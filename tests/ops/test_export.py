"""`export`: the register for inspections, read back with openpyxl and the csv module."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook

from bot.cases import model as m
from bot.cases import service
from bot.cases.policy import load_policy
from bot.cli import main
from bot.export import COLUMNS
from bot.registry import Registry
from bot.rules import Rules
from bot.store import Store
from tests.cases.conftest import INN_A, INN_B, at


def run(config: Path, *args: str, now: str = "2026-06-10T10:00") -> Result:
    return CliRunner().invoke(main, [args[0], "--config", str(config), *args[1:]],
                              env={"VIPNET_CERT_BOT_NOW": now}, catch_exceptions=False)


@pytest.fixture
def filled(config_path: Path, tmp_path: Path, rules: Rules, registry: Registry) -> Path:
    """Three cases: one whose paper certificate came late, one overdue, one issued before the bot."""
    policy = load_policy(rules)
    store = Store(tmp_path / "state")
    try:
        with store.transaction():
            for inn, owner in ((INN_A, "Иванов Иван Иванович"), (INN_B, "Петрова Анна Сергеевна")):
                rec = service.add_request(store, policy, registry, inn=inn, owner=owner, node="0x1A0E000B",
                                          on=date(2026, 4, 27), now=at("2026-04-27 10:00"))
                service.record_scan(store, policy, rec.case, registry.by_inn(inn), verdict="complete",
                                    fields={}, on=date(2026, 4, 28), now=at("2026-04-28 10:00"), letter={})
            # made on 30.04 (due 30.04: in time) and 06.05 (due 30.04: late)
            service.mark_issued(store, policy, "2026-0001", serial="7F01", not_after=date(2027, 4, 30),
                                on=date(2026, 4, 30), now=at("2026-04-30 15:00"))
            service.mark_issued(store, policy, "2026-0002", serial="7F02", not_after=date(2027, 5, 6),
                                on=date(2026, 5, 6), now=at("2026-05-06 15:00"))
            service.mark_paper(store, policy, "2026-0001", m.ORIGINAL, on=date(2026, 5, 6),
                               now=at("2026-05-06 16:00"))
            service.mark_paper(store, policy, "2026-0001", m.PAPER_CERTIFICATE, on=date(2026, 6, 5),
                               now=at("2026-06-05 16:00"))
            service.register_existing_certificate(
                store, policy, registry, inn=INN_A, owner="Кузнецов Пётр Ильич", serial="C0FFEE",
                not_after=date(2026, 9, 1), on=date(2025, 9, 1), now=at("2026-04-27 09:00"), by="petrova")
    finally:
        store.close()
    return config_path


def test_xlsx_register(filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "register.xlsx"
    result = run(filled, "export", "--from", "2026-04-01", "--to", "30.06.2026", "--output", str(out),
                 "--by", "petrova")
    assert result.exit_code == 0, result.output
    assert "дел: 3, состояние на 10.06.2026" in result.output
    wb = load_workbook(out)
    ws = wb["Реестр"]
    header = [c.value for c in ws[1]]
    assert header == [c.title for c in COLUMNS]
    rows = {r[1]: dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert sorted(rows) == ["2026-0001", "2026-0002", "2026-0003"]
    a, b, old = rows["2026-0001"], rows["2026-0002"], rows["2026-0003"]
    assert a["Организация"] == "ГБУЗ АО «Первая больница»" and a["ИНН"] == INN_A
    assert a["Электронный запрос получен"] == datetime(2026, 4, 27)
    assert a["Полный набор документов"] == datetime(2026, 4, 28)
    assert a["Изготовить до"] == datetime(2026, 4, 30)
    assert a["Сертификат изготовлен"] == datetime(2026, 4, 30) and a["Изготовлен с опозданием"] == "нет"
    assert a["Оригинал заявки: срок"] == datetime(2026, 5, 7)
    assert a["Оригинал заявки получен"] == datetime(2026, 5, 6) and a["Оригинал заявки просрочен"] == "нет"
    assert a["Подписанный сертификат: срок"] == datetime(2026, 6, 1)
    assert a["Подписанный сертификат получен"] == datetime(2026, 6, 5)
    assert a["Подписанный сертификат просрочен"] == "да"          # came, but late
    assert a["Состояние"] == "закрыто" and a["Источник"] == "бот"
    assert b["Изготовлен с опозданием"] == "да"
    assert b["Оригинал заявки получен"] is None and b["Оригинал заявки просрочен"] == "да"   # due 13.05
    assert b["Подписанный сертификат: срок"] == datetime(2026, 6, 8)
    assert b["Подписанный сертификат просрочен"] == "да"           # not come by 10.06
    assert b["Состояние"] == "срок пропущен: приостановить"
    assert old["Оригинал заявки получен"] == "не ожидается" and old["Оригинал заявки просрочен"] == "нет"
    assert old["Серийный номер"] == "C0FFEE" and old["Действует до"] == datetime(2026, 9, 1)
    assert old["Источник"] == "выдан до начала работы бота"
    assert ws.cell(row=2, column=header.index("Изготовить до") + 1).number_format == "DD.MM.YYYY"
    about = dict(wb["Сведения"].iter_rows(values_only=True))
    assert about["Сформировал"] == "petrova" and about["Дел в реестре"] == 3


def test_csv_register_opens_in_excel(filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "register.csv"
    result = run(filled, "export", "--from", "2026-05-01", "--to", "2026-05-31", "--output", str(out))
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")                 # the BOM tells Excel it is UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [c.title for c in COLUMNS]
    by_id = {r[1]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    # the certificate issued before the bot is valid in May: it is in the register too
    assert sorted(by_id) == ["2026-0001", "2026-0002", "2026-0003"]
    assert by_id["2026-0002"]["Сертификат изготовлен"] == "06.05.2026"
    # the state on the period's end: on 31.05 the paper certificate of 2026-0001 was not yet due
    assert by_id["2026-0001"]["Подписанный сертификат просрочен"] == "нет"
    assert by_id["2026-0001"]["Подписанный сертификат получен"] == ""      # came on 05.06
    assert by_id["2026-0001"]["Состояние"] == "сертификат изготовлен, ждём документы"


@pytest.mark.parametrize(("args", "message"), [
    (("--from", "2026-06-01", "--to", "2026-05-01"), "позже конца"),
    (("--from", "32.01.2026"), "неверная дата"),
    (("--format", "pdf"), "pdf"),
])
def test_bad_export_arguments(filled: Path, tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = run(filled, "export", *args, "--output", str(tmp_path / "x.xlsx"))
    assert result.exit_code != 0 and message in result.output
    assert not (tmp_path / "x.xlsx").exists()


def test_an_existing_file_is_not_overwritten(filled: Path, tmp_path: Path) -> None:
    out = tmp_path / "register.xlsx"
    out.write_bytes(b"keep")
    result = run(filled, "export", "--output", str(out))
    assert result.exit_code != 0 and "уже есть" in result.output and out.read_bytes() == b"keep"
    assert run(filled, "export", "--output", str(out), "--force").exit_code == 0
    assert load_workbook(out)["Реестр"].max_row == 4    # the header and three cases
