"""Which letters are due now: reminders, warnings, alerts — a pure function of the cases.

Each letter has a key unique within its case (e.g. "paper:original:3",
"overdue:certificate", "rotation:1A2B:14"); once a letter with a key is recorded on
the timeline it is never due again. Letters are due only on working days in
working hours (rules/policy.toml). A stage whose day was a day off is sent on the
next working day — unless a later stage of the same series is due by then: then
only the later one goes, so the organisation gets no pile of reminders at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.cases import model as m
from bot.cases.matching import name_score
from bot.cases.policy import Policy, load_policy
from bot.cases.views import case_view
from bot.clock import MOSCOW
from bot.registry import Organisation, Registry
from bot.rules import Rules

ORGANISATION = "organisation"
INFOSEC_HEAD = "infosec_head"


@dataclass(frozen=True)
class DueLetter:
    case_id: str
    key: str                 # unique within the case; recorded on the timeline
    kind: str                # outbox kind: notice, reminder, warning, alert
    recipient: str           # ORGANISATION or INFOSEC_HEAD
    to: str                  # the organisation's address ("" when unknown); "" for the InfoSec head
    subject: str
    body: str
    event: str               # timeline event to record once queued
    data: dict[str, Any] = field(default_factory=dict)


def _stage(today: date, due: date, offsets: tuple[int, ...]) -> int | None:
    """The latest reminder stage (days before `due`) reached today, or None."""
    if today > due:
        return None
    reached = [d for d in offsets if today >= due - timedelta(days=d)]
    return min(reached) if reached else None


def _series_sent(keys: frozenset[str], prefix: str, stage: int) -> bool:
    """Was this stage, or a later one (fewer days before), already sent?"""
    for key in keys:
        if key.startswith(prefix):
            tail = key[len(prefix):]
            if tail.isdigit() and int(tail) <= stage:
                return True
    return False


def _org(registry: Registry, case: dict[str, Any]) -> Organisation | None:
    return registry.by_inn(case.get("inn", ""))


def _letter(rules: Rules, policy: Policy, case: dict[str, Any], view: dict[str, Any],
            org: Organisation | None, *, key: str, kind: str, recipient: str, subject_key: str,
            template: str, event: str, **extra: Any) -> DueLetter:
    body = rules.render(template, case=view, organisation=org, **extra)
    subject = policy.subjects[subject_key]
    if view.get("owner"):
        subject = f"{subject}: {view['owner']}"
    to = org.email if (org and recipient == ORGANISATION) else ""
    data = {k: v for k, v in extra.items() if isinstance(v, str | int | float | bool) or v is None}
    return DueLetter(case_id=case["id"], key=key, kind=kind, recipient=recipient, to=to,
                     subject=subject, body=body, event=event, data=data)


def certificate_notice(case: dict[str, Any], rules: Rules, registry: Registry, now: datetime) -> DueLetter:
    """The letter to the organisation when the certificate is made (sent at once, any hour)."""
    policy = load_policy(rules)
    today = now.astimezone(MOSCOW).date()
    view = case_view(case, policy, today)
    return _letter(rules, policy, case, view, _org(registry, case), key=f"made:{view['serial']}",
                   kind="notice", recipient=ORGANISATION, subject_key="certificate_made",
                   template="case_certificate_made.txt.j2", event=m.NOTICE_SENT)


def due_letters(cases: list[dict[str, Any]], now: datetime, rules: Rules, registry: Registry) -> list[DueLetter]:
    """Every letter due at `now` that has not been sent yet (nothing outside working hours)."""
    policy = load_policy(rules)
    if not policy.in_working_hours(now):
        return []
    today = now.astimezone(MOSCOW).date()
    letters: list[DueLetter] = []
    for case in sorted(cases, key=lambda c: c["id"]):
        st = m.derive(case, policy, today)
        if st.closed and st.not_after is None:
            continue
        view = case_view(case, policy, today)
        org = _org(registry, case)
        common = {"rules": rules, "policy": policy, "case": case, "view": view, "org": org}
        letters += _make_letters(st, today, **common)
        letters += _paper_letters(st, today, **common)
        letters += _rotation_letters(st, today, cases, **common)
    return letters


def _make_letters(st: m.Status, today: date, *, rules: Rules, policy: Policy, case: dict[str, Any],
                  view: dict[str, Any], org: Organisation | None) -> list[DueLetter]:
    if not policy.make_alerts or st.state != m.FULL_SET_STATE or st.certificate_due is None:
        return []
    if today == st.certificate_due and "make:due" not in st.letter_keys:
        key, late = "make:due", False
    elif today > st.certificate_due and "make:late" not in st.letter_keys:
        key, late = "make:late", True
    else:
        return []
    return [_letter(rules, policy, case, view, org, key=key, kind="alert", recipient=INFOSEC_HEAD,
                    subject_key="make_alert", template="case_alert_make.txt.j2", event=m.ALERT_SENT,
                    late=late)]


def _paper_letters(st: m.Status, today: date, *, rules: Rules, policy: Policy, case: dict[str, Any],
                   view: dict[str, Any], org: Organisation | None) -> list[DueLetter]:
    if st.made_on is None or st.closed or st.suspended:
        return []
    out: list[DueLetter] = []
    for doc in st.missing:
        due = st.due_of(doc)
        if due is None:
            continue
        name = m.DOCUMENTS[doc][1]
        extra = {"document": doc, "document_name": name, "due_display": m.ru_date(due),
                 "days_left": (due - today).days, "as_of_day": m.ru_date(today)}
        if today > due:
            if f"overdue:{doc}" not in st.letter_keys:
                out.append(_letter(rules, policy, case, view, org, key=f"overdue:{doc}", kind="warning",
                                   recipient=ORGANISATION, subject_key="overdue_warning",
                                   template="case_warning_overdue.txt.j2", event=m.WARNING_SENT, **extra))
            if f"suspend:{doc}" not in st.letter_keys:
                out.append(_letter(rules, policy, case, view, org, key=f"suspend:{doc}", kind="alert",
                                   recipient=INFOSEC_HEAD, subject_key="overdue_alert",
                                   template="case_alert_overdue.txt.j2", event=m.SUSPENSION_RECOMMENDED,
                                   **extra))
            continue
        stage = _stage(today, due, policy.paper_days_before)
        prefix = f"paper:{doc}:"
        if stage is None or _series_sent(st.letter_keys, prefix, stage):
            continue
        out.append(_letter(rules, policy, case, view, org, key=f"{prefix}{stage}", kind="reminder",
                           recipient=ORGANISATION, subject_key="paper_reminder",
                           template="case_reminder_paper.txt.j2", event=m.REMINDER_SENT, **extra))
    return out


def _superseded(case: dict[str, Any], st: m.Status, cases: list[dict[str, Any]], policy: Policy) -> bool:
    """Has the same owner of the same organisation started a newer renewal?"""
    for other in cases:
        if other["id"] == case["id"] or other.get("inn") != case.get("inn"):
            continue
        if other.get("opened_at", "") <= case.get("opened_at", ""):
            continue
        if name_score(other.get("owner"), case.get("owner")) >= policy.match_accept:
            return True
    return False


def _rotation_letters(st: m.Status, today: date, cases: list[dict[str, Any]], *, rules: Rules,
                      policy: Policy, case: dict[str, Any], view: dict[str, Any],
                      org: Organisation | None) -> list[DueLetter]:
    if st.not_after is None or st.suspended or not st.serial:
        return []
    stage = _stage(today, st.not_after, policy.rotation_days_before)
    prefix = f"rotation:{st.serial}:"
    if stage is None or _series_sent(st.letter_keys, prefix, stage):
        return []
    if _superseded(case, st, cases, policy):
        return []
    return [_letter(rules, policy, case, view, org, key=f"{prefix}{stage}", kind="reminder",
                    recipient=ORGANISATION, subject_key="rotation", template="case_rotation.txt.j2",
                    event=m.REMINDER_SENT, days_left=(st.not_after - today).days,
                    expires_display=m.ru_date(st.not_after), scan_to=policy.scan_to)]
