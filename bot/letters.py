"""Building letters as organisations' mailers send them: for the demo and the tests.

Real mailers differ: some encode the subject per RFC 2047, ViPNet and old Windows
clients put raw cp1251 or koi8-r bytes in headers, file names come as RFC 2231,
RFC 2047 or raw 8-bit. These builders make each of those on purpose.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, make_msgid
from urllib.parse import quote

SUBJECT = "Заявка на сертификат ViPNet"


@dataclass
class Draft:
    sender: str                                   # "Name <addr>" or addr
    to: str = "ib@tfoms.example"
    subject: str = SUBJECT
    subject_encoding: str = "rfc2047"              # rfc2047 | cp1251 | koi8-r | utf8-raw
    body: str = "Добрый день! Направляем скан заявки на изготовление сертификата."
    attachments: list[tuple[str, bytes]] = field(default_factory=list)
    filename_encoding: str = "rfc2231"             # rfc2231 | rfc2047 | cp1251
    extra_headers: dict[str, str] = field(default_factory=dict)
    message_id: str | None = None
    date: datetime | None = None

    def build(self) -> bytes:
        boundary = "=_vipnet_boundary_42"
        lines: list[bytes] = []

        def add(name: str, value: str | bytes) -> None:
            lines.append(name.encode() + b": " + (value if isinstance(value, bytes) else value.encode()))

        add("From", _address(self.sender))
        add("To", self.to)
        add("Subject", _encode(self.subject, self.subject_encoding))
        add("Date", format_datetime(self.date or datetime.now().astimezone()))
        add("Message-ID", self.message_id or make_msgid("mo", domain="mo.example"))
        add("MIME-Version", "1.0")
        for name, value in self.extra_headers.items():
            add(name, value)
        add("Content-Type", f'multipart/mixed; boundary="{boundary}"')
        lines.append(b"")
        lines.append(f"--{boundary}".encode())
        lines.append(b"Content-Type: text/plain; charset=utf-8")
        lines.append(b"Content-Transfer-Encoding: base64")
        lines.append(b"")
        lines.append(base64.encodebytes(self.body.encode()).rstrip())
        for name, data in self.attachments:
            lines.append(f"--{boundary}".encode())
            lines.append(b"Content-Type: application/octet-stream; " + _param(name, self.filename_encoding, "name"))
            lines.append(b"Content-Disposition: attachment; " + _param(name, self.filename_encoding, "filename"))
            lines.append(b"Content-Transfer-Encoding: base64")
            lines.append(b"")
            lines.append(base64.encodebytes(data).rstrip())
        lines.append(f"--{boundary}--".encode())
        lines.append(b"")
        return b"\r\n".join(lines)


def _address(sender: str) -> str:
    if "<" not in sender:
        return sender
    name, addr = sender.rsplit("<", 1)
    return f"{Header(name.strip(), 'utf-8').encode()} <{addr}"


def _encode(text: str, how: str) -> str | bytes:
    if how == "rfc2047":
        return Header(text, "utf-8").encode()
    if how == "utf8-raw":
        return text.encode("utf-8")
    return text.encode(how)


def _param(name: str, how: str, key: str) -> bytes:
    if how == "cp1251":
        return key.encode() + b'="' + name.encode("cp1251") + b'"'
    if how == "rfc2231":
        return f"{key}*=utf-8''{quote(name)}".encode()
    return f'{key}="{Header(name, "utf-8").encode()}"'.encode()
