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
from bot.cases import renewal
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
    to: str                  # the organisation's addresses, comma-separated ("" when none); "" for the InfoSec head
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


def _paper_stage(today: date, due: date, offsets: tuple[int, ...], policy: Policy, made_on: date) -> int | None:
    """The latest paper reminder stage (WORKING days before `due`) reached today, or None.

    A stage whose day falls on or before the day the certificate was made is never reached
    (the notice gave the dates that day)."""
    if today > due:
        return None
    reached = [d for d in offsets if made_on < policy.reminder_day(due, d) <= today]
    return min(reached) if reached else None


def _stalled_stage(today: date, since: date, offsets: tuple[int, ...], policy: Policy) -> int | None:
    """The latest stage (working days after `since`) reached today, or None."""
    reached = [n for n in offsets if policy.calendar.add_working_days(since, n) <= today]
    return max(reached) if reached else None


def _stalled_sent(keys: frozenset[str], prefix: str, stage: int) -> bool:
    """Was this stage, or a later one (more working days after), already sent?"""
    for key in keys:
        if key.startswith(prefix):
            tail = key[len(prefix):]
            if tail.isdigit() and int(tail) >= stage:
                return True
    return False


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
    to = org.email_to if (org and recipient == ORGANISATION) else ""
    data = {k: v for k, v in extra.items() if isinstance(v, str | int | float | bool) or v is None}
    return DueLetter(case_id=case["id"], key=key, kind=kind, recipient=recipient, to=to,
                     subject=subject, body=body, event=event, data=data)


def certificate_notice(case: dict[str, Any], rules: Rules, registry: Registry, now: datetime) -> DueLetter:
    """The letter to the organisation when the certificate is made (sent at once, any hour)."""
    policy = load_policy(rules)
    today = now.astimezone(MOSCOW).date()
    view = case_view(case, policy, today)
    st = m.derive(case, policy, today)
    if st.reissued_on is not None:  # the notice of a re-issued certificate dates it by the re-issue
        view = {**view, "made_on_display": m.ru_date(st.reissued_on)}
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
        if st.cancelled or (st.closed and st.not_after is None):
            continue
        view = case_view(case, policy, today)
        org = _org(registry, case)
        common = {"rules": rules, "policy": policy, "case": case, "view": view, "org": org}
        letters += _make_letters(st, today, **common)
        letters += _paper_letters(st, today, **common)
        letters += _stalled_letters(st, today, now, cases, **common)
        letters += _suspended_letters(st, today, now, **common)
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
        # an extended deadline starts its own series (the keys of the first one were spent)
        moved = f":{due.isoformat()}" if doc in st.extended else ""
        if today > due:
            if f"overdue:{doc}{moved}" not in st.letter_keys:
                out.append(_letter(rules, policy, case, view, org, key=f"overdue:{doc}{moved}", kind="warning",
                                   recipient=ORGANISATION, subject_key="overdue_warning",
                                   template="case_warning_overdue.txt.j2", event=m.WARNING_SENT, **extra))
            if f"suspend:{doc}{moved}" not in st.letter_keys:
                out.append(_letter(rules, policy, case, view, org, key=f"suspend:{doc}{moved}", kind="alert",
                                   recipient=INFOSEC_HEAD, subject_key="overdue_alert",
                                   template="case_alert_overdue.txt.j2", event=m.SUSPENSION_RECOMMENDED,
                                   **extra))
            continue
        stage = _paper_stage(today, due, policy.paper_days_before, policy, st.made_on)
        prefix = f"paper:{doc}{moved}:"
        if stage is None or _series_sent(st.letter_keys, prefix, stage):
            continue
        out.append(_letter(rules, policy, case, view, org, key=f"{prefix}{stage}", kind="reminder",
                           recipient=ORGANISATION, subject_key="paper_reminder",
                           template="case_reminder_paper.txt.j2", event=m.REMINDER_SENT, **extra))
    return out


def _now_display(now: datetime) -> str:
    return now.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M")


def _stalled_letters(st: m.Status, today: date, now: datetime, cases: list[dict[str, Any]], *, rules: Rules,
                     policy: Policy, case: dict[str, Any], view: dict[str, Any],
                     org: Organisation | None) -> list[DueLetter]:
    """A renewal that waits for the organisation (scan, corrected scan, request): remind it."""
    if st.state not in m.STALLED or st.stalled_since is None:
        return []
    stage = _stalled_stage(today, st.stalled_since, policy.stalled_offsets(st.state), policy)
    prefix = f"stalled:{st.state}:{st.stalled_since.isoformat()}:"
    if stage is None or _stalled_sent(st.letter_keys, prefix, stage):
        return []
    old = renewal.replaced_certificate(case, cases, policy, today)
    return [_letter(rules, policy, case, view, org, key=f"{prefix}{stage}", kind="reminder",
                    recipient=ORGANISATION, subject_key="stalled", template="case_reminder_stalled.txt.j2",
                    event=m.REMINDER_SENT, since_display=m.ru_date(st.stalled_since),
                    now_display=_now_display(now), scan_to=policy.scan_to,
                    old_serial=old.serial if old else None,
                    old_expires_display=m.ru_date(old.not_after) if old else None,
                    old_expired=bool(old and old.not_after < today))]


def _suspended_letters(st: m.Status, today: date, now: datetime, *, rules: Rules, policy: Policy, case: dict[str, Any],
                       view: dict[str, Any], org: Organisation | None) -> list[DueLetter]:
    """While the certificate is suspended: remind the organisation what is missing (exchange is blocked)."""
    if not st.suspended or st.closed or st.suspended_on is None or not st.overdue:
        return []
    stage = _stalled_stage(today, st.suspended_on, policy.stalled_offsets(m.SUSPENDED_STATE), policy)
    prefix = f"blocked:{st.suspended_on.isoformat()}:"
    if stage is None or _stalled_sent(st.letter_keys, prefix, stage):
        return []
    return [_letter(rules, policy, case, view, org, key=f"{prefix}{stage}", kind="reminder",
                    recipient=ORGANISATION, subject_key="suspended_reminder",
                    template="case_reminder_suspended.txt.j2", event=m.REMINDER_SENT,
                    suspended_display=m.ru_date(st.suspended_on), now_display=_now_display(now))]


def _rotation_letters(st: m.Status, today: date, cases: list[dict[str, Any]], *, rules: Rules,
                      policy: Policy, case: dict[str, Any], view: dict[str, Any],
                      org: Organisation | None) -> list[DueLetter]:
    if st.not_after is None or st.suspended or st.cancelled or not st.serial:
        return []
    stage = _stage(today, st.not_after, policy.rotation_days_before)
    prefix = f"rotation:{st.serial}:"
    if stage is None or _series_sent(st.letter_keys, prefix, stage):
        return []
    if renewal.rotation_ended(case, cases, policy, today):
        return []
    return [_letter(rules, policy, case, view, org, key=f"{prefix}{stage}", kind="reminder",
                    recipient=ORGANISATION, subject_key="rotation", template="case_rotation.txt.j2",
                    event=m.REMINDER_SENT, days_left=(st.not_after - today).days,
                    expires_display=m.ru_date(st.not_after), scan_to=policy.scan_to)]


# --- letters at state changes (queued at once by the operation that made the change) ----------

def _count(case: dict[str, Any], kind: str) -> int:
    return sum(1 for ev in case.get("events", []) if ev["kind"] == kind)


def change_letters(case: dict[str, Any], before: m.Status, added: tuple[dict[str, Any], ...], now: datetime,
                   rules: Rules, registry: Registry) -> list[DueLetter]:
    """The letters that follow from events just recorded by an operation (any hour, like the notice).

    - the full set completed by the electronic request, a merge or an operator's scan (a scan by mail
      is answered by its own reply);
    - the certificate suspended / resumed;
    - a paper document received (also an original handed in before the certificate);
    - to the InfoSec head: resume now, when the overdue document arrived and nothing else is overdue.
    """
    policy = load_policy(rules)
    today = now.astimezone(MOSCOW).date()
    view = case_view(case, policy, today)
    st = m.derive(case, policy, today)
    org = _org(registry, case)
    kinds = [ev["kind"] for ev in added]
    out: list[DueLetter] = []

    def letter(key: str, subject_key: str, template: str, *, kind: str = "notice",
               recipient: str = ORGANISATION, event: str = m.NOTICE_SENT, **extra: Any) -> None:
        if key not in st.letter_keys:
            out.append(_letter(rules, policy, case, view, org, key=key, kind=kind, recipient=recipient,
                               subject_key=subject_key, template=template, event=event,
                               now_display=_now_display(now), **extra))

    # a scan by mail completing the set is answered by its reply; anything else is told here
    by_mail_scan = bool(kinds) and kinds[0] == m.SCAN_RECEIVED and added[0].get("source") != "operator"
    if m.FULL_SET in kinds and not by_mail_scan:
        letter("fullset", "full_set", "case_full_set_notice.txt.j2")
    if m.SUSPENDED in kinds:
        letter(f"suspended:{_count(case, m.SUSPENDED)}", "suspended", "case_suspended.txt.j2")
    if m.RESUMED in kinds:
        resumed_on = next(ev["on"] for ev in added if ev["kind"] == m.RESUMED)
        letter(f"resumed:{_count(case, m.RESUMED)}", "resumed", "case_resumed.txt.j2",
               resumed_display=m.ru_date(date.fromisoformat(resumed_on)))
    for ev in added:
        doc = next((d for d, (kind, _) in m.DOCUMENTS.items() if kind == ev["kind"]), None)
        if doc is None:
            continue
        letter(f"received:{doc}", "received", "case_received.txt.j2", document=doc,
               document_name=m.DOCUMENTS[doc][1], received_display=m.ru_date(date.fromisoformat(ev["on"])),
               early=bool(ev.get("early")))
        if resume_advised(before, st, doc):
            letter(f"resume:{_count(case, m.SUSPENDED)}", "resume_advice", "case_alert_resume.txt.j2",
                   kind="alert", recipient=INFOSEC_HEAD, event=m.ALERT_SENT, document=doc,
                   document_name=m.DOCUMENTS[doc][1])
    return out


def resume_advised(before: m.Status, after: m.Status, document: str) -> bool:
    """The certificate is suspended, `document` was one it is suspended for, and nothing is overdue now."""
    return (after.suspended and not after.closed and not after.overdue
            and (document in before.overdue or document in before.suspended_for))
