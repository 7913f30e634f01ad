"""The case: a timeline of dated events; everything else is derived from it.

A case is stored as a plain dict (a TinyDB row):

    {"id": "2026-0001", "inn": "2901…", "organisation": "ГБУЗ …", "owner": "Иванов Иван Иванович",
     "node": "0x1A0E000B", "opened_at": "2026-03-02T10:00:00+03:00",
     "events": [{"kind": "request_received", "on": "2026-03-02", "at": "2026-03-02T10:00:00+03:00", …}, …]}

`on` is the day the event counts from (an operator may back-date it with --date);
`at` is when the bot recorded it. Events are kept in the order they were recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.cases.policy import Policy

# Event kinds.
REQUEST_RECEIVED = "request_received"        # electronic request recorded (operator or file)
SCAN_RECEIVED = "scan_received"              # a scan of the application, with its verdict
FULL_SET = "full_set"                        # request + accepted scan: the 2-working-day clock starts
CERTIFICATE_MADE = "certificate_made"        # serial, not_after
NOTICE_SENT = "notice_sent"                  # letter to the organisation (certificate made)
REMINDER_SENT = "reminder_sent"              # a paper or rotation reminder
WARNING_SENT = "warning_sent"                # deadline passed: the organisation is warned
SUSPENSION_RECOMMENDED = "suspension_recommended"  # deadline passed: action item to the InfoSec head
ALERT_SENT = "alert_sent"                    # other alerts to the InfoSec head (make deadline)
ORIGINAL_RECEIVED = "original_received"      # the paper original of the application
CERTIFICATE_RECEIVED = "certificate_received"  # the signed paper certificate
SUSPENDED = "suspended"                      # the operator suspended the certificate in the CA software
RESUMED = "resumed"                          # … and resumed it
CLOSED = "closed"                            # nothing outstanding (or closed by the operator, with a reason)
CERTIFICATE_REISSUED = "certificate_reissued"  # the certificate was made again (new serial, not_after)
PAPER_SENT = "paper_sent"                    # the centre dispatched the paper certificate (2 copies)
DEADLINE_EXTENDED = "deadline_extended"      # the operator moved a paper deadline: document, due, reason
CANCELLED = "cancelled"                      # the operator cancelled the case (renewal abandoned), reason
MERGED = "merged"                            # this case was merged into another one (`into`)

EVENT_KINDS = (
    REQUEST_RECEIVED, SCAN_RECEIVED, FULL_SET, CERTIFICATE_MADE, NOTICE_SENT, REMINDER_SENT,
    WARNING_SENT, SUSPENSION_RECOMMENDED, ALERT_SENT, ORIGINAL_RECEIVED, CERTIFICATE_RECEIVED,
    SUSPENDED, RESUMED, CLOSED, CERTIFICATE_REISSUED, PAPER_SENT, DEADLINE_EXTENDED, CANCELLED, MERGED,
)
# Events that carry a letter key: the letter with that key was queued, never queue it again.
LETTER_EVENTS = (NOTICE_SENT, REMINDER_SENT, WARNING_SENT, SUSPENSION_RECOMMENDED, ALERT_SENT)

# States.
WAITING_FOR_SCAN = "waiting_for_scan"        # request only
WAITING_FOR_REQUEST = "waiting_for_request"  # accepted scan only
SCAN_DEFECTIVE = "scan_defective"            # the latest scan was not accepted
FULL_SET_STATE = "full_set"                  # certificate to be made
CERTIFICATE_MADE_STATE = "certificate_made"  # paper documents outstanding, in time
OVERDUE = "overdue"                          # a paper deadline missed: suspension recommended
SUSPENDED_STATE = "suspended"
CLOSED_STATE = "closed"
CANCELLED_STATE = "cancelled"                # cancelled or merged into another case by the operator
STATES = (
    WAITING_FOR_SCAN, WAITING_FOR_REQUEST, SCAN_DEFECTIVE, FULL_SET_STATE,
    CERTIFICATE_MADE_STATE, OVERDUE, SUSPENDED_STATE, CLOSED_STATE, CANCELLED_STATE,
)
# States in which a renewal has not yet got its full set (the organisation is reminded).
STALLED = (WAITING_FOR_SCAN, SCAN_DEFECTIVE, WAITING_FOR_REQUEST)
# States in which a new scan for the same owner belongs to this case.
OPEN_FOR_SCAN = (WAITING_FOR_SCAN, WAITING_FOR_REQUEST, SCAN_DEFECTIVE, FULL_SET_STATE)

STATE_NAMES = {
    WAITING_FOR_SCAN: "ждём скан заявки",
    WAITING_FOR_REQUEST: "ждём электронный запрос",
    SCAN_DEFECTIVE: "скан не принят",
    FULL_SET_STATE: "полный набор: изготовить сертификат",
    CERTIFICATE_MADE_STATE: "сертификат изготовлен, ждём документы",
    OVERDUE: "срок пропущен: приостановить",
    SUSPENDED_STATE: "сертификат приостановлен",
    CLOSED_STATE: "закрыто",
    CANCELLED_STATE: "отменено",
}

EVENT_NAMES = {
    REQUEST_RECEIVED: "получен электронный запрос",
    SCAN_RECEIVED: "получен скан заявки",
    FULL_SET: "полный набор документов",
    CERTIFICATE_MADE: "сертификат изготовлен",
    NOTICE_SENT: "отправлено уведомление",
    REMINDER_SENT: "отправлено напоминание",
    WARNING_SENT: "отправлено предупреждение о приостановке",
    SUSPENSION_RECOMMENDED: "рекомендована приостановка",
    ALERT_SENT: "отправлено оповещение",
    ORIGINAL_RECEIVED: "получен оригинал заявки",
    CERTIFICATE_RECEIVED: "получен подписанный сертификат",
    SUSPENDED: "сертификат приостановлен",
    RESUMED: "действие сертификата возобновлено",
    CLOSED: "дело закрыто",
    CERTIFICATE_REISSUED: "сертификат изготовлен повторно",
    PAPER_SENT: "сертификат на бумаге отправлен организации",
    DEADLINE_EXTENDED: "срок продлён",
    CANCELLED: "дело отменено",
    MERGED: "дело объединено с другим",
}

ACCEPTED_VERDICT = "complete"
REVIEW_VERDICT = "review"   # the scan check was not sure: the scan awaits a person, the state does not move

# Paper documents: key, event that marks it received, name in Russian.
ORIGINAL = "original"
PAPER_CERTIFICATE = "certificate"
DOCUMENTS = {
    ORIGINAL: (ORIGINAL_RECEIVED, "оригинал заявки"),
    PAPER_CERTIFICATE: (CERTIFICATE_RECEIVED, "подписанный экземпляр сертификата"),
}


def ru_date(day: date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else ""


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class Status:
    """What the timeline says, on a given day."""

    state: str
    request_on: date | None = None
    scan_verdict: str | None = None          # of the latest scan
    scan_on: date | None = None
    scan_accepted: bool = False              # some scan was accepted (a later bad one does not undo it)
    scan_review: bool = False                # the latest scan awaits a person's decision (verdict review)
    accepted_on: date | None = None
    full_set_on: date | None = None
    certificate_due: date | None = None
    made_on: date | None = None
    serial: str | None = None
    not_after: date | None = None
    original_due: date | None = None
    paper_due: date | None = None
    original_on: date | None = None
    paper_on: date | None = None
    suspended: bool = False
    closed: bool = False                     # closed, cancelled or merged: nothing more is due
    letter_keys: frozenset[str] = field(default_factory=frozenset)
    missing: tuple[str, ...] = ()            # paper documents not yet received (after the certificate)
    overdue: tuple[str, ...] = ()            # … of them past their due date
    cancelled: bool = False                  # cancelled or merged by the operator (no rotation either)
    merged_into: str | None = None
    existing: bool = False                   # a certificate issued before the bot: no paper expected
    reissued_on: date | None = None          # the latest re-issue (serial and not_after are the new ones)
    paper_sent_on: date | None = None        # the centre dispatched the paper certificate
    extended: tuple[str, ...] = ()           # documents whose deadline the operator moved
    suspended_on: date | None = None         # the latest suspension
    suspended_for: tuple[str, ...] = ()      # the documents overdue when it was suspended
    stalled_since: date | None = None        # the day the current stalled state began (see STALLED)

    def due_of(self, document: str) -> date | None:
        return self.original_due if document == ORIGINAL else self.paper_due

    def next_deadline(self) -> tuple[date, str] | None:
        """The next date that matters and what it is for (None when nothing is due)."""
        if self.closed:
            return None
        if self.made_on is None:
            if self.certificate_due is not None:
                return self.certificate_due, "изготовление сертификата"
            return None
        pending = [(self.due_of(d), DOCUMENTS[d][1]) for d in self.missing]
        pending = [(d, what) for d, what in pending if d is not None]
        return min(pending) if pending else None


def derive(case: dict[str, Any], policy: Policy, today: date) -> Status:
    """The case's state on `today`, from its timeline alone."""
    has_request = False
    request_on: date | None = None
    scan_verdict: str | None = None
    scan_on: date | None = None
    scan_review = False
    accepted_on: date | None = None
    full_set_on: date | None = None
    made_on: date | None = None
    serial: str | None = None
    not_after: date | None = None
    original_on: date | None = None
    paper_on: date | None = None
    suspended = False
    suspended_on: date | None = None
    suspended_for: tuple[str, ...] = ()
    closed = False
    cancelled = False
    merged_into: str | None = None
    existing = False
    reissued_on: date | None = None
    paper_sent_on: date | None = None
    extended: dict[str, date] = {}
    keys: set[str] = set()
    for ev in case.get("events", []):
        kind = ev["kind"]
        on = _day(ev.get("on"))
        if kind == REQUEST_RECEIVED:
            has_request = True
            request_on = request_on or on
        elif kind == SCAN_RECEIVED and ev.get("verdict") == REVIEW_VERDICT:
            scan_review = True   # neither defective nor accepted: flagged until a person decides
        elif kind == SCAN_RECEIVED:
            scan_review = False
            scan_verdict = ev.get("verdict")
            scan_on = on
            if scan_verdict == ACCEPTED_VERDICT:
                accepted_on = accepted_on or on
        elif kind == FULL_SET:
            full_set_on = full_set_on or on
        elif kind == CERTIFICATE_MADE:
            made_on = on
            serial = ev.get("serial")
            not_after = _day(ev.get("not_after"))
            existing = bool(ev.get("existing"))
        elif kind == CERTIFICATE_REISSUED:
            reissued_on = on
            serial = ev.get("serial")
            not_after = _day(ev.get("not_after"))
        elif kind == ORIGINAL_RECEIVED:
            original_on = original_on or on
        elif kind == CERTIFICATE_RECEIVED:
            paper_on = paper_on or on
        elif kind == PAPER_SENT:
            paper_sent_on = on
        elif kind == DEADLINE_EXTENDED:
            due_day = _day(ev.get("due"))
            if due_day is not None and ev.get("document") in DOCUMENTS:
                extended[ev["document"]] = due_day
        elif kind == SUSPENDED:
            suspended = True
            suspended_on = on
            suspended_for = tuple(ev.get("overdue") or ev.get("missing") or ())
        elif kind == RESUMED:
            suspended = False
        elif kind == CLOSED:
            closed = True
        elif kind == CANCELLED:
            cancelled = True
        elif kind == MERGED:
            cancelled = True
            merged_into = ev.get("into")
        if kind in LETTER_EVENTS and ev.get("key"):
            keys.add(ev["key"])

    certificate_due = policy.certificate_due(full_set_on) if full_set_on else None
    original_due = extended.get(ORIGINAL) or (policy.original_due(made_on) if made_on else None)
    paper_due = extended.get(PAPER_CERTIFICATE) or (policy.paper_certificate_due(made_on) if made_on else None)
    missing: list[str] = []
    overdue: list[str] = []
    if made_on is not None and not existing:
        for doc, got, due in ((ORIGINAL, original_on, original_due), (PAPER_CERTIFICATE, paper_on, paper_due)):
            if got is None:
                missing.append(doc)
                if due is not None and today > due:
                    overdue.append(doc)

    if cancelled:
        state = CANCELLED_STATE
    elif closed:
        state = CLOSED_STATE
    elif suspended:
        state = SUSPENDED_STATE
    elif made_on is not None:
        state = OVERDUE if overdue else CERTIFICATE_MADE_STATE
    elif full_set_on is not None:
        state = FULL_SET_STATE
    elif accepted_on is not None:
        state = WAITING_FOR_REQUEST
    elif scan_verdict is not None:
        state = SCAN_DEFECTIVE
    elif has_request:
        state = WAITING_FOR_SCAN
    else:  # an empty timeline: should not be stored
        state = WAITING_FOR_SCAN
    stalled_since = {WAITING_FOR_SCAN: request_on, SCAN_DEFECTIVE: scan_on,
                     WAITING_FOR_REQUEST: accepted_on}.get(state)
    return Status(
        state=state, request_on=request_on, scan_verdict=scan_verdict, scan_on=scan_on,
        scan_accepted=accepted_on is not None, scan_review=scan_review, accepted_on=accepted_on, full_set_on=full_set_on,
        certificate_due=certificate_due, made_on=made_on, serial=serial, not_after=not_after,
        original_due=original_due, paper_due=paper_due, original_on=original_on, paper_on=paper_on,
        suspended=suspended, closed=closed or cancelled, letter_keys=frozenset(keys),
        missing=tuple(missing), overdue=tuple(overdue), cancelled=cancelled, merged_into=merged_into,
        existing=existing, reissued_on=reissued_on, paper_sent_on=paper_sent_on,
        extended=tuple(sorted(extended)), suspended_on=suspended_on, suspended_for=suspended_for,
        stalled_since=stalled_since,
    )


def has_request(case: dict[str, Any]) -> bool:
    return any(ev["kind"] == REQUEST_RECEIVED for ev in case.get("events", []))


def make_event(kind: str, *, on: date, at: datetime, **data: Any) -> dict[str, Any]:
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    event: dict[str, Any] = {"kind": kind, "on": on.isoformat(), "at": at.isoformat()}
    event.update({k: v for k, v in data.items() if v is not None})
    return event


def settle(case: dict[str, Any], policy: Policy, *, on: date, at: datetime) -> list[dict[str, Any]]:
    """Append the events that follow from the timeline (full set, closed); returns them."""
    added: list[dict[str, Any]] = []
    st = derive(case, policy, on)
    if st.full_set_on is None and has_request(case) and st.scan_accepted:
        # the set is complete on the day its last part arrived
        complete_on = max(st.request_on, st.accepted_on) if st.request_on and st.accepted_on else on
        ev = make_event(FULL_SET, on=complete_on, at=at, due=policy.certificate_due(complete_on).isoformat())
        case["events"].append(ev)
        added.append(ev)
        st = derive(case, policy, on)
    if st.made_on is not None and not st.missing and not st.suspended and not st.closed:
        ev = make_event(CLOSED, on=on, at=at)
        case["events"].append(ev)
        added.append(ev)
    return added


def name_tokens_present(name: Any) -> bool:
    return bool(str(name or "").strip(" .,-"))


def as_of(case: dict[str, Any], moment: datetime) -> dict[str, Any]:
    """The case as it was known at `moment`: events recorded later are left out (dry runs, replays)."""
    kept = []
    for ev in case.get("events", []):
        at = ev.get("at")
        if at is None or datetime.fromisoformat(at) <= moment:
            kept.append(ev)
    return {**case, "events": kept}
