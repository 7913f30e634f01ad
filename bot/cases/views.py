"""Cases as plain dicts for people, scripts (--json) and templates.

The shape of `case_view` is stable: keys are only ever added.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.cases import model as m
from bot.cases.policy import Policy
from bot.scan.model import VERDICT_NAMES


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def case_view(case: dict[str, Any], policy: Policy, today: date) -> dict[str, Any]:
    st = m.derive(case, policy, today)
    nxt = st.next_deadline()
    return {
        "id": case["id"],
        "organisation": case.get("organisation", ""),
        "inn": case.get("inn", ""),
        "owner": case.get("owner", ""),
        "node": case.get("node", ""),
        "opened_at": case.get("opened_at"),
        "state": st.state,
        "state_name": m.STATE_NAMES[st.state] + ("; скан на проверке у специалиста" if st.scan_review else ""),
        "request_on": _iso(st.request_on),
        "scan_verdict": st.scan_verdict,
        "scan_review": st.scan_review,
        "full_set_on": _iso(st.full_set_on),
        "full_set_on_display": m.ru_date(st.full_set_on),
        "certificate_due": _iso(st.certificate_due),
        "certificate_due_display": m.ru_date(st.certificate_due),
        "made_on": _iso(st.made_on),
        "made_on_display": m.ru_date(st.made_on),
        "serial": st.serial,
        "not_after": _iso(st.not_after),
        "not_after_display": m.ru_date(st.not_after),
        "original_due": _iso(st.original_due),
        "original_due_display": m.ru_date(st.original_due),
        "paper_due": _iso(st.paper_due),
        "paper_due_display": m.ru_date(st.paper_due),
        "original_on": _iso(st.original_on),
        "paper_on": _iso(st.paper_on),
        "missing": list(st.missing),
        "missing_names": [m.DOCUMENTS[d][1] for d in st.missing],
        "overdue": list(st.overdue),
        "suspended": st.suspended,
        "next_deadline": _iso(nxt[0]) if nxt else None,
        "next_deadline_display": m.ru_date(nxt[0]) if nxt else "",
        "next_deadline_what": nxt[1] if nxt else None,
        "days_left": (nxt[0] - today).days if nxt else None,
        # added for stalled renewals, suspension, paper and re-issue (keys are only ever added)
        "original_on_display": m.ru_date(st.original_on),
        "paper_on_display": m.ru_date(st.paper_on),
        "paper_sent_on": _iso(st.paper_sent_on),
        "paper_sent_on_display": m.ru_date(st.paper_sent_on),
        "overdue_names": [m.DOCUMENTS[d][1] for d in st.overdue],
        "outstanding": [{"document": d, "name": m.DOCUMENTS[d][1], "due": _iso(st.due_of(d)),
                         "due_display": m.ru_date(st.due_of(d)), "overdue": d in st.overdue}
                        for d in st.missing],
        "extended": list(st.extended),
        "suspended_on": _iso(st.suspended_on),
        "suspended_on_display": m.ru_date(st.suspended_on),
        "stalled_since": _iso(st.stalled_since),
        "stalled_since_display": m.ru_date(st.stalled_since),
        "reissued_on": _iso(st.reissued_on),
        "existing": st.existing,
        "cancelled": st.cancelled,
        "merged_into": st.merged_into,
        "replaces": case.get("replaces"),
    }


def timeline(case: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for ev in case.get("events", []):
        row = dict(ev)
        row["name"] = m.EVENT_NAMES.get(ev["kind"], ev["kind"])
        rows.append(row)
    return rows


def event_line(ev: dict[str, Any]) -> str:
    """One timeline event as a line of Russian text."""
    name = m.EVENT_NAMES.get(ev["kind"], ev["kind"])
    on = m.ru_date(date.fromisoformat(ev["on"])) if ev.get("on") else ""
    extra = []
    if ev["kind"] == m.SCAN_RECEIVED:
        extra.append(VERDICT_NAMES.get(str(ev.get("verdict")), str(ev.get("verdict"))))
        if ev.get("defects"):
            extra.append("недостатки: " + ", ".join(str(d) for d in ev["defects"]))
        if ev.get("replaces_defective"):
            extra.append("заменяет непринятый скан")
    if ev["kind"] == m.REQUEST_RECEIVED:
        source = {"operator": "оператор", "file": "файл запроса"}.get(ev.get("source", ""), ev.get("source"))
        extra.append(f"источник: {source}" + (f" {ev['details']['file']}" if ev.get("details", {}).get("file")
                                              else ""))
    if ev["kind"] == m.FULL_SET and ev.get("due"):
        extra.append(f"изготовить до {m.ru_date(date.fromisoformat(ev['due']))}")
    if ev["kind"] == m.CERTIFICATE_MADE:
        extra.append(f"серийный номер {ev.get('serial')}, действует до "
                     f"{m.ru_date(date.fromisoformat(ev['not_after']))}")
    if ev["kind"] in m.LETTER_EVENTS:
        extra.append(f"{ev.get('key')} → {ev.get('to')}")
    if ev["kind"] == m.CERTIFICATE_REISSUED:
        extra.append(f"серийный номер {ev.get('serial')}, действует до "
                     f"{m.ru_date(date.fromisoformat(ev['not_after']))}"
                     + (f"; заменил {ev['previous']}" if ev.get("previous") else ""))
    if ev["kind"] == m.CERTIFICATE_MADE and ev.get("existing"):
        extra.append("выпущен до бота, бумажные документы не ведутся")
    if ev["kind"] == m.DEADLINE_EXTENDED:
        extra.append(f"{m.DOCUMENTS.get(ev.get('document', ''), ('', ev.get('document')))[1]} — "
                     f"до {m.ru_date(date.fromisoformat(ev['due']))}")
    if ev["kind"] == m.MERGED:
        extra.append(f"в дело {ev.get('into')}")
    if ev.get("replaces"):
        extra.append(f"заменяет сертификат {ev['replaces'].get('serial')} (дело {ev['replaces'].get('case')})")
    if ev.get("merged_from"):
        extra.append(f"из дела {ev['merged_from']}")
    if ev.get("early"):
        extra.append("до изготовления сертификата")
    if ev.get("late"):
        extra.append("с опозданием")
    if ev.get("reason"):
        extra.append(f"причина: {ev['reason']}")
    if ev.get("by"):
        extra.append(f"оператор: {ev['by']}")
    return f"{on}  {name}" + (f" ({'; '.join(extra)})" if extra else "")
