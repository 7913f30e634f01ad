"""The operator decides on a scan: `scan accept`, `scan reject`, `scan add`.

Each records a `scan_received` event with source "operator" on the case (who, why, the
verdict), moves the case (a full set when the electronic request is there) and queues the
organisation's letter with the next step. Bad input: a Russian error, nothing changed.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from bot import registry as registry_mod
from bot.cases import model as m
from bot.cases import service
from bot.cases.due import ORGANISATION, DueLetter
from bot.cases.duties import queue_letter
from bot.cases.policy import Policy
from bot.cases.repo import get_case
from bot.cases.views import case_view
from bot.clock import MOSCOW
from bot.commands import Context, identity, with_context
from bot.commands.cases import _now, _policy, _registry, _Run, parse_date
from bot.commands.identity import by_option
from bot.pipeline.handlers.check_scan import seal_required, waive_seal
from bot.pipeline.handlers.match_case import DEFAULT_TEMPLATE, TEMPLATES

DEFECT_NAMES = {
    "manager_signature_missing": "нет подписи руководителя",
    "owner_signature_missing": "нет подписи владельца сертификата",
    "seal_missing": "нет печати",
    "form_missing": "это не заявка",
}
MAX_SCAN = 40 << 20


def _letter(ctx: Context, store: Any, policy: Policy, registry: registry_mod.Registry, case_id: str, *,
            verdict: str, defects: list[str], origin: str, now: datetime) -> None:
    """Queue the organisation's letter: the verdict's text and the case's next step."""
    from bot.scan.config import defect_texts

    case = get_case(store, case_id)
    view = case_view(case, policy, now.date())
    org = registry.by_inn(case.get("inn", ""))
    body = ctx.rules.render(
        "scan_decision.txt.j2", case=view, organisation=org, verdict=verdict, origin=origin,
        scan_defects=defect_texts(defects, ctx.rules), scan_unsure=[],  # a person decided: no doubts left
        scan={"verdict": verdict, "reason": None},
        case_template=TEMPLATES.get(view["state"], DEFAULT_TEMPLATE),
        as_of=now.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M"), today=now.astimezone(MOSCOW).date().isoformat(),
    )
    subject = str(ctx.rules.value("mail", "replies.decision_subject")) + (f": {view['owner']}" if view.get("owner")
                                                                         else "")
    letter = DueLetter(case_id=case_id, key=f"scan:{verdict}:{now.isoformat()}", kind="notice",
                       recipient=ORGANISATION, to=org.email_to if org else "", subject=subject, body=body,
                       event=m.NOTICE_SENT)
    queue_letter(store, letter, bot_address=ctx.config.bot.address, infosec_head=ctx.config.bot.infosec_head,
                 now=now, reply_to=ctx.config.bot.reply_to)


def _decide(ctx: Context, case_id: str, *, verdict: str, defects: tuple[str, ...], reason: str, by: str | None,
            letter_key: str | None, on: date | None = None, fields: dict[str, Any] | None = None,
            doubts: tuple[str, ...] = (), origin: str = "decision") -> dict[str, Any]:
    now = _now(ctx)
    policy, registry = _policy(ctx), _registry(ctx)
    with _Run(ctx) as store:
        rec = service.decide_scan(store, policy, case_id, verdict=verdict, defects=defects, reason=reason,
                                  by=identity.who(by), on=on or now.date(), now=now,
                                  letter_key=letter_key, fields=fields, doubts=doubts, origin=origin)
        if verdict in ("complete", "incomplete"):
            _letter(ctx, store, policy, registry, case_id, verdict=verdict, defects=list(defects), origin=origin,
                    now=now)
        case = get_case(store, rec.case["id"])
    return case_view(case, policy, now.date())


def _print(view: dict[str, Any], verdict: str) -> None:
    what = {"complete": "Скан принят", "incomplete": "Скан отклонён", "review": "Скан записан, решение за вами"}
    click.echo(f"{what[verdict]}: дело {view['id']}, {view['organisation']}, владелец {view['owner'] or '—'}; "
               f"состояние: {view['state_name']}.")
    if view["state"] == m.FULL_SET_STATE:
        click.echo(f"Полный набор документов: сертификат изготовить не позднее {view['certificate_due_display']}.")
    if verdict in ("complete", "incomplete"):
        click.echo("Организации отправлено письмо.")


@click.group("scan")
def scan_group() -> None:
    """Решение оператора по скану заявки: принять, отклонить, добавить полученный иначе."""




@scan_group.command("accept")
@click.argument("case_id", metavar="ДЕЛО")
@click.option("--letter", "letter_key", default=None, help="Ключ письма со сканом (по умолчанию — последний скан дела).")
@click.option("--reason", required=True, help="Почему скан принят (записывается в дело).")
@by_option
@with_context
def scan_accept(ctx: Context, case_id: str, letter_key: str | None, reason: str, by: str | None) -> None:
    """Принять скан заявки (например, после ложного «не хватает подписи»)."""
    _print(_decide(ctx, case_id, verdict="complete", defects=(), reason=reason, by=by, letter_key=letter_key),
           "complete")


@scan_group.command("reject")
@click.argument("case_id", metavar="ДЕЛО")
@click.option("--defect", "defects", multiple=True, required=True,
              help="Недостаток (можно несколько): " + ", ".join(f"{k} — {v}" for k, v in DEFECT_NAMES.items()))
@click.option("--letter", "letter_key", default=None, help="Ключ письма со сканом (по умолчанию — последний скан дела).")
@click.option("--reason", required=True, help="Почему скан отклонён (записывается в дело).")
@by_option
@with_context
def scan_reject(ctx: Context, case_id: str, defects: tuple[str, ...], letter_key: str | None, reason: str,
                by: str | None) -> None:
    """Отклонить скан заявки и сообщить организации, чего не хватает."""
    _print(_decide(ctx, case_id, verdict="incomplete", defects=tuple(dict.fromkeys(defects)), reason=reason, by=by,
                   letter_key=letter_key), "incomplete")


@scan_group.command("add")
@click.argument("case_id", metavar="ДЕЛО")
@click.argument("file", metavar="ФАЙЛ", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--date", "date_", default=None, help="Дата получения (ГГГГ-ММ-ДД), по умолчанию сегодня.")
@click.option("--reason", default="заявка получена не по почте", show_default=True, help="Откуда заявка.")
@click.option("--other-owner", is_flag=True,
              help="Записать, даже если ИНН, ОГРН или ФИО владельца в заявке не совпадают с делом.")
@by_option
@with_context
def scan_add(ctx: Context, case_id: str, file: Path, date_: str | None, reason: str, other_owner: bool,
             by: str | None) -> None:
    """Проверить и записать в дело заявку, полученную не по почте."""
    from bot.scan import check_files

    now = _now(ctx)
    on = parse_date(date_, "--date", now.date())
    try:
        if not file.is_file():
            raise click.ClickException(f"файл {file} не найден")
        if file.stat().st_size > MAX_SCAN:
            raise click.ClickException(f"{file}: файл слишком большой для скана заявки")
    except OSError as exc:
        raise click.ClickException(f"не удалось прочитать {file}: {exc.strerror}") from exc
    with _Run(ctx) as store:  # the case must exist before the (slow) check runs
        case = get_case(store, case_id)
    with tempfile.TemporaryDirectory(prefix="scan-add-") as tmp:
        copy = Path(tmp) / ("scan" + file.suffix.lower())
        shutil.copyfile(file, copy)
        scan = check_files([copy], ctx.rules).to_json()
    org = _registry(ctx).by_inn(case.get("inn", ""))
    if not seal_required(org):
        scan = waive_seal(scan)
    verdict = scan["verdict"]
    if verdict not in ("complete", "incomplete", "review"):
        why = scan.get("reason") or "во вложении не найдена заявка"
        raise click.ClickException(f"{file}: заявка не записана — {why}")
    fields = {k: v for k, v in (scan.get("fields") or {}).items()
              if k in ("inn", "ogrn", "owner_name", "vipnet_node") and v}
    clash = _clash(case, org, fields, _policy(ctx))
    if clash and not other_owner:
        raise click.ClickException(f"{file}: заявка не записана — {clash}. Если это верно, повторите с --other-owner.")
    if clash:
        reason = f"{reason} (записано вопреки расхождению: {clash})"
    view = _decide(ctx, case_id, verdict=verdict, defects=tuple(scan.get("defects") or ()), reason=reason, by=by,
                   letter_key=None, on=on, fields=fields, doubts=tuple(scan.get("doubts") or ()), origin="added")
    _print(view, verdict)
    if verdict == "review":
        click.echo("Проверка не уверена (" + (scan.get("reason") or "") + "): посмотрите скан и решите "
                   f"командой vipnet-cert-bot scan accept {case_id} --reason … или scan reject {case_id} …")


def _clash(case: dict[str, Any], org: registry_mod.Organisation | None, fields: dict[str, Any],
           policy: Policy) -> str:
    """What the application read from the file says against the case: another organisation's
    ИНН/ОГРН or another owner (values that were not read, or fail their check digits, say
    nothing)."""
    from bot.cases.matching import check_identity, name_score

    ok, why = check_identity(case.get("inn", "") or (org.inn if org else ""), org.ogrn if org else "", fields)
    if not ok:
        return why
    read, known = fields.get("owner_name"), case.get("owner")
    if read and known and name_score(read, known) < policy.match_reject:
        return f"владелец в заявке «{read}», в деле — «{known}»"
    return ""


COMMANDS = [scan_group]
