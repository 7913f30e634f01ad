from __future__ import annotations

from bot.pipeline.model import Context, Letter

NAME = "unknown_sender"
DESCRIPTION = "Neither the address nor the ViPNet node name of the sender is in the organisations registry."


def check(letter: Letter, ctx: Context) -> str | None:
    if ctx.registry.identify(letter.from_address, letter.from_name) is not None:
        return None
    return f"sender {letter.from_address or letter.from_name!r} is not in the registry"
