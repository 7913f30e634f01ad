"""Raw message bytes -> a Letter value. Never raises on bad input: defects are recorded."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import Compat32
from email.utils import parseaddr, parsedate_to_datetime

from bot.filetype import sniff
from bot.mail.headers import decode, undo_surrogates
from bot.pipeline.model import Attachment, Letter

# MIME defects that mean the structure itself is broken (not just sloppy headers).
_STRUCTURAL_DEFECTS = {
    "StartBoundaryNotFoundDefect",
    "MultipartInvariantViolationDefect",
    "CloseBoundaryNotFoundDefect",
    "NoBoundaryInMultipartDefect",
    "InvalidBase64PaddingDefect",
    "InvalidBase64CharactersDefect",
    "InvalidBase64LengthDefect",
    "MissingHeaderBodySeparatorDefect",
    "MimeNestingTooDeepDefect",
}


class _RawHeaders(Compat32):
    """compat32, but 8-bit header text comes back as surrogate-escaped str, not an
    'unknown-8bit' Header whose str() is all replacement marks: bot.mail.headers
    then recovers the cp1251/koi8-r text, file names included."""

    def header_fetch_parse(self, name: str, value: str) -> str:  # type: ignore[override]
        return value


RAW_HEADERS = _RawHeaders()
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def safe_filename(name: str, index: int) -> str:
    """A file name fit to show to people; never used as a path."""
    name = unicodedata.normalize("NFC", undo_surrogates(name))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip(" .")
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 110] + dot + ext[:8]) if dot else name[:120]
    return name or f"вложение-{index}"


def _filename(part: Message, index: int) -> str | None:
    try:
        raw = part.get_filename()
    except Exception:  # a broken RFC 2231 parameter must not sink the letter
        raw = None
    if raw is None:
        return None
    return safe_filename(decode(raw), index)


def _payload(part: Message) -> tuple[bytes, list[str]]:
    defects: list[str] = []
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:  # noqa: BLE001 - the email package raises many kinds here
        return b"", [f"payload:{type(exc).__name__}"]
    defects.extend(type(d).__name__ for d in getattr(part, "defects", []))
    return (data if isinstance(data, bytes) else b""), defects


def display_and_address(raw_from: str) -> tuple[str, str]:
    """Split From before decoding RFC 2047 words, so a decoded name cannot break the syntax.

    ViPNet node names carry brackets («29(АГКП1) Секретарь»), which RFC 5322 reads as a
    comment when left unquoted: the display name is taken as written before «<».
    """
    name, address = parseaddr(raw_from)
    if "<" in raw_from:
        name = raw_from.rsplit("<", 1)[0].strip().strip('"').strip()
    return decode(name), address


def _walk(msg: Message) -> Iterator[tuple[Message, int]]:
    """Every part with its nesting depth, depth first, without recursion: Message.walk()
    recurses once per level and a hostile letter nests a thousand levels deep."""
    stack: list[tuple[Message, int]] = [(msg, 0)]
    while stack:
        part, depth = stack.pop()
        yield part, depth
        if part.is_multipart():
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend((child, depth + 1) for child in reversed(children))


def parse(raw: bytes, key: str) -> Letter:
    defects: list[str] = []
    try:
        msg = message_from_bytes(raw, policy=RAW_HEADERS)
    except RecursionError:
        # CPython's parser recurses per nested multipart (or attached message) and gives up
        # near a thousand levels: keep the headers, and call the structure broken.
        msg = BytesHeaderParser(policy=RAW_HEADERS).parsebytes(raw)
        msg.set_payload("")
        defects.append("MimeNestingTooDeepDefect")
    defects.extend(type(d).__name__ for d in msg.defects)

    def header(name: str) -> str:
        return decode(msg.get(name)) if msg.get(name) is not None else ""

    headers: dict[str, str] = {}
    for name in msg:
        lname = name.lower()
        if lname not in headers:
            headers[lname] = decode(msg.get(name))

    from_header = header("From")
    from_name, from_address = display_and_address(str(msg.get("From") or ""))
    return_path = None
    if msg.get("Return-Path") is not None:
        return_path = parseaddr(header("Return-Path"))[1]

    date = None
    if msg.get("Date"):
        try:
            date = parsedate_to_datetime(header("Date"))
        except (TypeError, ValueError, IndexError):
            defects.append("InvalidDateDefect")

    attachments: list[Attachment] = []
    part_types: list[str] = []
    mime_depth = 0
    index = 0
    for part, depth in _walk(msg):
        mime_depth = max(mime_depth, depth)
        part_types.append(part.get_content_type())
        if part.is_multipart():
            continue
        filename = _filename(part, index + 1)
        disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
        ctype = part.get_content_type()
        if filename is None and disposition != "attachment" and not ctype.startswith(("image/", "application/")):
            continue  # the body text
        index += 1
        data, part_defects = _payload(part)
        defects.extend(part_defects)
        kind = sniff(data)
        attachments.append(Attachment(
            filename=filename or f"вложение-{index}.{kind or 'bin'}",
            declared_type=ctype,
            kind=kind,
            data=data,
            sha256=hashlib.sha256(data).hexdigest(),
        ))

    return Letter(
        key=key,
        message_id=header("Message-ID"),
        subject=header("Subject"),
        from_header=from_header,
        from_address=from_address.strip().lower(),
        from_name=from_name,
        return_path=return_path,
        headers=headers,
        references=header("References"),
        date=date,
        attachments=tuple(attachments),
        defects=tuple(defects),
        size=len(raw),
        sha256=hashlib.sha256(raw).hexdigest(),
        content_type=msg.get_content_type(),
        part_types=tuple(part_types),
        mime_depth=mime_depth,
    )


def is_structurally_broken(letter: Letter) -> list[str]:
    return sorted({d for d in letter.defects if d.split(":")[0] in _STRUCTURAL_DEFECTS or d.startswith("payload:")})


def subject_of(raw_header: bytes) -> str:
    """The decoded Subject from a header block alone (the cheap first look at a letter)."""
    msg = message_from_bytes(raw_header, policy=RAW_HEADERS)
    return decode(msg.get("Subject"))
