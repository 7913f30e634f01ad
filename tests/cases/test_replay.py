"""A whole renewal on a moving clock, through the handler, the operations and the duty runner."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from bot.cases import model as m
from bot.cases import service
from bot.cases.due import certificate_notice
from bot.cases.duties import queue_letter, run_duties
from bot.cases.policy import Policy
from bot.pipeline.handlers import match_case
from bot.pipeline.model import ACCEPT, Context, Outcome
from bot.registry import Registry
from bot.rules import Rules
from bot.store import Store
from tests.cases.conftest import BOT, HEAD, INN_A, OGRN_A, at
from tests.cases.test_match_case import letter, scan


def test_request_scan_certificate_reminders_late_paper_suspension_resumed_closed(
        store: Store, rules: Rules, policy: Policy, registry: Registry, tmp_path: Path) -> None:
    letters: list[tuple[datetime, str]] = []
    actions = {
        at("2026-04-27 10:00"): "request",
        at("2026-04-28 11:00"): "scan",
        at("2026-04-30 15:00"): "issued",
        at("2026-05-06 10:00"): "original",
        at("2026-06-02 12:00"): "suspend",
        at("2026-06-04 10:00"): "certificate",
        at("2026-06-04 11:00"): "resume",
    }
    now = at("2026-04-27 00:00")
    cid = ""
    while now < at("2026-07-01 00:00"):
        action = actions.get(now)
        with store.transaction():
            if action == "request":
                cid = service.add_request(store, policy, registry, inn=INN_A, owner="Иванов Иван Иванович",
                                          on=now.date(), now=now).case["id"]
            elif action == "scan":
                ctx = Context(rules=rules, registry=registry, bot_address=BOT, infosec_head=HEAD, now=now,
                              state_dir=tmp_path, store=store)
                out = match_case.run(letter(1), Outcome(action=ACCEPT, organisation=registry.by_inn(INN_A),
                                                       scan=scan(inn=INN_A, ogrn=OGRN_A,
                                                                 owner_name="Иванов И.И.")), ctx)
                assert out.case["event"] == "full_set" and out.case["due"] == "2026-04-30"
            elif action == "issued":
                rec = service.mark_issued(store, policy, cid, serial="7F01", not_after=date(2027, 4, 30),
                                          on=now.date(), now=now)
                letters.append((now, queue_letter(store, certificate_notice(rec.case, rules, registry, now),
                                                  bot_address=BOT, infosec_head=HEAD, reply_to="", now=now)))
            elif action == "original":
                service.mark_paper(store, policy, cid, m.ORIGINAL, on=now.date(), now=now)
            elif action == "suspend":
                service.suspend(store, policy, cid, on=now.date(), now=now)
            elif action == "certificate":
                service.mark_paper(store, policy, cid, m.PAPER_CERTIFICATE, on=now.date(), now=now)
            elif action == "resume":
                service.resume(store, policy, cid, on=now.date(), now=now)
        letters += [(now, ref) for ref in run_duties(store, rules, registry, bot_address=BOT,
                                                     infosec_head=HEAD, reply_to="", now=now)]
        now += timedelta(hours=1)

    got = [(when.strftime("%d.%m %H:%M"), ref.split(":", 2)[2]) for when, ref in letters]
    assert got == [
        ("30.04 09:00", "make:due"),                  # full set 28.04 -> made by 30.04: the InfoSec head is told
        ("30.04 15:00", "made:7F01"),                 # the notice goes at once
        ("04.05 09:00", "paper:original:3"),          # original due 07.05
        ("06.05 09:00", "paper:original:1"),          # received 06.05 10:00: no more about it
        ("27.05 09:00", "paper:certificate:3"),       # certificate due 30.05 (Sat) -> 01.06; 3 working days before
        ("29.05 09:00", "paper:certificate:1"),       # offsets count working days: Friday is 1 before Monday
        ("01.06 09:00", "paper:certificate:0"),
        ("02.06 09:00", "overdue:certificate"),       # warning to the organisation
        ("02.06 09:00", "suspend:certificate"),       # action item to the InfoSec head
    ], got
    final = service.get_case(store, cid)
    assert m.derive(final, policy, date(2026, 6, 30)).state == m.CLOSED_STATE
    for when, _ in letters[1:]:
        assert policy.calendar.is_working_day(when.date())
