"""The Russian production calendar: working days, with transfers and working Saturdays.

Built on the PyPI `holidays` package (country RU), which follows the government
decrees on transferred days off; rules/calendar.toml adds per-year overrides for
a decree that lands after a release.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import holidays

from bot.rules import RulesError

CALENDAR_FILE = "calendar.toml"


def _parse_days(values: Any, where: str) -> frozenset[date]:
    if values is None:
        return frozenset()
    if not isinstance(values, list):
        raise RulesError(f"{CALENDAR_FILE}: {where} — нужен список дат YYYY-MM-DD")
    days = set()
    for value in values:
        if isinstance(value, date):
            days.add(value)
            continue
        try:
            days.add(date.fromisoformat(str(value)))
        except ValueError as exc:
            raise RulesError(f"{CALENDAR_FILE}: {where} — неверная дата «{value}»") from exc
    return frozenset(days)


@dataclass
class WorkCalendar:
    """Is a day a working day? Library data first, then the overrides."""

    days_off: frozenset[date] = frozenset()
    working_days: frozenset[date] = frozenset()
    _ru: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        clash = self.days_off & self.working_days
        if clash:
            listed = ", ".join(d.isoformat() for d in sorted(clash))
            raise RulesError(f"{CALENDAR_FILE}: дата одновременно выходной и рабочий день: {listed}")
        if self._ru is None:
            self._ru = holidays.country_holidays("RU")

    @classmethod
    def from_section(cls, section: Mapping[str, Any] | None) -> WorkCalendar:
        off: set[date] = set()
        work: set[date] = set()
        years = (section or {}).get("years", {})
        if not isinstance(years, dict):
            raise RulesError(f"{CALENDAR_FILE}: [years] должен быть разделом")
        for year, spec in years.items():
            if not isinstance(spec, dict):
                raise RulesError(f"{CALENDAR_FILE}: [years.{year}] должен быть разделом")
            off |= _parse_days(spec.get("days_off"), f"years.{year}.days_off")
            work |= _parse_days(spec.get("working_days"), f"years.{year}.working_days")
        return cls(days_off=frozenset(off), working_days=frozenset(work))

    def is_working_day(self, day: date) -> bool:
        if day in self.working_days:
            return True
        if day in self.days_off:
            return False
        return bool(self._ru.is_working_day(day))

    def working_days_in(self, days: Iterable[date]) -> int:
        return sum(1 for d in days if self.is_working_day(d))

    def add_working_days(self, start: date, count: int) -> date:
        """The date `count` working days after `start` (start itself not counted)."""
        if count < 0:
            raise ValueError("count must be >= 0")
        day = start
        left = count
        while left:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_before(self, day: date, count: int) -> date:
        """The working day `count` working days before `day` (0: `day` itself, or the working day before it)."""
        if count < 0:
            raise ValueError("count must be >= 0")
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        left = count
        while left:
            day -= timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def next_working_day(self, day: date) -> date:
        """`day` itself when it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day
