"""Sending what the outbox holds: each due letter at most once, retried with backoff while the
server is down, ended `failed` when refused for good or after the attempt limit.

Each letter is marked `sending` (committed) before the server is asked and `sent` once it
accepted; a row still `sending` when the next run starts was cut off at an unknown moment:
it is logged and left for the InfoSec head (digest, `outbox`, `letter resend`), never
re-sent blindly. Logs name letters by outbox id and kind, never by subject or recipient
name (subjects carry owners' names).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import crashpoint, logs, outbox
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
    refused: int = 0              # letters refused for good (SMTP 5xx) by this Delivery
    _checked_unsure: bool = False

    def report_unsure(self) -> list[int]:
        """Rows left `sending` by an interrupted run (once per Delivery): logged, not re-sent."""
        if self._checked_unsure:
            return []
        self._checked_unsure = True
        ids = [row.doc_id for row in outbox.in_state(self.store, outbox.SENDING)]
        for letter_id in ids:
            log.warning("letter may or may not have been sent (interrupted); not re-sent",
                        outbox_id=letter_id, hint="vipnet-cert-bot letter resend")
        return ids

    def deliver_due(self) -> tuple[int, int]:
        """Returns (sent, failed). Stops at the first temporary failure: the server is likely down for all."""
        retry = self.rules.section("mail")["outbox"]
        max_attempts = int(retry["max_attempts"])
        self.report_unsure()
        sent = failed = 0
        for due in outbox.due(self.store, self.clock.now()):
            row = outbox.mark_sending(self.store, due.doc_id, self.clock.now())
            if row is None:
                continue
            try:
                refused = self.transport.send(row["from"], row["to"], row["message"].encode("utf-8"))
            except TransportError as exc:
                now = self.clock.now()
                delay = outbox.mark_failed(self.store, due.doc_id, str(exc), now,
                                           base=float(retry["retry_base_seconds"]),
                                           cap=float(retry["retry_max_seconds"]),
                                           max_attempts=max_attempts, permanent=exc.permanent)
                if delay is None:
                    log.error("letter failed for good", outbox_id=due.doc_id, kind=row["kind"],
                              attempt=row["attempts"], permanent=exc.permanent, error=str(exc))
                    if exc.permanent:
                        self.refused += 1
                        continue  # this letter was refused, not the server down: try the next one
                self.last_failure = now
                self.last_error = str(exc)
                failed += 1
                if delay is None:
                    break
                log.warning("letter not sent", outbox_id=due.doc_id, kind=row["kind"],
                            attempt=row["attempts"], retry_in=delay, error=str(exc))
                break
            crashpoint.reach("after_smtp_accept")
            now = self.clock.now()
            outbox.mark_sent(self.store, due.doc_id, now)
            if refused:  # taken for the others: the refused addresses are kept as a failed letter
                copy = outbox.split_refused(self.store, due.doc_id, refused, now)
                self.refused += 1
                log.error("letter refused for some recipients", outbox_id=due.doc_id, failed_copy=copy,
                          refused=len(refused), error="; ".join(refused.values()))
            self.last_success = now
            sent += 1
            log.info("letter sent", outbox_id=due.doc_id, kind=row["kind"], ref=row.get("ref"),
                     message_id=row["message_id"])
        return sent, failed
