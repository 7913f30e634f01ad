from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest

from bot.cases.calendar import WorkCalendar
from bot.cases.policy import Policy
from bot.rules import RulesError
from tests.cases.conftest import at


def _days(year: int) -> list[date]:
    start = date(year, 1, 1)
    return [start + timedelta(days=i) for i in range((date(year + 1, 1, 1) - start).days)]


def test_2026_has_247_working_days_and_the_decree_month_counts() -> None:
    cal = WorkCalendar()
    days = _days(2026)
    assert cal.working_days_in(days) == 247
    per_month = [cal.working_days_in(d for d in days if d.month == m) for m in range(1, 13)]
    assert per_month == [15, 19, 21, 22, 19, 21, 23, 21, 22, 22, 20, 22]


@pytest.mark.parametrize(("day", "working"), [
    (date(2025, 11, 1), True),    # working Saturday (2025 decree)
    (date(2025, 11, 3), False),   # transferred day off
    (date(2025, 12, 31), False),
    (date(2026, 1, 8), False),
    (date(2026, 1, 9), False),    # 3 Jan -> 9 Jan
    (date(2026, 1, 12), True),
    (date(2026, 5, 1), False),
    (date(2026, 5, 4), True),
    (date(2026, 5, 9), False),
    (date(2026, 5, 11), False),   # Victory Day falls on Saturday -> Monday off
    (date(2026, 5, 12), True),
    (date(2026, 12, 31), False),  # 4 Jan -> 31 Dec
])
def test_known_days(day: date, working: bool) -> None:
    assert WorkCalendar().is_working_day(day) is working


def test_two_working_days_over_new_year() -> None:
    cal = WorkCalendar()
    assert cal.add_working_days(date(2025, 12, 30), 2) == date(2026, 1, 13)
    assert cal.add_working_days(date(2025, 12, 29), 2) == date(2026, 1, 12)
    assert cal.add_working_days(date(2026, 12, 29), 1) == date(2026, 12, 30)
    assert cal.add_working_days(date(2026, 12, 29), 2) == date(2027, 1, 11)  # 31 Dec 2026 is off
    assert cal.add_working_days(date(2025, 10, 31), 1) == date(2025, 11, 1)  # working Saturday counts


def test_two_working_days_over_may_holidays() -> None:
    cal = WorkCalendar()
    assert cal.add_working_days(date(2026, 4, 30), 2) == date(2026, 5, 5)
    assert cal.add_working_days(date(2026, 5, 8), 2) == date(2026, 5, 13)
    assert cal.add_working_days(date(2026, 5, 2), 2) == date(2026, 5, 5)   # arrived on a day off


def test_overrides_from_rules() -> None:
    cal = WorkCalendar.from_section({"years": {"2027": {"days_off": ["2027-06-15"],
                                                        "working_days": ["2027-06-19"]}}})
    assert not cal.is_working_day(date(2027, 6, 15))   # a Tuesday made a day off
    assert cal.is_working_day(date(2027, 6, 19))       # a Saturday made a working day
    assert cal.is_working_day(date(2027, 6, 16))


@pytest.mark.parametrize("section", [
    {"years": {"2027": {"days_off": ["2027-13-01"]}}},
    {"years": {"2027": {"days_off": "2027-01-01"}}},
    {"years": {"2027": {"days_off": ["2027-06-15"], "working_days": ["2027-06-15"]}}},
])
def test_bad_overrides_are_reported(section: dict) -> None:
    with pytest.raises(RulesError):
        WorkCalendar.from_section(section)


def test_the_repository_calendar_file_loads(policy: Policy) -> None:
    assert policy.calendar.is_working_day(date(2025, 11, 1))


def test_working_hours(policy: Policy) -> None:
    assert policy.in_working_hours(at("2026-05-05 09:00"))
    assert not policy.in_working_hours(at("2026-05-05 08:59"))
    assert not policy.in_working_hours(at("2026-05-05 18:00"))
    assert not policy.in_working_hours(at("2026-05-09 12:00"))   # Saturday, holiday
    assert not policy.in_working_hours(at("2026-01-09 12:00"))   # transferred day off
    assert policy.in_working_hours(at("2025-11-01 12:00"))       # working Saturday
    # a UTC moment is judged in Moscow time: 06:30 UTC is 09:30 MSK
    assert policy.in_working_hours(at("2026-05-05 09:30").astimezone(UTC))
