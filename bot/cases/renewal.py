"""Which case renews which certificate: the link between an old certificate and its renewal.

A newer case renews an older case's certificate when it names it (`replaces`, recorded by
`request add --replaces`), or, without that, when it is the same organisation and the same
owner (by name). Rotation reminders about the old certificate stop once the renewal has
its full set (a stalled renewal does not silence them), or at once when it names the
certificate explicitly (its own reminders take over). Pure functions of the cases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.cases import model as m
from bot.cases.matching import name_score
from bot.cases.policy import Policy
from bot.ids import normalise_inn


@dataclass(frozen=True)
class Certificate:
    case_id: str
    serial: str
    not_after: date


def _serials(case: Mapping[str, Any]) -> set[str]:
    return {str(ev.get("serial")).upper() for ev in case.get("events", [])
            if ev["kind"] in (m.CERTIFICATE_MADE, m.CERTIFICATE_REISSUED) and ev.get("serial")}


def _explicit(new: Mapping[str, Any], old: Mapping[str, Any]) -> bool:
    ref = new.get("replaces") or {}
    return bool(ref) and (ref.get("case") == old.get("id") or str(ref.get("serial", "")).upper() in _serials(old))


def _start(case: Mapping[str, Any]) -> tuple[str, str]:
    """When a renewal began: the day its certificate was made, else the day the case opened.

    (A certificate registered from before the bot counts from the day it was made, not from
    the day it was imported.)"""
    made = next((str(ev.get("on")) for ev in case.get("events", []) if ev["kind"] == m.CERTIFICATE_MADE), None)
    opened = str(case.get("opened_at", ""))
    return (made or opened[:10], opened)


def _implicit(new: Mapping[str, Any], old: Mapping[str, Any], policy: Policy) -> bool:
    if new.get("replaces"):
        return False
    if normalise_inn(new.get("inn")) != normalise_inn(old.get("inn")):
        return False
    if _start(new) <= _start(old):
        return False
    return name_score(new.get("owner"), old.get("owner")) >= policy.match_accept


def renewals(case: Mapping[str, Any], cases: Sequence[Mapping[str, Any]], policy: Policy,
             today: date) -> list[tuple[Mapping[str, Any], m.Status, bool]]:
    """The live (not cancelled) newer cases renewing `case`'s certificate: (case, status, explicit)."""
    out = []
    for other in cases:
        if other.get("id") == case.get("id"):
            continue
        explicit = _explicit(other, case)
        if not explicit and not _implicit(other, case, policy):
            continue
        st = m.derive(dict(other), policy, today)
        if not st.cancelled:
            out.append((other, st, explicit))
    return out


def rotation_ended(case: Mapping[str, Any], cases: Sequence[Mapping[str, Any]], policy: Policy,
                   today: date) -> bool:
    """No more rotation reminders: a renewal names this certificate, or has its full set."""
    return any(explicit or st.full_set_on is not None or st.made_on is not None
               for _, st, explicit in renewals(case, cases, policy, today))


def stalled_renewal(case: Mapping[str, Any], cases: Sequence[Mapping[str, Any]], policy: Policy,
                    today: date) -> tuple[Mapping[str, Any], m.Status] | None:
    """A renewal of `case`'s certificate that has started but has no full set yet."""
    for other, st, _ in renewals(case, cases, policy, today):
        if st.state in m.STALLED:
            return other, st
    return None


def replaced_certificate(case: Mapping[str, Any], cases: Sequence[Mapping[str, Any]], policy: Policy,
                         today: date) -> Certificate | None:
    """The certificate `case` renews (explicitly named, else the same owner's latest one)."""
    best: Certificate | None = None
    for other in cases:
        if other.get("id") == case.get("id"):
            continue
        if not (_explicit(case, other) or _implicit(case, other, policy)):
            continue
        st = m.derive(dict(other), policy, today)
        if st.cancelled or not st.serial or st.not_after is None:
            continue
        if best is None or st.not_after > best.not_after:
            best = Certificate(str(other.get("id")), st.serial, st.not_after)
    return best
