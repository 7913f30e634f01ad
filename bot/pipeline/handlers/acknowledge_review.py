"""A letter parked for review, from a registered address: «получено и передано специалисту».

Only for the reasons listed in rules/mail.toml [replies.acknowledge] (never a reply-cap hit,
a possible spoof or an unknown sender), never to an automatic letter (RFC 3834), and once
per letter: the answer is queued with the letter's record, like any reply.
"""

from __future__ import annotations

from dataclasses import asdict

from bot.digest.compose import REVIEW_REASON_NAMES, review_reason
from bot.pipeline.decisions import auto_submitted, delivery_report, mailing_list, null_sender, own_address
from bot.pipeline.handlers.compose_reply import answerable, received_at, reply_message
from bot.pipeline.model import REVIEW, Context, Letter, Outcome
from bot.rules import Rules, RulesError

NAME = "acknowledge_review"
# Reasons that must never be answered: a loop, a sender who is not who it claims, no registered address.
NEVER = ("reply_cap", "sender_spoof", "unknown_sender")
_AUTOMATIC = (auto_submitted, delivery_report, mailing_list, null_sender, own_address)


def validate(rules: Rules) -> None:
    """Checked when the chain is loaded: known reasons only, none of NEVER."""
    section = rules.section("mail").get("replies", {}).get("acknowledge", {})
    reasons = section.get("reasons", [])
    if not isinstance(reasons, list) or any(r not in REVIEW_REASON_NAMES or r in NEVER for r in reasons):
        raise RulesError(f"mail.toml: replies.acknowledge.reasons — допустимы только "
                         f"{', '.join(sorted(set(REVIEW_REASON_NAMES) - set(NEVER)))}")
    if not isinstance(section.get("template"), str):
        raise RulesError("mail.toml: replies.acknowledge.template — нужно имя шаблона")


def run(letter: Letter, outcome: Outcome, ctx: Context) -> Outcome:
    if outcome.action != REVIEW or outcome.reply is not None:
        return outcome
    if outcome.organisation is None:  # a letter that failed before the chain looked its sender up
        outcome = outcome.with_(organisation=ctx.registry.identify(letter.from_address))
    if not answerable(letter, outcome):
        return outcome
    section = ctx.rules.section("mail")["replies"]["acknowledge"]
    code = review_reason([asdict(h) for h in outcome.hits], outcome.case, outcome.scan)
    if code not in section["reasons"]:
        return outcome
    if any(rule.check(letter, ctx) for rule in _AUTOMATIC):
        return outcome
    body = ctx.rules.render(section["template"], reason=code, subject=letter.subject,
                            received=received_at(letter, ctx), organisation=outcome.organisation,
                            files=[s.as_dict() for s in outcome.saved])
    return outcome.with_(reply=reply_message(letter, outcome, ctx, body))
