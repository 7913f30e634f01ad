from __future__ import annotations

from bot.mail.subject import SubjectRule
from bot.pipeline.model import Context, Letter

NAME = "not_application_subject"
DESCRIPTION = "The subject is not «Заявка на сертификат ViPNet» (after normalisation)."


def check(letter: Letter, ctx: Context) -> str | None:
    rule = SubjectRule.from_rules(ctx.rules.section("mail"))
    if rule.matches(letter.subject):
        return None
    return f"subject {letter.subject!r} is not the application subject"
