"""Sending what the outbox holds: each due letter once, retried with backoff while the server is down."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import logs, outbox
from bot.clock import Clock
from bot.edge.transport import Transport, TransportError
from bot.rules import Rules
from bot.store import Store

log = logs.get("delivery")


@dataclass
class Delivery:
    store: Store
    transport: Transport
    rules: Rules
    clock: Clock
    last_success: datetime | None = None
    last_failure: datetime | None = None
    last_error: str | None = None

    def deliver_due(self) -> tuple[int, int]:
        """Returns (sent, failed). Stops at the first failure: the server is likely down for all."""
        retry = self.rules.section("mail")["outbox"]
        sent = failed = 0
        for row in outbox.due(self.store, self.clock.now()):
            try:
                self.transport.send(row["from"], row["to"], row["message"].encode("utf-8"))
            except TransportError as exc:
                now = self.clock.now()
                delay = outbox.mark_failed(self.store, row.doc_id, str(exc), now,
                                           base=float(retry["retry_base_seconds"]),
                                           cap=float(retry["retry_max_seconds"]))
                self.last_failure = now
                self.last_error = str(exc)
                failed += 1
                log.warning("letter not sent", outbox_id=row.doc_id, kind=row["kind"], to=row["to"],
                            attempt=row["attempts"] + 1, retry_in=delay, error=str(exc))
                break
            now = self.clock.now()
            outbox.mark_sent(self.store, row.doc_id, now)
            self.last_success = now
            sent += 1
            log.info("letter sent", outbox_id=row.doc_id, kind=row["kind"], to=row["to"],
                     subject=row["subject"], message_id=row["message_id"])
        return sent, failed
