from __future__ import annotations

from bot.mail.subject import NEAR, SubjectRule
from bot.pipeline.model import Context, Letter

NAME = "near_subject"
DESCRIPTION = ("The subject is close to «Заявка на сертификат ViPNet» but not it (rules/mail.toml [subject.near]); "
               "the letter is from a registered address and carries a scan.")


def check(letter: Letter, ctx: Context) -> str | None:
    rule = SubjectRule.from_rules(ctx.rules.section("mail"))
    if rule.classify(letter.subject) == NEAR:
        return f"subject {letter.subject!r} is close to the application subject, not it"
    return None
