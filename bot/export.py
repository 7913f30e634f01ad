"""The register for inspections: applications, certificates and paper documents, from the timelines.

One row per case that was active in the period (an event dated within it, open then, or
its certificate valid then). Dates, deadlines and the overdue flags come from `derive()`
on the report day (the period's end, or today if earlier) over the events dated up to it,
so the register says what the cases said that day.
Writers: CSV (UTF-8 with BOM, `;`: what Excel in a Russian locale opens as a table)
and xlsx (openpyxl: real date cells, a header row, filters).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bot.cases import model as m
from bot.cases.policy import Policy

YES, NO = "да", "нет"
NOT_EXPECTED = "не ожидается"


@dataclass(frozen=True)
class Column:
    title: str         # Russian, as the inspector reads it
    width: int         # xlsx column width, characters
    kind: str = "text"  # text | date | flag | number


COLUMNS: tuple[Column, ...] = (
    Column("№ п/п", 6, "number"),
    Column("Дело", 11),
    Column("Организация", 40),
    Column("ИНН", 12),
    Column("Владелец сертификата", 30),
    Column("Узел ViPNet", 14),
    Column("Электронный запрос получен", 14, "date"),
    Column("Скан заявки получен", 14, "date"),
    Column("Скан заявки принят", 14, "date"),
    Column("Полный набор документов", 14, "date"),
    Column("Изготовить до", 14, "date"),
    Column("Сертификат изготовлен", 14, "date"),
    Column("Изготовлен с опозданием", 12, "flag"),
    Column("Серийный номер", 24),
    Column("Действует до", 14, "date"),
    Column("Оригинал заявки: срок", 14, "date"),
    Column("Оригинал заявки получен", 14, "date"),
    Column("Оригинал заявки просрочен", 12, "flag"),
    Column("Подписанный сертификат: срок", 14, "date"),
    Column("Подписанный сертификат получен", 14, "date"),
    Column("Подписанный сертификат просрочен", 12, "flag"),
    Column("Приостановлен", 14, "date"),
    Column("Возобновлён", 14, "date"),
    Column("Состояние", 30),
    Column("Источник", 22),
)

Cell = str | date | int | None


@dataclass(frozen=True)
class Register:
    date_from: date
    date_to: date
    as_of: date
    rows: tuple[tuple[Cell, ...], ...]


def _first(case: dict[str, Any], kind: str, **match: Any) -> dict[str, Any] | None:
    for ev in case.get("events", []):
        if ev["kind"] == kind and all(ev.get(k) == v for k, v in match.items()):
            return ev
    return None


def _on(ev: dict[str, Any] | None) -> date | None:
    return date.fromisoformat(ev["on"]) if ev and ev.get("on") else None


def _last_on(case: dict[str, Any], kind: str) -> date | None:
    days = [_on(ev) for ev in case.get("events", []) if ev["kind"] == kind]
    return days[-1] if days else None


def in_period(case: dict[str, Any], policy: Policy, date_from: date, date_to: date) -> bool:
    """An event dated within the period, the case open across it, or its certificate valid in it."""
    days = [d for d in (_on(ev) for ev in case.get("events", [])) if d is not None]
    if not days or min(days) > date_to:
        return False
    if any(date_from <= d <= date_to for d in days):
        return True
    st = m.derive(case, policy, date_to)
    if st.not_after is not None and st.not_after >= date_from:
        return True
    closed = _on(_first(case, m.CLOSED))
    return closed is None or closed >= date_from


def until(case: dict[str, Any], day: date) -> dict[str, Any]:
    """The case as its timeline stood at the end of `day` (events dated later left out)."""
    return {**case, "events": [ev for ev in case.get("events", []) if (_on(ev) or day) <= day]}


def _flag(late: bool) -> str:
    return YES if late else NO


def row(number: int, case: dict[str, Any], policy: Policy, as_of: date) -> tuple[Cell, ...]:
    case = until(case, as_of)
    st = m.derive(case, policy, as_of)
    made = _first(case, m.CERTIFICATE_MADE)
    imported = bool(made and made.get("source") == "import")

    def paper(due: date | None, got: date | None) -> tuple[Cell, Cell, Cell]:
        if st.existing:
            return None, NOT_EXPECTED, NO
        if st.made_on is None:
            return None, None, None
        late = (got is not None and due is not None and got > due) or (got is None and due is not None
                                                                        and as_of > due)
        return due, got, _flag(late)

    o_due, o_got, o_late = paper(st.original_due, st.original_on)
    p_due, p_got, p_late = paper(st.paper_due, st.paper_on)
    made_late: Cell = None
    if st.made_on is not None and st.certificate_due is not None:
        made_late = _flag(st.made_on > st.certificate_due)
    elif st.made_on is None and st.certificate_due is not None:
        made_late = _flag(as_of > st.certificate_due)
    scan_ev = _first(case, m.SCAN_RECEIVED)
    source = "выдан до начала работы бота" if imported else "бот"
    return (
        number, case["id"], case.get("organisation", ""), case.get("inn", ""), case.get("owner", ""),
        case.get("node", ""), st.request_on, _on(scan_ev), st.accepted_on, st.full_set_on,
        st.certificate_due, st.made_on, made_late, st.serial, st.not_after,
        o_due, o_got, o_late, p_due, p_got, p_late,
        _last_on(case, m.SUSPENDED), _last_on(case, m.RESUMED), m.STATE_NAMES[st.state], source,
    )


def build(cases: Sequence[dict[str, Any]], policy: Policy, *, date_from: date, date_to: date,
          today: date) -> Register:
    as_of = min(date_to, today)
    chosen = [c for c in sorted(cases, key=lambda c: c["id"]) if in_period(c, policy, date_from, date_to)]
    rows = tuple(row(i, c, policy, as_of) for i, c in enumerate(chosen, start=1))
    return Register(date_from, date_to, as_of, rows)


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return m.ru_date(value)
    return str(value)


def to_csv(register: Register) -> bytes:
    """UTF-8 with a BOM and `;`: Excel (Russian locale) opens it as a table, every letter intact."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow([c.title for c in COLUMNS])
    for values in register.rows:
        writer.writerow([_text(v) for v in values])
    return buf.getvalue().encode("utf-8-sig")


def to_xlsx(register: Register, path: Path, *, made_at: datetime, by: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Реестр"
    ws.append([c.title for c in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for values in register.rows:
        ws.append(list(values))
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = column.width
        if column.kind == "date":
            for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                if isinstance(cell.value, date):
                    cell.number_format = "DD.MM.YYYY"
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(register.rows) + 1}"
    about = wb.create_sheet("Сведения")
    for key, value in (
        ("Реестр заявок и сертификатов ViPNet", "УЦ ТФОМС АО"),
        ("Период с", register.date_from), ("Период по", register.date_to),
        ("Состояние на", register.as_of), ("Дел в реестре", len(register.rows)),
        ("Сформирован", made_at.replace(tzinfo=None)), ("Сформировал", by),
    ):
        about.append([key, value])
    for (cell,) in about.iter_rows(min_col=2, max_col=2):
        if isinstance(cell.value, datetime):
            cell.number_format = "DD.MM.YYYY HH:MM"
        elif isinstance(cell.value, date):
            cell.number_format = "DD.MM.YYYY"
    about.column_dimensions["A"].width = 36
    about.column_dimensions["B"].width = 22
    wb.save(path)
