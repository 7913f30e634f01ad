from __future__ import annotations

from bot.mail.parse import is_structurally_broken
from bot.pipeline.model import Context, Letter

NAME = "malformed"
DESCRIPTION = "The MIME structure is broken, or nests deeper than rules/mail.toml [mime] max_depth."


def check(letter: Letter, ctx: Context) -> str | None:
    broken = is_structurally_broken(letter)
    if broken:
        return f"MIME defects: {', '.join(broken)}"
    limit = int(ctx.rules.value("mail", "mime.max_depth"))
    if letter.mime_depth > limit:
        return f"MIME parts nest {letter.mime_depth} levels deep (limit {limit})"
    return None
