"""The duty runner: queue the letters that are due and record them on the timelines, atomically.

Computing, queueing and recording happen in ONE store transaction: either every
letter is queued and its event recorded, or nothing is — so no letter goes twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot import logs, outbox
from bot.cases import model as m
from bot.cases.due import INFOSEC_HEAD, DueLetter, due_letters
from bot.cases.repo import all_cases, get_case, save_case
from bot.clock import MOSCOW
from bot.registry import Registry
from bot.rules import Rules

log = logs.get("bot.cases.duties")

NO_ADDRESS_NOTE = ("[У организации нет адреса электронной почты в реестре, поэтому письмо направлено вам. "
                   "Перешлите его организации и добавьте её адрес в реестр организаций.]\n\n")


def queue_letter(store: Any, letter: DueLetter, *, bot_address: str, infosec_head: str,
                 now: datetime, reply_to: str) -> str:
    """Queue one letter and record it on its case. Call inside store.transaction()."""
    to, body, kind = letter.to, letter.body, letter.kind
    if letter.recipient == INFOSEC_HEAD:
        to = infosec_head
    elif not to:  # the organisation has no address: the InfoSec head forwards it
        to, body, kind = infosec_head, NO_ADDRESS_NOTE + body, "alert"
    msg = outbox.make_message(sender=bot_address, to=to, subject=letter.subject, body=body,
                              kind=kind, now=now, reply_to=reply_to if kind != "alert" else None)
    ref = f"case:{letter.case_id}:{letter.key}"
    outbox.queue(store, msg, kind=kind, ref=ref, now=now)
    case = get_case(store, letter.case_id)
    case["events"].append(m.make_event(letter.event, on=now.astimezone(MOSCOW).date(), at=now,
                                       key=letter.key, to=to, letter_kind=kind,
                                       message_id=str(msg["Message-ID"]),
                                       **{k: v for k, v in letter.data.items() if k == "document"}))
    save_case(store, case)
    log.info("case letter queued", case=letter.case_id, key=letter.key, kind=kind)
    return ref


def run_duties(store: Any, rules: Rules, registry: Registry, *, bot_address: str, infosec_head: str,
               now: datetime, reply_to: str) -> list[str]:
    """Queue every due reminder, warning and alert; returns their refs ("case:ID:KEY")."""
    with store.transaction():
        letters = due_letters(all_cases(store), now, rules, registry)
        return [queue_letter(store, letter, bot_address=bot_address, infosec_head=infosec_head, now=now,
                             reply_to=reply_to) for letter in letters]
