"""The values that flow through the pipeline: a letter in, an outcome out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from bot.registry import Organisation, Registry
from bot.rules import Rules

# What happens to a letter after the chain has decided.
LEAVE = "leave"    # not ours: stays in the inbox untouched
REVIEW = "review"  # filed into the review folder for the InfoSec head, no reply
FILE = "file"      # filed as processed, no reply (auto-replies, lists, our own letters)
ACCEPT = "accept"  # filed as processed, handled, answered
ACTIONS = (LEAVE, REVIEW, FILE, ACCEPT)


@dataclass(frozen=True)
class Attachment:
    filename: str          # decoded and sanitised, for people; never used as a path
    declared_type: str     # what the letter says
    kind: str | None       # sniffed from the bytes: pdf, jpeg, png, tiff; None for anything else
    data: bytes = field(repr=False)
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class Letter:
    """One incoming message, parsed and decoded."""

    key: str                       # where it lives: mailbox kind, folder, UIDVALIDITY, UID
    message_id: str
    subject: str                   # decoded, as written
    from_header: str               # decoded
    from_address: str              # lower case; "" when absent
    from_name: str
    return_path: str | None        # None when the header is absent; "" for the null sender <>
    headers: Mapping[str, str]     # lower-case names, decoded values (first occurrence)
    references: str
    date: datetime | None
    attachments: tuple[Attachment, ...]
    defects: tuple[str, ...]       # MIME defects the parser found
    size: int
    sha256: str                    # of the raw bytes: identity when UIDVALIDITY changes
    content_type: str = ""         # of the whole letter, e.g. multipart/report
    part_types: tuple[str, ...] = ()   # content types of every part, in order
    mime_depth: int = 0            # how deep multiparts and attached messages nest (0: a single part)


@dataclass(frozen=True)
class SavedAttachment:
    filename: str
    stored_as: str                 # path relative to the state dir, a generated name
    kind: str | None
    size: int
    sha256: str
    accepted: bool
    reason: str | None = None      # why it is not accepted (type, size)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Hit:
    decision: str
    reason: str


@dataclass(frozen=True)
class Outcome:
    action: str
    hits: tuple[Hit, ...] = ()
    organisation: Organisation | None = None
    saved: tuple[SavedAttachment, ...] = ()
    scan: dict[str, Any] | None = None     # the scan check's verdict (ScanResult as JSON)
    case: dict[str, Any] | None = None     # what matching did with the renewal case
    reply: EmailMessage | None = None
    notes: tuple[str, ...] = ()

    def with_(self, **changes: Any) -> Outcome:
        return replace(self, **changes)

    @property
    def decision(self) -> str:
        """One word for logs and the ledger: the action, and the first hit's decision."""
        return f"{self.action}:{self.hits[0].decision}" if self.hits else self.action


@dataclass
class Context:
    """What decisions and handlers may read. Handlers in the commit phase may write the store."""

    rules: Rules
    registry: Registry
    bot_address: str
    infosec_head: str
    now: datetime
    state_dir: Path
    store: Any                     # bot.store.Store; read-only for decisions
    reply_to: str = ""             # Reply-To of replies: the mailbox the bot reads
