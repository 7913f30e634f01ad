"""Decoding header text as ViPNet and Windows mailers really send it.

RFC 2047 encoded words are read by the `email` package's modern parser
(`policy.default`), which keeps the whitespace between an encoded word and the
plain text next to it (RFC 2047 §6.2) and drops it only between two encoded words.
Raw 8-bit bytes in cp1251 or koi8-r arrive without any declaration (the compat32
parser keeps them as surrogate escapes): they are recovered here first.

Broken words seen in other projects' test suites (tests/mail/thirdparty/) are mended
before the library reads them: a fold inside an encoded word is dropped, adjacent words
in one charset are joined (mailers split a UTF-8 character between two words), and
Outlook's iso-2022-jp (with Microsoft's extra characters, e.g. «№») is read as such.
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
# A fold inside an encoded word (libmime's test: «…=D0=B5=\r\n D0=B4…?=»): not white space
# of the text, so it goes away entirely.
_FOLD_IN_WORD = re.compile(r"(=\?[^?\s]+\?[bBqQ]\?[^?\s]*)\r?\n[ \t]+(?=[^?\s]*\?=)")
# Two or more encoded words with only white space between them (RFC 2047 §6.2 drops it).
_WORD_RUN = re.compile(_ENCODED_WORD.pattern + r"(?:\s*" + _ENCODED_WORD.pattern + ")+")
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


def _charset(label: str) -> str:
    return label.split("*", 1)[0].lower()  # RFC 2231 language suffix: «utf-8*en»


def _join_words(match: re.Match[str]) -> str:
    """Adjacent words in one charset as one word: a character split between two of them
    (which RFC 2047 forbids, and mailers do) is whole again. Other runs stay as they are."""
    words = list(_ENCODED_WORD.finditer(match.group(0)))
    out: list[str] = []
    i = 0
    while i < len(words):
        j = i + 1
        while j < len(words) and _charset(words[j].group(1)) == _charset(words[i].group(1)):
            j += 1
        parts = [_word_bytes(w.group(2), w.group(3)) for w in words[i:j]]
        if j - i > 1 and all(p is not None for p in parts):
            data = b"".join(p for p in parts if p is not None)
            out.append(f"=?{words[i].group(1)}?b?{base64.b64encode(data).decode('ascii')}?=")
        else:
            out.extend(w.group(0) for w in words[i:j])
        i = j
    return " ".join(out)


def _iso2022jp_microsoft(data: bytes) -> str:
    """iso-2022-jp as Outlook writes it (Windows code page 50220): JIS X 0208 plus the NEC
    and IBM rows of cp932, which Python's iso2022_jp codec refuses. Each two-byte JIS pair
    is moved to its Shift_JIS place and read as cp932."""
    out = bytearray()
    double = False
    i = 0
    while i < len(data):
        if data[i] == 0x1B:  # ESC $ B / ESC $ @: two-byte JIS; ESC ( B / ESC ( J: ASCII
            double = data[i + 1:i + 2] == b"$"
            i += 3
            continue
        if double and i + 1 < len(data):
            j1, j2 = data[i], data[i + 1]
            s1 = ((j1 - 0x21) >> 1) + 0x81
            s1 += 0x40 if s1 > 0x9F else 0
            s2 = (j2 + 0x1F + (j2 >= 0x60)) if j1 % 2 else j2 + 0x7E
            out += bytes([s1, s2])
            i += 2
            continue
        out.append(data[i])
        i += 1
    return out.decode("cp932")


def _repair_word(match: re.Match[str]) -> str:
    """An encoded word whose charset Python does not know, or whose bytes are not in
    the declared charset (e.g. cp1251 labelled utf-8, «unknown-8bit»): guess the code
    page and write it again as a UTF-8 word, so the library still parses the header."""
    charset, encoding, payload = _charset(match.group(1)), match.group(2), match.group(3)
    data = _word_bytes(encoding, payload)
    if data is None:
        return match.group(0)
    try:
        codecs.lookup(charset)
        data.decode(charset)
        return match.group(0)  # a good word: the library reads it as it is
    except (LookupError, UnicodeDecodeError):
        pass
    text = None
    if charset.startswith("iso-2022-jp"):
        with contextlib.suppress(UnicodeDecodeError, ValueError):
            text = _iso2022jp_microsoft(data)
    if text is None:
        text = guess_cyrillic(data)
    return "=?utf-8?b?" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "?="


def decode(value: object) -> str:
    """A header value of any origin as plain text, on one line."""
    if value is None:
        return ""
    text = str(value)
    if "=?" in text:
        text = _FOLD_IN_WORD.sub(r"\1", text)
    text = undo_surrogates(_FOLD.sub("", text))
    if "=?" in text:
        text = _WORD_RUN.sub(_join_words, text)
        text = _ENCODED_WORD.sub(_repair_word, text)
        # the parser must never sink a letter: on any error the raw text is kept
        with contextlib.suppress(Exception):
            text = str(policy.default.header_factory(_UNSTRUCTURED, text))
    return re.sub(r"[\r\n\t]+", " ", text).strip()
