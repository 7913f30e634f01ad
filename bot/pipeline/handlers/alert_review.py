"""Review handler: tell the InfoSec head at once about a letter that waits for a person.

Runs inside the mail loop's store transaction for letters parked for review (and, in the
commit phase, for accepted letters whose scan check answered `review`), so the
alert, its record (table "alerts") and the letter's outcome are committed together:
a letter retried after a crash does not alert twice. Only the reasons listed in
rules/digest.toml [alerts.review] alert (an unknown sender, a processing failure, an
ambiguous case match...); everything else waits for the digest.

Rate limits: at most `per_sender_per_day` alerts per sender a day, and at most
`daily_cap` alerts a day in all — when the cap is reached, one last notice says so.
"""

from __future__ import annotations

from tinydb import Query

from bot import logs, outbox
from bot.clock import MOSCOW
from bot.digest.compose import REVIEW_REASON_NAMES, review_reason, ru_dt
from bot.digest.settings import load_digest
from bot.pipeline.model import ACCEPT, Context, Letter, Outcome

NAME = "alert_review"
ALERTS = "alerts"
log = logs.get("bot.pipeline.alert_review")


def _queue(ctx: Context, subject: str, body: str, ref: str) -> int:
    msg = outbox.make_message(sender=ctx.bot_address, to=ctx.infosec_head, subject=subject, body=body,
                              kind="alert", now=ctx.now)
    return int(outbox.queue(ctx.store, msg, kind="alert", ref=ref, now=ctx.now))


def run(letter: Letter, outcome: Outcome, ctx: Context) -> Outcome:
    settings = load_digest(ctx.rules)
    hits = [{"decision": h.decision, "reason": h.reason} for h in outcome.hits]
    code = review_reason(hits, outcome.case, outcome.scan)
    if code not in settings.review_reasons or not ctx.infosec_head:
        return outcome
    table = ctx.store.table(ALERTS)
    q = Query()
    day = ctx.now.astimezone(MOSCOW).date().isoformat()
    sender = letter.from_address or "(без адреса)"
    record = {"kind": "review", "day": day, "at": ctx.now.isoformat(), "sender": sender, "letter": letter.key,
              "reason": code}
    if table.contains((q.kind == "review") & (q.letter == letter.key)):
        return outcome  # the same letter again (retried): already alerted
    if table.count((q.kind == "review") & (q.day == day) & (q.sender == sender)) >= settings.per_sender_per_day:
        table.insert({**record, "suppressed": "per_sender"})
        return outcome
    sent_today = table.count((q.kind == "review") & (q.day == day) & ~q.suppressed.exists())
    folder = str(ctx.rules.value("mail", "folders.review"))
    if sent_today >= settings.daily_cap:
        table.insert({**record, "suppressed": "daily_cap"})
        if not table.contains((q.kind == "review_cap") & (q.day == day)):
            body = ctx.rules.render("alert_review_cap.txt.j2", cap=settings.daily_cap, folder=folder)
            _queue(ctx, settings.review_subject_cap, body, f"review-cap:{day}")
            table.insert({"kind": "review_cap", "day": day, "at": ctx.now.isoformat()})
            log.warning("review alerts capped for today", day=day, cap=settings.daily_cap)
        return outcome
    scan_why = [str(outcome.scan["reason"])] if outcome.scan and outcome.scan.get("verdict") == "review" \
        and outcome.scan.get("reason") else []
    detail = "; ".join(settings.decision_texts(hits) + scan_why + list(outcome.notes))
    shown = f"{letter.from_name} <{sender}>" if letter.from_name and letter.from_name != sender else sender
    common = {"sender": shown, "subject": letter.subject or "(без темы)", "received": ru_dt(letter.date or ctx.now),
              "folder": folder, "letter_key": letter.key}
    if code == "sender_spoof":  # its own text: whom the name claims, and what to check
        body = ctx.rules.render("alert_sender_spoof.txt.j2", **common,
                                claimed=ctx.registry.claimed_node(letter.from_address, letter.from_name),
                                vipnet_header=ctx.rules.section("mail").get("sender", {}).get("vipnet_header", ""))
    else:
        body = ctx.rules.render("alert_review.txt.j2", reason=REVIEW_REASON_NAMES[code], reason_code=code,
                                detail=detail, answered=outcome.action == ACCEPT,
                                case_id=(outcome.case or {}).get("id"), **common)
    subject = f"{settings.review_subject}: {REVIEW_REASON_NAMES[code]}"
    outbox_id = _queue(ctx, subject, body, f"review:{letter.key}")
    table.insert({**record, "outbox_id": outbox_id})
    log.info("review alert queued", letter=letter.key, reason=code, outbox_id=outbox_id)
    return outcome.with_(notes=outcome.notes + ("руководителю ИБ отправлено оповещение",))
