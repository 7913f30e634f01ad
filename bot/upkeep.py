"""The daemon's own upkeep, run as isolated duties every round (bot/daemon.py):

  - `backup`: one copy of the store a day in state_dir/backups, the newest
    rules/mail.toml [store] backups_keep kept (the store refuses to forget: bot/store.py);
  - `review_raw`: the raw bytes kept for `letter retry` (state_dir/review) are deleted after
    rules/retention.toml's attachments_days, like the stored scans;
  - `outbox_attention`: one alert to the InfoSec head for each letter the bot is unsure
    about (left `sending` by an interrupted run) or gave up on (`failed`), naming
    `letter resend`; letters to the InfoSec head himself are only shown in the digest.

And the record of failing duties (table "duties"): each duty fails alone; its failures
are counted, shown in the digest, and alerted once per failure streak.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import getaddresses
from typing import Any

from tinydb import Query

from bot import logs, outbox
from bot.clock import MOSCOW
from bot.rules import Rules, duty_name
from bot.store import Store, backup

log = logs.get("upkeep")
DUTIES = "duties"   # rows: {name, errors, failing_since, last_error, last_error_at, last_ok, alerted}


def backup_duty(store: Store, rules: Rules, *, now: datetime) -> list[str]:
    keep = int(rules.value("mail", "store.backups_keep"))
    with store.transaction():
        made = backup(store.state_dir, now.astimezone(MOSCOW).date(), keep)
    if made is None:
        return []
    log.info("store backed up", copy=made.name, keep=keep)
    return [f"backup:{made.name}"]


def review_raw_retention(store: Store, rules: Rules, *, now: datetime) -> list[str]:
    from bot.digest.settings import load_retention
    from bot.intake import RAW_DIR, RETRY

    folder = store.state_dir / RAW_DIR
    if not folder.is_dir():
        return []
    cutoff = now.timestamp() - load_retention(rules).attachments_days * 86400
    waiting = {str(r.get("raw")) for r in store.messages.search(Query().state == RETRY)}
    deleted = 0
    for path in folder.glob("*.eml"):
        if f"{RAW_DIR}/{path.name}" not in waiting and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            deleted += 1
    if deleted:
        log.info("retention: kept letters deleted", letters=deleted)
    return [f"retention:review_raw:{deleted}"] if deleted else []


def outbox_attention(store: Store, rules: Rules, *, bot_address: str, infosec_head: str,
                     now: datetime) -> list[str]:
    if not infosec_head:
        return []
    done: list[str] = []
    heads = {addr.lower() for _, addr in getaddresses([infosec_head]) if addr}
    with store.transaction():
        # letters to the InfoSec head themselves are shown in the digest, not alerted (they would fail alike)
        rows = [r for r in outbox.in_state(store, outbox.SENDING, outbox.FAILED)
                if not r.get("alerted_at") and not {a.lower() for a in r.get("to") or ()} <= heads
                and r.get("kind") != "alert"]
        if not rows:
            return []
        letters = [{"id": r.doc_id, "state": r["state"], "kind": r.get("kind"), "to": ", ".join(r.get("to") or []),
                    "error": str(r.get("last_error") or "")[:200]} for r in rows]
        body = rules.render("alert_outbox.txt.j2", letters=letters)
        msg = outbox.make_message(sender=bot_address, to=infosec_head, kind="alert", now=now, body=body,
                                  subject=str(rules.value("mail", "outbox.alert_subject")))
        alert_id = outbox.queue(store, msg, kind="alert", ref="outbox-attention", now=now)
        store.outbox.update({"alerted_at": now.isoformat(), "alert_id": alert_id}, doc_ids=[r.doc_id for r in rows])
        done = [f"alert:outbox:{r.doc_id}:{r['state']}" for r in rows]
    log.warning("outbox alert queued", letters=[r.doc_id for r in rows], alert_id=alert_id)
    return done


# -- failing duties -----------------------------------------------------------------------
def duty_ok(store: Store, name: str, now: datetime) -> None:
    """A duty ran: close its failure streak (written only when one was open)."""
    row = store.table(DUTIES).get(Query().name == name)
    if row is None or not row.get("failing_since"):
        return
    with store.transaction():
        store.table(DUTIES).update({"failing_since": None, "alerted": False, "last_ok": now.isoformat()},
                                   Query().name == name)
    log.info("duty recovered", duty=name)


def duty_failed(store: Store, rules: Rules, name: str, error: str, *, bot_address: str, infosec_head: str,
                now: datetime) -> bool:
    """Count a duty's failure; the first of a streak alerts the InfoSec head. Returns True when alerted."""
    with store.transaction():
        table = store.table(DUTIES)
        row: dict[str, Any] = dict(table.get(Query().name == name) or {"name": name, "errors": 0})
        row.update(title=duty_name(rules, name), errors=int(row.get("errors", 0)) + 1, last_error=error[:500],
                   last_error_at=now.isoformat(),
                   failing_since=row.get("failing_since") or now.isoformat())
        alert = not row.get("alerted") and bool(infosec_head)
        if alert:
            body = rules.render("alert_duty.txt.j2", duty=row["title"], error=error[:500],
                                since=now.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M"))
            msg = outbox.make_message(sender=bot_address, to=infosec_head, kind="alert", now=now, body=body,
                                      subject=str(rules.value("mail", "duties.alert_subject")))
            outbox.queue(store, msg, kind="alert", ref=f"duty:{name}", now=now)
            row["alerted"] = True
        table.upsert(row, Query().name == name)
    return alert


def failing(store: Any) -> list[dict[str, Any]]:
    """Duties failing now, for the digest."""
    return [dict(r) for r in store.table(DUTIES).all() if r.get("failing_since")]
