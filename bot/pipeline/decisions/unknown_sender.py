from __future__ import annotations

from bot.pipeline.model import Context, Letter

NAME = "unknown_sender"
DESCRIPTION = "The sender's address is not in the organisations registry (a display name proves nothing)."


def check(letter: Letter, ctx: Context) -> str | None:
    if ctx.registry.identify(letter.from_address) is not None:
        return None
    return f"sender {letter.from_address or '(no address)'} is not in the registry"
