"""How letters leave the outbox: an SMTP server, or a pickup folder of .eml files."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Protocol

import aiosmtplib

from bot.config import ServerConfig
from bot.edge.imap import tls_context
from bot.store import write_atomic


class TransportError(Exception):
    """The letter was not accepted; it stays in the outbox for a later try, unless `permanent`
    (the server refused it for good: SMTP 5xx)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def _permanent(exc: BaseException) -> bool:
    """An SMTP 5xx reply (for every recipient, when it is about recipients)."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(500 <= int(r.code) < 600 for r in exc.recipients)
    code = getattr(exc, "code", None)
    return isinstance(exc, aiosmtplib.SMTPResponseException) and isinstance(code, int) and 500 <= code < 600


class Transport(Protocol):
    def send(self, sender: str, recipients: list[str], message: bytes) -> dict[str, str]:
        """Hand one letter over; returns the recipients the server refused while it accepted
        the others ({address: the server's reply}), empty when all were taken."""
        ...


class SmtpTransport:
    def __init__(self, config: ServerConfig, *, timeout: float = 30.0) -> None:
        self.config = config
        self.timeout = timeout

    def _client(self) -> aiosmtplib.SMTP:
        cfg = self.config
        return aiosmtplib.SMTP(
            hostname=cfg.host, port=cfg.port, timeout=self.timeout,
            use_tls=cfg.security == "ssl", start_tls=cfg.security == "starttls",
            tls_context=tls_context(cfg.verify_tls, cfg.ca_file) if cfg.security != "none" else None,
        )

    async def _send(self, sender: str, recipients: list[str], message: bytes) -> dict[str, str]:
        client = self._client()
        async with client:
            if self.config.user:
                await client.login(self.config.user, self.config.password.read() or "")
            # aiosmtplib raises only when every recipient is refused; a partial refusal comes back here
            refused, _ = await client.sendmail(sender, recipients, message)
        return {address: f"{reply.code} {reply.message}" for address, reply in refused.items()}

    def send(self, sender: str, recipients: list[str], message: bytes) -> dict[str, str]:
        try:
            return asyncio.run(self._send(sender, recipients, message))
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            raise TransportError(f"SMTP {self.config.host}:{self.config.port}: {exc}",
                                 permanent=_permanent(exc)) from exc

    def greet(self) -> str:
        """Connect, say EHLO, log in if configured: the doctor's check."""

        async def _greet() -> str:
            client = self._client()
            async with client:
                if self.config.user:
                    await client.login(self.config.user, self.config.password.read() or "")
                return "ESMTP" if client.esmtp_extensions else "SMTP"

        try:
            return asyncio.run(_greet())
        except (TimeoutError, aiosmtplib.SMTPException, OSError) as exc:
            raise TransportError(f"SMTP {self.config.host}:{self.config.port}: {exc}") from exc


class PickupTransport:
    """Writes each letter as an .eml file (the embedded default; or for ViPNet's
    automatic processing, which sends files dropped into a folder)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def send(self, sender: str, recipients: list[str], message: bytes) -> dict[str, str]:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            name = f"{time.strftime('%Y%m%d-%H%M%S')}-{time.monotonic_ns()}.eml"
            write_atomic(self.folder / name, message, mode=0o640)
        except OSError as exc:
            raise TransportError(f"pickup folder {self.folder}: {exc}") from exc
        return {}
