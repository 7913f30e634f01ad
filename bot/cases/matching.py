"""Which case does a scan (or a request, or a certificate) belong to?

By the organisation (the sender, cross-checked with the ИНН/ОГРН read from the scan),
then the owner's name — tolerant of case, ё/е, initials and OCR slips (rapidfuzz) —
and the ViPNet node. Anything that fits several cases, or nothing clearly, goes to a
person: the matcher never guesses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from bot import lookalikes
from bot.ids import digits, normalise_inn, valid_inn, valid_ogrn
from bot.registry import normalise_node


def name_tokens(name: str | None) -> list[str]:
    text = lookalikes.fold(name or "")  # Latin letters OCR puts in Cyrillic words
    # «Иванов И.И.» -> иванов и и ; hyphenated surnames stay one token
    return [t for t in re.split(r"[^\w-]+|_", text) if t and t != "-"]


def name_score(a: str | None, b: str | None) -> float:
    """Similarity (0–100) of two owners' names, forgiving initials and OCR slips."""
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb:
        return 0.0
    surname = fuzz.ratio(ta[0], tb[0])
    rest_a, rest_b = ta[1:], tb[1:]
    if not rest_a or not rest_b:
        return surname * 0.95 if surname >= 90 else surname * 0.8  # surname only: a weaker hint
    scores = []
    for x, y in zip(rest_a, rest_b, strict=False):
        if len(x) == 1 or len(y) == 1:  # an initial against a name or an initial
            scores.append(100.0 if x[0] == y[0] else 0.0)
        else:
            scores.append(fuzz.ratio(x, y))
    given = sum(scores) / len(scores)
    tokenwise = 0.6 * surname + 0.4 * given
    if min(len(t) for t in ta + tb) > 1 and len(ta) == len(tb):
        # full names on both sides: OCR slips spread over the whole string weigh less
        return max(tokenwise, fuzz.ratio(" ".join(ta), " ".join(tb)))
    return tokenwise


def same_node(a: str | None, b: str | None) -> bool:
    """ViPNet node ids (0x1A0E000B, 1A0E000B) or names, compared loosely."""
    if not a or not b:
        return False

    def norm(v: str) -> str:
        v = v.strip()
        hexed = re.fullmatch(r"(?:0x)?([0-9a-fA-F]{8})", v)
        return hexed.group(1).upper() if hexed else normalise_node(v)

    return norm(a) == norm(b)


@dataclass(frozen=True)
class Match:
    """What the matcher decided.

    kind: "case" (one case fits: `case_id`), "new" (no case fits: open one),
    "ambiguous" (several fit, or a name is too close to call), "inn_mismatch"
    (the scan names another organisation), "unknown_organisation".
    """

    kind: str
    case_id: str | None = None
    candidates: tuple[str, ...] = ()
    reason: str = ""
    inn: str = ""


def check_identity(org_inn: str, org_ogrn: str, fields: dict[str, Any]) -> tuple[bool, str]:
    """Does what the scan says (ИНН, ОГРН) contradict the sender? Unreadable values don't count."""
    inn = normalise_inn(fields.get("inn"))
    if inn and valid_inn(inn) and org_inn and inn != normalise_inn(org_inn):
        return False, f"ИНН в заявке {inn} не совпадает с ИНН отправителя {org_inn}"
    ogrn = digits(fields.get("ogrn"))
    if ogrn and valid_ogrn(ogrn) and org_ogrn and ogrn != digits(org_ogrn):
        return False, f"ОГРН в заявке {ogrn} не совпадает с ОГРН отправителя {org_ogrn}"
    return True, ""


def pick_case(
    cases: Sequence[dict[str, Any]], owner: str | None, node: str | None, *, accept: float, reject: float,
) -> Match:
    """Among one organisation's open cases, the one for this owner (and node)."""
    if not cases:
        return Match("new", reason="нет открытых дел организации")
    if not name_tokens(owner):
        # no owner name read: only a single open case can be meant; a node can still pick one
        by_node = [c for c in cases if same_node(c.get("node"), node)]
        if len(by_node) == 1:
            return Match("case", by_node[0]["id"], reason="совпал узел ViPNet")
        if len(cases) == 1:
            return Match("case", cases[0]["id"], reason="единственное открытое дело организации")
        return Match("ambiguous", candidates=_ids(cases),
                     reason="ФИО владельца не прочитано, а открытых дел организации несколько")

    fits: list[dict[str, Any]] = []
    close: list[dict[str, Any]] = []
    unnamed: list[dict[str, Any]] = []
    for case in cases:
        if not name_tokens(case.get("owner")):
            unnamed.append(case)
            continue
        score = name_score(owner, case.get("owner"))
        if score >= accept:
            fits.append(case)
        elif score >= reject:
            close.append(case)
    if len(fits) > 1:
        by_node = [c for c in fits if same_node(c.get("node"), node)]
        if len(by_node) == 1:
            return Match("case", by_node[0]["id"], reason="ФИО и узел ViPNet")
        return Match("ambiguous", candidates=_ids(fits), reason="ФИО подходит к нескольким делам")
    if close:
        return Match("ambiguous", candidates=_ids(fits + close),
                     reason="ФИО похоже, но не совпадает с владельцем в деле")
    if len(fits) == 1:
        return Match("case", fits[0]["id"], reason="совпало ФИО владельца")
    if len(unnamed) == 1:
        return Match("case", unnamed[0]["id"], reason="дело без ФИО владельца")
    if len(unnamed) > 1:
        return Match("ambiguous", candidates=_ids(unnamed), reason="несколько дел без ФИО владельца")
    return Match("new", reason="ФИО не совпадает ни с одним открытым делом")


def _ids(cases: Iterable[dict[str, Any]]) -> tuple[str, ...]:
    return tuple(c["id"] for c in cases)
