"""Operations on cases, shared by the operator's commands and the mail pipeline.

Each takes the store (inside a transaction), the policy and the moment, changes the
case's timeline and saves it. Nothing here sends mail: callers queue letters in the
same transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.cases import model as m
from bot.cases.matching import Match, name_score, pick_case
from bot.cases.policy import Policy
from bot.cases.repo import CaseError, all_cases, get_case, insert_case, new_case_id, save_case
from bot.ids import normalise_inn
from bot.registry import Organisation, Registry

__all__ = ["CaseError", "all_cases", "get_case"]


_NODE_ID = re.compile(r"0x[0-9A-Fa-f]{8}")


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

    def before(self, policy: Policy, today: date) -> m.Status:
        """The case's status without the events just added (what changed is told by the letters)."""
        kept = self.case["events"][:len(self.case["events"]) - len(self.added)]
        return m.derive({**self.case, "events": kept}, policy, today)


def add_request(
    store: Any, policy: Policy, registry: Registry, *, inn: str, owner: str, node: str = "",
    on: date, now: datetime, source: str = "operator", case_id: str | None = None,
    details: dict[str, Any] | None = None, by: str | None = None, replaces: str | None = None,
) -> Recorded:
    """Record an electronic request: joins the owner's open case (e.g. one waiting for it) or opens one.

    `replaces` (a certificate's serial number or a case number) names the certificate this
    renewal replaces, e.g. when the owner changes: that certificate's rotation reminders end.
    """
    org = organisation_for_inn(registry, inn)
    if not m.name_tokens_present(owner):
        raise CaseError("не указано ФИО владельца сертификата")
    today = today_of(now)
    replaced = find_replaced(store, policy, org.inn, replaces, today) if replaces else None
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
    if replaced is not None:
        if replaced["case"] == case["id"]:
            raise CaseError(f"дело {case['id']} не может заменять собственный сертификат")
        case["replaces"] = replaced
    before = len(case["events"])
    case["events"].append(m.make_event(m.REQUEST_RECEIVED, on=on, at=now, source=source,
                                       owner=owner.strip(), node=node.strip() or None, details=details,
                                       by=by, replaces=replaced))
    _commit(store, case, created, policy, on, now)
    return Recorded(case, created, tuple(case["events"][before:]))


def record_scan(
    store: Any, policy: Policy, case: dict[str, Any] | None, org: Organisation, *, verdict: str,
    fields: dict[str, Any], on: date, now: datetime, letter: dict[str, Any],
) -> Recorded:
    """Record a scan on `case`, or open a case waiting for the request when `case` is None."""
    created = case is None
    # a node id is kept only as a node id (0x + 8 hex digits): OCR of a smudged field is not one
    node = str(fields.get("vipnet_node") or "").strip()
    fields = {**fields, "vipnet_node": node if _NODE_ID.fullmatch(node) else None}
    if case is None:
        case = new_case(store, org, owner=str(fields.get("owner_name") or ""),
                        node=fields["vipnet_node"] or "", now=now)
    if not m.name_tokens_present(case.get("owner")) and fields.get("owner_name"):
        case["owner"] = str(fields["owner_name"]).strip()
    if not case.get("node") and fields.get("vipnet_node"):
        case["node"] = fields["vipnet_node"]
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


def _serials(case: dict[str, Any]) -> list[str]:
    return [str(ev.get("serial")) for ev in case.get("events", [])
            if ev["kind"] in (m.CERTIFICATE_MADE, m.CERTIFICATE_REISSUED) and ev.get("serial")]


def find_replaced(store: Any, policy: Policy, inn: str, ref: str, today: date) -> dict[str, str]:
    """The certificate a new renewal replaces, by serial number or case number: {"case", "serial"}."""
    wanted = ref.strip()
    if not wanted:
        raise CaseError("не указан заменяемый сертификат (--replaces: серийный номер или номер дела)")
    found = [c for c in all_cases(store)
             if c["id"] == wanted or normalise_serial(wanted) in (normalise_serial(s) for s in _serials(c))]
    if not found:
        raise CaseError(f"сертификат или дело «{wanted}» не найдены (--replaces: серийный номер или номер дела)")
    if len(found) > 1:
        raise CaseError(f"«{wanted}» подходит к нескольким делам ({', '.join(c['id'] for c in found)}); "
                        "укажите номер дела")
    old = found[0]
    if normalise_inn(old.get("inn")) != normalise_inn(inn):
        raise CaseError(f"заменяемый сертификат (дело {old['id']}) принадлежит другой организации "
                        f"(ИНН {old.get('inn')})")
    st = m.derive(old, policy, today)
    if st.serial is None:
        raise CaseError(f"по делу {old['id']} сертификат не изготовлен — заменять нечего")
    return {"case": old["id"], "serial": st.serial}


def normalise_serial(serial: str) -> str:
    """A serial number as the CA software and certificate viewers show it: hex, any spacing."""
    text = re.sub(r"[\s:]", "", serial or "").upper()
    if text.startswith("0X"):
        text = text[2:]
    return text.lstrip("0") or ("0" if text else "")


def find_serial(store: Any, serial: str) -> dict[str, Any] | None:
    """The case holding a certificate (made or re-issued) with this serial number, if any."""
    wanted = normalise_serial(serial)
    for case in all_cases(store):
        if wanted in (normalise_serial(s) for s in _serials(case)):
            return case
    return None


def register_existing_certificate(
    store: Any, policy: Policy, registry: Registry, *, inn: str, owner: str, serial: str, not_after: date,
    on: date, now: datetime, by: str | None = None, node: str = "", source: str = "import",
) -> Recorded:
    """A certificate issued before the bot: a closed case (no paper expected) that gets rotation reminders.

    `on` is the day the certificate was made (its not_before). The case counts as opened that
    day, so a renewal opened before the import still supersedes it. Refused when the serial is
    already known.
    """
    org = organisation_for_inn(registry, inn)
    if not m.name_tokens_present(owner):
        raise CaseError("не указано ФИО владельца сертификата")
    clean = re.sub(r"[\s:]", "", serial or "").upper().removeprefix("0X")  # kept as the operator wrote it
    if not re.fullmatch(r"[0-9A-F]+", clean):
        raise CaseError(f"неверный серийный номер «{serial}»: нужны шестнадцатеричные цифры")
    if not_after <= on:
        raise CaseError("срок действия сертификата должен быть позже даты изготовления")
    if on > today_of(now):
        raise CaseError(f"дата изготовления ({m.ru_date(on)}) ещё не наступила")
    known = find_serial(store, clean)
    if known is not None:
        raise CaseError(f"сертификат {clean} уже есть в деле {known['id']}")
    case = new_case(store, org, owner=owner, node=node, now=now)
    case["opened_at"] = datetime.combine(on, datetime.min.time(), now.tzinfo).isoformat()
    case["events"].append(m.make_event(m.CERTIFICATE_MADE, on=on, at=now, serial=clean,
                                       not_after=not_after.isoformat(), source=source, existing=True, by=by,
                                       node=node.strip() or None))
    _commit(store, case, True, policy, on, now)
    return Recorded(case, True, tuple(case["events"]))


def _open(store: Any, policy: Policy, case_id: str, now: datetime) -> tuple[dict[str, Any], m.Status]:
    case = get_case(store, case_id)
    st = m.derive(case, policy, today_of(now))
    if st.cancelled:
        into = f" (объединено с делом {st.merged_into})" if st.merged_into else ""
        raise CaseError(f"дело {case['id']} отменено{into}")
    return case, st


def _append(store: Any, policy: Policy, case: dict[str, Any], event: dict[str, Any], on: date,
            now: datetime) -> Recorded:
    before = len(case["events"])
    case["events"].append(event)
    _commit(store, case, False, policy, on, now)
    return Recorded(case, False, tuple(case["events"][before:]))


def mark_issued(
    store: Any, policy: Policy, case_id: str, *, serial: str, not_after: date, on: date, now: datetime,
    source: str = "operator", by: str | None = None, reissue: bool = False,
) -> Recorded:
    """The certificate was made; with `reissue`, made again (a new serial) after it was first made."""
    case, st = _open(store, policy, case_id, now)
    serial = serial.strip()
    if reissue:
        if st.made_on is None:
            raise CaseError(f"по делу {case['id']} сертификат ещё не изготовлен — повторно изготавливать нечего; "
                            "уберите --reissue")
        if serial and serial.upper() == (st.serial or "").upper():
            raise CaseError(f"сертификат {serial} уже записан в деле {case['id']}; у повторно изготовленного "
                            "сертификата другой серийный номер")
    elif st.made_on is not None:
        raise CaseError(f"по делу {case['id']} сертификат уже отмечен изготовленным "
                        f"(серийный номер {st.serial}, {m.ru_date(st.made_on)}); если сертификат изготовлен "
                        "повторно, добавьте --reissue")
    elif st.state != m.FULL_SET_STATE:
        raise CaseError(f"по делу {case['id']} нет полного набора документов "
                        f"(состояние: {m.STATE_NAMES[st.state]}); сертификат изготавливается после "
                        "получения электронного запроса и принятого скана заявки")
    if not serial:
        raise CaseError("не указан серийный номер сертификата")
    if not_after <= on:
        raise CaseError("срок действия сертификата (--not-after) должен быть позже даты изготовления")
    if reissue and st.made_on is not None and on < st.made_on:
        raise CaseError(f"дата повторного изготовления раньше первого ({m.ru_date(st.made_on)})")
    kind = m.CERTIFICATE_REISSUED if reissue else m.CERTIFICATE_MADE
    event = m.make_event(kind, on=on, at=now, serial=serial, not_after=not_after.isoformat(), source=source,
                         by=by, previous=st.serial if reissue else None)
    return _append(store, policy, case, event, on, now)


def mark_paper(store: Any, policy: Policy, case_id: str, document: str, *, on: date, now: datetime,
               by: str | None = None) -> Recorded:
    """A paper document received. The original may come at any time, even before the certificate."""
    case, st = _open(store, policy, case_id, now)
    event, name = m.DOCUMENTS[document]
    got = st.original_on if document == m.ORIGINAL else st.paper_on
    if got is not None:
        raise CaseError(f"по делу {case['id']} {name} уже отмечен полученным ({m.ru_date(got)})")
    if st.made_on is None and document != m.ORIGINAL:
        raise CaseError(f"по делу {case['id']} сертификат ещё не изготовлен: {name} пока не ожидается")
    if st.existing:
        raise CaseError(f"дело {case['id']}: сертификат выпущен до бота, бумажные документы по нему не ожидаются")
    if st.made_on is not None and on < st.made_on and document != m.ORIGINAL:
        raise CaseError(f"дата получения раньше даты изготовления сертификата ({m.ru_date(st.made_on)})")
    due = st.due_of(document)
    early = st.made_on is None or on < st.made_on
    return _append(store, policy, case, m.make_event(
        event, on=on, at=now, late=(due is not None and on > due) or None, early=early or None, by=by,
        overdue=(document in st.overdue) or None), on, now)


def mark_paper_sent(store: Any, policy: Policy, case_id: str, *, on: date, now: datetime,
                    by: str | None = None) -> Recorded:
    """The centre dispatched the paper certificate (two copies) to the organisation."""
    case, st = _open(store, policy, case_id, now)
    if st.made_on is None:
        raise CaseError(f"по делу {case['id']} сертификат ещё не изготовлен — отправлять нечего")
    if st.existing:
        raise CaseError(f"дело {case['id']}: сертификат выпущен до бота, бумажные документы по нему не ведутся")
    if st.paper_on is not None:
        raise CaseError(f"по делу {case['id']} подписанный сертификат уже получен ({m.ru_date(st.paper_on)})")
    if st.paper_sent_on is not None:
        raise CaseError(f"по делу {case['id']} отправка сертификата уже отмечена ({m.ru_date(st.paper_sent_on)})")
    if on < st.made_on:
        raise CaseError(f"дата отправки раньше даты изготовления сертификата ({m.ru_date(st.made_on)})")
    return _append(store, policy, case, m.make_event(m.PAPER_SENT, on=on, at=now, by=by), on, now)


def extend(store: Any, policy: Policy, case_id: str, document: str, *, due: date, reason: str, on: date,
           now: datetime, by: str | None = None) -> Recorded:
    """Move a paper document's deadline (a recorded decision with its reason)."""
    case, st = _open(store, policy, case_id, now)
    name = m.DOCUMENTS[document][1]
    if not reason.strip():
        raise CaseError("не указана причина продления (--reason)")
    if st.made_on is None:
        raise CaseError(f"по делу {case['id']} сертификат ещё не изготовлен — сроков по документам нет")
    if document not in st.missing:
        raise CaseError(f"по делу {case['id']} {name} не ожидается (уже получен или дело закрыто)")
    current = st.due_of(document)
    if current is not None and due <= current:
        raise CaseError(f"новый срок ({m.ru_date(due)}) должен быть позже нынешнего ({m.ru_date(current)})")
    if due < today_of(now):
        raise CaseError(f"новый срок ({m.ru_date(due)}) уже прошёл")
    return _append(store, policy, case, m.make_event(
        m.DEADLINE_EXTENDED, on=on, at=now, document=document, due=due.isoformat(),
        previous=current.isoformat() if current else None, reason=reason.strip(), by=by), on, now)


def suspend(store: Any, policy: Policy, case_id: str, *, on: date, now: datetime,
            by: str | None = None) -> Recorded:
    case, st = _open(store, policy, case_id, now)
    if st.made_on is None:
        raise CaseError(f"по делу {case['id']} сертификат ещё не изготовлен — приостанавливать нечего")
    if st.closed:
        raise CaseError(f"дело {case['id']} закрыто")
    if st.suspended:
        raise CaseError(f"по делу {case['id']} сертификат уже приостановлен")
    if on < st.made_on:
        raise CaseError(f"дата приостановки раньше даты изготовления сертификата ({m.ru_date(st.made_on)})")
    overdue = m.derive(case, policy, on).overdue or st.overdue
    return _append(store, policy, case, m.make_event(
        m.SUSPENDED, on=on, at=now, missing=list(st.missing) or None, overdue=list(overdue) or None, by=by),
        on, now)


def resume(store: Any, policy: Policy, case_id: str, *, on: date, now: datetime,
           by: str | None = None) -> Recorded:
    case, st = _open(store, policy, case_id, now)
    if not st.suspended:
        raise CaseError(f"по делу {case['id']} сертификат не приостановлен")
    if st.suspended_on is not None and on < st.suspended_on:
        raise CaseError(f"дата возобновления раньше даты приостановки ({m.ru_date(st.suspended_on)})")
    return _append(store, policy, case, m.make_event(m.RESUMED, on=on, at=now, missing=list(st.missing) or None,
                                                     by=by), on, now)


def _end(store: Any, policy: Policy, case_id: str, kind: str, *, reason: str, on: date, now: datetime,
         by: str | None, **data: Any) -> Recorded:
    case, st = _open(store, policy, case_id, now)
    if not reason.strip():
        raise CaseError("не указана причина (--reason)")
    if kind == m.CLOSED and st.closed:
        raise CaseError(f"дело {case['id']} уже закрыто")
    if kind == m.CLOSED and st.suspended:
        raise CaseError(f"по делу {case['id']} сертификат приостановлен: сначала возобновите его "
                        f"(vipnet-cert-bot resume {case['id']}) или отмените дело (case cancel)")
    return _append(store, policy, case, m.make_event(kind, on=on, at=now, reason=reason.strip(), by=by, **data),
                   on, now)


def close(store: Any, policy: Policy, case_id: str, *, reason: str, on: date, now: datetime,
          by: str | None = None) -> Recorded:
    """The operator closes the case (nothing more is expected); a valid certificate keeps its rotation."""
    return _end(store, policy, case_id, m.CLOSED, reason=reason, on=on, now=now, by=by, manual=True)


def cancel(store: Any, policy: Policy, case_id: str, *, reason: str, on: date, now: datetime,
           by: str | None = None) -> Recorded:
    """The operator cancels the case: no letters, no rotation reminders, out of the digest."""
    return _end(store, policy, case_id, m.CANCELLED, reason=reason, on=on, now=now, by=by)


def merge(store: Any, policy: Policy, keep_id: str, other_id: str, *, on: date, now: datetime,
          by: str | None = None) -> Recorded:
    """Two cases opened for one renewal: the second one's events move into the first; the second is closed."""
    keep, ks = _open(store, policy, keep_id, now)
    other, os_ = _open(store, policy, other_id, now)
    if keep["id"] == other["id"]:
        raise CaseError("нельзя объединить дело с самим собой")
    if normalise_inn(keep.get("inn")) != normalise_inn(other.get("inn")):
        raise CaseError(f"дела {keep['id']} и {other['id']} принадлежат разным организациям")
    for case, st in ((keep, ks), (other, os_)):
        if st.closed:
            raise CaseError(f"дело {case['id']} закрыто — объединять можно только открытые дела")
    if ks.made_on is not None and os_.made_on is not None:
        raise CaseError(f"по обоим делам ({keep['id']}, {other['id']}) изготовлены сертификаты — "
                        "это разные продления, их нельзя объединить")
    moved = [{**ev, "merged_from": other["id"]} for ev in other.get("events", [])
             if ev["kind"] not in (m.FULL_SET, m.CLOSED)]
    keep["events"] = sorted([ev for ev in keep["events"] if ev["kind"] != m.FULL_SET] + moved,
                            key=lambda ev: ev.get("at", ""))
    if not m.name_tokens_present(keep.get("owner")):
        keep["owner"] = other.get("owner", "")
    if not keep.get("node") and other.get("node"):
        keep["node"] = other["node"]
    if not keep.get("replaces") and other.get("replaces"):
        keep["replaces"] = other["replaces"]
    other["events"].append(m.make_event(m.MERGED, on=on, at=now, into=keep["id"], by=by))
    save_case(store, other)
    before = len(keep["events"])
    _commit(store, keep, False, policy, on, now)
    return Recorded(keep, False, tuple(keep["events"][before:]))


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
    if verdict == "incomplete" and st.scan_accepted:
        # an accepted scan stays accepted (the set may be full): telling the organisation «не принят»
        # now would be untrue; a wrong application is ended with `case cancel` and a new request
        raise CaseError(f"по делу {case['id']} скан заявки уже принят ({m.ru_date(st.accepted_on)}); "
                        f"отклонить его нельзя. Если заявка оказалась неверной, отмените дело: "
                        f"vipnet-cert-bot case cancel {case['id']} --reason ТЕКСТ")
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
