"""Headers of outgoing letters encoded so that RFC 2047 readers show every space.

Python's email folding (3.11, policy.SMTP) may split a long non-ASCII Subject between two
encoded-words at a space and leave that space outside them; RFC 2047 readers drop
whitespace between encoded-words, so «документы по» reads «документыпо». email.header's
older encoder keeps the spaces inside the encoded-words; this value is written out as it
encodes it.
"""

from __future__ import annotations

from email.header import Header
from email.policy import Policy


class EncodedHeader(str):
    """A header value (the text people read) written as email.header encodes it."""

    name: str

    def __new__(cls, name: str, value: str) -> EncodedHeader:
        obj = super().__new__(cls, value)
        obj.name = name
        return obj

    def fold(self, *, policy: Policy) -> str:
        text = str.__str__(self)
        if text.isascii():
            return f"{self.name}: {text}{policy.linesep}"
        encoded = Header(text, "utf-8", header_name=self.name).encode(linesep=policy.linesep)
        return f"{self.name}: {encoded}{policy.linesep}"
