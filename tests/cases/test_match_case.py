from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.cases import model as m
from bot.cases import service
from bot.cases.policy import Policy
from bot.pipeline.handlers import match_case
from bot.pipeline.model import ACCEPT, REVIEW, Context, Letter, Outcome
from bot.registry import Registry
from bot.rules import Rules
from bot.store import Store
from tests.cases.conftest import BOT, HEAD, INN_A, INN_B, OGRN_A, at


def letter(n: int) -> Letter:
    return Letter(key=f"maildir:INBOX:1:{n}", message_id=f"<{n}@mo.example>", subject="Заявка на сертификат ViPNet",
                  from_header="mo-a@a.example", from_address="mo-a@a.example", from_name="", return_path="",
                  headers={}, references="", date=None, attachments=(), defects=(), size=100,
                  sha256=hashlib.sha256(str(n).encode()).hexdigest())


def scan(verdict: str = "complete", **fields: Any) -> dict[str, Any]:
    return {"verdict": verdict, "fields": {"inn": None, "ogrn": None, "owner_name": None, "vipnet_node": None,
                                           **fields}}


@pytest.fixture
def run(store: Store, rules: Rules, registry: Registry, tmp_path: Path):
    def go(n: int, sc: dict[str, Any] | None, now: str, inn: str = INN_A) -> Outcome:
        ctx = Context(rules=rules, registry=registry, bot_address=BOT, infosec_head=HEAD, now=at(now),
                      state_dir=tmp_path, store=store)
        outcome = Outcome(action=ACCEPT, organisation=registry.by_inn(inn), scan=sc)
        with store.transaction():
            return match_case.run(letter(n), outcome, ctx)
    return go


def request(store: Store, policy: Policy, registry: Registry, owner: str, now: str, inn: str = INN_A,
            node: str = "") -> str:
    with store.transaction():
        return service.add_request(store, policy, registry, inn=inn, owner=owner, node=node,
                                   on=at(now).date(), now=at(now)).case["id"]


def test_scan_completes_a_pending_request(run, store: Store, policy: Policy, registry: Registry,
                                          rules: Rules) -> None:
    cid = request(store, policy, registry, "Иванов Иван Иванович", "2026-04-29 10:00")
    out = run(1, scan(inn=INN_A, ogrn=OGRN_A, owner_name="ИВАНОВ ИВАН ИВАНОВИЧ"), "2026-04-30 11:00")
    assert out.action == ACCEPT
    assert out.case["id"] == cid and out.case["event"] == "full_set" and out.case["state"] == m.FULL_SET_STATE
    assert out.case["due"] == "2026-05-05"
    assert out.case["template"] == "case_full_set.txt.j2"
    text = rules.render(out.case["template"], case=out.case, organisation=out.organisation,
                        subject="Заявка на сертификат ViPNet", as_of="30.04.2026 11:00", today="2026-04-30")
    assert "05.05.2026" in text


def test_wrong_inn_goes_to_review(run, store: Store, policy: Policy, registry: Registry) -> None:
    request(store, policy, registry, "Иванов Иван Иванович", "2026-04-29 10:00")
    out = run(1, scan(inn=INN_B, owner_name="Иванов Иван Иванович"), "2026-04-30 11:00")
    assert out.action == REVIEW and out.case["event"] == "inn_mismatch"
    assert any(INN_B in note for note in out.notes)
    assert not [e for c in service.all_cases(store) for e in c["events"] if e["kind"] == m.SCAN_RECEIVED]


def test_an_unreadable_inn_is_no_contradiction(run, store: Store, policy: Policy, registry: Registry) -> None:
    request(store, policy, registry, "Иванов Иван Иванович", "2026-04-29 10:00")
    out = run(1, scan(inn="2901001231", owner_name="Иванов Иван Иванович"), "2026-04-30 11:00")  # bad check digit
    assert out.action == ACCEPT and out.case["event"] == "full_set"


def test_two_owners_in_one_organisation(run, store: Store, policy: Policy, registry: Registry) -> None:
    a = request(store, policy, registry, "Иванов Иван Иванович", "2026-04-29 10:00", node="0x1A0E000B")
    b = request(store, policy, registry, "Смирнова Ольга Петровна", "2026-04-29 10:05", node="0x1A0E000C")
    out = run(1, scan(owner_name="Смирнова О. П."), "2026-04-30 11:00")
    assert out.case["id"] == b and out.case["event"] == "full_set"
    out = run(2, scan(owner_name="Ивонов Иван Ивановнч"), "2026-04-30 11:05")   # OCR slips
    assert out.case["id"] == a
    # no name read and two open cases -> review, unless the node tells
    c = request(store, policy, registry, "Кузнецов Пётр Сергеевич", "2026-04-30 12:00", node="0x1A0E000D")
    d = request(store, policy, registry, "Кузнецова Мария Сергеевна", "2026-04-30 12:00")
    out = run(3, scan(), "2026-04-30 13:00")
    assert out.action == REVIEW and out.case["event"] == "ambiguous"
    assert {c, d} <= set(out.case["candidates"])
    out = run(4, scan(vipnet_node="1a0e000d"), "2026-04-30 13:05")
    assert out.case["id"] == c


def test_a_name_too_close_to_call_goes_to_review(run, store: Store, policy: Policy, registry: Registry) -> None:
    request(store, policy, registry, "Иванов Иван Иванович", "2026-04-29 10:00")
    out = run(1, scan(owner_name="Иванова Анна Сергеевна"), "2026-04-30 11:00")
    assert out.action == REVIEW and out.case["event"] == "ambiguous"


def test_scan_before_the_request(run, store: Store, policy: Policy, registry: Registry, rules: Rules) -> None:
    out = run(1, scan(owner_name="Петров Пётр Петрович"), "2026-04-30 11:00")
    assert out.case["event"] == "waiting_for_request" and out.case["state"] == m.WAITING_FOR_REQUEST
    assert out.case["template"] == "case_waiting_for_request.txt.j2"
    text = rules.render(out.case["template"], case=out.case, organisation=out.organisation, subject="x",
                        as_of="30.04.2026 11:00", today="2026-04-30")
    assert "«Обновить сертификат»" in text and "«Передать через транспортный модуль»" in text
    cid = request(store, policy, registry, "ПЕТРОВ ПЕТР ПЕТРОВИЧ", "2026-05-04 10:00")
    assert cid == out.case["id"]
    st = m.derive(service.get_case(store, cid), policy, date(2026, 5, 4))
    assert st.state == m.FULL_SET_STATE and st.certificate_due == date(2026, 5, 6)


def test_a_corrected_scan_replaces_a_defective_one(run, store: Store, policy: Policy, registry: Registry) -> None:
    cid = request(store, policy, registry, "Иванов Иван Иванович", "2026-04-29 10:00")
    out = run(1, scan("incomplete", owner_name="Иванов Иван Иванович"), "2026-04-30 11:00")
    assert out.case["id"] == cid and out.case["state"] == m.SCAN_DEFECTIVE and out.case["event"] == "scan_recorded"
    out = run(2, scan("complete", owner_name="Иванов Иван Иванович"), "2026-05-04 11:00")
    assert out.case["id"] == cid and out.case["event"] == "full_set" and out.case["replaced"] is True
    scans = [e for e in service.get_case(store, cid)["events"] if e["kind"] == m.SCAN_RECEIVED]
    assert [s["verdict"] for s in scans] == ["incomplete", "complete"]
    assert scans[1]["replaces_defective"] is True


def test_the_same_letter_twice_is_recorded_once(run, store: Store, policy: Policy, registry: Registry) -> None:
    request(store, policy, registry, "Иванов Иван Иванович", "2026-04-29 10:00")
    first = run(1, scan(owner_name="Иванов Иван Иванович"), "2026-04-30 11:00")
    again = run(1, scan(owner_name="Иванов Иван Иванович"), "2026-04-30 11:01")
    assert again.case["id"] == first.case["id"] and again.case["event"] == "already_recorded"
    assert len([e for e in service.get_case(store, first.case["id"])["events"]
                if e["kind"] == m.SCAN_RECEIVED]) == 1


def test_not_a_form_opens_no_case_and_no_scan_does_nothing(run, store: Store) -> None:
    out = run(1, scan("not_a_form"), "2026-04-30 11:00")
    assert out.case["event"] == "not_recorded" and out.case["id"] is None
    assert service.all_cases(store) == []
    out = run(2, None, "2026-04-30 11:00")
    assert out.case is None


def test_a_scan_sent_again_after_the_certificate_joins_that_case(run, store: Store, policy: Policy,
                                                                 registry: Registry) -> None:
    cid = request(store, policy, registry, "Иванов Иван Иванович", "2026-04-29 10:00")
    run(1, scan(owner_name="Иванов Иван Иванович"), "2026-04-29 11:00")
    with store.transaction():
        service.mark_issued(store, policy, cid, serial="1", not_after=date(2027, 4, 30), on=date(2026, 4, 30),
                            now=at("2026-04-30 10:00"))
    out = run(2, scan(owner_name="Иванов Иван Иванович"), "2026-05-04 11:00")
    assert out.case["id"] == cid and out.case["state"] == m.CERTIFICATE_MADE_STATE
    assert len(service.all_cases(store)) == 1
    # another owner of the same organisation still opens a case of their own
    out = run(3, scan(owner_name="Смирнова Ольга Петровна"), "2026-05-04 11:05")
    assert out.case["event"] == "waiting_for_request" and out.case["id"] != cid
