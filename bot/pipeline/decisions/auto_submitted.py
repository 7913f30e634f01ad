from __future__ import annotations

from bot.pipeline.model import Context, Letter

NAME = "auto_submitted"
DESCRIPTION = "The letter was sent by a machine (RFC 3834 Auto-Submitted, or an autoresponder's own marks)."


def check(letter: Letter, ctx: Context) -> str | None:
    auto = letter.headers.get("auto-submitted", "").split(";")[0].strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    if letter.headers.get("precedence", "").strip().lower() == "auto_reply":
        return "Precedence: auto_reply"
    for header in ("x-autoreply", "x-autorespond"):
        if header in letter.headers:
            return f"{header} present"
    return None
