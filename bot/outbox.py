"""The outbox: every outgoing letter is stored before it is sent.

A letter is queued inside the same store transaction as the decision that made
it, so a crash can neither lose it nor make it twice. Senders (SMTP, pickup
folder) take what is due, and mark each letter sent once the server accepted it;
failures are retried with a capped exponential backoff.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid, parseaddr
from typing import Any

from tinydb import Query

from bot.store import Store

PENDING, SENT = "pending", "sent"
# RFC 3834: answers to a letter are auto-replied; everything the bot starts itself is auto-generated.
AUTO_SUBMITTED = {"reply": "auto-replied"}
DEFAULT_AUTO_SUBMITTED = "auto-generated"
KINDS = ("reply", "notice", "reminder", "warning", "digest", "alert")


def make_message(
    *, sender: str, to: str, subject: str, body: str, kind: str, now: datetime,
    in_reply_to: str | None = None, references: str | None = None, html: str | None = None,
    reply_to: str | None = None,
) -> EmailMessage:
    if kind not in KINDS:
        raise ValueError(f"unknown outbox kind {kind!r}")
    msg = EmailMessage(policy=policy.SMTP)
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
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = f"{references} {in_reply_to}".strip() if references else in_reply_to
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
        "message": message.as_string(policy=policy.SMTP),
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


def mark_sent(store: Store, letter_id: int, now: datetime) -> None:
    with store.transaction():
        store.outbox.update({"state": SENT, "sent_at": now.isoformat(), "last_error": None}, doc_ids=[letter_id])


def mark_failed(store: Store, letter_id: int, error: str, now: datetime, *, base: float, cap: float) -> float:
    """Record a failed attempt; returns the seconds until the next one."""
    with store.transaction():
        row = store.outbox.get(doc_id=letter_id)
        attempts = int(row["attempts"]) + 1 if row else 1
        delay = min(cap, base * 2 ** (attempts - 1))
        store.outbox.update({
            "attempts": attempts,
            "last_error": error[:500],
            "next_attempt_at": (now + timedelta(seconds=delay)).isoformat(),
        }, doc_ids=[letter_id])
    return delay


def sent_today(store: Store, address: str, now: datetime, kinds: tuple[str, ...] = ("reply",)) -> int:
    """How many letters of these kinds went (or wait to go) to this address today: the loop cap."""
    day = now.date().isoformat()
    q = Query()
    return store.outbox.count(
        q.to.any([address]) & q.kind.one_of(list(kinds)) & q.created_at.test(lambda s: s[:10] == day)
    )
