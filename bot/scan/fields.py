"""The application's fields from OCR lines, with check-digit validation of ИНН, ОГРН, СНИЛС."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from rapidfuzz import fuzz

from bot import lookalikes
from bot.ids import valid_inn, valid_ogrn, valid_snils
from bot.scan.form import clean
from bot.scan.ocr import Line

# OCR look-alikes of digits and hex letters: rules/lookalikes.toml
_DIGIT_FIX = lookalikes.TO_DIGITS
_HEX_FIX = lookalikes.TO_HEX
_NODE_HEX = re.compile(r"0x([0-9A-Fa-f]{8})\b")


def _digit_runs(text: str) -> list[str]:
    """Runs of digits (spaces and dashes inside a number allowed); look-alike letters fixed only in
    tokens that are mostly digits already (so «ОГРН» after a number does not become «0»)."""
    tokens = []
    for tok in re.split(r"\s+", text):
        digits = sum(ch.isdigit() for ch in tok)
        if digits >= 2 and digits >= 0.6 * len(re.sub(r"[\-:;,.]", "", tok) or "x"):
            tokens.append(tok.translate(_DIGIT_FIX))
        else:
            tokens.append("|")
    fixed = " ".join(tokens)
    runs = re.findall(r"\d[\d \-]*\d|\d", fixed)
    return [re.sub(r"[ \-]", "", r) for r in runs]


def _after_label(lines: Sequence[Line], labels: Sequence[str]) -> list[str]:
    """Text that follows a label: the rest of its line, then the next line.

    Labels are tried in their order (the most specific first), each over all the lines: a
    sentence that happens to start with a short label's word («организации для работы…»)
    must not win over the field's own line («Полное наименование организации: …»).
    """
    out: list[str] = []
    taken: set[int] = set()
    for lab in labels:
        for i, ln in enumerate(lines):
            if i in taken:
                continue
            norm = clean(ln.text)
            m = re.search(r"(?<!\w)" + re.escape(lab) + r"(?!\w)", norm)
            if m:
                n_before = len(norm[:m.start()].split())
                rest_words = ln.words[n_before + len(lab.split()):]
            else:
                # fuzzy: the label at the line's start
                k = len(lab.split())
                head = " ".join(norm.split()[:k])
                if not head or fuzz.ratio(head, lab) < 85:
                    continue
                rest_words = ln.words[k:]
            taken.add(i)
            out.append(" ".join(w.text for w in rest_words).strip(" :—-–"))
            if i + 1 < len(lines):
                out.append(lines[i + 1].text)
    return out


def _pick(cands: Sequence[str], lengths: tuple[int, ...], valid: Callable[[str], bool]) -> tuple[str | None, bool]:
    seen: list[str] = []
    for text in cands:
        for run in _digit_runs(text):
            if len(run) in lengths:
                if valid(run):
                    return run, True
                seen.append(run)
    return (seen[0], False) if seen else (None, False)


def extract(lines: Sequence[Line], labels: dict[str, tuple[str, ...]]) -> dict[str, object]:
    """Field values (None when absent) and whether each number passed its check digits."""
    def lab(key: str, default: list[str]) -> list[str]:
        return [clean(v) for v in labels.get(key, tuple(default))]

    inn, inn_ok = _pick(_after_label(lines, lab("inn", ["инн"])), (10, 12), valid_inn)
    ogrn, ogrn_ok = _pick(_after_label(lines, lab("ogrn", ["огрн"])), (13, 15), valid_ogrn)
    snils, snils_ok = _pick(_after_label(lines, lab("snils", ["снилс"])), (11,), valid_snils)
    if snils:
        snils = f"{snils[0:3]}-{snils[3:6]}-{snils[6:9]} {snils[9:11]}"

    def text_field(key: str, default: list[str]) -> str | None:
        for cand in _after_label(lines, lab(key, default))[:1]:
            value = cand.strip(" :—-–_")
            if len(value) >= 3:
                return value
        return None

    owner = text_field("owner_name", ["фамилия имя отчество"])
    if owner:
        words = [w for w in re.split(r"\s+", owner) if re.fullmatch(r"[А-ЯЁ][а-яё\-]+", w)]
        owner = " ".join(words[:3]) if len(words) >= 2 else owner
    node = None
    for ln in lines:
        m = _NODE_HEX.search(ln.text.translate(_HEX_FIX))
        if m:
            node = "0x" + m.group(1).upper()
            break
    if node is None:
        node = text_field("vipnet_node", ["идентификатор узла"])
    return {
        "inn": inn, "ogrn": ogrn, "snils": snils,
        "owner_name": owner,
        "organisation": text_field("organisation", ["наименование организации"]),
        "position": text_field("position", ["должность"]),
        "vipnet_node": node,
        "valid": {"inn": inn_ok, "ogrn": ogrn_ok, "snils": snils_ok},
    }
