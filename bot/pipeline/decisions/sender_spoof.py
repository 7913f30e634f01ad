"""A display name proves nothing: «29(АГКП1) Секретарь» <anyone@anywhere> is not АГКП1."""

from __future__ import annotations

from bot.pipeline.model import Context, Letter

NAME = "sender_spoof"
DESCRIPTION = ("The display name claims a registered ViPNet node but the address is not that organisation's; "
               "or, with rules/mail.toml [sender] vipnet_header set, a registered address without the bridge's mark.")


def check(letter: Letter, ctx: Context) -> str | None:
    claimed = ctx.registry.claimed_node(letter.from_address, letter.from_name)
    if claimed is not None:
        # no display name in the reason: reasons reach the log, names must not
        return (f"the display name claims the ViPNet node of the organisation with ИНН {claimed.inn}, "
                f"but {letter.from_address or '(no address)'} is not its registered address")
    header = str(ctx.rules.section("mail").get("sender", {}).get("vipnet_header", "")).strip().lower()
    if header and ctx.registry.identify(letter.from_address) is not None and not letter.headers.get(header):
        return f"no {header} header: the letter did not come over ViPNet"
    return None
