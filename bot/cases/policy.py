"""The renewal policy (rules/policy.toml) and calendar (rules/calendar.toml), validated."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from dateutil.relativedelta import relativedelta

from bot.cases.calendar import WorkCalendar
from bot.clock import MOSCOW
from bot.rules import Rules, RulesError, read_int, read_int_list, read_str, read_time

POLICY_FILE = "policy.toml"

DEFAULT_SUBJECTS = {
    "certificate_made": "Сертификат ViPNet изготовлен",
    "paper_reminder": "Напоминание: документы по сертификату ViPNet",
    "overdue_warning": "ВНИМАНИЕ: срок предоставления документов по сертификату ViPNet истёк",
    "overdue_alert": "Действие: приостановить сертификат ViPNet",
    "make_alert": "Срок изготовления сертификата ViPNet",
    "rotation": "Плановая смена ключа электронной подписи ViPNet",
    "stalled": "Напоминание: заявка на сертификат ViPNet",
    "full_set": "Получен полный набор документов на сертификат ViPNet",
    "suspended": "Действие сертификата ViPNet приостановлено",
    "suspended_reminder": "Напоминание: действие сертификата ViPNet приостановлено",
    "resumed": "Действие сертификата ViPNet возобновлено",
    "received": "Получены документы по сертификату ViPNet",
    "resume_advice": "Действие: возобновить сертификат ViPNet",
}
# Reminders to the organisation while a renewal waits for it: working days after the state began.
DEFAULT_STALLED = {
    "waiting_for_scan": (3, 7, 15),
    "scan_defective": (2, 5, 10),
    "waiting_for_request": (2, 5, 10),
    "suspended": (5, 10, 20),
}


def _int(sec: dict[str, Any], key: str, default: int, where: str) -> int:
    return read_int(sec, key, default, where, POLICY_FILE)


def _days(sec: dict[str, Any], key: str, default: list[int], where: str) -> tuple[int, ...]:
    return read_int_list(sec, key, default, where, POLICY_FILE)


@dataclass(frozen=True)
class Policy:
    make_working_days: int = 2
    original_days: int = 7
    certificate_months: int = 1
    shift_off_day_deadlines: bool = True
    paper_days_before: tuple[int, ...] = (3, 1, 0)
    rotation_days_before: tuple[int, ...] = (30, 14, 7)
    make_alerts: bool = True
    work_start: time = time(9, 0)
    work_end: time = time(18, 0)
    match_accept: int = 88
    match_reject: int = 70
    scan_to: str = "29(АрхТФОМС) ИБ Нач. отдела Пришва А.А."
    stalled_working_days: dict[str, tuple[int, ...]] = field(default_factory=lambda: dict(DEFAULT_STALLED))
    subjects: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SUBJECTS))
    calendar: WorkCalendar = field(default_factory=WorkCalendar)

    # --- deadlines -------------------------------------------------------------
    def stalled_offsets(self, state: str) -> tuple[int, ...]:
        return self.stalled_working_days.get(state, ())

    def reminder_day(self, due: date, working_days_before: int) -> date:
        """The day of a paper reminder: that many working days before the due date."""
        return self.calendar.working_days_before(due, working_days_before)

    def certificate_due(self, full_set: date) -> date:
        """The day by which the certificate must be made: N working days after the full set."""
        return self.calendar.add_working_days(full_set, self.make_working_days)

    def _calendar_due(self, day: date) -> date:
        return self.calendar.next_working_day(day) if self.shift_off_day_deadlines else day

    def original_due(self, made: date) -> date:
        return self._calendar_due(made + relativedelta(days=self.original_days))

    def paper_certificate_due(self, made: date) -> date:
        return self._calendar_due(made + relativedelta(months=self.certificate_months))

    # --- when duties may write ---------------------------------------------------
    def in_working_hours(self, now: datetime) -> bool:
        local = now.astimezone(MOSCOW)
        if not self.calendar.is_working_day(local.date()):
            return False
        return self.work_start <= local.time().replace(tzinfo=None) < self.work_end


def load_policy(rules: Rules) -> Policy:
    """Policy from rules/policy.toml and rules/calendar.toml (both optional: defaults apply)."""
    raw = rules.sections.get("policy", {})
    dl = raw.get("deadlines", {})
    rem = raw.get("reminders", {})
    hours = raw.get("working_hours", {})
    match = raw.get("matching", {})
    subjects = dict(DEFAULT_SUBJECTS)
    for key in raw.get("subjects", {}):
        subjects[key] = read_str(raw["subjects"], key, "", "subjects", POLICY_FILE)
    policy = Policy(
        make_working_days=_int(dl, "make_working_days", 2, "deadlines"),
        original_days=_int(dl, "original_days", 7, "deadlines"),
        certificate_months=_int(dl, "certificate_months", 1, "deadlines"),
        shift_off_day_deadlines=bool(dl.get("shift_off_day_deadlines", True)),
        paper_days_before=_days(rem, "paper_days_before", [3, 1, 0], "reminders"),
        rotation_days_before=_days(rem, "rotation_days_before", [30, 14, 7], "reminders"),
        make_alerts=bool(rem.get("make_alerts", True)),
        work_start=read_time(hours, "start", "09:00", "working_hours", POLICY_FILE),
        work_end=read_time(hours, "end", "18:00", "working_hours", POLICY_FILE),
        match_accept=_int(match, "accept", 88, "matching"),
        match_reject=_int(match, "reject", 70, "matching"),
        scan_to=str(raw.get("procedure", {}).get("scan_to", "29(АрхТФОМС) ИБ Нач. отдела Пришва А.А.")),
        stalled_working_days={key: _days(raw.get("stalled", {}), key, list(default), "stalled")
                              for key, default in DEFAULT_STALLED.items()},
        subjects=subjects,
        calendar=WorkCalendar.from_section(rules.sections.get("calendar")),
    )
    if policy.work_start >= policy.work_end:
        raise RulesError(f"{POLICY_FILE}: working_hours.start должно быть раньше end")
    if not 0 <= policy.match_reject <= policy.match_accept <= 100:
        raise RulesError(f"{POLICY_FILE}: matching — нужно 0 ≤ reject ≤ accept ≤ 100")
    return policy
