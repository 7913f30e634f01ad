"""Reading the store for the digest, and the record of digests sent (table "digests").

A digest row: {"day": "2026-11-24", "at": ISO moment composed, "since": ISO, "outbox_id": n,
"errors": {"imap": n, "smtp": n}, "sections": [keys]} — written in the same transaction
that queues the digest, so a digest is queued once per day or not at all.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from tinydb import Query

from bot import health
from bot.cases.repo import all_cases
from bot.digest.compose import State
from bot.digest.settings import DigestSettings
from bot.registry import Registry
from bot.upkeep import failing as failing_duties

DIGESTS = "digests"


def read(store: Any, registry: Registry | None, *, errors_at_last: dict[str, int] | None = None) -> State:
    names = {org.inn: org.name for org in registry.organisations} if registry is not None else {}
    return State(
        messages=[dict(r) for r in store.messages.all()],
        cases=all_cases(store),
        outbox=[{"id": r.doc_id, **{k: v for k, v in r.items() if k != "message"}} for r in store.outbox.all()],
        health=health.status(store),
        errors_at_last=errors_at_last if errors_at_last is not None else last_errors(store),
        org_names=names,
        duties=failing_duties(store),
    )


def last_digest(store: Any) -> dict[str, Any] | None:
    rows = store.table(DIGESTS).all()
    return dict(max(rows, key=lambda r: str(r.get("at")))) if rows else None


def last_errors(store: Any) -> dict[str, int]:
    last = last_digest(store)
    return dict((last or {}).get("errors") or {})


def since_of(store: Any, now: datetime, settings: DigestSettings) -> datetime:
    last = last_digest(store)
    if last and last.get("at"):
        return datetime.fromisoformat(last["at"])
    return now - timedelta(hours=settings.first_lookback_hours)


def sent_on(store: Any, day: date) -> bool:
    return store.table(DIGESTS).contains(Query().day == day.isoformat())


def record(store: Any, *, day: date, now: datetime, since: datetime, outbox_id: int,
           sections: list[str]) -> None:
    """Call inside store.transaction(), with the outbox.queue() of the digest."""
    errors = {s: int(row.get("errors", 0)) for s, row in health.status(store).items()}
    store.table(DIGESTS).insert({"day": day.isoformat(), "at": now.isoformat(), "since": since.isoformat(),
                                 "outbox_id": outbox_id, "errors": errors, "sections": sections})
