"""Operations on cases, shared by the operator's commands and the mail pipeline.

Each takes the store (inside a transaction), the policy and the moment, changes the
case's timeline and saves it. Nothing here sends mail: callers queue letters in the
same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.cases import model as m
from bot.cases.matching import Match, name_score, pick_case
from bot.cases.policy import Policy
from bot.cases.repo import CaseError, all_cases, get_case, insert_case, new_case_id, save_case
from bot.ids import normalise_inn

__all__ = ["CaseError", "all_cases", "get_case"]
from bot.registry import Organisation, Registry


def today_of(now: datetime) -> date:
    from bot.clock import MOSCOW

    return now.astimezone(MOSCOW).date()


def organisation_for_inn(registry: Registry, inn: str) -> Organisation:
    clean = normalise_inn(inn)
    if not clean.isdigit() or len(clean) not in (10, 12):
        raise CaseError(f"неверный ИНН «{inn}»: нужно 10 цифр (организация) или 12")
    org = registry.by_inn(clean)
    if org is None:
        raise CaseError(f"организации с ИНН {clean} нет в реестре организаций")
    return org


def open_cases(store: Any, policy: Policy, org_inn: str, today: date,
               states: tuple[str, ...] = m.OPEN_FOR_SCAN) -> list[dict[str, Any]]:
    inn = normalise_inn(org_inn)
    return [c for c in all_cases(store)
            if normalise_inn(c.get("inn")) == inn and m.derive(c, policy, today).state in states]


def new_case(store: Any, org: Organisation, *, owner: str, node: str, now: datetime) -> dict[str, Any]:
    return {
        "id": new_case_id(store, now), "inn": org.inn, "organisation": org.name,
        "owner": owner.strip(), "node": node.strip(), "opened_at": now.isoformat(), "events": [],
    }


def _commit(store: Any, case: dict[str, Any], created: bool, policy: Policy, on: date, now: datetime) -> None:
    m.settle(case, policy, on=on, at=now)
    if created:
        insert_case(store, case)
    else:
        save_case(store, case)


@dataclass(frozen=True)
class Recorded:
    case: dict[str, Any]
    created: bool
    added: tuple[dict[str, Any], ...]   # events appended (the main one first)


def add_request(
    store: Any, policy: Policy, registry: Registry, *, inn: str, owner: str, node: str = "",
    on: date, now: datetime, source: str = "operator", case_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> Recorded:
    """Record an electronic request: joins the owner's open case (e.g. one waiting for it) or opens one."""
    org = organisation_for_inn(registry, inn)
    if not m.name_tokens_present(owner):
        raise CaseError("не указано ФИО владельца сертификата")
    today = today_of(now)
    if case_id:
        case = get_case(store, case_id)
        if normalise_inn(case["inn"]) != org.inn:
            raise CaseError(f"дело {case['id']} принадлежит другой организации (ИНН {case['inn']})")
        if m.derive(case, policy, today).state not in m.OPEN_FOR_SCAN:
            raise CaseError(f"по делу {case['id']} сертификат уже изготовлен или дело закрыто")
        created = False
    else:
        candidates = open_cases(store, policy, org.inn, today)
        # a request joins a case that waits for one (opened by a scan) …
        match: Match = pick_case([c for c in candidates if not m.has_request(c)], owner, node,
                                 accept=policy.match_accept, reject=policy.match_reject)
        if match.kind == "ambiguous":
            raise CaseError(f"запрос подходит к нескольким делам ({', '.join(match.candidates)}): "
                            f"{match.reason}; укажите дело: --case ДЕЛО")
        # … or repeats the request of the same owner's open case
        repeated = [c for c in candidates if m.has_request(c)
                    and name_score(owner, c.get("owner")) >= policy.match_accept]
        if match.kind == "case" and match.case_id:
            case, created = get_case(store, match.case_id), False
        elif len(repeated) == 1:
            case, created = repeated[0], False
        elif len(repeated) > 1:
            raise CaseError(f"запрос подходит к нескольким делам ({', '.join(c['id'] for c in repeated)}); "
                            "укажите дело: --case ДЕЛО")
        else:
            case, created = new_case(store, org, owner=owner, node=node, now=now), True
    if not m.name_tokens_present(case.get("owner")):
        case["owner"] = owner.strip()
    if node and not case.get("node"):
        case["node"] = node.strip()
    before = len(case["events"])
    case["events"].append(m.make_event(m.REQUEST_RECEIVED, on=on, at=now, source=source,
                                       owner=owner.strip(), node=node.strip() or None, details=details))
    _commit(store, case, created, policy, on, now)
    return Recorded(case, created, tuple(case["events"][before:]))


def record_scan(
    store: Any, policy: Policy, case: dict[str, Any] | None, org: Organisation, *, verdict: str,
    fields: dict[str, Any], on: date, now: datetime, letter: dict[str, Any],
) -> Recorded:
    """Record a scan on `case`, or open a case waiting for the request when `case` is None."""
    created = case is None
    if case is None:
        case = new_case(store, org, owner=str(fields.get("owner_name") or ""),
                        node=str(fields.get("vipnet_node") or ""), now=now)
    if not m.name_tokens_present(case.get("owner")) and fields.get("owner_name"):
        case["owner"] = str(fields["owner_name"]).strip()
    if not case.get("node") and fields.get("vipnet_node"):
        case["node"] = str(fields["vipnet_node"]).strip()
    previous = m.derive(case, policy, on)
    before = len(case["events"])
    kept = {k: fields.get(k) for k in ("inn", "ogrn", "owner_name", "vipnet_node") if fields.get(k)}
    replaces = previous.scan_verdict is not None and not previous.scan_accepted
    case["events"].append(m.make_event(
        m.SCAN_RECEIVED, on=on, at=now, verdict=verdict, fields=kept, replaces_defective=replaces or None,
        **letter,
    ))
    _commit(store, case, created, policy, on, now)
    return Recorded(case, created, tuple(case["events"][before:]))


def mark_issued(
    store: Any, policy: Policy, case_id: str, *, serial: str, not_after: date, on: date, now: datetime,
    source: str = "operator",
) -> Recorded:
    case = get_case(store, case_id)
    st = m.derive(case, policy, today_of(now))
    if st.made_on is not None:
        raise CaseError(f"по делу {case['id']} сертификат уже отмечен изготовленным "
                        f"(серийный номер {st.serial}, {m.ru_date(st.made_on)})")
    if st.state != m.FULL_SET_STATE:
        raise CaseError(f"по делу {case['id']} нет полного набора документов "
                        f"(состояние: {m.STATE_NAMES[st.state]}); сертификат изготавливается после "
                        "получения электронного запроса и принятого скана заявки")
    serial = serial.strip()
    if not serial:
        raise CaseError("не указан серийный номер сертификата")
    if not_after <= on:
        raise CaseError("срок действия сертификата (--not-after) должен быть позже даты изготовления")
    before = len(case["events"])
    case["events"].append(m.make_event(m.CERTIFICATE_MADE, on=on, at=now, serial=serial,
                                       not_after=not_after.isoformat(), source=source))
    _commit(store, case, False, policy, on, now)
    return Recorded(case, False, tuple(case["events"][before:]))


def mark_paper(store: Any, policy: Policy, case_id: str, document: str, *, on: date, now: datetime) -> Recorded:
    case = get_case(store, case_id)
    event, name = m.DOCUMENTS[document]
    st = m.derive(case, policy, today_of(now))
    if st.made_on is None:
        raise CaseError(f"по делу {case['id']} сертификат ещё не изготовлен: {name} пока не ожидается")
    if document not in st.missing:
        got = st.original_on if document == m.ORIGINAL else st.paper_on
        raise CaseError(f"по делу {case['id']} {name} уже отмечен полученным ({m.ru_date(got)})")
    if on < st.made_on:
        raise CaseError(f"дата получения раньше даты изготовления сертификата ({m.ru_date(st.made_on)})")
    before = len(case["events"])
    due = st.due_of(document)
    case["events"].append(m.make_event(event, on=on, at=now, late=(due is not None and on > due) or None))
    _commit(store, case, False, policy, on, now)
    return Recorded(case, False, tuple(case["events"][before:]))


def suspend(store: Any, policy: Policy, case_id: str, *, on: date, now: datetime) -> Recorded:
    case = get_case(store, case_id)
    st = m.derive(case, policy, today_of(now))
    if st.made_on is None:
        raise CaseError(f"по делу {case['id']} сертификат ещё не изготовлен — приостанавливать нечего")
    if st.closed:
        raise CaseError(f"дело {case['id']} закрыто")
    if st.suspended:
        raise CaseError(f"по делу {case['id']} сертификат уже приостановлен")
    before = len(case["events"])
    case["events"].append(m.make_event(m.SUSPENDED, on=on, at=now, missing=list(st.missing) or None))
    _commit(store, case, False, policy, on, now)
    return Recorded(case, False, tuple(case["events"][before:]))


def resume(store: Any, policy: Policy, case_id: str, *, on: date, now: datetime) -> Recorded:
    case = get_case(store, case_id)
    st = m.derive(case, policy, today_of(now))
    if not st.suspended:
        raise CaseError(f"по делу {case['id']} сертификат не приостановлен")
    before = len(case["events"])
    case["events"].append(m.make_event(m.RESUMED, on=on, at=now, missing=list(st.missing) or None))
    _commit(store, case, False, policy, on, now)
    return Recorded(case, False, tuple(case["events"][before:]))


# --- the operator's decision on a scan (bot/commands/scan.py) ---------------------

SCAN_DEFECTS = ("manager_signature_missing", "owner_signature_missing", "seal_missing", "form_missing")


def decide_scan(
    store: Any, policy: Policy, case_id: str, *, verdict: str, reason: str, by: str, on: date, now: datetime,
    defects: tuple[str, ...] = (), letter_key: str | None = None, fields: dict[str, Any] | None = None,
    doubts: tuple[str, ...] = (), origin: str = "decision",
) -> Recorded:
    """Record a person's verdict on a scan: a `scan_received` event with source "operator".

    `verdict` is "complete" (accepted; a full set when the request is there), "incomplete"
    (rejected, `defects` say what is missing) or, for a scan added by the operator, "review".
    `letter_key` names the letter whose scan is decided (by default the case's latest scan);
    `origin` is "decision" (a scan already seen) or "added" (an application that came another way).
    """
    case = get_case(store, case_id)
    st = m.derive(case, policy, today_of(now))
    if st.state not in m.OPEN_FOR_SCAN:
        raise CaseError(f"по делу {case['id']} сертификат уже изготовлен или дело закрыто "
                        f"(состояние: {m.STATE_NAMES[st.state]}): решение по скану не нужно")
    if verdict not in ("complete", "incomplete", "review"):
        raise CaseError(f"неверный вердикт «{verdict}»")
    if not reason.strip():
        raise CaseError("не указана причина решения: --reason ТЕКСТ")
    if not by.strip():
        raise CaseError("не указано, кто принял решение: --by ЛОГИН")
    unknown = [d for d in defects if d not in SCAN_DEFECTS]
    if unknown:
        raise CaseError(f"неизвестный недостаток «{unknown[0]}»; возможные: {', '.join(SCAN_DEFECTS)}")
    if verdict == "incomplete" and not defects:
        raise CaseError("укажите хотя бы один недостаток: --defect ИМЯ")
    if verdict == "complete" and st.scan_accepted:
        raise CaseError(f"по делу {case['id']} скан заявки уже принят ({m.ru_date(st.accepted_on)})")
    scans = [ev for ev in case["events"] if ev["kind"] == m.SCAN_RECEIVED]
    decided: dict[str, Any] | None = None
    if letter_key:
        decided = next((ev for ev in reversed(scans) if ev.get("letter_key") == letter_key), None)
        if decided is None:
            raise CaseError(f"в деле {case['id']} нет скана из письма {letter_key}")
    elif origin == "decision":
        if not scans:
            raise CaseError(f"в деле {case['id']} нет ни одного скана заявки; скан, полученный иначе, "
                            "добавьте командой: vipnet-cert-bot scan add ДЕЛО ФАЙЛ")
        decided = scans[-1]
    kept = dict(fields or (decided or {}).get("fields") or {})
    before = len(case["events"])
    case["events"].append(m.make_event(
        m.SCAN_RECEIVED, on=on, at=now, verdict=verdict, fields=kept or None, source="operator", by=by.strip(),
        reason=reason.strip(), defects=list(defects) or None, doubts=list(doubts) or None, origin=origin,
        letter_key=(decided or {}).get("letter_key"), message_id=(decided or {}).get("message_id"),
        replaces_defective=(st.scan_verdict is not None and not st.scan_accepted) or None,
    ))
    _commit(store, case, False, policy, on, now)
    return Recorded(case, False, tuple(case["events"][before:]))
