"""`cert import` (certificate files: a waiting case, or one issued before the bot) and
`cert import-csv` (a list of certificates issued before the bot).

Certificates made before the bot ran get a case of their own (see
`service.register_existing_certificate`): the rotation reminders and the expiry views
work for them from the first day. Every file or row is read and checked first; the
store changes in one transaction, so a bad file or row changes nothing.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from bot import registry as registry_mod
from bot.cases import model as m
from bot.cases import service
from bot.cases.matching import name_score, pick_case
from bot.cases.pkix import CertificateInfo, PkixError, read_certificate
from bot.cases.policy import Policy
from bot.cases.repo import CaseError, save_case
from bot.clock import MOSCOW
from bot.commands import Context, with_context
from bot.commands.cases import (
    _issue,
    _now,
    _policy,
    _print_issued,
    _read_file,
    _registry,
    _Run,
    cert_group,
    parse_date,
)
from bot.commands.files import read_input
from bot.commands.identity import by_option, who

CERT_SUFFIXES = (".cer", ".crt", ".pem", ".der")
CSV_COLUMNS = ("inn", "owner", "serial", "not_after", "made_on")   # required; `node` is optional
MAX_CSV = 8 << 20


@dataclass(frozen=True)
class Existing:
    """One certificate issued before the bot, as read from a file or a CSV row."""

    where: str            # file name or "строка N" for messages
    inn: str
    owner: str
    serial: str
    not_after: date
    made_on: date
    node: str = ""


def _collect(paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in CERT_SUFFIXES)
            if not found:
                raise click.ClickException(f"{path}: в папке нет файлов сертификатов ({', '.join(CERT_SUFFIXES)})")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise click.ClickException(f"{path}: файл или папка не найдены")
    return files


def _register(store: Any, policy: Policy, registry: registry_mod.Registry, item: Existing, *,
              now: datetime, by: str) -> str:
    try:
        rec = service.register_existing_certificate(
            store, policy, registry, inn=item.inn, owner=item.owner, serial=item.serial,
            not_after=item.not_after, on=item.made_on, now=now, by=by, node=item.node)
    except CaseError as exc:
        raise CaseError(f"{item.where}: {exc}") from exc
    case = rec.case
    expired = " (срок действия уже истёк)" if item.not_after < now.date() else ""
    return (f"{item.where}: сертификат {service.normalise_serial(item.serial)} учтён как выданный ранее: "
            f"дело {case['id']}, {case['organisation']}, владелец {case['owner']}, "
            f"действует до {m.ru_date(item.not_after)}{expired}.")


def _owner_open_case(store: Any, policy: Policy, inn: str, owner: str, today: date) -> dict[str, Any] | None:
    for case in service.open_cases(store, policy, inn, today):
        if name_score(owner, case.get("owner")) >= policy.match_accept:
            return case
    return None


@cert_group.command("import")
@click.argument("paths", nargs=-1, required=True, metavar="ФАЙЛ|ПАПКА...",
                type=click.Path(path_type=Path))
@click.option("--existing", is_flag=True,
              help="Сертификаты выданы до начала работы бота: не искать дело, завести дело для напоминаний "
                   "о смене ключа.")
@click.option("--date", "date_", default=None,
              help="Дата изготовления (ГГГГ-ММ-ДД), по умолчанию дата начала действия сертификата.")
@by_option
@with_context
def cert_import(ctx: Context, paths: tuple[Path, ...], existing: bool, date_: str | None, by: str | None) -> None:
    """Загрузить сертификаты X.509 (DER или PEM; файлы или папки с .cer/.crt/.pem/.der).

    Сертификат с полным набором документов по делу владельца отмечается изготовленным,
    организации уходит уведомление. Если такого дела нет (или указан --existing),
    сертификат учитывается как выданный ранее: дело без ожидания бумажных документов,
    с напоминаниями о плановой смене ключа. Уже учтённые сертификаты пропускаются.
    """
    now = _now(ctx)
    today = now.date()
    policy, registry = _policy(ctx), _registry(ctx)
    operator = who(by)
    read: list[tuple[Path, CertificateInfo]] = []
    for path in _collect(paths):
        try:
            info = read_certificate(_read_file(path))
        except PkixError as exc:
            raise click.ClickException(f"{path}: {exc}") from exc
        if not info.subject.inn:
            raise click.ClickException(f"{path}: в сертификате нет ИНН организации")
        if not info.subject.owner:
            raise click.ClickException(f"{path}: в сертификате нет ФИО владельца (CN)")
        read.append((path, info))
    fixed_on = parse_date(date_, "--date", today) if date_ is not None else None
    lines: list[str] = []
    issued: list[str] = []
    with _Run(ctx) as store:
        seen: set[str] = set()
        for path, info in read:
            subject, serial = info.subject, service.normalise_serial(info.serial)
            on = fixed_on or min(info.not_before.astimezone(MOSCOW).date(), today)
            not_after = info.not_after.astimezone(MOSCOW).date()
            if serial in seen:
                raise CaseError(f"{path}: сертификат {serial} указан дважды")
            seen.add(serial)
            known = service.find_serial(store, serial)
            if known is not None:
                lines.append(f"{path.name}: сертификат {serial} уже учтён в деле {known['id']} — пропущен.")
                continue
            org = service.organisation_for_inn(registry, subject.inn)
            item = Existing(path.name, org.inn, subject.owner, serial, not_after, on)
            if existing:
                lines.append(_register(store, policy, registry, item, now=now, by=operator))
                continue
            waiting = service.open_cases(store, policy, org.inn, today, states=(m.FULL_SET_STATE,))
            match = pick_case(waiting, subject.owner, None, accept=policy.match_accept,
                              reject=policy.match_reject)
            if match.kind == "case" and match.case_id is not None:
                case = _issue(ctx, store, policy, registry, match.case_id, serial=serial, not_after=not_after,
                              on=on, now=now, source="file")
                made = [ev for ev in case["events"] if ev["kind"] == m.CERTIFICATE_MADE][-1]
                made["by"] = operator           # who loaded the file
                save_case(store, case)
                issued.append(match.case_id)
                continue
            if match.kind != "new":
                raise CaseError(f"{path}: {match.reason} ({', '.join(match.candidates)}); укажите дело вручную: "
                                "vipnet-cert-bot cert issued ДЕЛО --serial … --not-after …")
            other = _owner_open_case(store, policy, org.inn, subject.owner, today)
            if other is not None:
                state = m.STATE_NAMES[m.derive(other, policy, today).state]
                raise CaseError(
                    f"{path}: у владельца «{subject.owner}» открыто дело {other['id']} ({state}), сертификат по "
                    "нему ещё не ожидается; если это сертификат, выданный ранее, добавьте --existing")
            lines.append(_register(store, policy, registry, item, now=now, by=operator))
        cases = {cid: service.get_case(store, cid) for cid in issued}
    for line in lines:
        click.echo(line)
    for cid in issued:
        _print_issued(cases[cid], policy, today)


# --- a list of certificates issued before the bot ----------------------------------

def _read_csv(path: Path, today: date) -> list[Existing]:
    raw = read_input(path, MAX_CSV, "списка сертификатов")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1251")     # saved from Excel on Windows
    lines = text.splitlines()
    if not lines:
        raise click.ClickException(f"{path}: пустой файл")
    dialect = csv.excel if lines[0].count(",") >= lines[0].count(";") else _Semicolon
    reader = csv.DictReader(lines, dialect=dialect)
    header = [(h or "").strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise click.ClickException(f"{path}: нет столбцов: {', '.join(missing)} "
                                   f"(нужны: {', '.join(CSV_COLUMNS)}, node — по желанию)")
    items: list[Existing] = []
    for number, row in enumerate(reader, start=2):
        clean = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if isinstance(v, str | None)}
        if not any(clean.values()):
            continue
        where = f"строка {number}"
        for column in CSV_COLUMNS:
            if not clean.get(column):
                raise click.ClickException(f"{path}, {where}: пусто в столбце {column}")
        not_after = parse_date(clean["not_after"], f"{where} (not_after)", today, future_ok=True)
        made_on = parse_date(clean["made_on"], f"{where} (made_on)", today)
        items.append(Existing(where, clean["inn"], clean["owner"], clean["serial"], not_after, made_on,
                              clean.get("node", "")))
    if not items:
        raise click.ClickException(f"{path}: в файле нет строк с сертификатами")
    return items


class _Semicolon(csv.excel):
    delimiter = ";"


@cert_group.command("import-csv")
@click.argument("file", metavar="ФАЙЛ", type=click.Path(dir_okay=False, path_type=Path))
@by_option
@with_context
def cert_import_csv(ctx: Context, file: Path, by: str | None) -> None:
    """Учесть сертификаты, выданные до начала работы бота, из CSV.

    Столбцы (первая строка — заголовок): inn, owner, serial, not_after, made_on и по желанию node;
    разделитель — запятая или точка с запятой; UTF-8 или cp1251; даты ГГГГ-ММ-ДД или ДД.ММ.ГГГГ.
    По каждому сертификату заводится дело: бумажные документы не ожидаются, напоминания о
    плановой смене ключа уходят как обычно. Уже учтённые серийные номера пропускаются.
    """
    now = _now(ctx)
    policy, registry = _policy(ctx), _registry(ctx)
    operator = who(by)
    items = _read_csv(file, now.date())
    lines: list[str] = []
    with _Run(ctx) as store:
        seen: dict[str, str] = {}
        for item in items:
            serial = service.normalise_serial(item.serial)
            if serial in seen:
                raise CaseError(f"{item.where}: сертификат {serial} уже есть в файле ({seen[serial]})")
            seen[serial] = item.where
            known = service.find_serial(store, serial)
            if known is not None:
                lines.append(f"{item.where}: сертификат {serial} уже учтён в деле {known['id']} — пропущен.")
                continue
            lines.append(_register(store, policy, registry, item, now=now, by=operator))
    for line in lines:
        click.echo(line)
    added = sum(1 for line in lines if "учтён как выданный ранее" in line)
    click.echo(f"Учтено сертификатов: {added}, пропущено: {len(lines) - added}.")


COMMANDS: list[click.Command] = []   # both live in the `cert` group of bot/commands/cases.py
