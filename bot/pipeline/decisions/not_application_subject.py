from __future__ import annotations

from bot.mail.subject import NEAR, SubjectRule
from bot.pipeline.model import Context, Letter

NAME = "not_application_subject"
DESCRIPTION = ("The subject is not «Заявка на сертификат ViPNet» (after normalisation); a near miss "
               "(rules/mail.toml [subject.near]) counts only from a registered address with a scan attached.")


def has_scan(letter: Letter, ctx: Context) -> bool:
    kinds = set(ctx.rules.value("mail", "attachments.kinds"))
    return any(a.kind in kinds for a in letter.attachments)


def check(letter: Letter, ctx: Context) -> str | None:
    rule = SubjectRule.from_rules(ctx.rules.section("mail"))
    kind = rule.classify(letter.subject)
    if kind is None:
        return f"subject {letter.subject!r} is not the application subject"
    if kind == NEAR and (ctx.registry.identify(letter.from_address) is None or not has_scan(letter, ctx)):
        return f"subject {letter.subject!r} is only close to the application subject, and not from a registered address with a scan"
    return None
