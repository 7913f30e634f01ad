"""The IMAP mailbox (ViPNet Business Mail bridged to IMAP), through imapclient.

Identity of a message: account + folder + UIDVALIDITY + UID (RFC 9051 §2.3.1.1).
IDLE where the server has it (RFC 2177), polling where not. imapclient's
idle_check() hides a dead socket as silence, so every wait is short, ends with
IDLE DONE + NOOP (which do fail on a dead socket), and any error means: close,
reconnect from scratch.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
from datetime import UTC, datetime
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from bot import logs
from bot.config import ImapConfig
from bot.edge.mailbox import MailboxError, MessageRef, StopFlag

log = logs.get("imap")
_ERRORS = (IMAPClientError, OSError, ssl.SSLError, socket.timeout, EOFError)


def tls_context(verify: bool, ca_file: Any = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class ImapMailbox:
    def __init__(self, config: ImapConfig, *, timeout: float = 60.0) -> None:
        self.config = config
        self.timeout = timeout
        self.client: IMAPClient | None = None
        self.uidvalidity: int | None = None
        self.delimiter = "/"
        self.prefix = ""
        self._created: set[str] = set()

    # -- connection ---------------------------------------------------------
    def connect(self) -> None:
        self.close()
        cfg = self.config
        try:
            context = tls_context(cfg.verify_tls, cfg.ca_file)
            client = IMAPClient(cfg.host, port=cfg.port, ssl=cfg.security == "ssl",
                                ssl_context=context, timeout=self.timeout)
            if cfg.security == "starttls":
                client.starttls(context)
            client.login(cfg.user or "", cfg.password.read() or "")
            info = client.select_folder(cfg.folder)
            self.uidvalidity = int(info[b"UIDVALIDITY"])
            self._learn_namespace(client)
        except _ERRORS as exc:
            raise MailboxError(f"IMAP {cfg.host}:{cfg.port}: {exc}") from exc
        self.client = client

    def _learn_namespace(self, client: IMAPClient) -> None:
        try:
            personal = client.namespace().personal
            if personal:
                prefix, delimiter = personal[0]
                self.prefix = prefix or ""
                self.delimiter = delimiter or "/"
                return
        except _ERRORS:
            pass
        folders = client.list_folders(directory="", pattern="INBOX")
        if folders and folders[0][1]:
            delimiter = folders[0][1]
            self.delimiter = delimiter.decode() if isinstance(delimiter, bytes) else delimiter

    def close(self) -> None:
        if self.client is None:
            return
        with contextlib.suppress(_ERRORS):
            self.client.logout()
        self.client = None

    def _live(self) -> IMAPClient:
        if self.client is None:
            raise MailboxError("not connected")
        return self.client

    @property
    def account(self) -> str:
        return f"imap:{self.config.user}@{self.config.host}/{self.config.folder}"

    def key(self, uid: int) -> str:
        return f"{self.account}:{self.uidvalidity}:{uid}"

    # -- reading ------------------------------------------------------------
    def pending(self, known: set[str]) -> list[MessageRef]:
        client = self._live()
        try:
            # Re-select: a changed UIDVALIDITY must be seen before keys are made.
            info = client.select_folder(self.config.folder)
            self.uidvalidity = int(info[b"UIDVALIDITY"])
            uids = [u for u in client.search(["ALL"]) if self.key(u) not in known]
            if not uids:
                return []
            data = client.fetch(uids, ["INTERNALDATE", "BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])
        except _ERRORS as exc:
            raise MailboxError(f"IMAP search/fetch: {exc}") from exc
        refs = []
        for uid in sorted(data):
            item = data[uid]
            arrived = item.get(b"INTERNALDATE")
            if isinstance(arrived, datetime):
                arrived = arrived.astimezone(UTC)  # imapclient gives local naive time
            header = next((v for k, v in item.items() if k.startswith(b"BODY[HEADER")), b"")
            refs.append(MessageRef(key=self.key(uid), uid=uid, arrived=arrived, subject_header=header or b""))
        return refs

    def fetch(self, ref: MessageRef) -> bytes:
        client = self._live()
        try:
            data = client.fetch([ref.uid], ["BODY.PEEK[]"])
        except _ERRORS as exc:
            raise MailboxError(f"IMAP fetch {ref.uid}: {exc}") from exc
        item = data.get(int(ref.uid))
        if not item or b"BODY[]" not in item:
            raise MailboxError(f"message UID {ref.uid} is gone")
        return bytes(item[b"BODY[]"])

    # -- filing -------------------------------------------------------------
    def server_name(self, folder: str) -> str:
        parts = [p for p in folder.split("/") if p]
        return self.prefix + self.delimiter.join(parts)

    def _ensure_folder(self, client: IMAPClient, folder: str) -> str:
        name = self.server_name(folder)
        if name in self._created:
            return name
        parts = [p for p in folder.split("/") if p]
        for depth in range(1, len(parts) + 1):
            level = self.prefix + self.delimiter.join(parts[:depth])
            if not client.folder_exists(level):
                try:
                    client.create_folder(level)
                    client.subscribe_folder(level)
                except IMAPClientError:
                    if not client.folder_exists(level):  # someone else may have made it meanwhile
                        raise
        self._created.add(name)
        return name

    def file(self, ref: MessageRef, folder: str) -> str:
        """Move the message; returns how: "moved", "copied_expunged" (UID EXPUNGE of this UID only), or
        "copied_flagged" (COPY + \\Deleted, left for the user's client to expunge).

        Never a bare EXPUNGE: without UIDPLUS it would remove every \\Deleted message of the InfoSec
        head's folder, not only ours (RFC 6851 §3.3). The flagged copy left behind is in the ledger
        as filed, so it is not taken again."""
        client = self._live()
        try:
            target = self._ensure_folder(client, folder)
            if client.has_capability("MOVE"):
                client.move([ref.uid], target)
                return "moved"
            client.copy([ref.uid], target)
            client.add_flags([ref.uid], [b"\\Deleted"], silent=True)
            if client.has_capability("UIDPLUS"):
                client.uid_expunge([ref.uid])
                return "copied_expunged"
        except _ERRORS as exc:
            raise MailboxError(f"IMAP move {ref.uid} -> {folder}: {exc}") from exc
        log.warning("letter copied and flagged \\Deleted, not expunged (no MOVE, no UIDPLUS)",
                    uid=ref.uid, folder=folder)
        return "copied_flagged"

    def refile(self, source: str, target: str, sha256: str, message_id: str) -> bool:
        """Move the message with these bytes from one filing folder to another (after `letter retry`).

        Found by Message-ID, confirmed by the hash of its bytes; False when it is not there (moved or
        deleted by a person). The watched folder is selected again afterwards."""
        import hashlib

        client = self._live()
        try:
            name = self.server_name(source)
            if not client.folder_exists(name):
                return False
            client.select_folder(name)
            criteria: list[Any] = ["HEADER", "Message-ID", message_id] if message_id else ["ALL"]
            uids = client.search(criteria)
            data = client.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
            match = [u for u, item in data.items()
                     if hashlib.sha256(bytes(item.get(b"BODY[]", b""))).hexdigest() == sha256]
            if match:
                self.file(MessageRef(key="", uid=match[0], arrived=None, subject_header=b""), target)
            return bool(match)
        except _ERRORS as exc:
            raise MailboxError(f"IMAP refile {source} -> {target}: {exc}") from exc
        finally:
            with contextlib.suppress(*_ERRORS):
                client.select_folder(self.config.folder)

    # -- waiting ------------------------------------------------------------
    def wait(self, seconds: float, stop: StopFlag) -> None:
        client = self._live()
        try:
            if not client.has_capability("IDLE"):
                stop.wait(seconds)
                client.noop()
                return
            client.idle()
            try:
                remaining = seconds
                while remaining > 0 and not stop.is_set():
                    step = min(1.0, remaining)
                    responses = client.idle_check(timeout=step)
                    remaining -= step
                    if any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
                        break
            finally:
                client.idle_done()
            client.noop()  # fails on a dead connection, unlike idle_check
        except _ERRORS as exc:
            raise MailboxError(f"IMAP idle: {exc}") from exc
