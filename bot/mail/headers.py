"""Decoding header text as ViPNet and Windows mailers really send it.

RFC 2047 encoded words, and raw 8-bit bytes in cp1251 or koi8-r that arrive
without any declaration (the parser keeps them as surrogate escapes).
"""

from __future__ import annotations

import re
from email.header import decode_header

_SURROGATES = re.compile(r"[\udc80-\udcff]")


def guess_cyrillic(raw: bytes) -> str:
    """Decode undeclared 8-bit text: UTF-8 if valid, else cp1251 or koi8-r.

    Russian text is mostly lower case; cp1251 puts lower-case letters at 0xE0-0xFF,
    koi8-r puts them at 0xC0-0xDF, so the busier half tells the code page.
    """
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    upper_half = sum(1 for b in raw if b >= 0xE0)
    lower_half = sum(1 for b in raw if 0xC0 <= b < 0xE0)
    return raw.decode("cp1251" if upper_half >= lower_half else "koi8-r", errors="replace")


def undo_surrogates(text: str) -> str:
    """Text the parser decoded with surrogateescape: recover its real characters."""
    if not _SURROGATES.search(text):
        return text
    return guess_cyrillic(text.encode("utf-8", "surrogateescape"))


def decode(value: object) -> str:
    """A header value of any origin as plain text."""
    if value is None:
        return ""
    text = str(value)
    if "=?" in text:
        parts = []
        try:
            chunks = decode_header(text)
        except Exception:  # the email package raises assorted errors on broken words
            chunks = [(text, None)]
        for chunk, charset in chunks:
            if isinstance(chunk, bytes):
                if charset and charset.lower() not in ("unknown-8bit",):
                    try:
                        parts.append(chunk.decode(charset, errors="replace"))
                        continue
                    except LookupError:
                        pass
                parts.append(guess_cyrillic(chunk))
            else:
                parts.append(chunk)
        text = "".join(parts)
    text = undo_surrogates(text)
    return re.sub(r"[\r\n\t]+", " ", text).strip()
