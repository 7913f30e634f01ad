"""The clock at the edge: every 'now' in the bot comes from here.

VIPNET_CERT_BOT_NOW (ISO date-time) replaces the real clock for dry runs and tests;
a value without a zone is read as Moscow time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

MOSCOW = ZoneInfo("Europe/Moscow")
NOW_ENV = "VIPNET_CERT_BOT_NOW"


class Clock(Protocol):
    def now(self) -> datetime: ...


def parse_now(value: str) -> datetime:
    moment = datetime.fromisoformat(value.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=MOSCOW)
    return moment.astimezone(MOSCOW)


class SystemClock:
    """The real clock, unless VIPNET_CERT_BOT_NOW pins it."""

    def now(self) -> datetime:
        pinned = os.environ.get(NOW_ENV)
        if pinned:
            return parse_now(pinned)
        return datetime.now(MOSCOW)


@dataclass
class FixedClock:
    """A clock that moves only when told to (tests, replays)."""

    moment: datetime

    def now(self) -> datetime:
        return self.moment

    def set(self, moment: datetime) -> None:
        self.moment = moment
