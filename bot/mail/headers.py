"""Decoding header text as ViPNet and Windows mailers really send it.

RFC 2047 encoded words are read by the `email` package's modern parser
(`policy.default`), which keeps the whitespace between an encoded word and the
plain text next to it (RFC 2047 §6.2) and drops it only between two encoded words.
Raw 8-bit bytes in cp1251 or koi8-r arrive without any declaration (the compat32
parser keeps them as surrogate escapes): they are recovered here first.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import contextlib
import quopri
import re
from email import policy

_SURROGATES = re.compile(r"[\udc80-\udcff]")
# RFC 5322 §2.2.3 unfolding: a CRLF followed by white space is removed, the white space kept.
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
# Any header name the default policy parses as unstructured text.
_UNSTRUCTURED = "x-vipnet-cert-bot-text"


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


def _word_bytes(encoding: str, payload: str) -> bytes | None:
    try:
        if encoding in "bB":
            return base64.b64decode(payload + "=" * (-len(payload) % 4))
        return quopri.decodestring(payload.replace("_", " ").encode("ascii"), header=False)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None


def _repair_word(match: re.Match[str]) -> str:
    """An encoded word whose charset Python does not know, or whose bytes are not in
    the declared charset (e.g. cp1251 labelled utf-8, «unknown-8bit»): guess the code
    page and write it again as a UTF-8 word, so the library still parses the header."""
    charset, encoding, payload = match.group(1).split("*", 1)[0], match.group(2), match.group(3)
    data = _word_bytes(encoding, payload)
    if data is None:
        return match.group(0)
    try:
        codecs.lookup(charset)
        data.decode(charset)
        return match.group(0)  # a good word: the library reads it as it is
    except (LookupError, UnicodeDecodeError):
        pass
    text = guess_cyrillic(data)
    return "=?utf-8?b?" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "?="


def decode(value: object) -> str:
    """A header value of any origin as plain text, on one line."""
    if value is None:
        return ""
    text = undo_surrogates(_FOLD.sub("", str(value)))
    if "=?" in text:
        text = _ENCODED_WORD.sub(_repair_word, text)
        # the parser must never sink a letter: on any error the raw text is kept
        with contextlib.suppress(Exception):
            text = str(policy.default.header_factory(_UNSTRUCTURED, text))
    return re.sub(r"[\r\n\t]+", " ", text).strip()
