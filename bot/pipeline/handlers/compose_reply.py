"""Write the answer to the organisation (template: rules/templates/, named in mail.toml)."""

from __future__ import annotations

import re
from email.message import EmailMessage
from email.utils import formataddr

from bot import outbox
from bot.clock import MOSCOW
from bot.pipeline.model import ACCEPT, Context, Letter, Outcome
from bot.scan.config import defect_texts, unsure_texts

NAME = "compose_reply"
_REPLY_PREFIX = re.compile(r"^(?:(?:re|ответ|отв)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*)+", re.IGNORECASE)


def answerable(letter: Letter, outcome: Outcome) -> bool:
    """Answers go only to an address in the registry (the chain sees to it too)."""
    return outcome.organisation is not None and letter.from_address in outcome.organisation.emails


def received_at(letter: Letter, ctx: Context) -> str:
    return (letter.date or ctx.now).astimezone(ctx.now.tzinfo).strftime("%d.%m.%Y %H:%M")


def reply_message(letter: Letter, outcome: Outcome, ctx: Context, body: str) -> EmailMessage:
    """The answer to the letter's sender, and every other address of its organisation."""
    replies = ctx.rules.section("mail")["replies"]
    # One "Re: " in front, not "Re: RE: …": the letter's own reply prefix is dropped first.
    subject = _REPLY_PREFIX.sub("", letter.subject.strip()) or ctx.rules.value("mail", "subject.expected")
    others = [a for a in (outcome.organisation.emails if outcome.organisation else ())
              if a != letter.from_address.strip().lower()]
    return outbox.make_message(
        sender=ctx.bot_address,
        # formataddr quotes/encodes the name: ViPNet node names carry brackets.
        to=", ".join([formataddr((letter.from_name, letter.from_address), charset="utf-8"), *others]),
        subject=f"{replies['subject_prefix']}{subject}",
        body=body,
        kind="reply",
        now=ctx.now,
        in_reply_to=letter.message_id or None,
        references=letter.references or None,
        reply_to=ctx.reply_to or None,
    )


def run(letter: Letter, outcome: Outcome, ctx: Context) -> Outcome:
    if outcome.action != ACCEPT or not answerable(letter, outcome):
        return outcome
    replies = ctx.rules.section("mail")["replies"]
    case = outcome.case or {}
    review = (outcome.scan or {}).get("verdict") == "review"  # the check was not sure: a person decides
    body = ctx.rules.render(
        replies["review_template"] if review else replies["template"],
        subject=letter.subject,
        received=received_at(letter, ctx),
        organisation=outcome.organisation,
        files=[s.as_dict() for s in outcome.saved],
        scan=outcome.scan,
        scan_defects=defect_texts(outcome.scan.get("defects") or [], ctx.rules) if outcome.scan else [],
        scan_unsure=unsure_texts(outcome.scan.get("doubts") or [], ctx.rules) if outcome.scan else [],
        case=case,
        case_template=case.get("template"),
        as_of=ctx.now.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M"),   # «по состоянию на …»
        today=ctx.now.astimezone(MOSCOW).date().isoformat(),
    )
    return outcome.with_(reply=reply_message(letter, outcome, ctx, body))
