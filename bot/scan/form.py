"""Finding the form on a page from OCR lines: the title, the signature labels, the captions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from rapidfuzz import fuzz

from bot import lookalikes
from bot.scan import rows as rows_mod
from bot.scan.config import ScanConfig
from bot.scan.ocr import Line, Word, box_of
from bot.scan.rows import Rule

_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
# A signature row holds its label and at most this many more words (a line, a name, captions);
# a longer line is prose, where only a label at the line's start counts.
ROW_EXTRA_WORDS = 7
# … and before its label at most this many words (a number, «Подпись», a position).
ROW_WORDS_BEFORE = 2


# clean and cyr are asked about the same OCR words many times a page (each label, field and
# caption search goes over the lines again); a bounded memo: a few MB at most in the daemon.
_MEMO = 1 << 14


@lru_cache(maxsize=_MEMO)
def clean(text: str) -> str:
    text = text.lower().replace("ё", "е")
    return re.sub(r"\s+", " ", _PUNCT.sub(" ", text)).strip()


@lru_cache(maxsize=_MEMO)
def cyr(text: str) -> str:
    """A word cleaned, with Latin letters and look-alike digits folded to Cyrillic."""
    return lookalikes.cyrillic(clean(text))  # «(nognuct)» is «(подпись)»: rules/lookalikes.toml


@dataclass(frozen=True)
class Label:
    kind: str                     # "manager" | "owner"
    words: tuple[Word, ...]
    line_index: int
    score: float
    rule: Rule | None = None      # the signature row's rule, when found (bot/scan/rows.py)
    caption: Word | None = None   # a stand-in's: the «(подпись)» it was placed over (label unread)

    @property
    def last_words(self) -> tuple[Word, ...]:
        """The words of the label's last line (a label may wrap over lines)."""
        low = max(w.y0 for w in self.words)
        return tuple(w for w in self.words if w.y0 >= low - 0.5 * self.height)

    @property
    def last_line(self) -> tuple[int, int]:
        """The top and bottom of the label's last line."""
        last = self.last_words
        return min(w.y0 for w in last), max(w.y1 for w in last)

    @property
    def box(self) -> tuple[int, int, int, int]:
        return box_of(self.words)

    @property
    def height(self) -> float:
        """Text height: of the confidently read words (a stroke or a seal's mark read as a word,
        «|», is taller)."""
        wordy = [w for w in self.words if sum(ch.isalpha() for ch in w.text) >= 2] or list(self.words)
        sure = [w.h for w in wordy if w.conf >= 50] or [w.h for w in wordy]
        low = min(sure)
        return float(max(x for x in sure if x <= 1.6 * low))  # a word without ascenders is shorter

    def unit(self, text_height: float) -> float:
        """The label's height kept within reach of the page's print height: a label read with a
        seal's ring text or a pen stroke in its box is taller than its print, a label read in
        part («ец») shorter."""
        if text_height <= 0:
            return self.height
        return min(max(self.height, text_height), 1.3 * text_height)


def text_height(words: Sequence[Word]) -> float:
    """The page's print height: the median height of confidently read words of four letters and
    more (0 when there are none)."""
    body = sorted(w.h for w in words if w.conf >= 80 and len(w.text) >= 4 and w.text.isalpha())
    return float(body[len(body) // 2]) if body else 0.0


def title_score(lines: Sequence[Line], cfg: ScanConfig) -> tuple[float, int]:
    """Best similarity of a line (or two consecutive lines) with a title variant, and its line."""
    best, where = 0.0, -1
    first = tuple(clean(w) for w in cfg.title_first_words)
    titles = [clean(t) for t in cfg.titles]
    for i in range(len(lines)):
        for span in (1, 2, 3):
            if i + span > len(lines):
                break
            # words without letters («_», «|», «—») are specks, rules and dashes read at the line's edge;
            # so are one or two letters before the title's first word (a speck read as «ее.»)
            kept = [w for w in clean(" ".join(ln.text for ln in lines[i:i + span])).split()
                    if any(ch.isalpha() for ch in w)]
            while len(kept) > 1 and sum(ch.isalpha() for ch in kept[0]) < 3:
                kept.pop(0)
            text = " ".join(kept)
            if not text:
                continue
            head = cyr(text.split(" ", 1)[0])
            # the title's first word, or its start when the rest of the word is lost to a speck or a
            # fold («зая?»): a covering letter's «Направляем заявку…» starts otherwise
            if not any(fuzz.ratio(head, f) >= 90 or (len(head) >= 3 and f.startswith(head)) for f in first):
                continue
            for t in titles:
                # the title alone on its lines: compare whole strings, tolerate OCR slips
                s = fuzz.ratio(text, t)
                if len(t) < len(text) < 1.6 * len(t):  # a longer wording that contains the title
                    s = max(s, 0.95 * fuzz.partial_ratio(t, text))
                if s > best:
                    best, where = s, i
    return best, where


def _match_label(line: Line, variants: Sequence[str], min_score: float) -> tuple[float, int, int]:
    """Where a label stands in a line: its similarity, the index of its first word and how many
    words matched. The label may stand anywhere in a signature row («1. Руководитель …»,
    «Подпись руководителя …», «Главный врач ____ (руководитель организации)»), but a row is
    short: in a line of prose (wrapped to the page's width) only a label at its start counts."""
    words = [cyr(w.text) for w in line.words]
    best, j_best, n_best = 0.0, 0, 0
    for v in variants:
        k = len(v.split())
        starts = range(len(words)) if len(words) <= k + ROW_EXTRA_WORDS else range(1)
        for j in starts:
            if sum(len(w) >= 3 and w.isalpha() for w in words[:j]) > ROW_WORDS_BEFORE:
                break  # the end of a sentence («… данных владельца сертификата»), not a row's label
            if j and any(":" in w.text or w.text in ("—", "–", "-") for w in line.words[:j]):
                break  # a field's value («Должность — Главный врач»), not a row's label
            if not words[j]:
                continue  # a label starts with a word, not with a dash or a stroke
            if j and line.words[0].text[:1].islower():
                break  # a sentence wrapped from the line above («персональных данных владельца сертификата.»)
            # OCR may glue words («Руководитель-организации») or split them: try a few word counts,
            # and take no more words than needed (the next one may be a pen stroke read as junk)
            for n in range(1, min(len(words) - j, k + 1) + 1):
                if any(":" in w.text for w in line.words[j:j + n - 1]):
                    break  # a field's label and its value («Должность: Исполняющий обязанности»)
                s = fuzz.ratio(" ".join(words[j:j + n]), v)
                if j:  # a label inside the row: a little less likely than one that starts it
                    s -= 1.0
                if s >= min_score and (s > best or (s == best and n < n_best)):
                    best, j_best, n_best = s, j, n
    return best, j_best, n_best


def _cut_label(line: Line, variants: Sequence[str], letters: int) -> int | None:
    """Where a label word cut short by a stamp's ring starts the row (``[labels] cut_letters``):
    the index of the first word that is the start of a wording's first word («руководи» of
    «руководитель»), with no more than a number or «Подпись» before it, in a row's short line."""
    heads = {v.split()[0] for v in variants} - {"подпись"}
    words = [cyr(w.text) for w in line.words]
    if len(words) > 1 + ROW_EXTRA_WORDS:
        return None  # prose
    for j, c in enumerate(words[:ROW_WORDS_BEFORE + 1]):
        if j and line.words[0].text[:1].islower():
            return None  # a sentence wrapped from the line above
        if c.isalpha() and any(len(c) >= letters and len(c) <= len(hd) - 2 and hd.startswith(c) for hd in heads):
            return j
        if c.isalpha() and len(c) >= 3 and not _reads_signature(c, 80):
            return None  # a word of another kind opens the line
    return None


def _reads_signature(text: str, at_least: int) -> bool:
    """Does the word read «подпись», not the «подписи» of «(расшифровка подписи)»?"""
    c = cyr(text)
    if not c:
        return False
    s_sig, s_gen = fuzz.ratio(c, "подпись"), fuzz.ratio(c, "подписи")
    return s_sig >= at_least and s_gen <= s_sig


def is_caption(word: Word, line: Line, cfg: ScanConfig) -> bool:
    """«(подпись)» under a signature line (not «(расшифровка подписи)»)."""
    if not _reads_signature(word.text, 80):
        return False
    c = cyr(word.text)
    i = line.words.index(word)
    if i > 0 and "шифр" in clean(line.words[i - 1].text):
        return False
    if word.text.startswith("(") or word.text.endswith(")"):
        return True
    # a bare «Подпись» is a caption unless it starts a row label: «Подпись руководителя …», also
    # when the label wraps in its cell and its line holds two words («Подпись владельца / сертификата»)
    following = line.words[i + 1].text if i + 1 < len(line.words) else ""
    if following[:1].islower() and len(cyr(following)) >= 5 and "шифр" not in cyr(following):
        return False
    return len(line.words) <= 3 or c == "подпись"


def _is_position_value(lab: Label, lines: Sequence[Line], position_words: Sequence[str]) -> bool:
    """«Директор», «Главный врач» as the value of the position field («Должность | Директор»,
    in a line or a table row): a word left of the label on its row is the field's label."""
    x0, y0, x1, y1 = lab.box
    cy, h = (y0 + y1) / 2, lab.height
    for ln in lines:
        for w in ln.words:
            if w.x1 <= x0 and abs(w.cy - cy) < 0.6 * h and any(
                    fuzz.ratio(clean(w.text), p) >= 85 for p in position_words):
                return True
    return False


def _label_word(w: Word) -> bool:
    """A word that can carry a label's wording on: lower-case letters (a wrapped title goes on in
    lower case; a name «Д.П. Кузнецова», «М.П.», a caption «(подпись)» or a rule do not). A copy or
    a fax may read a small word in capitals («ПОДПИСИ»): a long one read with confidence counts."""
    t = w.text.strip(",.;")
    if not (len(t) >= 2 and t.isalpha()):
        return False
    # a bare caption «подпись», «расшифровка подписи» is not a label's wording; «…электронной
    # подписи», the end of the owner's wording, is
    c = cyr(t)
    s_sig, s_end = fuzz.ratio(c, "подпись"), fuzz.ratio(c, "подписи")
    if not (t[0].islower() or (t.isupper() and len(t) >= 5 and (w.conf >= 80 or s_end >= 85))):
        return False  # (that end word wrapped onto a line of its own reads in capitals, unsure)
    return (s_sig < 80 or s_end > s_sig) and "шифр" not in c


def whole_label(lab: Label, lines: Sequence[Line]) -> Label:
    """The label with the rest of its wording: the words that follow it on its line, and the lines
    it wraps onto within its column or table cell («Владелец сертификата ключа / проверки
    электронной подписи»). A signature row's line and caption are under the label's last line, not
    under its first."""
    h = lab.height

    def carries(w: Word) -> bool:
        # print: of the label's size, or read with some confidence (a word that a stamp's ink
        # swelled). A signature read as a word is both taller and all but unread
        return _label_word(w) and (w.h <= 2 * h or w.conf >= 30)

    words = list(lab.words)
    lefts = [min(w.x0 for w in words)]
    before: list[Word] = []
    if 0 <= lab.line_index < len(lines):  # the wording goes on along its line, words close together
        line = lines[lab.line_index].words
        last = line.index(words[-1]) if words[-1] in line else len(line)
        for w in line[last + 1:]:
            if not carries(w) or w.x0 - words[-1].x1 > 1.2 * h:
                break
            words.append(w)
        # a word or two before it that open the wording («Подпись руководителя / организации»): the
        # cell's left edge is theirs, and a wrapped line starts there
        first = line.index(words[0]) if words[0] in line else 0
        before = list(line[:first])
        if 0 < len(before) <= 2 and all(sum(ch.isalpha() for ch in w.text) >= 2 for w in before) and all(
                b.x0 - a.x1 <= 1.2 * h for a, b in zip(before, [*before[1:], words[0]], strict=True)):
            lefts.append(before[0].x0)
        else:
            before = []
    all_words = [w for ln in lines for w in ln.words]
    for _ in range(3):  # wrapped lines: just under the last one, starting at the label's left edge
        y1 = max(w.y1 for w in words)
        # … and starting its line there: a word in the middle of the next row's label («1. Руководитель»
        # over «Владелец сертификата …») does not continue this one
        first = [w for w in all_words if carries(w) and any(abs(w.x0 - x0) <= 1.5 * h for x0 in lefts)
                 and -0.2 * h <= w.y0 - y1 <= 1.4 * h and w not in words
                 and not any(o.line == w.line and w.x0 - 2 * h < o.x1 <= w.x0
                             and sum(ch.isalpha() for ch in o.text) >= 2 for o in all_words)]
        if not first:
            break
        cont = [min(first, key=lambda w: w.y0)]
        rest = sorted((w for w in all_words if w.line == cont[0].line and w.x0 > cont[0].x0), key=lambda w: w.x0)
        for w in rest:
            if not carries(w) or w.x0 - cont[-1].x1 > 1.2 * h:
                break
            cont.append(w)
        words.extend(cont)
    if before and min((w.x0 for w in words[len(lab.words):]), default=lefts[0]) < lefts[0] - 1.5 * h:
        words = [*before, *words]  # the wording wraps back to them: they are its first words
    if len(words) == len(lab.words):
        return lab
    return Label(lab.kind, tuple(words), lab.line_index, lab.score)


def columns(line: Line, gap: float, ratio: float) -> list[Line]:
    """An OCR line cut where a gap between words is wider than ``gap`` of the line's text height and
    than ``ratio`` times its usual gap, and the next word starts a wording (a capital or a digit):
    the columns of a signature block read as one line («Главный врач      Владелец сертификата»).
    Each part is looked at as a line of its own, so that one column's words neither hide the
    other's label nor join it. Justified prose widens all its gaps alike, and is not cut."""
    heights = sorted(w.h for w in line.words if sum(ch.isalpha() for ch in w.text) >= 2)
    if len(line.words) < 3 or not heights:
        return [line]
    h = heights[len(heights) // 2]
    gaps = sorted(b.x0 - a.x1 for a, b in zip(line.words, line.words[1:], strict=False))
    wide = max(gap * h, ratio * max(gaps[(len(gaps) - 1) // 2], 1))
    parts: list[list[Word]] = [[line.words[0]]]
    for w in line.words[1:]:
        if w.x0 - parts[-1][-1].x1 > wide and (w.text[:1].isupper() or w.text[:1].isdigit()):
            parts.append([])
        parts[-1].append(w)
    return [Line(tuple(p)) for p in parts]


def find_labels(lines: Sequence[Line], cfg: ScanConfig, context: Sequence[Line] = ()) -> dict[str, Label]:
    """The manager's and the owner's label lines: at a line's start; a signature line wins over prose.
    ``context``: more lines of the page (the first reading, when ``lines`` is a re-read of a part)
    for telling a field's value («Должность: Главный врач») from a label."""
    out: dict[str, Label] = {}
    page = list(lines) + list(context)
    captions = captions_of(lines, cfg)
    lines = [part for ln in lines for part in columns(ln, cfg.label_column_gap, cfg.label_column_gap_ratio)]
    position_words = [clean(v) for v in cfg.field_labels.get("position", ())]

    def candidate(lab: Label, short: bool) -> tuple[tuple[int, int, int], Label] | None:
        """A label read on a line, with its wording whole, ranked: a caption under it, a short line,
        lower on the page; None for a field's value («Должность | Главный врач»)."""
        if _is_position_value(lab, page, position_words):
            return None
        lab = whole_label(lab, lines)
        x0, y0, x1, y1 = lab.box
        h = lab.height
        has_caption = any(y0 - 0.5 * h <= c.y0 <= y1 + 4.5 * h for c in captions)
        return (int(has_caption), int(short), y0), lab

    for kind in ("manager", "owner"):
        variants = [clean(v) for v in cfg.labels.get(kind, ())]
        cands: list[tuple[tuple[int, int, int], Label]] = []
        for i, line in enumerate(lines):
            score, j, k = _match_label(line, variants, cfg.label_min_score)
            if k and (c := candidate(Label(kind, line.words[j:j + k], i, score), len(line.words) - j <= k + 6)):
                cands.append(c)
        if not cands:  # the label's word cut short by a stamp: only where no line reads it whole
            for i, line in enumerate(lines):
                j = _cut_label(line, variants, cfg.label_cut_letters)
                if j is not None and (c := candidate(Label(kind, line.words[j:j + 1], i, cfg.label_min_score), True)):
                    cands.append(c)
        if cands:
            cands.sort(key=lambda c: c[0])
            out[kind] = cands[-1][1]
    # a label does not wrap onto the other's: the row under it starts where the other label does
    # («Руководитель организации» over «Владелец сертификата …» in one column of a table)
    for kind, other in (("manager", "owner"), ("owner", "manager")):
        if kind in out and other in out:
            a, b = out[kind], out[other]
            top = b.box[1]
            if a.box[1] < top < a.box[3] and min(a.box[2], b.box[2]) > max(a.box[0], b.box[0]):
                above = tuple(w for w in a.words if (w.y0 + w.y1) / 2 < top)
                if above:
                    out[kind] = Label(a.kind, above, a.line_index, a.score)
    # the same words cannot be both (two labels side by side on one line are two columns)
    if "manager" in out and "owner" in out and set(map(id, out["manager"].words)) & set(map(id, out["owner"].words)):
        del out["manager"]
    return out


def captions_of(lines: Sequence[Line], cfg: ScanConfig) -> list[Word]:
    return [w for ln in lines for w in ln.words if is_caption(w, ln, cfg)]


_DECIPHER = "расшифровкаподписи"  # the letters of «(расшифровка подписи)»


def decipher_span(word: Word) -> tuple[float, float]:
    """The x-extent of the whole «(расшифровка подписи)» caption that a decipher caption word
    (decipher_captions) was read of: OCR may read one half alone, the other under a name written
    by hand across it. Its letters' width stands for the ones not read, on the side they are on
    (a word of another caption, «(Ф.И.О.)», is its own extent)."""
    c = cyr(word.text)
    head, tail = "расшифр" in c, "подпис" in c
    if head == tail or not c:
        return float(word.x0), float(word.x1)
    missing = max(0, len(_DECIPHER) - len(c)) * (word.x1 - word.x0) / len(c)
    return (float(word.x0), word.x1 + missing) if head else (word.x0 - missing, float(word.x1))


def decipher_captions(lines: Sequence[Line]) -> list[Word]:
    """«(расшифровка подписи)» / «(Ф.И.О.)» captions: they sit on a signature row, right of the line."""
    def head(text: str) -> bool:
        c = cyr(text)
        return bool(c) and fuzz.partial_ratio("расшифр", c) >= 85 and len(c) >= 6

    def closes(c: str) -> bool:  # «подписи)», not «(подпись)»
        s_gen = fuzz.ratio(c, "подписи")
        return s_gen >= 85 and s_gen > fuzz.ratio(c, "подпись")

    out = []
    for ln in lines:
        for i, w in enumerate(ln.words):
            if head(w.text):
                out.append(w)
            elif (w.text.endswith(")") and i > 0 and closes(cyr(w.text))
                  and not any(head(x.text) for x in ln.words[:i])):
                # «(расшифровка» lost under a seal or a stroke: «подписи)» closes the caption. The
                # pieces of it that were read («(расш» «овка») lie just before: the caption (and the
                # column of the written-out name over it) starts with them
                j = i
                while (j > 0 and ln.words[j].x0 - ln.words[j - 1].x1 <= 2 * w.h
                       and len(piece := cyr(ln.words[j - 1].text)) >= 3
                       and fuzz.partial_ratio(piece, "расшифровка") >= 85):
                    j -= 1
                if j < i:
                    part = ln.words[j:i + 1]
                    w = Word(" ".join(x.text for x in part), min(x.conf for x in part), part[0].x0,
                             min(x.y0 for x in part), w.x1, max(x.y1 for x in part), w.line)
                out.append(w)
            elif (w.text.startswith("(") and i + 1 < len(ln.words) and _signature_caption_on(ln)
                  and len(c := cyr(w.text)) >= 2 and "расшифровка".startswith(c)
                  and ln.words[i + 1].text.endswith(")") and len(e := cyr(ln.words[i + 1].text)) >= 2
                  and "подписи".endswith(e) and not "подпись".endswith(e)):
                # only its two ends read («(ра» … «си)»: a name written by hand across the middle), on
                # the row of a «(подпись)» caption: the caption runs from the one to the other
                end = ln.words[i + 1]
                out.append(Word(f"{w.text} {end.text}", min(w.conf, end.conf), w.x0, min(w.y0, end.y0),
                                end.x1, max(w.y1, end.y1), w.line))
    return out


def _signature_caption_on(line: Line) -> bool:
    """Does the line hold a «(подпись)» caption? Stricter than is_caption: only a bracketed,
    well-read word, since it licenses reading a name caption from its two ends."""
    return any(w.text.startswith("(") and _reads_signature(w.text, 85) for w in line.words)


def _stand_in(kind: str, captions: Sequence[Word], deciphers: Sequence[Word], h: float, left: int) -> Label | None:
    """A label for a signature row whose label was not read: just above its «(подпись)», else
    at the left margin above its «(расшифровка подписи)»."""
    if captions:
        c = captions[0]
        word = Word(c.text, c.conf, c.x0, int(c.y0 - 1.6 * h), c.x1, int(c.y0 - 0.6 * h), c.line)
        return Label(kind, (word,), -1, 0.0, caption=c)
    if deciphers:
        d = deciphers[0]
        word = Word(d.text, d.conf, left, int(d.y0 - 1.6 * h), left + int(h), int(d.y0 - 0.6 * h), d.line)
        return Label(kind, (word,), -1, 0.0)
    return None


def signature_rows(captions: Sequence[Word], deciphers: Sequence[Word], h: float) -> list[tuple[list[Word], list[Word]]]:
    """The page's signature rows, top to bottom, each as its «(подпись)» and «(расшифровка
    подписи)» captions (a row has one or both)."""
    items = sorted([(c.cy, 0, c) for c in captions] + [(d.cy, 1, d) for d in deciphers], key=lambda t: t[0])
    rows: list[tuple[float, list[Word], list[Word]]] = []
    for cy, kind, w in items:
        if not rows or cy - rows[-1][0] > 1.2 * h:
            rows.append((cy, [], []))
        rows[-1][1 + kind].append(w)
    return [(caps, decs) for _, caps, decs in rows]


def infer_missing_label(labels: dict[str, Label], captions: Sequence[Word], cfg: ScanConfig,
                        deciphers: Sequence[Word] = (), left: int = 0, page_text_height: float = 0.0) -> None:
    """Labels lost under a signature or a seal: the signature rows' captions stand in.

    With one label found, the nearest other row on the expected side (the manager's line above
    the owner's) stands in for the other. With none, a page with exactly two signature rows has
    the manager's above the owner's; with more rows it is not guessed.
    """
    if len(labels) > 1:
        return
    if not labels:
        if page_text_height <= 0:
            return
        rows = signature_rows(captions, deciphers, page_text_height)
        if len(rows) != 2:
            return
        for kind, (caps, decs) in zip(("manager", "owner"), rows, strict=True):
            lab = _stand_in(kind, caps, decs, page_text_height, left)
            if lab is not None:
                labels[kind] = lab
        return
    kind, lab = next(iter(labels.items()))
    missing = "owner" if kind == "manager" else "manager"
    x0, y0, x1, y1 = lab.box
    h = lab.unit(page_text_height)
    near = []
    for caps, decs in signature_rows(captions, deciphers, h):
        row = caps + decs
        cy = sum(w.cy for w in row) / len(row)
        if y0 - 0.3 * h <= min(w.y0 for w in row) <= y1 + 4.5 * h:  # the found label's own row
            continue
        if abs(cy - (y0 + y1) / 2) < 14 * h and ((cy < y0) if missing == "manager" else (cy > y1)):
            near.append((abs(cy - (y0 + y1) / 2), caps, decs))
    if near:
        _, caps, decs = min(near, key=lambda t: t[0])
        stand_in = _stand_in(missing, caps, decs, h, left)
        if stand_in is not None:
            labels[missing] = stand_in


def infer_label_by_rules(labels: dict[str, Label], words: Sequence[Word], rules: Sequence[Rule], cfg: ScanConfig,
                         page_text_height: float, lines: Sequence[Line] = ()) -> None:
    """A label lost under a signature or a seal, found by its row's rule: with one label and its
    rule found, a word of the other label's wording that OCR still read («…ководитель», «организации»
    in a label half under the seal) stands in, when its own rule is a signature line like the found
    one (of about its length) on the expected side: the manager's row above the owner's or left of
    it, the owner's below or right. Exactly one such rule, or none is guessed."""
    if len(labels) != 1:
        return
    kind, lab = next(iter(labels.items()))
    if lab.rule is None or page_text_height <= 0:
        return
    missing = "owner" if kind == "manager" else "manager"
    vocab = {w for v in cfg.labels.get(missing, ()) for w in clean(v).split() if len(w) >= 5}
    position_words = [clean(v) for v in cfg.field_labels.get("position", ())]
    h = lab.unit(page_text_height)
    R = lab.rule
    found: dict[tuple[int, int, int], Label] = {}
    for w in words:
        c = cyr(w.text)
        if len(c) < 5 or w in lab.words or abs(w.cy - R.y) > 14 * h:
            continue
        if not any(fuzz.ratio(c, v) >= 80 for v in vocab):
            continue
        cand = Label(missing, (w,), -1, 0.0)
        if _is_position_value(cand, lines, position_words):
            continue
        r = rows_mod.label_rule(cand.box, cand.last_line, [lab.box], rules, h, cfg.signature, words)
        if r is None or (r.x0, r.x1, r.y) == (R.x0, R.x1, R.y) or not 0.5 * R.length <= r.length <= 2 * R.length:
            continue
        same_row = abs(r.y - R.y) <= 3 * h
        if missing == "manager":
            placed = (r.y < R.y - 1.5 * h) or (same_row and r.x1 < R.x0)
        else:
            placed = (r.y > R.y + 1.5 * h) or (same_row and r.x0 > R.x1)
        if placed:
            found[(r.x0, r.x1, r.y)] = replace(cand, rule=r)
    if len(found) == 1:
        labels[missing] = next(iter(found.values()))
    elif not found:
        other = _manager_beside(lab, words, rules, h) if missing == "manager" else None
        other = other or _twin_row(lab, missing, rules, h)
        if other is not None:
            labels[missing] = other


def _twin_row(lab: Label, missing: str, rules: Sequence[Rule], h: float) -> Label | None:
    """The other signature row under or over the found one, its label not read at all (a stamp's
    ring across it: docgen 670044): exactly one rule the twin of the found row's, starting where it
    starts (within two print heights) and as long (within a quarter), 1.5 to 14 print heights below
    it (the owner's row) or above it (the manager's). Its stand-in label lies where the found label's
    last line lies from its rule. A row placed so is guessed: empty, it is a doubt, never «not signed»."""
    R = lab.rule
    if R is None or R.side not in ("right", "under"):
        return None
    sign = 1 if missing == "owner" else -1
    twins = [r for r in rules if abs(r.x0 - R.x0) <= 2 * h and 0.8 * R.length <= r.length <= 1.25 * R.length
             and 1.5 * h < sign * (r.y - R.y) <= 14 * h]
    if len(twins) != 1:
        return None
    r = twins[0]
    x0, y0, x1, y1 = box_of(lab.last_words)
    dy = r.y - R.y
    stand_in = Word("", 0.0, x0, y0 + dy, x1, y1 + dy, lab.last_words[0].line)
    return Label(missing, (stand_in,), -1, 0.0, rule=replace(r, side=R.side))


def _manager_beside(owner: Label, words: Sequence[Word], rules: Sequence[Rule], h: float) -> Label | None:
    """The manager's row of a two-column signature block, its label unread (under the seal, a
    signature): the owner's label starts the right column, and exactly one signature line like the
    owner's (of about its length, about its height) lies wholly left of that label: the left
    column's. The stand-in label sits over that line's start, no higher than the owner's label."""
    R = owner.rule
    text = [w for w in words if sum(ch.isalpha() for ch in w.text) >= 3]
    if R is None or R.side == "over" or not text:
        return None
    left, right = min(w.x0 for w in text), max(w.x1 for w in text)
    x0, y0 = owner.box[0], owner.box[1]
    if x0 < left + 0.4 * (right - left):  # the owner's label does not start a right column
        return None
    beside = [r for r in rules if r.x1 < x0 - h and abs(r.y - R.y) <= 3 * h
              and 0.5 * R.length <= r.length <= 2 * R.length]
    if len(beside) != 1:
        return None
    r = beside[0]
    top = int(max(y0, r.y - 3 * h))
    word = Word("", 0.0, r.x0, top, int(r.x0 + h), int(top + h), (-1, -1, -1, -1))
    return Label("manager", (word,), -1, 0.0, rule=replace(r, side="under"))
