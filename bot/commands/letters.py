"""The ledger and the outbox, for the operator: what waits for a person, and what to do about it.

    letters [--state review|failed] [--json]      letters parked for review, or failing
    letter retry KEY [--by WHO]                   send a parked letter through the chain again
    letter resend OUTBOX_ID [--to ADDR] [--by WHO] put a `sending`/`failed` letter back in the queue
    outbox [--state sending|failed|pending] [--json]

Each change records who did it (`--by`, default the login user) on the row, in one store
transaction; bad input stops with a Russian message and a non-zero exit, changing nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import click
from tinydb import Query

from bot import outbox
from bot.commands import Context, identity, with_context
from bot.commands.identity import by_option
from bot.digest.compose import OUTBOX_KIND_NAMES, REVIEW_REASON_NAMES, review_reason, ru_dt
from bot.intake import CLAIMED, DONE, FILED, RETRY

LETTER_STATES = ("review", "failed")
OUTBOX_STATES = (outbox.SENDING, outbox.FAILED, outbox.PENDING)
OUTBOX_STATE_NAMES = {
    outbox.PENDING: "ждёт отправки",
    outbox.SENDING: "отправка прервана: ушло ли — неизвестно",
    outbox.FAILED: "не отправлено (бот больше не пытается)",
    outbox.SENT: "отправлено",
}


@dataclass(frozen=True)
class LetterView:
    """One ledger row as the `letters` command shows it (the --json form)."""

    number: int
    key: str
    state: str            # review | failed | retry
    received: str | None
    sender: str
    subject: str
    reason: str
    detail: str
    attempts: int
    can_retry: bool


def _letter_view(row: Any) -> LetterView | None:
    if row.get("action") == "review" and row.get("state") in (DONE, FILED, RETRY):
        state = RETRY if row.get("state") == RETRY else "review"
        code = review_reason(row.get("hits") or [], row.get("case"), row.get("scan"))
        reason = REVIEW_REASON_NAMES[code]
        detail = "; ".join(str(h.get("reason")) for h in row.get("hits") or [] if h.get("reason"))
    elif row.get("state") == CLAIMED and row.get("last_error"):
        state, reason, detail = "failed", "ошибка обработки, повторяется", str(row.get("last_error"))
    else:
        return None
    return LetterView(number=row.doc_id, key=str(row["key"]), state=state,
                      received=row.get("handled_at") or row.get("claimed_at"),
                      sender=str(row.get("sender") or "—"), subject=str(row.get("subject") or ""),
                      reason=reason, detail=detail[:300], attempts=int(row.get("attempts", 0)),
                      can_retry=state == "review" and bool(row.get("raw")) and row.get("state") == FILED)


def _check_state(state: str | None, allowed: tuple[str, ...]) -> None:
    if state is not None and state not in allowed:
        raise click.ClickException(f"неизвестное состояние «{state}» в --state: допустимо {', '.join(allowed)}")


def _read(ctx: Context, read: Callable[[Any], list[Any]]) -> list[Any]:
    store = ctx.store()
    try:
        return read(store)
    finally:
        store.close()


def _shown_as_json_or_empty(views: list[Any], as_json: bool, empty: str) -> bool:
    """--json prints the views; no views prints `empty`. True when nothing more is to be shown."""
    if as_json:
        click.echo(json.dumps([asdict(v) for v in views], ensure_ascii=False, indent=2))
    elif not views:
        click.echo(empty)
    return as_json or not views


def _table(rows: list[tuple[str, ...]]) -> None:
    widths = [min(max(len(r[i]) for r in rows), 50) for i in range(len(rows[0]))]
    for r in rows:
        click.echo("  ".join(cell[:50].ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())


@click.command("letters")
@click.option("--state", default=None, metavar="review|failed",
              help="review — ждут проверки человеком; failed — обработка не удаётся и повторяется.")
@click.option("--json", "as_json", is_flag=True, help="Вывести JSON (стабильный формат для скриптов).")
@with_context
def letters_cmd(ctx: Context, state: str | None, as_json: bool) -> None:
    """Журнал писем: письма на проверке и письма, которые не удаётся обработать."""
    _check_state(state, LETTER_STATES)
    views = _read(ctx, lambda store: [v for row in store.messages.all() if (v := _letter_view(row)) is not None])
    if state:
        views = [v for v in views if v.state == state or (state == "review" and v.state == RETRY)]
    if _shown_as_json_or_empty(views, as_json, "Писем на проверке и с ошибками нет."):
        return
    names = {"review": "на проверке", "failed": "ошибка", RETRY: "ждёт повторной обработки"}
    rows = [("№", "Получено", "Отправитель", "Тема", "Состояние", "Причина")]
    for v in views:
        rows.append((str(v.number), ru_dt(v.received), v.sender, v.subject, names[v.state], v.reason))
    _table(rows)
    click.echo("\nОбработать письмо заново (после исправления реестра): vipnet-cert-bot letter retry №")


@click.group("letter")
def letter_group() -> None:
    """Одно письмо: обработать заново, отправить ответ снова."""


def _find_letter(store: Any, key: str) -> Any:
    text = key.strip()
    row = store.messages.get(doc_id=int(text)) if text.isdigit() else store.messages.get(Query().key == text)
    if row is None:
        raise click.ClickException(f"письма «{key}» нет в журнале (номер или ключ из «vipnet-cert-bot letters»)")
    return row


@letter_group.command("retry")
@click.argument("key", metavar="КЛЮЧ")
@by_option
@with_context
def letter_retry(ctx: Context, key: str, by: str | None) -> None:
    """Обработать письмо с проверки заново (после исправления реестра). КЛЮЧ — номер или ключ из «letters»."""
    who = identity.who(by)
    now = ctx.clock.now()
    store = ctx.store()
    try:
        with store.transaction():
            row = _find_letter(store, key)
            if row.get("state") == RETRY:
                raise click.ClickException(f"письмо № {row.doc_id} уже ждёт повторной обработки")
            if row.get("action") != "review":
                raise click.ClickException(f"письмо № {row.doc_id} не на проверке: заново обрабатываются только "
                                           "письма из папки «На проверку»")
            if row.get("state") != FILED:
                raise click.ClickException(f"письмо № {row.doc_id} ещё не перенесено в папку; повторите после "
                                           "следующего круга бота")
            if not row.get("raw") or not (store.state_dir / str(row["raw"])).is_file():
                raise click.ClickException(f"у письма № {row.doc_id} нет сохранённой копии; перешлите его боту")
            history = list(row.get("history") or [])
            history.append({"action": "retry", "by": who, "at": now.isoformat(), "decision": row.get("decision")})
            store.messages.update({"state": RETRY, "retry_by": who, "retry_requested_at": now.isoformat(),
                                   "history": history}, doc_ids=[row.doc_id])
    finally:
        store.close()
    click.echo(f"Письмо № {row.doc_id} будет обработано заново на следующем круге бота (записано: {who}).")


@letter_group.command("resend")
@click.argument("outbox_id", metavar="НОМЕР")
@click.option("--to", "to", default=None, metavar="АДРЕС", help="Отправить на другой адрес.")
@by_option
@with_context
def letter_resend(ctx: Context, outbox_id: str, to: str | None, by: str | None) -> None:
    """Вернуть письмо из очереди (прерванное или не отправленное) в отправку. НОМЕР — из «outbox»."""
    who = identity.who(by)
    if not outbox_id.strip().isdigit():
        raise click.ClickException(f"номер письма — число из «vipnet-cert-bot outbox», а не «{outbox_id}»")
    number = int(outbox_id)
    store = ctx.store()
    try:
        with store.transaction():
            try:
                row = outbox.resend(store, number, by=who, now=ctx.clock.now(), to=to)
            except outbox.ResendError as exc:
                raise click.ClickException(str(exc)) from exc
    finally:
        store.close()
    click.echo(f"Письмо № {number} снова в очереди ({', '.join(row['to'])}); бот отправит его на следующем "
               f"круге (записано: {who}).")


@dataclass(frozen=True)
class OutboxView:
    """One outbox row as `outbox` shows it (the --json form): never the letter's text."""

    number: int
    kind: str
    state: str
    to: list[str]
    created_at: str | None
    attempts: int
    last_error: str | None
    sending_at: str | None


@click.command("outbox")
@click.option("--state", default=None, metavar="sending|failed|pending",
              help="sending — отправка прервана; failed — не отправлено; pending — ждёт отправки.")
@click.option("--json", "as_json", is_flag=True, help="Вывести JSON (стабильный формат для скриптов).")
@with_context
def outbox_cmd(ctx: Context, state: str | None, as_json: bool) -> None:
    """Очередь писем бота: ждущие, прерванные и не отправленные."""
    _check_state(state, OUTBOX_STATES)
    rows = _read(ctx, lambda store: outbox.in_state(store, *([state] if state else OUTBOX_STATES)))
    views = [OutboxView(number=r.doc_id, kind=str(r.get("kind")), state=str(r.get("state")), to=list(r.get("to") or []),
                        created_at=r.get("created_at"), attempts=int(r.get("attempts", 0)),
                        last_error=r.get("last_error"), sending_at=r.get("sending_at")) for r in rows]
    if _shown_as_json_or_empty(views, as_json, "Очередь пуста: все письма отправлены."):
        return
    table = [("№", "Письмо", "Кому", "Создано", "Состояние", "Попыток", "Ошибка")]
    for v in views:
        table.append((str(v.number), OUTBOX_KIND_NAMES.get(v.kind, v.kind), ", ".join(v.to), ru_dt(v.created_at),
                      OUTBOX_STATE_NAMES.get(v.state, v.state), str(v.attempts), (v.last_error or "—")[:80]))
    _table(table)
    if any(v.state in (outbox.SENDING, outbox.FAILED) for v in views):
        click.echo("\nОтправить снова: vipnet-cert-bot letter resend № [--to АДРЕС]")


COMMANDS = [letters_cmd, letter_group, outbox_cmd]
