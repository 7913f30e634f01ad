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
from bot.cases.due import DueLetter, certificate_notice, change_letters, resume_advised
from bot.cases.duties import queue_letter
from bot.cases.pkix import PkixError, read_request
from bot.cases.policy import Policy, load_policy
from bot.cases.repo import CaseError, all_cases, get_case
from bot.cases.service import Recorded
from bot.cases.views import case_view, event_line, timeline
from bot.clock import MOSCOW
from bot.commands import Context, identity, with_context
from bot.commands.files import read_input
from bot.commands.identity import by_option
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
    return read_input(path, MAX_FILE, "запроса или сертификата")


def _summary(case: dict[str, Any], policy: Policy, today: date) -> str:
    v = case_view(case, policy, today)
    line = f"дело {v['id']}: {v['organisation']}, владелец {v['owner'] or '—'}; состояние: {v['state_name']}"
    if v["next_deadline"]:
        line += f"; срок: {v['next_deadline_what']} до {v['next_deadline_display']}"
    return line


def _begin(ctx: Context, date_: str | None, by: str | None) -> tuple[datetime, Policy, date, str]:
    """What a recording command starts with: the moment, the policy, the day (--date) and who (--by)."""
    now = _now(ctx)
    return now, _policy(ctx), parse_date(date_, "--date", now.date()), identity.who(by)


def _queue(ctx: Context, store: Any, letters: list[DueLetter], now: datetime) -> list[DueLetter]:
    for letter in letters:
        queue_letter(store, letter, bot_address=ctx.config.bot.address,
                     infosec_head=ctx.config.bot.infosec_head, now=now, reply_to=ctx.config.bot.reply_to)
    return letters


def _after(ctx: Context, store: Any, rec: Recorded, now: datetime,
           registry: registry_mod.Registry | None = None) -> list[DueLetter]:
    """Queue the letters that follow from what `rec` recorded (state changes)."""
    before = rec.before(_policy(ctx), now.date())
    letters = change_letters(rec.case, before, rec.added, now, ctx.rules, registry or _registry(ctx))
    return _queue(ctx, store, letters, now)


def _told(letters: list[DueLetter]) -> None:
    to_org = [x for x in letters if x.recipient == "organisation"]
    if to_org:
        click.echo("Организации отправлено письмо: " + "; ".join(x.subject for x in to_org) + ".")


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
@click.option("--replaces", default=None, metavar="СЕРИЙНЫЙ_НОМЕР|ДЕЛО",
              help="Сертификат, который заменяет это продление (например, при смене владельца): "
                   "напоминания о его плановой смене прекращаются.")
@by_option
@with_context
def request_add(ctx: Context, inn: str, owner: str, node: str, date_: str | None, case_id: str | None,
                replaces: str | None, by: str | None) -> None:
    """Записать полученный электронный запрос на сертификат."""
    now = _now(ctx)
    policy, registry = _policy(ctx), _registry(ctx)
    on = parse_date(date_, "--date", now.date())
    who = identity.who(by)
    with _Run(ctx) as store:
        rec = service.add_request(store, policy, registry, inn=inn, owner=owner, node=node, on=on, now=now,
                                  case_id=case_id, by=who, replaces=replaces)
        letters = _after(ctx, store, rec, now, registry)
    click.echo(("Открыто новое " if rec.created else "Запрос записан в ") + _summary(rec.case, policy, now.date()))
    if rec.case.get("replaces"):
        click.echo(f"Заменяет сертификат {rec.case['replaces']['serial']} (дело {rec.case['replaces']['case']}): "
                   "напоминания о его плановой смене прекращены.")
    _told(letters)


@request_group.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--date", "date_", default=None, help="Дата получения запросов (ГГГГ-ММ-ДД), по умолчанию сегодня.")
@by_option
@with_context
def request_import(ctx: Context, files: tuple[Path, ...], date_: str | None, by: str | None) -> None:
    """Загрузить файлы запросов PKCS#10 (DER или PEM, ключи ГОСТ): ИНН и ФИО берутся из запроса."""
    now = _now(ctx)
    policy, registry = _policy(ctx), _registry(ctx)
    on = parse_date(date_, "--date", now.date())
    who = identity.who(by)
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
                                          on=on, now=now, source="file", details=details, by=who)
            except CaseError as exc:
                raise CaseError(f"{path}: {exc}") from exc
            results.append((path, rec, _after(ctx, store, rec, now, registry)))
    for path, rec, letters in results:
        click.echo(f"{path.name}: " + ("открыто новое " if rec.created else "записан в ")
                   + _summary(rec.case, policy, now.date()))
        _told(letters)


# --- cert ------------------------------------------------------------------------

@click.group("cert")
def cert_group() -> None:
    """Изготовленные сертификаты."""


def _issue(ctx: Context, store: Any, policy: Policy, registry: registry_mod.Registry, case_id: str, *,
           serial: str, not_after: date, on: date, now: datetime, source: str, by: str | None = None,
           reissue: bool = False) -> dict[str, Any]:
    rec = service.mark_issued(store, policy, case_id, serial=serial, not_after=not_after, on=on, now=now,
                              source=source, by=by, reissue=reissue)
    letter = certificate_notice(rec.case, ctx.rules, registry, now)
    queue_letter(store, letter, bot_address=ctx.config.bot.address,
                 infosec_head=ctx.config.bot.infosec_head, now=now, reply_to=ctx.config.bot.reply_to)
    return get_case(store, case_id)


def _print_issued(case: dict[str, Any], policy: Policy, today: date) -> None:
    v = case_view(case, policy, today)
    click.echo(f"Сертификат {v['serial']} отмечен изготовленным {v['made_on_display']}: "
               f"дело {v['id']}, {v['organisation']}, владелец {v['owner']}.")
    original = (f"оригинал заявки получен {v['original_on_display']}" if v["original_on"]
                else f"Оригинал заявки — до {v['original_due_display']}")
    click.echo(f"Организации отправлено уведомление. {original[0].upper()}{original[1:]}, "
               f"подписанный сертификат — до {v['paper_due_display']}.")


@cert_group.command("issued")
@click.argument("case_id", metavar="ДЕЛО")
@click.option("--serial", required=True, help="Серийный номер сертификата.")
@click.option("--not-after", "not_after", required=True, help="Срок действия до (ГГГГ-ММ-ДД).")
@click.option("--date", "date_", default=None, help="Дата изготовления (ГГГГ-ММ-ДД), по умолчанию сегодня.")
@click.option("--reissue", is_flag=True,
              help="Сертификат изготовлен повторно (новый серийный номер) — например, после ошибки в первом.")
@by_option
@with_context
def cert_issued(ctx: Context, case_id: str, serial: str, not_after: str, date_: str | None, reissue: bool,
                by: str | None) -> None:
    """Отметить, что сертификат изготовлен, и уведомить организацию."""
    now = _now(ctx)
    policy, registry = _policy(ctx), _registry(ctx)
    on = parse_date(date_, "--date", now.date())
    until = parse_date(not_after, "--not-after", now.date(), future_ok=True)
    who = identity.who(by)
    with _Run(ctx) as store:
        case = _issue(ctx, store, policy, registry, case_id, serial=serial, not_after=until, on=on, now=now,
                      source="operator", by=who, reissue=reissue)
    if reissue:
        v = case_view(case, policy, now.date())
        click.echo(f"Дело {v['id']}: записан повторно изготовленный сертификат {v['serial']} "
                   f"(действует до {v['not_after_display']}); организации отправлено уведомление.")
        return
    _print_issued(case, policy, now.date())


# --- paper -----------------------------------------------------------------------

@click.group("paper")
def paper_group() -> None:
    """Бумажные документы: оригинал заявки и подписанный экземпляр сертификата."""


def _paper(ctx: Context, case_id: str, document: str, date_: str | None, by: str | None) -> None:
    now, policy, on, who = _begin(ctx, date_, by)
    with _Run(ctx) as store:
        rec = service.mark_paper(store, policy, case_id, document, on=on, now=now, by=who)
        letters = _after(ctx, store, rec, now)
    before = rec.before(policy, now.date())
    st = m.derive(rec.case, policy, now.date())
    name = m.DOCUMENTS[document][1]
    main = rec.added[0] if rec.added else {}
    click.echo(f"Дело {rec.case['id']}: {name} получен {m.ru_date(on)}"
               + (" (с опозданием)." if main.get("late") else
                  " (до изготовления сертификата)." if main.get("early") else "."))
    if st.suspended:
        names = ", ".join(m.DOCUMENTS[d][1] for d in st.missing)
        if st.missing and resume_advised(before, st, document):
            click.echo(f"Просроченных документов больше нет (срок ещё не наступил: {names}). Возобновите "
                       "действие сертификата в программе УЦ ViPNet сейчас и выполните: "
                       f"vipnet-cert-bot resume {rec.case['id']}")
        elif st.missing:
            overdue = ", ".join(m.DOCUMENTS[d][1] for d in st.overdue)
            click.echo(f"Сертификат приостановлен; ещё не получено: {names}"
                       + (f" (срок истёк: {overdue})." if overdue else "."))
        else:
            click.echo("Все документы получены. Возобновите действие сертификата в программе УЦ ViPNet "
                       f"и выполните: vipnet-cert-bot resume {rec.case['id']}")
    elif st.closed:
        click.echo("Все документы получены, дело закрыто.")
    _told(letters)


@paper_group.command("original")
@click.argument("case_id", metavar="ДЕЛО")
@click.option("--date", "date_", default=None, help="Дата получения (ГГГГ-ММ-ДД), по умолчанию сегодня.")
@by_option
@with_context
def paper_original(ctx: Context, case_id: str, date_: str | None, by: str | None) -> None:
    """Отметить получение оригинала заявки (в любое время, также до изготовления сертификата)."""
    _paper(ctx, case_id, m.ORIGINAL, date_, by)


@paper_group.command("certificate")
@click.argument("case_id", metavar="ДЕЛО")
@click.option("--date", "date_", default=None, help="Дата получения (ГГГГ-ММ-ДД), по умолчанию сегодня.")
@by_option
@with_context
def paper_certificate(ctx: Context, case_id: str, date_: str | None, by: str | None) -> None:
    """Отметить получение подписанного экземпляра сертификата."""
    _paper(ctx, case_id, m.PAPER_CERTIFICATE, date_, by)


@paper_group.command("sent")
@click.argument("case_id", metavar="ДЕЛО")
@click.option("--date", "date_", default=None, help="Дата отправки (ГГГГ-ММ-ДД), по умолчанию сегодня.")
@by_option
@with_context
def paper_sent(ctx: Context, case_id: str, date_: str | None, by: str | None) -> None:
    """Отметить отправку организации сертификата на бумажном носителе (2 экземпляра)."""
    now, policy, on, who = _begin(ctx, date_, by)
    with _Run(ctx) as store:
        rec = service.mark_paper_sent(store, policy, case_id, on=on, now=now, by=who)
    v = case_view(rec.case, policy, now.date())
    click.echo(f"Дело {v['id']}: сертификат на бумажном носителе отправлен {m.ru_date(on)}; "
               f"подписанный экземпляр — до {v['paper_due_display']}.")


# --- suspend / resume ------------------------------------------------------------

@click.command("suspend")
@click.argument("case_id", metavar="ДЕЛО")
@click.option("--date", "date_", default=None, help="Дата приостановки (ГГГГ-ММ-ДД), по умолчанию сегодня.")
@by_option
@with_context
def suspend(ctx: Context, case_id: str, date_: str | None, by: str | None) -> None:
    """Записать, что сертификат приостановлен в программе УЦ; организации сообщается."""
    now, policy, on, who = _begin(ctx, date_, by)
    with _Run(ctx) as store:
        rec = service.suspend(store, policy, case_id, on=on, now=now, by=who)
        letters = _after(ctx, store, rec, now)
    click.echo(f"Дело {rec.case['id']}: сертификат отмечен приостановленным {m.ru_date(on)}. "
               f"Когда документы поступят: vipnet-cert-bot paper original|certificate {rec.case['id']}, "
               f"затем vipnet-cert-bot resume {rec.case['id']}")
    _told(letters)


@click.command("resume")
@click.argument("case_id", metavar="ДЕЛО")
@click.option("--date", "date_", default=None, help="Дата возобновления (ГГГГ-ММ-ДД), по умолчанию сегодня.")
@by_option
@with_context
def resume(ctx: Context, case_id: str, date_: str | None, by: str | None) -> None:
    """Записать, что действие сертификата возобновлено в программе УЦ; организации сообщается."""
    now, policy, on, who = _begin(ctx, date_, by)
    with _Run(ctx) as store:
        rec = service.resume(store, policy, case_id, on=on, now=now, by=who)
        letters = _after(ctx, store, rec, now)
    st = m.derive(rec.case, policy, now.date())
    click.echo(f"Дело {rec.case['id']}: действие сертификата возобновлено {m.ru_date(on)}.")
    if st.closed:
        click.echo("Все документы получены, дело закрыто.")
    elif st.missing:
        names = ", ".join(m.DOCUMENTS[d][1] for d in st.missing)
        click.echo(f"Внимание: ещё не получено: {names}.")
    _told(letters)


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
    rows = [("Дело", "Организация", "Владелец", "Состояние", "Срок", "Осталось дней")]
    for v in views:
        rows.append((v["id"], v["organisation"], v["owner"] or "—", v["state_name"],
                     v["next_deadline_display"] or "—", "" if v["days_left"] is None else str(v["days_left"])))
    widths = [min(max(len(r[i]) for r in rows), 45) for i in range(len(rows[0]))]
    for r in rows:
        click.echo("  ".join(cell[:45].ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())


class _CaseGroup(click.Group):
    """`case ДЕЛО` shows a case; `case close|cancel|extend|merge …` act on it."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        args = list(args)
        skip = False
        for i, arg in enumerate(args):
            if skip:
                skip = False
                continue
            if arg == "--config":
                skip = True
                continue
            if arg.startswith("-"):
                continue
            if arg in self.commands:
                args.insert(0, args.pop(i))
            else:
                args.insert(0, "show")
            break
        else:  # no command (`case --help`): the group itself takes no --config
            if "--config" in args:
                at = args.index("--config")
                del args[at:at + 2]
        return super().parse_args(ctx, args)


@click.group("case", cls=_CaseGroup)
def case_group() -> None:
    """Дело: просмотр (case ДЕЛО [--json]) и действия оператора (close, cancel, extend, merge)."""


@case_group.command("show")
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
    click.echo(f"Состояние: {view['state_name']}"
               + (f" (объединено с делом {view['merged_into']})" if view["merged_into"] else ""))
    if view["replaces"]:
        click.echo(f"Заменяет сертификат {view['replaces'].get('serial')} (дело {view['replaces'].get('case')})")
    if view["next_deadline"]:
        click.echo(f"Ближайший срок: {view['next_deadline_what']} — {view['next_deadline_display']} "
                   f"(осталось дней: {view['days_left']})")
    click.echo("История:")
    for ev in case.get("events", []):
        click.echo("  " + event_line(ev))


def _reason(value: str) -> str:
    if not value.strip():
        raise click.ClickException("не указана причина (--reason)")
    return value.strip()


def _end(ctx: Context, case_id: str, reason: str, date_: str | None, by: str | None, op: Any, done: str) -> None:
    now, policy, on, who = _begin(ctx, date_, by)
    text = _reason(reason)
    with _Run(ctx) as store:
        rec = op(store, policy, case_id, reason=text, on=on, now=now, by=who)
    click.echo(f"Дело {rec.case['id']} {done} {m.ru_date(on)}: {text.rstrip('.')}.")


def _ending_command(name: str, op: Any, done: str, reason_help: str, summary: str) -> click.Command:
    """`case close` and `case cancel`: the same arguments, another service operation."""

    @case_group.command(name, help=summary)
    @click.argument("case_id", metavar="ДЕЛО")
    @click.option("--reason", required=True, help=reason_help)
    @click.option("--date", "date_", default=None, help="Дата (ГГГГ-ММ-ДД), по умолчанию сегодня.")
    @by_option
    @with_context
    def command(ctx: Context, case_id: str, reason: str, date_: str | None, by: str | None) -> None:
        _end(ctx, case_id, reason, date_, by, op, done)

    return command


case_close = _ending_command(
    "close", service.close, "закрыто", "Почему дело закрывается (записывается в дело).",
    "Закрыть дело: больше ничего не ожидается (напоминания о плановой смене сертификата остаются).")
case_cancel = _ending_command(
    "cancel", service.cancel, "отменено", "Почему дело отменяется (записывается в дело).",
    "Отменить дело: никаких писем по нему, в сводке его нет, напоминаний о смене сертификата нет.")


@case_group.command("extend")
@click.argument("case_id", metavar="ДЕЛО")
@click.option("--original", "original", default=None, metavar="ДАТА", help="Новый срок оригинала заявки.")
@click.option("--certificate", "certificate", default=None, metavar="ДАТА",
              help="Новый срок подписанного экземпляра сертификата.")
@click.option("--reason", required=True, help="Почему срок продлён (записывается в дело).")
@by_option
@with_context
def case_extend(ctx: Context, case_id: str, original: str | None, certificate: str | None, reason: str,
                by: str | None) -> None:
    """Продлить срок предоставления бумажного документа (напоминания пойдут к новому сроку)."""
    now = _now(ctx)
    policy = _policy(ctx)
    if (original is None) == (certificate is None):
        raise click.ClickException("укажите один документ: --original ДАТА или --certificate ДАТА")
    document = m.ORIGINAL if original is not None else m.PAPER_CERTIFICATE
    option = "--original" if original is not None else "--certificate"
    due = parse_date(original or certificate, option, now.date(), future_ok=True)
    text, who = _reason(reason), identity.who(by)
    with _Run(ctx) as store:
        rec = service.extend(store, policy, case_id, document, due=due, reason=text, on=now.date(), now=now,
                             by=who)
    click.echo(f"Дело {rec.case['id']}: срок — {m.DOCUMENTS[document][1]} — продлён до {m.ru_date(due)}: {text}.")


@case_group.command("merge")
@click.argument("keep_id", metavar="ДЕЛО")
@click.argument("other_id", metavar="ВТОРОЕ_ДЕЛО")
@by_option
@with_context
def case_merge(ctx: Context, keep_id: str, other_id: str, by: str | None) -> None:
    """Объединить два дела одного продления: события второго переносятся в первое, второе отменяется."""
    now = _now(ctx)
    policy = _policy(ctx)
    who = identity.who(by)
    with _Run(ctx) as store:
        rec = service.merge(store, policy, keep_id, other_id, on=now.date(), now=now, by=who)
        letters = _after(ctx, store, rec, now)
    click.echo(f"Дело {other_id.strip()} объединено с делом {rec.case['id']}; " + _summary(rec.case, policy, now.date()))
    _told(letters)


COMMANDS = [request_group, cert_group, paper_group, suspend, resume, cases_cmd, case_group]
