from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from bot import outbox
from bot.cases import model as m
from bot.cases import service
from bot.cases.due import due_letters
from bot.cases.duties import run_duties
from bot.cases.policy import Policy
from bot.clock import MOSCOW
from bot.registry import Registry
from bot.rules import Rules
from bot.store import Store
from tests.cases.conftest import BOT, HEAD, INN_A, INN_C, at


def _made(store: Store, policy: Policy, registry: Registry, *, inn: str = INN_A, made: date,
          not_after: date | None = None) -> str:
    now = datetime.combine(made, datetime.min.time(), MOSCOW).replace(hour=9)
    with store.transaction():
        rec = service.add_request(store, policy, registry, inn=inn, owner="Иванов Иван Иванович",
                                  on=made, now=now)
        service.record_scan(store, policy, rec.case, registry.by_inn(inn), verdict="complete",
                            fields={}, on=made, now=now, letter={})
        service.mark_issued(store, policy, rec.case["id"], serial="7F01", on=made, now=now,
                            not_after=not_after or made + timedelta(days=365))
    return rec.case["id"]


def _run(store: Store, rules: Rules, registry: Registry, now: datetime) -> list[str]:
    return run_duties(store, rules, registry, bot_address=BOT, infosec_head=HEAD, reply_to="", now=now)


def _sweep(store: Store, rules: Rules, registry: Registry, start: datetime, days: float,
           step: timedelta = timedelta(hours=1)) -> list[tuple[datetime, str]]:
    sent: list[tuple[datetime, str]] = []
    now = start
    while now < start + timedelta(days=days):
        sent += [(now, ref) for ref in _run(store, rules, registry, now)]
        now += step
    return sent


def test_reminders_on_working_days_only_each_once_then_warning_and_action_item(
        store: Store, rules: Rules, policy: Policy, registry: Registry) -> None:
    cid = _made(store, policy, registry, made=date(2026, 4, 28))   # original due 05.05, certificate due 28.05
    sent = _sweep(store, rules, registry, at("2026-04-28 00:00"), 7, step=timedelta(minutes=30))
    assert sent[-1][0] < at("2026-05-05 00:00")
    sent += _sweep(store, rules, registry, at("2026-05-05 00:00"), 0.72, step=timedelta(minutes=30))
    with store.transaction():
        service.mark_paper(store, policy, cid, m.ORIGINAL, on=date(2026, 5, 5), now=at("2026-05-05 17:30"))
    sent += _sweep(store, rules, registry, at("2026-05-05 18:00"), 33)
    for when, _ref in sent:
        assert policy.calendar.is_working_day(when.date()), when
        assert 9 <= when.hour < 18, when
    refs = [ref for _, ref in sent]
    assert len(refs) == len(set(refs))
    by_key = {ref.split(":", 2)[2]: when for when, ref in sent}
    # offsets count working days: 3 working days before 05.05 is 29.04 (1-3 May are days off)
    assert by_key["paper:original:3"] == at("2026-04-29 09:00")
    assert by_key["paper:original:1"] == at("2026-05-04 09:00")
    assert by_key["paper:original:0"] == at("2026-05-05 09:00")
    assert "overdue:original" not in by_key     # received on the day
    assert by_key["paper:certificate:3"] == at("2026-05-25 09:00")
    assert by_key["paper:certificate:1"] == at("2026-05-27 09:00")
    assert by_key["paper:certificate:0"] == at("2026-05-28 09:00")
    assert by_key["overdue:certificate"] == at("2026-05-29 09:00")
    assert by_key["suspend:certificate"] == at("2026-05-29 09:00")
    letters = {row["ref"]: row for row in store.outbox.all()}
    warning = letters[f"case:{cid}:overdue:certificate"]
    assert warning["kind"] == "warning" and warning["to"] == ["mo-a@a.example"]
    alert = letters[f"case:{cid}:suspend:certificate"]
    assert alert["kind"] == "alert" and alert["to"] == [HEAD]
    events = service.get_case(store, cid)["events"]
    assert [e["key"] for e in events if e["kind"] == m.SUSPENSION_RECOMMENDED] == ["suspend:certificate"]
    assert m.derive(service.get_case(store, cid), policy, date(2026, 5, 29)).state == m.OVERDUE


def test_texts_speak_the_procedure(store: Store, rules: Rules, policy: Policy, registry: Registry) -> None:
    cid = _made(store, policy, registry, made=date(2026, 4, 28))
    _sweep(store, rules, registry, at("2026-05-06 09:00"), 1)
    bodies = {row["ref"]: row["message"] for row in store.outbox.all()}
    import email
    from email import policy as email_policy

    def text(ref: str) -> str:
        msg = email.message_from_string(bodies[f"case:{cid}:{ref}"], policy=email_policy.default)
        return msg.get_content()

    warning = text("overdue:original")
    assert "05.05.2026" in warning and "ЗАБЛОКИРОВАН" in warning and "СМО" in warning
    alert = text("suspend:original")
    assert f"vipnet-cert-bot suspend {cid}" in alert


def test_nothing_twice_and_nothing_outside_hours(store: Store, rules: Rules, policy: Policy,
                                                 registry: Registry) -> None:
    _made(store, policy, registry, made=date(2026, 4, 28))
    assert _run(store, rules, registry, at("2026-05-06 08:59")) == []
    first = _run(store, rules, registry, at("2026-05-06 09:00"))
    assert first
    assert _run(store, rules, registry, at("2026-05-06 09:00")) == []
    assert _run(store, rules, registry, at("2026-05-07 10:00")) == []
    assert outbox.pending_count(store) == len(first)


def test_a_failure_mid_way_queues_and_records_nothing(store: Store, rules: Rules, policy: Policy,
                                                      registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    cid = _made(store, policy, registry, made=date(2026, 4, 28))
    real_queue = outbox.queue
    calls = []

    def flaky(*args: object, **kwargs: object) -> int:
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_queue(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(outbox, "queue", flaky)
    with pytest.raises(OSError):
        _run(store, rules, registry, at("2026-05-06 09:00"))
    assert store.outbox.all() == []
    assert not [e for e in service.get_case(store, cid)["events"] if e["kind"] in m.LETTER_EVENTS]
    monkeypatch.setattr(outbox, "queue", real_queue)
    assert len(_run(store, rules, registry, at("2026-05-06 09:00"))) == 2


def test_suspended_case_gets_no_more_paper_letters(store: Store, rules: Rules, policy: Policy,
                                                   registry: Registry) -> None:
    cid = _made(store, policy, registry, made=date(2026, 4, 28))
    _run(store, rules, registry, at("2026-05-06 09:00"))
    with store.transaction():
        service.suspend(store, policy, cid, on=date(2026, 5, 6), now=at("2026-05-06 11:00"))
    sent = _sweep(store, rules, registry, at("2026-05-06 12:00"), 30)
    assert not [ref for _, ref in sent if ":paper:" in ref or ":overdue:" in ref]


def test_organisation_without_address_goes_to_the_infosec_head(store: Store, rules: Rules, policy: Policy,
                                                               registry: Registry) -> None:
    _made(store, policy, registry, inn=INN_C, made=date(2026, 4, 28))
    refs = _run(store, rules, registry, at("2026-05-04 10:00"))
    assert refs
    row = store.outbox.all()[-1]
    assert row["to"] == [HEAD] and row["kind"] == "alert"


def test_make_deadline_alerts(store: Store, rules: Rules, policy: Policy, registry: Registry) -> None:
    now = at("2026-04-30 10:00")   # full set on 30.04 -> certificate due 05.05
    with store.transaction():
        rec = service.add_request(store, policy, registry, inn=INN_A, owner="Петров П. П.", on=now.date(), now=now)
        service.record_scan(store, policy, rec.case, registry.by_inn(INN_A), verdict="complete", fields={},
                            on=now.date(), now=now, letter={})
    sent = _sweep(store, rules, registry, at("2026-04-30 00:00"), 8)
    keys = {ref.split(":", 2)[2]: when for when, ref in sent}
    assert keys == {"make:due": at("2026-05-05 09:00"), "make:late": at("2026-05-06 09:00")}


def test_rotation_reminders(store: Store, rules: Rules, policy: Policy, registry: Registry) -> None:
    cid = _made(store, policy, registry, made=date(2025, 6, 2), not_after=date(2026, 6, 15))
    with store.transaction():
        service.mark_paper(store, policy, cid, m.ORIGINAL, on=date(2025, 6, 3), now=at("2025-06-03 10:00"))
        service.mark_paper(store, policy, cid, m.PAPER_CERTIFICATE, on=date(2025, 6, 3), now=at("2025-06-03 10:00"))
    sent = _sweep(store, rules, registry, at("2026-05-01 00:00"), 50, step=timedelta(hours=3))
    keys = {ref.split(":", 2)[2]: when for when, ref in sent}
    # 16.05 (30 days before) is a Saturday -> Monday 18.05; 01.06 and 08.06 are Mondays
    assert keys == {"rotation:7F01:30": at("2026-05-18 09:00"), "rotation:7F01:14": at("2026-06-01 09:00"),
                    "rotation:7F01:7": at("2026-06-08 09:00")}


def test_rotation_stops_when_a_new_renewal_starts(store: Store, rules: Rules, policy: Policy,
                                                  registry: Registry) -> None:
    cid = _made(store, policy, registry, made=date(2025, 6, 2), not_after=date(2026, 6, 15))
    with store.transaction():
        service.mark_paper(store, policy, cid, m.ORIGINAL, on=date(2025, 6, 3), now=at("2025-06-03 10:00"))
        service.mark_paper(store, policy, cid, m.PAPER_CERTIFICATE, on=date(2025, 6, 3), now=at("2025-06-03 10:00"))
        now = at("2026-05-10 10:00")
        rec = service.add_request(store, policy, registry, inn=INN_A, owner="ИВАНОВ И.И.", on=now.date(), now=now)
    # a renewal without its full set does not silence the rotation reminders (issue 12: silent expiry)
    keys = [(d.case_id, d.key) for d in due_letters(service.all_cases(store), at("2026-06-08 10:00"), rules,
                                                     registry)]
    assert (cid, "rotation:7F01:7") in keys
    with store.transaction():
        service.record_scan(store, policy, rec.case, registry.by_inn(INN_A), verdict="complete", fields={},
                            on=date(2026, 5, 12), now=at("2026-05-12 10:00"), letter={})
    assert [d for d in due_letters(service.all_cases(store), at("2026-06-08 10:00"), rules, registry)
            if d.case_id == cid] == []
