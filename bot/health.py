"""The bot's health, as the digest and the alerts read it: last contact with IMAP and
SMTP, the first failure of the current outage, and errors since a moment.

Kept in the store's "health" table (one row per service), written by the daemon.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tinydb import Query

from bot.store import Store

SERVICES = ("imap", "smtp")


def record(store: Store, service: str, *, ok: bool, now: datetime, error: str | None = None,
           quiet_for: timedelta | None = None) -> None:
    """Write the service's state. With `quiet_for`, a success that changes nothing (already ok,
    last_ok younger than that) is not written: the daemon does not rewrite the store every round."""
    if ok and quiet_for is not None:
        row = store.table("health").get(Query().service == service)
        last_ok = (row or {}).get("last_ok")
        if row and not row.get("failing_since") and last_ok and now - datetime.fromisoformat(last_ok) < quiet_for:
            return
    with store.transaction():
        table = store.table("health")
        row = table.get(Query().service == service) or {"service": service, "errors": 0}
        if ok:
            row.update(last_ok=now.isoformat(), failing_since=None, last_error=row.get("last_error"))
        else:
            row.update(failing_since=row.get("failing_since") or now.isoformat(), last_error=(error or "")[:500],
                       last_error_at=now.isoformat(), errors=int(row.get("errors", 0)) + 1)
        table.upsert(row, Query().service == service)


def status(store: Store) -> dict[str, dict[str, Any]]:
    """{"imap": {...}, "smtp": {...}} with last_ok, failing_since, last_error, errors."""
    rows = {row["service"]: dict(row) for row in store.table("health").all()}
    return {s: rows.get(s, {"service": s, "errors": 0}) for s in SERVICES}
