from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from bot.cases import model as m
from bot.cases import service
from bot.cases.policy import Policy
from bot.registry import Registry
from bot.store import Store
from tests.cases.conftest import INN_A, at


def test_paper_deadlines_are_calendar_periods(policy: Policy) -> None:
    assert policy.original_due(date(2026, 3, 10)) == date(2026, 3, 17)          # a week
    assert policy.original_due(date(2026, 3, 2)) == date(2026, 3, 10)           # 9 Mar is a day off
    assert policy.paper_certificate_due(date(2026, 3, 31)) == date(2026, 4, 30)  # a month, end of month
    assert policy.paper_certificate_due(date(2026, 1, 30)) == date(2026, 3, 2)   # 28 Feb is Saturday -> Monday


def test_a_deadline_on_a_day_off_moves_to_the_next_working_day(policy: Policy) -> None:
    assert policy.original_due(date(2026, 4, 24)) == date(2026, 5, 4)    # 1 May holiday, 2-3 May weekend
    assert policy.original_due(date(2026, 1, 2)) == date(2026, 1, 12)    # 9 Jan transferred day off
    strict = dataclasses.replace(policy, shift_off_day_deadlines=False)
    assert strict.original_due(date(2026, 4, 24)) == date(2026, 5, 1)


def test_certificate_due_two_working_days(policy: Policy) -> None:
    assert policy.certificate_due(date(2026, 4, 30)) == date(2026, 5, 5)
    assert policy.certificate_due(date(2025, 12, 30)) == date(2026, 1, 13)


def _case(store: Store, policy: Policy, registry: Registry, day: str = "2026-04-27 10:00") -> str:
    now = at(day)
    with store.transaction():
        rec = service.add_request(store, policy, registry, inn=INN_A, owner="Иванов Иван Иванович",
                                  on=now.date(), now=now)
    return rec.case["id"]


def _scan(store: Store, policy: Policy, registry: Registry, case_id: str | None, verdict: str, day: str,
          owner: str = "Иванов Иван Иванович") -> dict:
    now = at(day)
    with store.transaction():
        case = service.get_case(store, case_id) if case_id else None
        return service.record_scan(store, policy, case, registry.by_inn(INN_A), verdict=verdict,
                                   fields={"owner_name": owner}, on=now.date(), now=now, letter={}).case


def test_states_along_a_whole_renewal(store: Store, policy: Policy, registry: Registry) -> None:
    cid = _case(store, policy, registry)
    state = lambda day: m.derive(service.get_case(store, cid), policy, date.fromisoformat(day))  # noqa: E731
    assert state("2026-04-27").state == m.WAITING_FOR_SCAN
    _scan(store, policy, registry, cid, "incomplete", "2026-04-27 11:00")
    assert state("2026-04-27").state == m.SCAN_DEFECTIVE
    _scan(store, policy, registry, cid, "complete", "2026-04-28 11:00")
    st = state("2026-04-28")
    assert st.state == m.FULL_SET_STATE and st.full_set_on == date(2026, 4, 28)
    assert st.certificate_due == date(2026, 4, 30)
    _scan(store, policy, registry, cid, "unreadable", "2026-04-28 12:00")   # a later bad scan undoes nothing
    assert state("2026-04-28").state == m.FULL_SET_STATE
    with store.transaction():
        service.mark_issued(store, policy, cid, serial="0A1B", not_after=date(2027, 4, 29),
                            on=date(2026, 4, 29), now=at("2026-04-29 15:00"))
    st = state("2026-04-29")
    assert st.state == m.CERTIFICATE_MADE_STATE
    assert (st.original_due, st.paper_due) == (date(2026, 5, 6), date(2026, 5, 29))
    assert st.next_deadline() == (date(2026, 5, 6), "оригинал заявки")
    with store.transaction():
        service.mark_paper(store, policy, cid, m.ORIGINAL, on=date(2026, 5, 5), now=at("2026-05-05 10:00"))
    assert state("2026-05-29").state == m.CERTIFICATE_MADE_STATE
    assert state("2026-06-01").state == m.OVERDUE
    with store.transaction():
        service.suspend(store, policy, cid, on=date(2026, 6, 2), now=at("2026-06-02 10:00"))
    assert state("2026-06-02").state == m.SUSPENDED_STATE
    with store.transaction():
        service.mark_paper(store, policy, cid, m.PAPER_CERTIFICATE, on=date(2026, 6, 3), now=at("2026-06-03 10:00"))
    assert state("2026-06-03").state == m.SUSPENDED_STATE     # still suspended until the operator resumes
    with store.transaction():
        service.resume(store, policy, cid, on=date(2026, 6, 3), now=at("2026-06-03 11:00"))
    st = state("2026-06-03")
    assert st.state == m.CLOSED_STATE
    kinds = [e["kind"] for e in service.get_case(store, cid)["events"]]
    assert kinds == ["request_received", "scan_received", "scan_received", "full_set", "scan_received",
                     "certificate_made", "original_received", "suspended", "certificate_received",
                     "resumed", "closed"]


def test_both_papers_in_time_close_the_case(store: Store, policy: Policy, registry: Registry) -> None:
    cid = _case(store, policy, registry)
    _scan(store, policy, registry, cid, "complete", "2026-04-27 11:00")
    with store.transaction():
        service.mark_issued(store, policy, cid, serial="01", not_after=date(2027, 4, 28),
                            on=date(2026, 4, 28), now=at("2026-04-28 15:00"))
        service.mark_paper(store, policy, cid, m.PAPER_CERTIFICATE, on=date(2026, 5, 12), now=at("2026-05-12 10:00"))
        service.mark_paper(store, policy, cid, m.ORIGINAL, on=date(2026, 5, 12), now=at("2026-05-12 10:00"))
    case = service.get_case(store, cid)
    assert m.derive(case, policy, date(2026, 5, 12)).state == m.CLOSED_STATE
    assert case["events"][-2].get("late") is True   # the original was due 05.05


def test_full_set_counts_from_the_later_part(store: Store, policy: Policy, registry: Registry) -> None:
    cid = _scan(store, policy, registry, None, "complete", "2026-04-29 10:00")["id"]
    now = at("2026-05-04 10:00")
    with store.transaction():   # the request arrived on 30.04 but was recorded on 04.05
        service.add_request(store, policy, registry, inn=INN_A, owner="Иванов И. И.", on=date(2026, 4, 30), now=now)
    st = m.derive(service.get_case(store, cid), policy, now.date())
    assert st.full_set_on == date(2026, 4, 30)
    assert st.certificate_due == date(2026, 5, 5)


@pytest.mark.parametrize("op", ["issue_early", "paper_early", "suspend_early", "resume_not_suspended"])
def test_operations_out_of_order_are_refused(store: Store, policy: Policy, registry: Registry, op: str) -> None:
    cid = _case(store, policy, registry)
    now = at("2026-04-28 10:00")
    with pytest.raises(service.CaseError), store.transaction():
        if op == "issue_early":
            service.mark_issued(store, policy, cid, serial="1", not_after=date(2027, 1, 1), on=now.date(), now=now)
        elif op == "paper_early":
            service.mark_paper(store, policy, cid, m.PAPER_CERTIFICATE, on=now.date(), now=now)
        elif op == "suspend_early":
            service.suspend(store, policy, cid, on=now.date(), now=now)
        else:
            service.resume(store, policy, cid, on=now.date(), now=now)
