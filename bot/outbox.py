"""The outbox: every outgoing letter is stored before it is sent.

A letter is queued inside the same store transaction as the decision that made
it, so a crash can neither lose it nor make it twice. Senders (SMTP, pickup
folder) take what is due, and mark each letter sent once the server accepted it;
failures are retried with a capped exponential backoff.

At most once, never silently unsure: a row is marked `sending` (committed) before
the server is asked, and `sent` once it accepted. A row found `sending` by the next
run was interrupted at an unknown moment (the server may or may not have the letter):
it is not sent again blindly but shown to the InfoSec head (digest, `outbox`), who
decides with `letter resend`. A letter refused for good (SMTP 5xx) or after the
attempt limit (rules/mail.toml [outbox] max_attempts) ends `failed`, shown the same way.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from email import message_from_string
from email.header import Header
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, getaddresses, make_msgid, parseaddr
from typing import Any

from tinydb import Query

from bot import logs
from bot.store import Store

log = logs.get("outbox")

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"
STATES = (PENDING, SENDING, SENT, FAILED)
# RFC 3834: answers to a letter are auto-replied; everything the bot starts itself is auto-generated.
AUTO_SUBMITTED = {"reply": "auto-replied"}
DEFAULT_AUTO_SUBMITTED = "auto-generated"
KINDS = ("reply", "notice", "reminder", "warning", "digest", "alert")


# Message-IDs are never encoded (RFC 5322 §3.6.4: msg-id is not text); a line may hold
# 998 characters, so an id that cannot fit on one line with its header name is dropped
# from threading rather than mangled.
_ID_HEADERS = ("message-id", "in-reply-to", "references")
_MSG_ID = re.compile(r"<[^<>\s]+>")
MAX_ID_LENGTH = 998 - len("In-Reply-To: ")


class _SmtpPolicy(EmailPolicy):
    """policy.SMTP, but the id headers are folded between ids only, never RFC 2047-encoded."""

    def _fold_ids(self, name: str, value: Any) -> str:
        return f"{name}: " + (self.linesep + " ").join(str(value).split()) + self.linesep

    def fold(self, name: str, value: Any) -> str:
        if name.lower() in _ID_HEADERS:
            return self._fold_ids(name, value)
        return super().fold(name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        if name.lower() in _ID_HEADERS:
            return self._fold_ids(name, value).encode("ascii", "surrogateescape")
        return super().fold_binary(name, value)


SMTP_POLICY = _SmtpPolicy(linesep="\r\n")


def thread_ids(value: str | None) -> list[str]:
    """The well-formed, not overlong Message-IDs in a header value (others are dropped)."""
    text = (value or "").strip()
    ids = _MSG_ID.findall(text)
    if not ids and text and not any(c.isspace() or c in "<>" for c in text) and "@" in text:
        ids = [f"<{text}>"]  # written without the angle brackets
    return [i for i in ids if len(i) <= MAX_ID_LENGTH and i.isascii()]


def make_message(
    *, sender: str, to: str, subject: str, body: str, kind: str, now: datetime,
    in_reply_to: str | None = None, references: str | None = None, html: str | None = None,
    reply_to: str | None = None,
) -> EmailMessage:
    if kind not in KINDS:
        raise ValueError(f"unknown outbox kind {kind!r}")
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["From"] = sender
    msg["To"] = to
    if subject.isascii():
        msg["Subject"] = subject
    else:
        # CPython 3.11's folder can drop the space between two encoded words of a long
        # subject («документы по» arrives as «документыпо»); the email package's Header
        # encoder keeps every space inside its encoded words, folded within 78 columns,
        # so readers (RFC 2047 §6.2) get the text back exactly. tests/mail/test_outgoing_headers.py
        msg.set_raw("Subject", Header(subject, "utf-8", header_name="Subject").encode(linesep="\n"))
    if reply_to:  # where the organisation's answer (a corrected scan) goes: the mailbox the bot reads
        msg["Reply-To"] = reply_to
    msg["Date"] = format_datetime(now)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "vipnet-cert-bot.local"
    msg["Message-ID"] = make_msgid("vipnet-cert-bot", domain=domain)
    msg["Auto-Submitted"] = AUTO_SUBMITTED.get(kind, DEFAULT_AUTO_SUBMITTED)
    msg["X-Auto-Response-Suppress"] = "All"  # keeps Exchange-style autoresponders quiet
    parent = thread_ids(in_reply_to)[:1]
    if in_reply_to and not parent:
        log.warning("message id dropped from threading", length=len(in_reply_to))
    if parent:
        msg["In-Reply-To"] = parent[0]
        chain = [i for i in thread_ids(references) if i != parent[0]] + parent
        msg["References"] = " ".join(chain)
    msg.set_content(body, charset="utf-8", cte="base64")
    if html is not None:
        msg.add_alternative(html, subtype="html", charset="utf-8", cte="base64")
    return msg


def queue(store: Store, message: EmailMessage, *, kind: str, ref: str | None, now: datetime) -> int:
    """Store a letter to send. Call inside store.transaction()."""
    recipients = [addr for _, addr in getaddresses([str(a) for a in message.get_all("To", [])]) if addr]
    return store.outbox.insert({
        "kind": kind,
        "ref": ref,
        "to": recipients,
        "from": parseaddr(str(message["From"]))[1],
        "subject": str(message["Subject"]),
        "message_id": str(message["Message-ID"]),
        "message": message.as_string(policy=SMTP_POLICY),
        "state": PENDING,
        "attempts": 0,
        "created_at": now.isoformat(),
        "next_attempt_at": now.isoformat(),
        "sent_at": None,
        "last_error": None,
    })


def due(store: Store, now: datetime) -> list[dict[str, Any]]:
    q = Query()
    rows = store.outbox.search((q.state == PENDING) & (q.next_attempt_at <= now.isoformat()))
    return sorted(rows, key=lambda r: r.doc_id)


def pending_count(store: Store) -> int:
    return store.outbox.count(Query().state == PENDING)


def in_state(store: Store, *states: str) -> list[dict[str, Any]]:
    """Rows in these states (all when none given), oldest first."""
    rows = store.outbox.search(Query().state.one_of(list(states))) if states else store.outbox.all()
    return sorted(rows, key=lambda r: r.doc_id)


def mark_sending(store: Store, letter_id: int, now: datetime) -> dict[str, Any] | None:
    """Committed before the server is asked: a crash from here on leaves the row `sending`.

    Returns the row, or None when it is no longer pending (another sender took it)."""
    with store.transaction():
        row = store.outbox.get(doc_id=letter_id)
        if row is None or row.get("state") != PENDING:
            return None
        store.outbox.update({"state": SENDING, "sending_at": now.isoformat(),
                             "attempts": int(row.get("attempts", 0)) + 1}, doc_ids=[letter_id])
        return store.outbox.get(doc_id=letter_id)  # type: ignore[return-value]


def mark_sent(store: Store, letter_id: int, now: datetime) -> None:
    with store.transaction():
        store.outbox.update({"state": SENT, "sent_at": now.isoformat(), "last_error": None}, doc_ids=[letter_id])


def mark_failed(store: Store, letter_id: int, error: str, now: datetime, *, base: float, cap: float,
                max_attempts: int | None = None, permanent: bool = False) -> float | None:
    """Record a failed attempt; returns the seconds until the next one, None when it ends `failed`.

    Called after mark_sending() (the attempt is already counted) or, for rows still pending
    (old callers), counts it here."""
    with store.transaction():
        row = store.outbox.get(doc_id=letter_id)
        attempts = int(row["attempts"]) if row else 1
        if row is None or row.get("state") != SENDING:
            attempts += 1
        delay = min(cap, base * 2 ** (attempts - 1))
        final = permanent or (max_attempts is not None and attempts >= max_attempts)
        store.outbox.update({
            "state": FAILED if final else PENDING,
            "attempts": attempts,
            "last_error": error[:500],
            "failed_at": now.isoformat() if final else None,
            "failed_for": ("permanent" if permanent else "attempts") if final else None,
            "next_attempt_at": (now + timedelta(seconds=delay)).isoformat(),
        }, doc_ids=[letter_id])
    return None if final else delay


def split_refused(store: Store, letter_id: int, refused: dict[str, str], now: datetime) -> int:
    """The server took a letter for some recipients and refused others: the letter is sent, and a
    `failed` copy addressed to the refused ones is kept (shown, alerted, `letter resend` to fix).
    Returns the copy's id."""
    with store.transaction():
        row = store.outbox.get(doc_id=letter_id)
        assert row is not None
        return store.outbox.insert({
            **{k: v for k, v in row.items() if k not in ("history", "sent_at", "sending_at", "alerted_at")},
            "to": sorted(refused), "state": FAILED, "failed_at": now.isoformat(), "failed_for": "permanent",
            "last_error": "; ".join(f"{a}: {why}" for a, why in sorted(refused.items()))[:500],
            "split_from": letter_id, "created_at": now.isoformat(),
        })


class ResendError(ValueError):
    """A resend that cannot be done; the message is Russian, for the operator."""


def resend(store: Store, letter_id: int, *, by: str, now: datetime, to: str | None = None) -> dict[str, Any]:
    """Put a `sending` or `failed` letter back in the queue (optionally to another address).

    Call inside store.transaction(). Records who did it in the row's history."""
    row = store.outbox.get(doc_id=letter_id)
    if row is None:
        raise ResendError(f"письма № {letter_id} нет в очереди")
    if row.get("state") not in (SENDING, FAILED):
        shown = {PENDING: "ещё ждёт отправки", SENT: "уже отправлено"}.get(str(row.get("state")), row.get("state"))
        raise ResendError(f"письмо № {letter_id} {shown}; повторно отправить можно только письмо "
                          "в состоянии «sending» или «failed»")
    changes: dict[str, Any] = {"state": PENDING, "attempts": 0, "next_attempt_at": now.isoformat(),
                               "last_error": None}
    if to is not None:
        name, address = parseaddr(to)
        if not address or "@" not in address or any(c.isspace() for c in address):
            raise ResendError(f"неверный адрес в --to: «{to}»")
        msg = message_from_string(row["message"], policy=SMTP_POLICY)
        del msg["To"]
        msg["To"] = to
        changes.update(to=[address], message=msg.as_string(policy=SMTP_POLICY))
    history = list(row.get("history") or [])
    history.append({"action": "resend", "by": by, "at": now.isoformat(), "from_state": row.get("state"),
                    "to": changes.get("to")})
    changes["history"] = history
    store.outbox.update(changes, doc_ids=[letter_id])
    return store.outbox.get(doc_id=letter_id)  # type: ignore[return-value]


def sent_today(store: Store, address: str, now: datetime, kinds: tuple[str, ...] = ("reply",)) -> int:
    """How many letters of these kinds went (or wait to go) to this address today: the loop cap."""
    day = now.date().isoformat()
    q = Query()
    return store.outbox.count(
        q.to.any([address]) & q.kind.one_of(list(kinds)) & q.created_at.test(lambda s: s[:10] == day)
    )
