"""Operator commands for renewal cases: requests, certificates, paper documents, views.

Every command reads the moment from ctx.clock (VIPNET_CERT_BOT_NOW pins it), changes
the store in one transaction, and on bad input stops with a Russian message and
a non-zero exit, leaving the store as it was.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from bot import registry as registry_mod
from bot.cases import model as m
from bot.cases import service
from bot.cases.due import certificate_notice
from bot.cases.duties import queue_letter
from bot.cases.matching import pick_case
from bot.cases.pkix import PkixError, read_certificate, read_request
from bot.cases.policy import Policy, load_policy
from bot.cases.repo import CaseError, all_cases, get_case
from bot.cases.views import case_view, event_line, timeline
from bot.clock import MOSCOW
from bot.commands import Context, with_context
from bot.rules import RulesError

MAX_FILE = 1 << 20  # requests and certificates are a few kilobytes


# --- helpers ---------------------------------------------------------------------

def parse_date(value: str | None, option: str, today: date, *, future_ok: bool = False) -> date:
    """YYYY-MM-DD or DD.MM.YYYY; None -> today."""
    if value is None:
        return today
    text = value.strip()
    try:
        if re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", text):
            d, mth, y = (int(p) for p in text.split("."))
            day = date(y, mth, d)
        else:
            day = date.fromisoformat(text)
    except ValueError as exc:
        raise click.ClickException(
            f"неверная дата в {option}: «{value}» (нужно ГГГГ-ММ-ДД или ДД.ММ.ГГГГ)") from exc
    if not future_ok and day > today:
        raise click.ClickException(f"дата в {option} ({day:%d.%m.%Y}) ещё не наступила")
    return day


def _now(ctx: Context) -> datetime:
    return ctx.clock.now().astimezone(MOSCOW)


def _policy(ctx: Context) -> Policy:
    try:
        return load_policy(ctx.rules)
    except RulesError as exc:
        raise click.ClickException(str(exc)) from exc


def _registry(ctx: Context) -> registry_mod.Registry:
    try:
        return registry_mod.load(ctx.config.bot.organisations)
    except registry_mod.RegistryError as exc:
        raise click.ClickException(str(exc)) from exc


def _read_file(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_FILE:
            raise click.ClickException(f"{path}: файл слишком большой для запроса или сертификата")
        return path.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"не удалось прочитать {path}: {exc.strerror}") from exc


def _summary(case: dict[str, Any], policy: Policy, today: date) -> str:
    v = case_view(case, policy, today)
    line = f"дело {v['id']}: {v['organisation']}, владелец {v['owner'] or '—'}; состояние: {v['state_name']}"
    if v["next_deadline"]:
        line += f"; срок: {v['next_deadline_what']} до {v['next_deadline_display']}"
    return line


class _Run:
    """Open the store, run one transaction, turn CaseError into a Russian click error."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.store: Any = None

    def __enter__(self) -> Any:
        self.store = self.ctx.store()
        self._tx = self.store.transaction()
        return self._tx.__enter__()

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        try:
            self._tx.__exit__(exc_type, exc, tb)
        finally:
            self.store.close()
        if isinstance(exc, CaseError):
            raise click.ClickException(str(exc)) from exc
        return False


# --- request ---------------------------------------------------------------------

@click.group("request")
def request_group() -> None:
    """Электронные запросы на сертификат (поступают в ПО УЦ, а не в почту)."""


@request_group.command("add")
@click.option("--inn", required=True, help="ИНН организации (10 цифр).")
@click.option("--owner", required=True, help="ФИО владельца сертификата.")
@click.option("--node", default="", help="Идентификатор узла ViPNet (например 0x1A0E000B).")
@click.option("--date", "date_", default=None, help="Дата получения запроса (ГГГГ-ММ-ДД), по умолчанию сегодня.")
@click.option("--case", "case_id", default=None, help="Записать в указанное дело (когда подходят несколько).")
@with_context
def request_add(ctx: Context, inn: str, owner: str, node: str, date_: str | None, case_id: str | None) -> None:
    """Записать полученный электронный запрос на сертификат."""
    now = _now(ctx)
    policy, registry = _policy(ctx), _registry(ctx)
    on = parse_date(date_, "--date", now.date())
    with _Run(ctx) as store:
        rec = service.add_request(store, policy, registry, inn=inn, owner=owner, node=node, on=on, now=now,
                                  case_id=case_id)
    click.echo(("Открыто новое " if rec.created else "Запрос записан в ") + _summary(rec.case, policy, now.date()))


@request_group.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--date", "date_", default=None, help="Дата получения запросов (ГГГГ-ММ-ДД), по умолчанию сегодня.")
@with_context
def request_import(ctx: Context, files: tuple[Path, ...], date_: str | None) -> None:
    """Загрузить файлы запросов PKCS#10 (DER или PEM, ключи ГОСТ): ИНН и ФИО берутся из запроса."""
    now = _now(ctx)
    policy, registry = _policy(ctx), _registry(ctx)
    on = parse_date(date_, "--date", now.date())
    parsed = []
    for path in files:
        try:
            info = read_request(_read_file(path))
        except PkixError as exc:
            raise click.ClickException(f"{path}: {exc}") from exc
        subject = info.subject
        if not subject.inn:
            raise click.ClickException(f"{path}: в запросе нет ИНН организации")
        if not subject.owner:
            raise click.ClickException(f"{path}: в запросе нет ФИО владельца (CN)")
        parsed.append((path, subject))
    with _Run(ctx) as store:
        results = []
        for path, subject in parsed:
            details = {k: v for k, v in subject.as_dict().items() if k != "snils" and v}
            details["file"] = path.name
            try:
                rec = service.add_request(store, policy, registry, inn=subject.inn, owner=subject.owner,
                                          on=on, now=now, source="file", details=details)
            except CaseError as exc:
                raise CaseError(f"{path}: {exc}") from exc
            results.append((path, rec))
    for path, rec in results:
        click.echo(f"{path.name}: " + ("открыто новое " if rec.created else "записан в ")
                   + _summary(rec.case, policy, now.date()))


# --- cert ------------------------------------------------------------------------

@click.group("cert")
def cert_group() -> None:
    """Изготовленные сертификаты."""


def _issue(ctx: Context, store: Any, policy: Policy, registry: registry_mod.Registry, case_id: str, *,
           serial: str, not_after: date, on: date, now: datetime, source: str) -> dict[str, Any]:
    rec = service.mark_issued(store, policy, case_id, serial=serial, not_after=not_after, on=on, now=now,
                              source=source)
    letter = certificate_notice(rec.case, ctx.rules, registry, now)
    queue_letter(store, letter, bot_address=ctx.config.bot.address,
                 infosec_head=ctx.config.bot.infosec_head, now=now, reply_to=ctx.config.bot.reply_to)
    return get_case(store, case_id)


def _print_issued(case: dict[str, Any], policy: Policy, today: date) -> None:
    v = case_view(case, policy, today)
    click.echo(f"Сертификат {v['serial']} отмечен изготовленным {v['made_on_display']}: "
               f"дело {v['id']}, {v['organisation']}, владелец {v['owner']}.")
    click.echo(f"Организации отправлено уведомление. Оригинал заявки — до {v['original_due_display']}, "
               f"подписанный сертификат — до {v['paper_due_display']}.")


@cert_group.command("issued")
@click.argument("case_id", metavar="ДЕЛО")
@click.option("--serial", required=True, help="Серийный номер сертификата.")
@click.option("--not-after", "not_after", required=True, help="Срок действия до (ГГГГ-ММ-ДД).")
@click.option("--date", "date_", default=None, help="Дата изготовления (ГГГГ-ММ-ДД), по умолчанию сегодня.")
@with_context
def cert_issued(ctx: Context, case_id: str, serial: str, not_after: str, date_: str | None) -> None:
    """Отметить, что сертификат изготовлен, и уведомить организацию."""
    now = _now(ctx)
    policy, registry = _policy(ctx), _registry(ctx)
    on = parse_date(date_, "--date", now.date())
    until = parse_date(not_after, "--not-after", now.date(), future_ok=True)
    with _Run(ctx) as store:
        case = _issue(ctx, store, policy, registry, case_id, serial=serial, not_after=until, on=on, now=now,
                      source="operator")
    _print_issued(case, policy, now.date())


@cert_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--date", "date_", default=None,
              help="Дата изготовления (ГГГГ-ММ-ДД), по умолчанию дата начала действия сертификата.")
@with_context
def cert_import(ctx: Context, file: Path, date_: str | None) -> None:
    """Загрузить изготовленный сертификат X.509 (DER или PEM): дело находится по владельцу."""
    now = _now(ctx)
    policy, registry = _policy(ctx), _registry(ctx)
    try:
        info = read_certificate(_read_file(file))
    except PkixError as exc:
        raise click.ClickException(f"{file}: {exc}") from exc
    if date_ is not None:
        on = parse_date(date_, "--date", now.date())
    else:
        on = min(info.not_before.astimezone(MOSCOW).date(), now.date())
    subject = info.subject
    with _Run(ctx) as store:
        org = service.organisation_for_inn(registry, subject.inn or "")
        waiting = service.open_cases(store, policy, org.inn, now.date(), states=(m.FULL_SET_STATE,))
        match = pick_case(waiting, subject.owner, None, accept=policy.match_accept, reject=policy.match_reject)
        if match.kind != "case" or match.case_id is None:
            raise CaseError(
                f"{file}: не найдено дело с полным набором документов для владельца «{subject.owner}» "
                f"({org.name})" + (f": {match.reason}" if match.reason else "")
                + "; укажите дело вручную: vipnet-cert-bot cert issued ДЕЛО --serial … --not-after …")
        case = _issue(ctx, store, policy, registry, match.case_id, serial=info.serial,
                      not_after=info.not_after.astimezone(MOSCOW).date(), on=on, now=now, source="file")
    _print_issued(case, policy, now.date())


# --- paper -----------------------------------------------------------------------

@click.group("paper")
def paper_group() -> None:
    """Бумажные документы: оригинал заявки и подписанный экземпляр сертификата."""


def _paper(ctx: Context, case_id: str, document: str, date_: str | None) -> None:
    now = _now(ctx)
    policy = _policy(ctx)
    on = parse_date(date_, "--date", now.date())
    with _Run(ctx) as store:
        rec = service.mark_paper(store, policy, case_id, document, on=on, now=now)
    st = m.derive(rec.case, policy, now.date())
    name = m.DOCUMENTS[document][1]
    click.echo(f"Дело {rec.case['id']}: {name} получен {m.ru_date(on)}"
               + (" (с опозданием)." if rec.added and rec.added[0].get("late") else "."))
    if st.suspended:
        if st.missing:
            names = ", ".join(m.DOCUMENTS[d][1] for d in st.missing)
            click.echo(f"Сертификат приостановлен; ещё не получено: {names}.")
        else:
            click.echo("Все документы получены. Возобновите действие сертификата в программе УЦ ViPNet "
                       f"и выполните: vipnet-cert-bot resume {rec.case['id']}")
    elif st.closed:
        click.echo("Все документы получены, дело закрыто.")


@paper_group.command("original")
@click.argument("case_id", metavar="ДЕЛО")
@click.option("--date", "date_", default=None, help="Дата получения (ГГГГ-ММ-ДД), по умолчанию сегодня.")
@with_context
def paper_original(ctx: Context, case_id: str, date_: str | None) -> None:
    """Отметить получение оригинала заявки."""
    _paper(ctx, case_id, m.ORIGINAL, date_)


@paper_group.command("certificate")
@click.argument("case_id", metavar="ДЕЛО")
@click.option("--date", "date_", default=None, help="Дата получения (ГГГГ-ММ-ДД), по умолчанию сегодня.")
@with_context
def paper_certificate(ctx: Context, case_id: str, date_: str | None) -> None:
    """Отметить получение подписанного экземпляра сертификата."""
    _paper(ctx, case_id, m.PAPER_CERTIFICATE, date_)


# --- suspend / resume ------------------------------------------------------------

@click.command("suspend")
@click.argument("case_id", metavar="ДЕЛО")
@with_context
def suspend(ctx: Context, case_id: str) -> None:
    """Записать, что сертификат приостановлен в программе УЦ."""
    now = _now(ctx)
    policy = _policy(ctx)
    with _Run(ctx) as store:
        rec = service.suspend(store, policy, case_id, on=now.date(), now=now)
    click.echo(f"Дело {rec.case['id']}: сертификат отмечен приостановленным {m.ru_date(now.date())}. "
               f"Когда документы поступят: vipnet-cert-bot paper original|certificate {rec.case['id']}, "
               f"затем vipnet-cert-bot resume {rec.case['id']}")


@click.command("resume")
@click.argument("case_id", metavar="ДЕЛО")
@with_context
def resume(ctx: Context, case_id: str) -> None:
    """Записать, что действие сертификата возобновлено в программе УЦ."""
    now = _now(ctx)
    policy = _policy(ctx)
    with _Run(ctx) as store:
        rec = service.resume(store, policy, case_id, on=now.date(), now=now)
    st = m.derive(rec.case, policy, now.date())
    click.echo(f"Дело {rec.case['id']}: действие сертификата возобновлено {m.ru_date(now.date())}.")
    if st.closed:
        click.echo("Все документы получены, дело закрыто.")
    elif st.missing:
        names = ", ".join(m.DOCUMENTS[d][1] for d in st.missing)
        click.echo(f"Внимание: ещё не получено: {names}.")


# --- views -----------------------------------------------------------------------

def _load_all(ctx: Context) -> list[dict[str, Any]]:
    store = ctx.store()
    try:
        with store.transaction():
            return all_cases(store)
    finally:
        store.close()


@click.command("cases")
@click.option("--state", type=click.Choice(m.STATES), default=None, help="Показать только дела в этом состоянии.")
@click.option("--json", "as_json", is_flag=True, help="Вывести JSON (стабильный формат для скриптов).")
@with_context
def cases_cmd(ctx: Context, state: str | None, as_json: bool) -> None:
    """Дела: организация, владелец, состояние, ближайший срок, осталось дней."""
    policy = _policy(ctx)
    now = _now(ctx)
    known = [c for c in sorted(_load_all(ctx), key=lambda c: c["id"])
             if not c.get("opened_at") or datetime.fromisoformat(c["opened_at"]) <= now]
    views = [case_view(m.as_of(c, now), policy, now.date()) for c in known]
    if state:
        views = [v for v in views if v["state"] == state]
    if as_json:
        click.echo(json.dumps(views, ensure_ascii=False, indent=2))
        return
    if not views:
        click.echo("Дел нет.")
        return
    rows = [("Дело", "Организация", "Владелец", "Состояние", "Срок", "Осталось дн.")]
    for v in views:
        rows.append((v["id"], v["organisation"], v["owner"] or "—", v["state_name"],
                     v["next_deadline_display"] or "—", "" if v["days_left"] is None else str(v["days_left"])))
    widths = [min(max(len(r[i]) for r in rows), 45) for i in range(len(rows[0]))]
    for r in rows:
        click.echo("  ".join(cell[:45].ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())


@click.command("case")
@click.argument("case_id", metavar="ДЕЛО")
@click.option("--json", "as_json", is_flag=True, help="Вывести JSON (стабильный формат для скриптов).")
@with_context
def case_cmd(ctx: Context, case_id: str, as_json: bool) -> None:
    """Дело и его история (хронология событий)."""
    policy = _policy(ctx)
    now = _now(ctx)
    today = now.date()
    store = ctx.store()
    try:
        with store.transaction():
            try:
                case = get_case(store, case_id)
            except CaseError as exc:
                raise click.ClickException(str(exc)) from exc
    finally:
        store.close()
    case = m.as_of(case, now)
    view = case_view(case, policy, today)
    if as_json:
        # the same keys as a row of `cases --json`, plus the timeline
        click.echo(json.dumps({**view, "events": timeline(case)}, ensure_ascii=False, indent=2))
        return
    click.echo(f"Дело {view['id']}: {view['organisation']} (ИНН {view['inn']})")
    click.echo(f"Владелец: {view['owner'] or '—'}" + (f", узел {view['node']}" if view["node"] else ""))
    click.echo(f"Состояние: {view['state_name']}")
    if view["next_deadline"]:
        click.echo(f"Ближайший срок: {view['next_deadline_what']} — {view['next_deadline_display']} "
                   f"(осталось дней: {view['days_left']})")
    click.echo("История:")
    for ev in case.get("events", []):
        click.echo("  " + event_line(ev))


COMMANDS = [request_group, cert_group, paper_group, suspend, resume, cases_cmd, case_cmd]
