from __future__ import annotations

from bot import outbox
from bot.pipeline.model import Context, Letter

NAME = "reply_cap"
DESCRIPTION = "This sender already got the day's allowance of automatic replies (loop guard)."


def check(letter: Letter, ctx: Context) -> str | None:
    cap = int(ctx.rules.value("mail", "replies.per_sender_per_day"))
    count = outbox.sent_today(ctx.store, letter.from_address, ctx.now)
    return f"{count} replies to {letter.from_address} today (cap {cap})" if count >= cap else None
