from __future__ import annotations

from bot.pipeline.model import Context, Letter

NAME = "mailing_list"
DESCRIPTION = "The letter came through a list or bulk mailing (Precedence, List-* headers)."

_PRECEDENCE = {"bulk", "junk", "list"}


def check(letter: Letter, ctx: Context) -> str | None:
    precedence = letter.headers.get("precedence", "").strip().lower()
    if precedence in _PRECEDENCE:
        return f"Precedence: {precedence}"
    list_headers = sorted(h for h in letter.headers if h.startswith("list-"))
    return f"{list_headers[0]} present" if list_headers else None
