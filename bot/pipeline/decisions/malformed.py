from __future__ import annotations

from bot.mail.parse import is_structurally_broken
from bot.pipeline.model import Context, Letter

NAME = "malformed"
DESCRIPTION = "The MIME structure is broken: the letter cannot be read reliably."


def check(letter: Letter, ctx: Context) -> str | None:
    broken = is_structurally_broken(letter)
    return f"MIME defects: {', '.join(broken)}" if broken else None
