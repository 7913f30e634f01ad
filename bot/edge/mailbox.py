"""What the bot needs from a mailbox, whatever serves it (IMAP, a local Maildir)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class MailboxError(Exception):
    """The mailbox cannot be reached or refused an operation: reconnect and retry."""


@dataclass(frozen=True)
class MessageRef:
    key: str                      # stable identity: kind, account, folder, UIDVALIDITY, UID
    uid: int | str
    arrived: datetime | None      # server arrival date (INTERNALDATE), if known
    subject_header: bytes         # the raw Subject header, for the cheap first look


class Mailbox(Protocol):
    def connect(self) -> None: ...
    def close(self) -> None: ...
    def pending(self, known: set[str]) -> list[MessageRef]:
        """Messages in the watched folder whose keys are not in `known`."""
        ...
    def fetch(self, ref: MessageRef) -> bytes: ...
    def file(self, ref: MessageRef, folder: str) -> str | None:
        """Move the message into folder ("/"-separated levels, created when missing).

        May say how ("copied_flagged": copied, the original only flagged \\Deleted)."""
        ...
    def refile(self, source: str, target: str, sha256: str, message_id: str) -> bool:
        """Move an already filed message (these bytes) from folder `source` to `target`; False if not found."""
        ...
    def wait(self, seconds: float, stop: StopFlag) -> None:
        """Return when new mail may have come, `seconds` passed or stop was asked."""
        ...


class StopFlag(Protocol):
    def is_set(self) -> bool: ...
    def wait(self, timeout: float | None = None) -> bool: ...
