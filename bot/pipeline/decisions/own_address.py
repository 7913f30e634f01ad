from __future__ import annotations

from email.utils import parseaddr

from bot.pipeline.model import Context, Letter

NAME = "own_address"
DESCRIPTION = "The letter comes from the bot's own address: answering would loop."


def check(letter: Letter, ctx: Context) -> str | None:
    own = parseaddr(ctx.bot_address)[1].lower()
    return "sent by the bot itself" if own and letter.from_address == own else None
