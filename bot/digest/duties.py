"""What the daemon does for the InfoSec head every round, besides the mail:

  - the daily digest, at rules/digest.toml `send_at` on working days, once a day;
  - an alert when IMAP or SMTP has been unreachable longer than the threshold —
    once per outage, and not more often than `min_interval_hours` per service;
    a short notice when the link is back;
  - retention: stored scans and digest pictures older than rules/retention.toml
    are deleted (the ledger and the case timelines stay).

    from bot.digest.duties import run
    run(store, rules, registry, bot_address=..., infosec_head=..., now=...) -> list[str]

Every letter is queued in the same store transaction as the record that it was sent
(table "digests" or "alerts"), so a crash can neither lose nor repeat one.
"""

from __future__ import annotations

import time as time_mod
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tinydb import Query

from bot import health, logs, outbox
from bot.cases.policy import load_policy
from bot.clock import MOSCOW
from bot.digest import build, render
from bot.digest import state as digest_state
from bot.digest.compose import SERVICE_NAMES, ru_dt
from bot.digest.pictures import PICTURES_DIR
from bot.digest.settings import load_digest, load_retention
from bot.registry import Registry
from bot.rules import Rules

log = logs.get("bot.digest.duties")
ALERTS = "alerts"          # rows: {key, kind, service|sender, day, at, ...}
HOUSEKEEPING = "housekeeping"
ATTACHMENTS_DIR = "attachments"


# -- the digest ------------------------------------------------------------------------
def digest_due(store: Any, rules: Rules, now: datetime) -> bool:
    settings = load_digest(rules)
    local = now.astimezone(MOSCOW)
    if local.time().replace(tzinfo=None) < settings.send_at:
        return False
    if not load_policy(rules).calendar.is_working_day(local.date()):
        return False
    return not digest_state.sent_on(store, local.date())


def queue_digest(store: Any, rules: Rules, registry: Registry | None, *, bot_address: str, infosec_head: str,
                 now: datetime, force: bool = False) -> int | None:
    """Compose and queue the digest; returns its outbox id (None when already sent today, unless force)."""
    settings = load_digest(rules)
    day = now.astimezone(MOSCOW).date()
    # Pictures first, outside the lock: the scan check is slow. They are cached on disk.
    _, pictures = build(store, rules, registry, now=now)
    with store.transaction():
        if not force and digest_state.sent_on(store, day):
            return None
        digest, _ = build(store, rules, registry, now=now, with_pictures=False)
        kept = {k: v for k, v in pictures.items() if k in digest.picture_keys}
        msg = render.build_message(digest, rules, kept, sender=bot_address, to=infosec_head,
                                   subject=settings.subject, now=now)
        outbox_id = outbox.queue(store, msg, kind="digest", ref=f"digest:{day.isoformat()}", now=now)
        digest_state.record(store, day=day, now=now, since=digest.since, outbox_id=outbox_id,
                            sections=[s.key for s in digest.sections])
    log.info("digest queued", day=day.isoformat(), outbox_id=outbox_id, sections=[s.key for s in digest.sections],
             pictures=len(kept))
    return int(outbox_id)


# -- outage alerts -----------------------------------------------------------------------
def _alert(store: Any, *, bot_address: str, infosec_head: str, subject: str, body: str, ref: str,
           now: datetime) -> int:
    msg = outbox.make_message(sender=bot_address, to=infosec_head, subject=subject, body=body, kind="alert",
                              now=now)
    return int(outbox.queue(store, msg, kind="alert", ref=ref, now=now))


def outage_alerts(store: Any, rules: Rules, *, bot_address: str, infosec_head: str, now: datetime) -> list[str]:
    settings = load_digest(rules)
    done: list[str] = []
    with store.transaction():
        table = store.table(ALERTS)
        q = Query()
        for service, row in health.status(store).items():
            failing = row.get("failing_since")
            alerts = sorted(table.search((q.kind == "outage") & (q.service == service)),
                            key=lambda r: str(r.get("at")))
            if failing is None:
                open_ = [r for r in alerts if not r.get("recovered")]
                for r in open_:
                    table.update({"recovered": now.isoformat()}, doc_ids=[r.doc_id])
                    if settings.recovery_notice and not r.get("suppressed"):
                        body = rules.render("alert_recovered.txt.j2", service=service,
                                            service_name=SERVICE_NAMES[service], since=ru_dt(r["failing_since"]),
                                            back=ru_dt(row.get("last_ok") or now))
                        _alert(store, bot_address=bot_address, infosec_head=infosec_head,
                               subject=settings.subject_up, body=body, ref=f"outage:{service}:up", now=now)
                        done.append(f"alert:outage:{service}:recovered")
                continue
            since = datetime.fromisoformat(failing)
            minutes = int((now - since).total_seconds() // 60)
            if minutes < settings.outage_after_minutes(service):
                continue
            key = f"outage:{service}:{failing}"
            if table.contains(q.key == key):
                continue  # this outage is already known
            last_sent = [r for r in alerts if not r.get("suppressed")]
            recent = last_sent and now - datetime.fromisoformat(last_sent[-1]["at"]) < timedelta(
                hours=settings.outage_min_interval_hours)
            record = {"key": key, "kind": "outage", "service": service, "failing_since": failing,
                      "at": now.isoformat(), "day": now.astimezone(MOSCOW).date().isoformat(),
                      "suppressed": bool(recent), "recovered": None}
            if not recent:
                body = rules.render("alert_outage.txt.j2", service=service, service_name=SERVICE_NAMES[service],
                                    since=ru_dt(since), minutes=minutes, error=row.get("last_error"),
                                    interval_hours=settings.outage_min_interval_hours)
                record["outbox_id"] = _alert(store, bot_address=bot_address, infosec_head=infosec_head,
                                             subject=settings.subject_down, body=body, ref=key, now=now)
                done.append(f"alert:{key}")
            table.insert(record)
    for item in done:
        log.warning("outage alert queued", item=item)
    return done


# -- retention -----------------------------------------------------------------------------
def _referenced_since(store: Any, cutoff: datetime) -> set[str]:
    """Stored files still referenced by a letter handled after the cutoff."""
    keep: set[str] = set()
    for row in store.messages.all():
        handled = row.get("handled_at") or row.get("claimed_at")
        recent = handled is None or datetime.fromisoformat(handled) > cutoff
        if recent or row.get("state") == "claimed":
            keep.update(a["stored_as"] for a in row.get("attachments") or [] if a.get("stored_as"))
    return keep


def _sweep(folder: Path, older_than: float, keep: set[str], base: Path) -> int:
    deleted = 0
    if not folder.is_dir():
        return 0
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_dir():
            if path != folder and not any(path.iterdir()):
                path.rmdir()
            continue
        rel = str(path.relative_to(base))
        if rel in keep or path.stat().st_mtime > older_than:
            continue
        path.unlink()
        deleted += 1
    return deleted


def retention(store: Any, rules: Rules, *, now: datetime, force: bool = False) -> list[str]:
    """Delete stored scans and pictures past their retention; at most every `every_minutes`."""
    settings = load_retention(rules)
    with store.transaction():
        table = store.table(HOUSEKEEPING)
        row = table.get(Query().name == "retention")
        if not force and row and now - datetime.fromisoformat(row["at"]) < timedelta(minutes=settings.every_minutes):
            return []
        table.upsert({"name": "retention", "at": now.isoformat()}, Query().name == "retention")
        base = Path(store.state_dir)
        wall = time_mod.time() - (datetime.now(MOSCOW) - now).total_seconds()  # file times vs. the bot's clock
        cutoff = now - timedelta(days=settings.attachments_days)
        scans = _sweep(base / ATTACHMENTS_DIR, wall - settings.attachments_days * 86400,
                       _referenced_since(store, cutoff), base)
        pictures = _sweep(base / PICTURES_DIR, wall - settings.pictures_days * 86400, set(), base)
    if scans or pictures:
        log.info("retention: stored files deleted", scans=scans, pictures=pictures)
    return [f"retention:scans:{scans}", f"retention:pictures:{pictures}"] if scans or pictures else []


# -- the hook ---------------------------------------------------------------------------------
def run(store: Any, rules: Rules, registry: Registry | None, *, bot_address: str, infosec_head: str,
        now: datetime) -> list[str]:
    """Called by the daemon every round (and when the mailbox is down). Returns what was done."""
    done = outage_alerts(store, rules, bot_address=bot_address, infosec_head=infosec_head, now=now)
    done += retention(store, rules, now=now)
    if digest_due(store, rules, now):
        outbox_id = queue_digest(store, rules, registry, bot_address=bot_address, infosec_head=infosec_head,
                                 now=now)
        if outbox_id is not None:
            done.append(f"digest:{now.astimezone(MOSCOW).date().isoformat()}")
    return done


__all__ = ["run", "queue_digest", "digest_due", "outage_alerts", "retention"]
