"""Issue 12: stalled renewals, letters at state changes, paper at any time, re-issue, owner change."""

from __future__ import annotations

import email
import re
from datetime import date, datetime, timedelta
from email import policy as email_policy

import pytest

from bot.cases import model as m
from bot.cases import service
from bot.cases.due import change_letters, due_letters
from bot.cases.duties import queue_letter, run_duties
from bot.cases.policy import Policy
from bot.clock import MOSCOW
from bot.digest.compose import State, compose
from bot.digest.settings import DigestSettings
from bot.registry import Registry
from bot.rules import Rules
from bot.store import Store
from tests.cases.conftest import BOT, HEAD, INN_A, INN_B, at

OWNER = "Иванов Иван Иванович"


def _sweep(store: Store, rules: Rules, registry: Registry, start: datetime, days: float,
           step: timedelta = timedelta(hours=1)) -> list[tuple[datetime, str]]:
    sent: list[tuple[datetime, str]] = []
    now = start
    while now < start + timedelta(days=days):
        sent += [(now, ref) for ref in run_duties(store, rules, registry, bot_address=BOT, infosec_head=HEAD, reply_to="",
                                                  now=now)]
        now += step
    return sent


def _keys(sent: list[tuple[datetime, str]], cid: str) -> dict[str, datetime]:
    return {ref.split(":", 2)[2]: when for when, ref in sent if ref.startswith(f"case:{cid}:")}


def _body(store: Store, ref: str) -> str:
    row = next(r for r in store.outbox.all() if r["ref"] == ref)
    return email.message_from_string(row["message"], policy=email_policy.default).get_content()


def _made(store: Store, policy: Policy, registry: Registry, made: date, *, serial: str = "7F01",
          not_after: date | None = None, owner: str = OWNER) -> str:
    now = datetime.combine(made, datetime.min.time(), MOSCOW).replace(hour=9)
    with store.transaction():
        rec = service.add_request(store, policy, registry, inn=INN_A, owner=owner, on=made, now=now)
        service.record_scan(store, policy, rec.case, registry.by_inn(INN_A), verdict="complete", fields={},
                            on=made, now=now, letter={})
        service.mark_issued(store, policy, rec.case["id"], serial=serial, on=made, now=now,
                            not_after=not_after or made + timedelta(days=365))
    return rec.case["id"]


def _apply(store: Store, rules: Rules, registry: Registry, policy: Policy, op, *args, now: datetime, **kw) -> list:
    """Run a service operation and queue its state-change letters, as the commands do."""
    with store.transaction():
        rec = op(store, policy, *args, now=now, **kw)
        letters = change_letters(rec.case, rec.before(policy, now.date()), rec.added, now, rules, registry)
        for letter in letters:
            queue_letter(store, letter, bot_address=BOT, infosec_head=HEAD, reply_to="", now=now)
    return letters


# --- stalled renewals -------------------------------------------------------------------

@pytest.mark.parametrize(("verdicts", "state", "days"), [
    ((), m.WAITING_FOR_SCAN, ["2026-10-08", "2026-10-14", "2026-10-26"]),            # 3, 7, 15 working days
    (("incomplete",), m.SCAN_DEFECTIVE, ["2026-10-07", "2026-10-12", "2026-10-19"]),  # 2, 5, 10
])
def test_a_quiet_organisation_is_reminded_on_working_days(store: Store, rules: Rules, policy: Policy,
                                                          registry: Registry, verdicts: tuple, state: str,
                                                          days: list[str]) -> None:
    now = at("2026-10-05 09:30")
    with store.transaction():
        rec = service.add_request(store, policy, registry, inn=INN_A, owner=OWNER, on=now.date(), now=now)
        for verdict in verdicts:
            service.record_scan(store, policy, rec.case, registry.by_inn(INN_A), verdict=verdict, fields={},
                                on=now.date(), now=now, letter={})
    cid = rec.case["id"]
    assert m.derive(service.get_case(store, cid), policy, now.date()).state == state
    sent = _sweep(store, rules, registry, at("2026-10-05 10:00"), 30)
    keys = _keys(sent, cid)
    assert sorted(w.date().isoformat() for k, w in keys.items() if k.startswith("stalled:")) == days
    assert all(w.hour == 9 for w in keys.values())
    text = _body(store, f"case:{cid}:" + next(k for k in keys if k.startswith("stalled:")))
    assert text.startswith("Уважаемые коллеги!") and "05.10.2026" in text
    assert "не позднее" not in text or re.search(r"не позднее \d\d\.\d\d\.\d{4}", text)
    assert " дн." not in text and state not in text


def test_waiting_for_request_reminder_says_only_what_the_bot_knows(store: Store, rules: Rules, policy: Policy,
                                                                   registry: Registry) -> None:
    now = at("2026-10-05 10:00")
    with store.transaction():
        rec = service.record_scan(store, policy, None, registry.by_inn(INN_A), verdict="complete",
                                  fields={"owner_name": OWNER}, on=now.date(), now=now, letter={})
    sent = _sweep(store, rules, registry, now, 3)
    (ref,) = [r for _, r in sent]
    text = _body(store, ref)
    assert "электронный запрос на сертификат не зарегистрирован" in text
    assert "повторно формировать его не нужно" in text and "По состоянию на 07.10.2026 09:00" in text
    assert ref == f"case:{rec.case['id']}:stalled:waiting_for_request:2026-10-05:2"


def test_rotation_goes_on_while_the_renewal_stalls_and_stops_at_the_full_set(
        store: Store, rules: Rules, policy: Policy, registry: Registry) -> None:
    old = _made(store, policy, registry, date(2025, 11, 2), not_after=date(2026, 11, 20))
    with store.transaction():
        for doc in (m.ORIGINAL, m.PAPER_CERTIFICATE):
            service.mark_paper(store, policy, old, doc, on=date(2025, 11, 5), now=at("2025-11-05 10:00"))
        rec = service.add_request(store, policy, registry, inn=INN_A, owner="Иванов И. И.", on=date(2026, 10, 5),
                                  now=at("2026-10-05 10:00"))
        service.record_scan(store, policy, rec.case, registry.by_inn(INN_A), verdict="incomplete", fields={},
                            on=date(2026, 10, 5), now=at("2026-10-05 10:00"), letter={})
    keys = _keys(_sweep(store, rules, registry, at("2026-10-06 00:00"), 35, step=timedelta(hours=3)), old)
    assert set(keys) == {"rotation:7F01:30", "rotation:7F01:14"}     # 21.10 and 06.11
    assert "0A" not in _body(store, f"case:{old}:rotation:7F01:30")  # sanity: the letter exists
    with store.transaction():
        service.record_scan(store, policy, service.get_case(store, rec.case["id"]), registry.by_inn(INN_A),
                            verdict="complete", fields={}, on=date(2026, 11, 10), now=at("2026-11-10 10:00"),
                            letter={})
    keys = _keys(_sweep(store, rules, registry, at("2026-11-10 11:00"), 10, step=timedelta(hours=3)), old)
    assert keys == {}


def test_digest_shows_stalled_suspended_and_expired_every_day(store: Store, rules: Rules, policy: Policy,
                                                              registry: Registry) -> None:
    old = _made(store, policy, registry, date(2025, 11, 2), not_after=date(2026, 11, 20))
    with store.transaction():
        for doc in (m.ORIGINAL, m.PAPER_CERTIFICATE):
            service.mark_paper(store, policy, old, doc, on=date(2025, 11, 5), now=at("2025-11-05 10:00"))
        rec = service.add_request(store, policy, registry, inn=INN_A, owner=OWNER, on=date(2026, 10, 5),
                                  now=at("2026-10-05 10:00"))
        service.record_scan(store, policy, rec.case, registry.by_inn(INN_A), verdict="incomplete", fields={},
                            on=date(2026, 10, 5), now=at("2026-10-05 10:00"), letter={})
    susp = _made(store, policy, registry, date(2026, 10, 1), serial="5C01", owner="Петров Пётр Петрович")
    with store.transaction():
        service.suspend(store, policy, susp, on=date(2026, 10, 12), now=at("2026-10-12 10:00"))
    for day in ("2026-10-13", "2026-11-02", "2026-11-23"):
        now = at(f"{day} 08:30")
        digest = compose(State(cases=service.all_cases(store)), now=now, since=now - timedelta(days=1),
                         policy=policy, settings=DigestSettings())
        stalled = digest.section("stalled")
        assert stalled is not None and [r.cells[0] for r in stalled.rows] == [rec.case["id"]], day
        assert stalled.rows[0].cells[3] == "исправленный скан заявки"
        suspended = digest.section("suspended")
        assert suspended is not None and suspended.rows[0].cells[0] == susp
        assert "ждём документы" in suspended.rows[0].cells[-1]
        expired = digest.section("expired")
        if day == "2026-11-23":
            assert expired is not None and expired.rows[0].cells[2] == "7F01"
            assert rec.case["id"] in expired.rows[0].cells[-1]
        else:
            assert expired is None
    expiring = compose(State(cases=service.all_cases(store)), now=at("2026-11-02 08:30"),
                       since=at("2026-11-01 08:30"), policy=policy, settings=DigestSettings()).section("expiring")
    assert expiring is not None and expiring.rows[0].cells[2] == "7F01"


# --- suspension, resumption, documents ------------------------------------------------------

def test_suspension_is_told_and_resume_is_advised_when_nothing_else_is_overdue(
        store: Store, rules: Rules, policy: Policy, registry: Registry) -> None:
    cid = _made(store, policy, registry, date(2026, 4, 28))      # original due 05.05, certificate 28.05
    _sweep(store, rules, registry, at("2026-05-06 09:00"), 0.1)  # warning + action item
    letters = _apply(store, rules, registry, policy, service.suspend, cid, on=date(2026, 5, 6),
                     now=at("2026-05-06 11:00"))
    assert [(x.key, x.recipient) for x in letters] == [("suspended:1", "organisation")]
    text = letters[0].body
    assert "06.05.2026" in text and "ЗАБЛОКИРОВАН" in text and "оригинал заявки" in text
    assert "не позднее 28.05.2026" in text and "срок истёк 05.05.2026" in text
    # suspended: no paper reminders, but the "blocked" reminders 5 working days after
    sent = _sweep(store, rules, registry, at("2026-05-06 12:00"), 8)
    assert [k for k in _keys(sent, cid)] == ["blocked:2026-05-06:5"]
    assert _keys(sent, cid)["blocked:2026-05-06:5"] == at("2026-05-14 09:00")
    letters = _apply(store, rules, registry, policy, service.mark_paper, cid, m.ORIGINAL, on=date(2026, 5, 14),
                     now=at("2026-05-14 10:00"))
    assert [(x.key, x.recipient) for x in letters] == [("received:original", "organisation"),
                                                      ("resume:1", "infosec_head")]
    assert "сообщим отдельным письмом" in letters[0].body and "не позднее 28.05.2026" in letters[0].body
    assert f"vipnet-cert-bot resume {cid}" in letters[1].body and "28.05.2026" in letters[1].body
    letters = _apply(store, rules, registry, policy, service.resume, cid, on=date(2026, 5, 14),
                     now=at("2026-05-14 11:00"))
    assert [x.key for x in letters] == ["resumed:1"]
    assert "возобновлено" in letters[0].body and "не позднее 28.05.2026" in letters[0].body
    # resumed: the paper certificate's reminders come back
    keys = _keys(_sweep(store, rules, registry, at("2026-05-14 12:00"), 15), cid)
    assert {"paper:certificate:3", "paper:certificate:1", "paper:certificate:0"} <= set(keys)


def test_no_resume_advice_while_another_document_is_overdue(store: Store, rules: Rules, policy: Policy,
                                                            registry: Registry) -> None:
    cid = _made(store, policy, registry, date(2026, 4, 28))
    _apply(store, rules, registry, policy, service.suspend, cid, on=date(2026, 6, 1), now=at("2026-06-01 10:00"))
    letters = _apply(store, rules, registry, policy, service.mark_paper, cid, m.ORIGINAL, on=date(2026, 6, 2),
                     now=at("2026-06-02 10:00"))
    assert [x.key for x in letters] == ["received:original"]


def test_an_original_before_the_certificate(store: Store, rules: Rules, policy: Policy,
                                            registry: Registry) -> None:
    now = at("2026-04-28 09:00")
    with store.transaction():
        rec = service.add_request(store, policy, registry, inn=INN_A, owner=OWNER, on=now.date(), now=now)
        service.record_scan(store, policy, rec.case, registry.by_inn(INN_A), verdict="complete", fields={},
                            on=now.date(), now=now, letter={})
    cid = rec.case["id"]
    letters = _apply(store, rules, registry, policy, service.mark_paper, cid, m.ORIGINAL, on=now.date(),
                     now=at("2026-04-28 12:00"))
    assert [x.key for x in letters] == ["received:original"] and "не изготовлен" in letters[0].body
    with store.transaction():
        service.mark_issued(store, policy, cid, serial="7F01", not_after=date(2027, 4, 29), on=date(2026, 4, 29),
                            now=at("2026-04-29 10:00"))
    st = m.derive(service.get_case(store, cid), policy, date(2026, 4, 29))
    assert st.missing == (m.PAPER_CERTIFICATE,) and st.original_on == date(2026, 4, 28)
    keys = _keys(_sweep(store, rules, registry, at("2026-04-29 11:00"), 35), cid)
    assert not [k for k in keys if "original" in k]


def test_new_year_reminders_count_working_days(store: Store, rules: Rules, policy: Policy,
                                               registry: Registry) -> None:
    cid = _made(store, policy, registry, date(2026, 12, 25))    # original due 01.01 -> 11.01.2027
    keys = _keys(_sweep(store, rules, registry, at("2026-12-25 10:00"), 19), cid)
    assert {k: w.date().isoformat() for k, w in keys.items() if "original" in k} == {
        "paper:original:3": "2026-12-28", "paper:original:1": "2026-12-30", "paper:original:0": "2027-01-11",
        "overdue:original": "2027-01-12", "suspend:original": "2027-01-12"}


def test_an_extended_deadline_starts_a_new_series(store: Store, rules: Rules, policy: Policy,
                                                  registry: Registry) -> None:
    cid = _made(store, policy, registry, date(2026, 4, 28))
    _sweep(store, rules, registry, at("2026-05-06 09:00"), 0.1)
    with store.transaction():
        service.extend(store, policy, cid, m.ORIGINAL, due=date(2026, 5, 15), reason="почта задержала",
                       on=date(2026, 5, 6), now=at("2026-05-06 12:00"), by="prishva")
    st = m.derive(service.get_case(store, cid), policy, date(2026, 5, 6))
    assert st.original_due == date(2026, 5, 15) and st.state == m.CERTIFICATE_MADE_STATE
    keys = _keys(_sweep(store, rules, registry, at("2026-05-06 13:00"), 13), cid)
    assert set(keys) == {"paper:original:2026-05-15:3", "paper:original:2026-05-15:1",
                         "paper:original:2026-05-15:0", "overdue:original:2026-05-15", "suspend:original:2026-05-15"}
    with pytest.raises(service.CaseError, match="позже"), store.transaction():
        service.extend(store, policy, cid, m.ORIGINAL, due=date(2026, 5, 10), reason="x", on=date(2026, 5, 16),
                       now=at("2026-05-16 12:00"))


# --- re-issue, owner change, close, cancel, merge, existing certificates -----------------------

def test_reissue_and_owner_change(store: Store, rules: Rules, policy: Policy, registry: Registry) -> None:
    old = _made(store, policy, registry, date(2025, 11, 2), not_after=date(2026, 11, 20))
    with pytest.raises(service.CaseError, match="--reissue"), store.transaction():
        service.mark_issued(store, policy, old, serial="7F02", not_after=date(2026, 11, 25), on=date(2025, 11, 3),
                            now=at("2025-11-03 10:00"))
    with store.transaction():
        service.mark_issued(store, policy, old, serial="7F02", not_after=date(2026, 11, 25), on=date(2025, 11, 3),
                            now=at("2025-11-03 10:00"), reissue=True, by="prishva")
        for doc in (m.ORIGINAL, m.PAPER_CERTIFICATE):
            service.mark_paper(store, policy, old, doc, on=date(2025, 11, 5), now=at("2025-11-05 10:00"))
    st = m.derive(service.get_case(store, old), policy, date(2025, 11, 5))
    assert (st.serial, st.not_after, st.made_on) == ("7F02", date(2026, 11, 25), date(2025, 11, 2))
    assert st.state == m.CLOSED_STATE
    # the new owner's renewal names the old certificate: its rotation reminders end at once
    with store.transaction():
        rec = service.add_request(store, policy, registry, inn=INN_A, owner="Смирнова Ольга Петровна",
                                  on=date(2026, 10, 5), now=at("2026-10-05 10:00"), replaces="7f02")
    assert rec.case["replaces"] == {"case": old, "serial": "7F02"}
    letters = due_letters(service.all_cases(store), at("2026-10-26 10:00"), rules, registry)
    assert not [x for x in letters if x.case_id == old]
    stalled = [x for x in letters if x.case_id == rec.case["id"]]
    assert stalled and "7F02" in stalled[0].body and "25.11.2026" in stalled[0].body
    with pytest.raises(service.CaseError, match="другой организации"), store.transaction():
        service.add_request(store, policy, registry, inn=INN_B, owner="Сидоров", on=date(2026, 10, 5),
                            now=at("2026-10-05 11:00"), replaces=old)


def test_close_cancel_merge(store: Store, rules: Rules, policy: Policy, registry: Registry) -> None:
    now = at("2026-04-28 10:00")
    with store.transaction():
        a = service.add_request(store, policy, registry, inn=INN_A, owner=OWNER, on=now.date(), now=now).case
        b = service.record_scan(store, policy, None, registry.by_inn(INN_A), verdict="complete",
                                fields={"owner_name": "Иванова Анна"}, on=now.date(), now=now, letter={}).case
    letters = _apply(store, rules, registry, policy, service.merge, a["id"], b["id"], on=now.date(),
                     now=at("2026-04-28 11:00"), by="prishva")
    assert [x.key for x in letters] == ["fullset"] and "не позднее 30.04.2026" in letters[0].body
    assert m.derive(service.get_case(store, a["id"]), policy, now.date()).state == m.FULL_SET_STATE
    merged = m.derive(service.get_case(store, b["id"]), policy, now.date())
    assert merged.state == m.CANCELLED_STATE and merged.merged_into == a["id"]
    assert due_letters(service.all_cases(store), at("2026-05-20 10:00"), rules, registry) == [] or all(
        x.case_id == a["id"] for x in due_letters(service.all_cases(store), at("2026-05-20 10:00"), rules, registry))
    with pytest.raises(service.CaseError, match="отменено"), store.transaction():
        service.mark_paper(store, policy, b["id"], m.ORIGINAL, on=now.date(), now=now)
    with store.transaction():
        service.cancel(store, policy, a["id"], reason="организация ликвидирована", on=now.date(), now=now)
    assert due_letters(service.all_cases(store), at("2026-05-20 10:00"), rules, registry) == []
    with store.transaction():
        c = service.add_request(store, policy, registry, inn=INN_B, owner=OWNER, on=now.date(), now=now).case
    with pytest.raises(service.CaseError, match="причина"), store.transaction():
        service.close(store, policy, c["id"], reason=" ", on=now.date(), now=now)
    with store.transaction():
        service.close(store, policy, c["id"], reason="заявка отозвана", on=now.date(), now=now, by="prishva")
    assert m.derive(service.get_case(store, c["id"]), policy, now.date()).state == m.CLOSED_STATE


def test_register_existing_certificate_gets_rotation_reminders(store: Store, rules: Rules, policy: Policy,
                                                               registry: Registry) -> None:
    with store.transaction():
        rec = service.register_existing_certificate(store, policy, registry, inn=INN_A, owner=OWNER,
                                                    serial="0A11", not_after=date(2026, 6, 15), on=date(2025, 6, 15),
                                                    now=at("2026-04-01 10:00"), by="import", node="0x1A0E000B")
    assert rec.created and m.derive(rec.case, policy, date(2026, 4, 1)).state == m.CLOSED_STATE
    with pytest.raises(service.CaseError, match="уже есть"), store.transaction():
        service.register_existing_certificate(store, policy, registry, inn=INN_A, owner=OWNER, serial="0a11",
                                              not_after=date(2026, 6, 15), on=date(2025, 6, 15),
                                              now=at("2026-04-01 10:00"), by="import")
    keys = _keys(_sweep(store, rules, registry, at("2026-05-01 00:00"), 50, step=timedelta(hours=3)),
                 rec.case["id"])
    assert set(keys) == {"rotation:0A11:30", "rotation:0A11:14", "rotation:0A11:7"}
    with pytest.raises(service.CaseError, match="не ожидаются"), store.transaction():
        service.mark_paper(store, policy, rec.case["id"], m.ORIGINAL, on=date(2026, 5, 1), now=at("2026-05-01 10:00"))


def test_the_full_set_by_the_request_is_told(store: Store, rules: Rules, policy: Policy,
                                             registry: Registry) -> None:
    now = at("2026-04-28 10:00")
    with store.transaction():
        service.record_scan(store, policy, None, registry.by_inn(INN_A), verdict="complete",
                            fields={"owner_name": OWNER}, on=now.date(), now=now, letter={})
    letters = _apply(store, rules, registry, policy, service.add_request, registry, inn=INN_A,
                     owner=OWNER, on=date(2026, 4, 29), now=at("2026-04-29 19:30"))
    assert [x.key for x in letters] == ["fullset"]
    body = letters[0].body
    assert body.startswith("Уважаемые коллеги!") and "не позднее 04.05.2026" in body and "Номер обращения" in body


def _ev(kind: str, on: str, **data: object) -> dict:
    return {"kind": kind, "on": on, "at": f"{on}T10:00:00+03:00", **data}


MADE = [_ev("request_received", "2026-04-28"), _ev("scan_received", "2026-04-28", verdict="complete"),
        _ev("full_set", "2026-04-28"), _ev("certificate_made", "2026-04-28", serial="7F01", not_after="2027-04-28")]
TIMELINES = {
    "waiting_for_scan": [_ev("request_received", "2026-04-28")],
    "scan_defective": [_ev("scan_received", "2026-04-28", verdict="incomplete")],
    "waiting_for_request": [_ev("scan_received", "2026-04-28", verdict="complete")],
    "full_set": [_ev("scan_received", "2026-04-28", verdict="complete"), _ev("request_received", "2026-04-29"),
                 _ev("full_set", "2026-04-29")],
    "early_original": [_ev("request_received", "2026-04-28"), _ev("original_received", "2026-04-28")],
    "suspended": [*MADE, _ev("suspended", "2026-05-06")],
    "suspended_one_in": [*MADE, _ev("suspended", "2026-05-06"), _ev("original_received", "2026-05-07")],
    "resumed": [*MADE, _ev("original_received", "2026-05-04"), _ev("suspended", "2026-06-01"),
                _ev("certificate_received", "2026-06-02"), _ev("resumed", "2026-06-02")],
}


# each new letter to an organisation, in the states it is sent in
SENT_IN = {
    "case_full_set_notice.txt.j2": ["full_set"],
    "case_reminder_stalled.txt.j2": ["waiting_for_scan", "scan_defective", "waiting_for_request"],
    "case_suspended.txt.j2": ["suspended", "suspended_one_in"],
    "case_reminder_suspended.txt.j2": ["suspended", "suspended_one_in"],
    "case_resumed.txt.j2": ["resumed"],
    "case_received.txt.j2": ["early_original", "suspended_one_in", "resumed"],
}


@pytest.mark.parametrize(("template", "timeline"), [(t, tl) for t, tls in SENT_IN.items() for tl in tls])
def test_new_letters_follow_the_style(rules: Rules, policy: Policy, registry: Registry, template: str,
                                      timeline: str) -> None:
    from bot.cases.views import case_view

    case = {"id": "2026-0001", "inn": INN_A, "organisation": "ГБУЗ АО «Первая больница»", "owner": OWNER,
            "events": TIMELINES[timeline]}
    view = case_view(case, policy, date(2026, 6, 2))
    for org in (registry.by_inn(INN_A), None):
        text = rules.render(template, case=view, organisation=org, since_display="28.04.2026",
                            now_display="30.04.2026 09:00", scan_to=policy.scan_to, old_serial=None,
                            old_expires_display=None, old_expired=False, suspended_display="06.05.2026",
                            resumed_display="02.06.2026", received_display="02.06.2026", document="original",
                            document_name="оригинал заявки", early=False)
        assert text.startswith("Уважаемые коллеги!\n")
        assert "Письмо сформировано автоматически." in text and "Номер обращения: 2026-0001." in text
        assert " дн." not in text and "\n\n\n" not in text
        for state in m.STATES + ("ждём", "записан в дело"):
            assert state not in text, state
        for found in re.findall(r"не позднее (\S+)", text):
            assert re.fullmatch(r"\d\d\.\d\d\.\d{4}[.,;:]?", found), found


def test_a_certificate_imported_after_the_renewal_opened_is_still_renewed_by_it(
        store: Store, rules: Rules, policy: Policy, registry: Registry) -> None:
    with store.transaction():
        rec = service.add_request(store, policy, registry, inn=INN_A, owner=OWNER, on=date(2026, 10, 5),
                                  now=at("2026-10-05 10:00"))
        service.record_scan(store, policy, rec.case, registry.by_inn(INN_A), verdict="complete", fields={},
                            on=date(2026, 10, 5), now=at("2026-10-05 10:00"), letter={})
        old = service.register_existing_certificate(store, policy, registry, inn=INN_A, owner=OWNER, serial="0A11",
                                                    not_after=date(2026, 11, 20), on=date(2025, 11, 20),
                                                    now=at("2026-10-06 10:00"), by="import").case
    letters = due_letters(service.all_cases(store), at("2026-10-21 10:00"), rules, registry)
    assert not [x for x in letters if x.case_id == old["id"]]


def test_replaces_finds_the_serial_as_the_import_printed_it(store: Store, policy: Policy, registry: Registry) -> None:
    # `cert import-csv` prints «1A2B3» for «01 A2 B3»: --replaces takes either form
    with store.transaction():
        old = service.register_existing_certificate(store, policy, registry, inn=INN_A, owner=OWNER,
                                                    serial="01 A2 B3", not_after=date(2026, 5, 15),
                                                    on=date(2025, 5, 15), now=at("2026-04-01 10:00"), by="import")
        rec = service.add_request(store, policy, registry, inn=INN_A, owner="Смирнова Ольга Петровна",
                                  on=date(2026, 4, 20), now=at("2026-04-20 10:00"), replaces="1A2B3")
    assert rec.case["replaces"]["case"] == old.case["id"]
