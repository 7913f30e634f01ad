from __future__ import annotations

from bot.pipeline.model import Context, Letter

NAME = "null_sender"
DESCRIPTION = "No one to answer: null Return-Path, no From, or a mailer daemon / list robot."

# Local parts that are robots, after Pigeonhole's vacation extension (RFC 5230 §4.6).
_ROBOTS = {"mailer-daemon", "postmaster", "listserv", "majordomo", "noreply", "no-reply", "do-not-reply"}


def check(letter: Letter, ctx: Context) -> str | None:
    if letter.return_path == "":
        return "null Return-Path <>"
    if not letter.from_address:
        return "no From address"
    local = letter.from_address.split("@", 1)[0]
    if local in _ROBOTS or local.startswith("owner-") or local.endswith("-request"):
        return f"sender {letter.from_address} is a robot"
    return None
