"""Write the answer to the organisation (template: rules/templates/, named in mail.toml)."""

from __future__ import annotations

import re
from email.utils import formataddr

from bot import outbox
from bot.pipeline.model import ACCEPT, Context, Letter, Outcome
from bot.scan.config import defect_texts

NAME = "compose_reply"
_REPLY_PREFIX = re.compile(r"^(?:(?:re|ответ|отв)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*)+", re.IGNORECASE)


def run(letter: Letter, outcome: Outcome, ctx: Context) -> Outcome:
    if outcome.action != ACCEPT:
        return outcome
    replies = ctx.rules.section("mail")["replies"]
    received = (letter.date or ctx.now).astimezone(ctx.now.tzinfo).strftime("%d.%m.%Y %H:%M")
    case = outcome.case or {}
    review = (outcome.scan or {}).get("verdict") == "review"
    body = ctx.rules.render(
        replies["review_template"] if review else replies["template"],
        subject=letter.subject,
        received=received,
        organisation=outcome.organisation,
        files=[s.as_dict() for s in outcome.saved],
        scan=outcome.scan,
        scan_defects=defect_texts(outcome.scan.get("defects") or [], ctx.rules) if outcome.scan else [],
        case=case,
        case_template=case.get("template"),
    )
    # One "Re: " in front, not "Re: RE: …": the letter's own reply prefix is dropped first.
    subject = _REPLY_PREFIX.sub("", letter.subject.strip()) or ctx.rules.value("mail", "subject.expected")
    message = outbox.make_message(
        sender=ctx.bot_address,
        # formataddr quotes/encodes the name: ViPNet node names carry brackets.
        to=formataddr((letter.from_name, letter.from_address), charset="utf-8"),
        subject=f"{replies['subject_prefix']}{subject}",
        body=body,
        kind="reply",
        now=ctx.now,
        in_reply_to=letter.message_id or None,
        references=letter.references or None,
    )
    return outcome.with_(reply=message)
