"""Pipeline handler: put the checked scan on its renewal case.

Runs inside the mail loop's store transaction. Finds the case by the sender
organisation, the ИНН/ОГРН read from the scan, the owner's name and the node
(bot.cases.matching); records the scan on it, or opens a case waiting for the
electronic request. A scan that fits several cases, or names another organisation,
goes to review. The same letter processed twice is recorded once.

Returns the outcome with `case` = the case view (bot.cases.views.case_view) plus:
  event     what happened: scan_recorded, waiting_for_request, full_set, scan_replaced,
            already_recorded, ambiguous, inn_mismatch, not_recorded
  due       ISO date the certificate is due (when the set is full), else None
  template  a Russian text fragment in rules/templates/ for the reply (or None)
  replaced  True when this scan replaces a defective one
  reason, candidates  why the matcher decided so (for review notes)
"""

from __future__ import annotations

from typing import Any

from bot import logs
from bot.cases import model as m
from bot.cases import service
from bot.cases.matching import check_identity, pick_case
from bot.cases.policy import load_policy
from bot.cases.repo import all_cases
from bot.cases.views import case_view
from bot.pipeline.model import REVIEW, Context, Letter, Outcome

NAME = "match_case"
log = logs.get("bot.pipeline.match_case")
AFTER_CERTIFICATE = (m.CERTIFICATE_MADE_STATE, m.OVERDUE, m.SUSPENDED_STATE)
# verdicts of an application form: good, defective, or awaiting a person (the state does not move)
RECORDABLE = ("complete", "incomplete", "review")

TEMPLATES = {
    m.WAITING_FOR_REQUEST: "case_waiting_for_request.txt.j2",
    m.FULL_SET_STATE: "case_full_set.txt.j2",
}
DEFAULT_TEMPLATE = "case_scan_recorded.txt.j2"


def _empty(event: str, reason: str = "", **extra: Any) -> dict[str, Any]:
    return {"id": None, "state": None, "event": event, "due": None, "template": None,
            "reason": reason, "candidates": [], "replaced": False, **extra}


def _result(view: dict[str, Any], event: str, *, reason: str = "", replaced: bool = False) -> dict[str, Any]:
    return {**view, "event": event, "due": view.get("certificate_due") if view["state"] == m.FULL_SET_STATE
            else None, "template": TEMPLATES.get(view["state"], DEFAULT_TEMPLATE), "reason": reason,
            "candidates": [], "replaced": replaced}


def _already(store: Any, letter: Letter) -> dict[str, Any] | None:
    if not letter.sha256:
        return None
    for case in all_cases(store):
        for ev in case.get("events", []):
            if ev["kind"] == m.SCAN_RECEIVED and ev.get("letter_sha256") == letter.sha256:
                return case
    return None


def run(letter: Letter, outcome: Outcome, ctx: Context) -> Outcome:
    scan = outcome.scan
    org = outcome.organisation
    if scan is None or org is None:
        return outcome
    policy = load_policy(ctx.rules)
    today = service.today_of(ctx.now)
    fields: dict[str, Any] = dict(scan.get("fields") or {})
    verdict = str(scan.get("verdict") or "")

    done = _already(ctx.store, letter)
    if done is not None:
        return outcome.with_(case=_result(case_view(done, policy, today), "already_recorded"))

    ok, why = check_identity(org.inn, org.ogrn, fields)
    if not ok:
        note = f"Заявка не сопоставлена с делом: {why}"
        return outcome.with_(action=REVIEW, notes=outcome.notes + (note,),
                             case=_empty("inn_mismatch", why))

    candidates = service.open_cases(ctx.store, policy, org.inn, today)
    match = pick_case(candidates, fields.get("owner_name"), fields.get("vipnet_node"),
                      accept=policy.match_accept, reject=policy.match_reject)
    if match.kind == "ambiguous":
        note = f"Заявка подходит к нескольким делам ({', '.join(match.candidates)}): {match.reason}"
        return outcome.with_(action=REVIEW, notes=outcome.notes + (note,),
                             case=_empty("ambiguous", match.reason, candidates=list(match.candidates)))

    case = next((c for c in candidates if c["id"] == match.case_id), None)
    if case is None and fields.get("owner_name"):
        # the scan sent again after the certificate was made: it belongs to that case, not a new one
        made = service.open_cases(ctx.store, policy, org.inn, today, states=AFTER_CERTIFICATE)
        late = pick_case(made, fields.get("owner_name"), fields.get("vipnet_node"),
                         accept=policy.match_accept, reject=policy.match_reject)
        if late.kind == "case":
            case = next(c for c in made if c["id"] == late.case_id)
            match = late
    if case is None and (verdict not in RECORDABLE or (verdict == "review" and not scan.get("form"))):
        # not an application (or unreadable) and no case to put it on: nothing to open a case for
        return outcome.with_(case=_empty("not_recorded", f"вердикт {verdict}: дело не открыто"))

    letter_ref = {"message_id": letter.message_id or None, "letter_key": letter.key,
                  "letter_sha256": letter.sha256}
    rec = service.record_scan(ctx.store, policy, case, org, verdict=verdict, fields=fields, on=today,
                              now=ctx.now, letter=letter_ref)
    view = case_view(rec.case, policy, today)
    replaced = bool(rec.added and rec.added[0].get("replaces_defective"))
    if any(ev["kind"] == m.FULL_SET for ev in rec.added):
        event = "full_set"
    elif rec.created and view["state"] == m.WAITING_FOR_REQUEST:
        event = "waiting_for_request"
    elif replaced:
        event = "scan_replaced"
    else:
        event = "scan_recorded"
    log.info("scan put on case", case=view["id"], case_event=event, state=view["state"], letter=letter.key)
    return outcome.with_(case=_result(view, event, reason=match.reason, replaced=replaced))
