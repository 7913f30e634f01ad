"""The application's fields from OCR lines, with check-digit validation of ИНН, ОГРН, СНИЛС."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from rapidfuzz import fuzz

from bot import lookalikes
from bot.ids import valid_inn, valid_ogrn, valid_snils
from bot.scan.form import clean
from bot.scan.ocr import Line, Word

# OCR look-alikes of digits and hex letters: rules/lookalikes.toml
_DIGIT_FIX = lookalikes.TO_DIGITS
_HEX_FIX = lookalikes.TO_HEX
# a СНИЛС as written, «589-706-322 51»; a copy's specks read as punctuation beside a dash
# («243-253: -085 40») are let through, the dashes are not
_SEP = r"[\s:;.,]{0,2}-[\s:;.,]{0,2}"
_SNILS_FORM = re.compile(rf"(?<![\d-])\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{3}}[\s:;.,-]{{1,2}}\d{{2}}(?![\d-])")
# Words of a number are one space apart (a space is about 0.3 of a digit's height; an OCR split
# inside a number is closer still); a speck or a cell's far text read as digits beside the number
# («1032945688544  21°» on a copier's noise) is a text height or more away. When the run as read
# fails its check, such a gap ends the number (a comb of cells or letter-spacing spaces a number's
# digits wider: the run as read is tried first).
NUMBER_GAP = 0.8  # of the words' height
_NODE_HEX = re.compile(r"0x([0-9A-Fa-f]{8})\b")
# the form's numbers: their lengths in digits (ИНН of an organisation or a person, ОГРН or ОГРНИП)
# and their check
NUMBERS: dict[str, tuple[tuple[int, ...], Callable[[str], bool]]] = {
    "inn": ((10, 12), valid_inn),
    "ogrn": ((13, 15), valid_ogrn),
    "snils": ((11,), valid_snils),
}


def format_snils(digits: str) -> str:
    """A СНИЛС's 11 digits as it is written: «589-706-322 51»."""
    return f"{digits[0:3]}-{digits[3:6]}-{digits[6:9]} {digits[9:11]}"


def line_text(words: Sequence[Word], gaps: bool = True) -> str:
    """Words joined with spaces, with «|» at a gap too wide for one number (NUMBER_GAP) when
    `gaps`: the digit runs (digit_runs) then stop there."""
    if not gaps:
        return " ".join(w.text for w in words)
    out = [words[0].text] if words else []
    for prev, w in zip(words, words[1:], strict=False):
        out.append(" | " if w.x0 - prev.x1 > NUMBER_GAP * max(prev.h, w.h, 1) else " ")
        out.append(w.text)
    return "".join(out)


def digitish(tok: str) -> bool:
    """A token that is mostly digits (a number's part, look-alike letters aside)."""
    digits = sum(ch.isdigit() for ch in tok)
    return digits >= 2 and digits >= 0.6 * len(re.sub(r"[\-:;,.]", "", tok) or "x")


def digit_runs(text: str) -> list[str]:
    """Runs of digits (spaces and dashes inside a number allowed); look-alike letters fixed only in
    tokens that are mostly digits already (so «ОГРН» after a number does not become «0»)."""
    tokens = []
    for tok in re.split(r"\s+", text):
        if digitish(tok):
            tokens.append(tok.translate(_DIGIT_FIX))
        else:
            tokens.append("|")
    fixed = " ".join(tokens)
    runs = re.findall(r"\d[\d \-]*\d|\d", fixed)
    return [re.sub(r"[ \-]", "", r) for r in runs]


def _label_at_start(norm: str, lab: str) -> int:
    """How many words of a line's start read as the label, or as its first words when the
    label wraps in its table cell («Фамилия, имя,» / «отчество»): 0 when it does not."""
    words, parts = norm.split(), lab.split()
    for n in range(len(parts), 0, -1):
        if n < min(2, len(parts)):
            break  # one word of a longer label is too little to go by
        head = " ".join(words[:n])
        if head and fuzz.ratio(head, " ".join(parts[:n])) >= 85:
            return n
        # a word read in two pieces («Фамил ия»): the letters without spaces nearly the same
        if n >= 2 and len(words) > n and fuzz.ratio("".join(words[:n + 1]), "".join(parts[:n])) >= 90:
            return n + 1
    # the label's last two words of three or more («имя, отчество»): its first word lost at a
    # blurred left margin (a phone photo)
    if len(parts) >= 3 and len(words) > 2 and fuzz.ratio(" ".join(words[:2]), " ".join(parts[-2:])) >= 85:
        return 2
    return 0


def _after_label(lines: Sequence[Line], labels: Sequence[str], follow: int = 1, gaps: bool = False) -> list[str]:
    """Text that follows a label: the rest of its line, then the next `follow` lines (a table
    cell's value is read as a line of its own when the label wraps in its cell).

    Labels are tried in their order (the most specific first), each over all the lines: a
    sentence that happens to start with a short label's word («организации для работы…»)
    must not win over the field's own line («Полное наименование организации: …»).
    With `gaps` (a number's text), a text with a wide gap between words follows again with the gap
    marked «|» (line_text): the run as read is tried first (digits in a form's comb of cells are
    far apart), its parts when it fails.
    """
    return [text for hit in _texts_after_label(lines, labels, follow, gaps) for texts in hit for text in texts]


def _texts_after_label(lines: Sequence[Line], labels: Sequence[str], follow: int,
                       gaps: bool) -> list[list[list[str]]]:
    """_after_label's texts, per label hit and per line: [hit][line][as read, split at gaps]."""
    out: list[list[list[str]]] = []
    for i, rest_words in label_hits(lines, labels):
        hit: list[list[str]] = []
        for words in (rest_words, *(ln2.words for ln2 in same_row(lines, i)),
                      *(ln2.words for ln2 in lines[i + 1:i + 1 + follow])):
            texts = [line_text(words, gaps=False).strip(" :—-–")]
            if gaps and (split := line_text(words).strip(" :—-–")) != texts[0]:
                texts.append(split)
            hit.append(texts)
        out.append(hit)
    return out


def label_hits(lines: Sequence[Line], labels: Sequence[str]) -> list[tuple[int, tuple[Word, ...]]]:
    """The lines that carry a label (see _after_label), each with its words after the label."""
    out: list[tuple[int, tuple[Word, ...]]] = []
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
                n = _label_at_start(norm, lab)
                if not n:
                    continue
                rest_words = ln.words[n:]
            taken.add(i)
            out.append((i, rest_words))
    return out


def same_row(lines: Sequence[Line], i: int) -> list[Line]:
    """Lines on the row of line i and right of it, left to right: a table's value cell is read as
    a line of its own, and may sort before its label when its top is a pixel higher."""
    x0, y0, x1, y1 = lines[i].box
    mid = (y0 + y1) / 2
    row = [ln for j, ln in enumerate(lines)
           if j != i and ln.box[0] >= x1 and ln.box[1] < mid < ln.box[3]]
    return sorted(row, key=lambda ln: ln.box[0])


def _valid_cut(run: str, lengths: tuple[int, ...], valid: Callable[[str], bool]) -> str | None:
    """A number of a field's length passing its check digits: the run itself, or the run with a
    table's rule read as a digit glued to it cut off («|6045930448» read as «16045930448»)."""
    if len(run) in lengths:
        return run if valid(run) else None
    if len(run) - 1 in lengths and not any(len(run) in ls and ok(run) for ls, ok in NUMBERS.values()):
        # a rule reads as «1»; any other digit cut off may be a misread digit of the number, and a
        # random cut passes a mod-11 check one time in eleven. A whole number of another kind is
        # that number: an ОГРН less its «1» passes a 12-digit ИНН's check one time in a hundred
        return next((cut for cut, off in ((run[1:], run[0]), (run[:-1], run[-1]))
                     if off == "1" and valid(cut)), None)
    return None


def _pick(hits: Sequence[Sequence[Sequence[str]]], lengths: tuple[int, ...],
          valid: Callable[[str], bool]) -> tuple[str | None, bool]:
    """The first number after the label that passes its check digits; a failing number of the
    field's length is returned (not valid) only when none passes. The lines after one holding a
    number of the field's length are not looked at: that number is the field misread, and the
    next line is another field's («ОГРН: 1062930278047» less its «1» passed a 12-digit ИНН's check)."""
    seen: list[str] = []
    for hit in hits:
        for texts in hit:
            had = len(seen)
            for text in texts:
                for run in digit_runs(text):
                    if (good := _valid_cut(run, lengths, valid)) is not None:
                        return good, True
                    if len(run) in lengths:
                        seen.append(run)
            if len(seen) > had:
                break
    return (seen[0], False) if seen else (None, False)


def _anywhere(lines: Sequence[Line], length: int, valid: Callable[[str], bool]) -> str | None:
    """A field whose label was not read («ИН» for «ИНН», a label lost under a seal): a number of
    its length anywhere on the page that passes its check digits, when there is exactly one such
    value (the seal's centre repeating the ИНН is the same value). A number written as a СНИЛС is
    the СНИЛС: with its last «1» cut off, one in eleven passes an ИНН's check."""
    for gaps in (False, True):  # the runs as read; their parts apart at wide gaps when none passes
        found = {good for ln in lines for run in digit_runs(_SNILS_FORM.sub(" | ", line_text(ln.words, gaps)))
                 if (good := _valid_cut(run, (length,), valid)) is not None}
        if found:
            return found.pop() if len(found) == 1 else None
    return None


_NAME_WORD = re.compile(r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ]?[а-яё]+)?")
_EDGE_JUNK = " |[](){}'`‘’‚\"“”.,:;_—–-=*"


def name_word(token: str) -> str | None:
    """A token as a word of a person's name: table rules and quotes stripped from its edges,
    Latin look-alikes folded to Cyrillic («Kузнецова»); None when it is not one."""
    word = token.strip(_EDGE_JUNK)
    if not word:
        return None
    word = lookalikes.TABLE.upper.get(word[0], word[0]) + lookalikes.cyrillic(word[1:])
    return word if _NAME_WORD.fullmatch(word) else None


def _surname_in_capitals(token: str) -> str | None:
    """A surname typed in capitals, as official papers often do («ТИХОНОВ Елена Олегович»), as a
    name word («Тихонов»); None for a token that is not one."""
    word = token.strip(_EDGE_JUNK)
    if len(word) < 5 or not word.isupper():
        return None
    return name_word("-".join(part.capitalize() for part in lookalikes.cyrillic(word).split("-")))


def _person_name(text: str, stop: set[str]) -> str | None:
    """The first run of two or three name-like words (capitalised Cyrillic, not a field's label
    word such as «Должность»); a surname in capitals opens a run of three. A run of two cut short
    by a word it cannot read («Пахомова Людмила овдоровна»: the patronymic under a stamp), or
    whose second word is a patronymic («Елена Олегович»: the surname lost), is not the whole name,
    nor is a run of three whose third word is no patronymic («Смирнова Ксения Фёдо»): None (the name
    is then read again alone, or not reported)."""
    run: list[str] = []
    capitals = False
    for token in _JOINED.sub(" ", text).split():
        word = name_word(token)
        if word is None and not run and (word := _surname_in_capitals(token)) is not None:
            capitals = True
        if word is None or clean(word) in stop:
            if len(run) >= 2:
                cut = token.strip(_EDGE_JUNK)
                if len(run) == 2 and len(cut) >= 4 and cut.isalpha() and cut[0].islower():
                    return None
                break
            run, capitals = [], False
            continue
        run.append(word)
        if len(run) == 3:
            break
    if len(run) < 2 or (capitals and len(run) < 3) or (len(run) == 2 and _PATRONYMIC.fullmatch(run[1])):
        return None
    if len(run) == 3 and not _PATRONYMIC.fullmatch(run[2]):
        return None  # a third word is the patronymic: one cut short («Ксения Фёдо») is not the name
    return " ".join(run)


_PATRONYMIC = re.compile(r"[А-ЯЁ][а-яё]+(?:вич|вна|ична|ич|оглы|кызы)")
# two name words that a speck read as an apostrophe joined («Чудинов'Юрий»: officegen 830021)
_JOINED = re.compile(r"(?<=[а-яё])['`‘’](?=[А-ЯЁ])")


def wrapped_patronymic(text: str, stop: set[str]) -> str | None:
    """A line that is only a patronymic («Васильевич»): the end of a name that a narrow table
    cell wrapped. A line with more words is another field's, not the name's end."""
    words = [w for t in text.split() if (w := name_word(t)) or t.strip(_EDGE_JUNK)]
    if len(words) != 1 or words[0] is None or clean(words[0]) in stop:
        return None
    return words[0] if _PATRONYMIC.fullmatch(words[0]) else None


def name_stop_words(labels: dict[str, tuple[str, ...]]) -> set[str]:
    """Words of the fields' labels: never a part of the owner's name."""
    stop = {w for variants in labels.values() for v in variants for w in clean(v).split()}
    return stop | {w for v in ("должность", "наименование организации", "идентификатор узла") for w in v.split()}


def person_name(text: str, labels: dict[str, tuple[str, ...]]) -> str | None:
    """The owner's name in a text read after its label (see _person_name)."""
    return _person_name(text, name_stop_words(labels))


def extract(lines: Sequence[Line], labels: dict[str, tuple[str, ...]]) -> dict[str, object]:
    """Field values (None when absent) and whether each number passed its check digits."""
    def lab(key: str, default: list[str]) -> list[str]:
        return [clean(v) for v in labels.get(key, tuple(default))]

    # a number of the field's length read after its label but failing its check is the field
    # misread (reread.py reads it again alone), not a sign to take another number of the page
    inn, inn_ok = _pick(_texts_after_label(lines, lab("inn", ["инн"]), 1, True), *NUMBERS["inn"])
    if inn is None:
        inn, inn_ok = (v, True) if (v := _anywhere(lines, 10, valid_inn)) else (inn, inn_ok)
    ogrn, ogrn_ok = _pick(_texts_after_label(lines, lab("ogrn", ["огрн"]), 1, True), *NUMBERS["ogrn"])
    if ogrn is None:
        ogrn, ogrn_ok = (v, True) if (v := _anywhere(lines, 13, valid_ogrn)) else (ogrn, ogrn_ok)
    snils, snils_ok = _pick(_texts_after_label(lines, lab("snils", ["снилс"]), 1, True), *NUMBERS["snils"])
    if not snils_ok:  # its label unread: a number written as a СНИЛС is («342-706-964 81»)
        found = {v for ln in lines for m in _SNILS_FORM.finditer(ln.text)
                 if valid_snils(v := re.sub(r"\D", "", m.group(0)))}
        snils, snils_ok = (found.pop(), True) if len(found) == 1 else (snils, snils_ok)
    if snils:
        snils = format_snils(snils)

    def text_field(key: str, default: list[str]) -> str | None:
        for cand in _after_label(lines, lab(key, default))[:1]:
            value = cand.strip(" :—-–_")
            if len(value) >= 3:
                return value
        return None

    # the owner's name: the first two or three name-like words after its label, on its line or
    # the next two (a wrapped label cell); field label words are not names
    stop = name_stop_words(labels)
    owner = None
    cands = _after_label(lines, lab("owner_name", ["фамилия имя отчество"]), follow=2)
    for i, cand in enumerate(cands):
        owner = _person_name(cand, stop)
        if owner:
            if len(owner.split()) == 2:  # a patronymic wrapped onto the cell's next line
                owner = next((f"{owner} {p}" for c in cands[i + 1:] if (p := wrapped_patronymic(c, stop))), owner)
            break
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
