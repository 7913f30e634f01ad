"""Finding the form on a page from OCR lines: the title, the signature labels, the captions."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.scan.config import ScanConfig
from bot.scan.ocr import Line, Word

_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
# Latin (and digit) look-alikes that Tesseract's rus+eng puts into Russian words: «(nognuct)»
_TO_CYR = str.maketrans({"a": "а", "b": "ь", "c": "с", "e": "е", "g": "д", "h": "н", "k": "к", "m": "т",
                         "n": "п", "o": "о", "p": "р", "r": "г", "t": "т", "u": "и", "x": "х", "y": "у",
                         "3": "з", "0": "о", "6": "б"})
_LATIN = re.compile(r"[a-z]")


def clean(text: str) -> str:
    text = text.lower().replace("ё", "е")
    return re.sub(r"\s+", " ", _PUNCT.sub(" ", text)).strip()


def cyr(text: str) -> str:
    """A word cleaned, with Latin letters and look-alike digits folded to Cyrillic."""
    c = clean(text)
    if _LATIN.search(c) or any(ch in "306" for ch in c):
        c = c.translate(_TO_CYR)
    return c


@dataclass(frozen=True)
class Label:
    kind: str                     # "manager" | "owner"
    words: tuple[Word, ...]
    line_index: int
    score: float

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (min(w.x0 for w in self.words), min(w.y0 for w in self.words),
                max(w.x1 for w in self.words), max(w.y1 for w in self.words))

    @property
    def height(self) -> float:
        """Text height: of the confidently read words (a stroke read as a word is taller)."""
        sure = [w.h for w in self.words if w.conf >= 50] or [w.h for w in self.words]
        low = min(sure)
        return float(max(x for x in sure if x <= 1.6 * low))  # a word without ascenders is shorter


def title_score(lines: Sequence[Line], cfg: ScanConfig) -> tuple[float, int]:
    """Best similarity of a line (or two consecutive lines) with a title variant, and its line."""
    best, where = 0.0, -1
    first = tuple(clean(w) for w in cfg.title_first_words)
    titles = [clean(t) for t in cfg.titles]
    for i in range(len(lines)):
        for span in (1, 2, 3):
            if i + span > len(lines):
                break
            text = clean(" ".join(ln.text for ln in lines[i:i + span]))
            if not text:
                continue
            head = cyr(text.split(" ", 1)[0])
            if not any(fuzz.ratio(head, f) >= 90 for f in first):
                continue
            for t in titles:
                # the title alone on its lines: compare whole strings, tolerate OCR slips
                s = fuzz.ratio(text, t)
                if len(t) < len(text) < 1.6 * len(t):  # a longer wording that contains the title
                    s = max(s, 0.95 * fuzz.partial_ratio(t, text))
                if s > best:
                    best, where = s, i
    return best, where


def _match_label(line: Line, variants: Sequence[str], min_score: float) -> tuple[float, int]:
    """Similarity of the first words of a line with a label; and how many words matched."""
    words = [cyr(w.text) for w in line.words]
    best, n_best = 0.0, 0
    for v in variants:
        k = len(v.split())
        # OCR may glue words («Руководитель-организации») or split them: try a few word counts,
        # and take no more words than needed (the next one may be a pen stroke read as junk)
        for n in range(1, min(len(words), k + 1) + 1):
            s = fuzz.ratio(" ".join(words[:n]), v)
            if s >= min_score and (s > best or (s == best and n < n_best)):
                best, n_best = s, n
    return best, n_best


def is_caption(word: Word, line: Line, cfg: ScanConfig) -> bool:
    """«(подпись)» under a signature line (not «(расшифровка подписи)»)."""
    c = cyr(word.text)
    if not c:
        return False
    s_sig, s_gen = fuzz.ratio(c, "подпись"), fuzz.ratio(c, "подписи")
    if s_sig < 80 or s_gen > s_sig:  # «подписи» is «(расшифровка подписи)»
        return False
    i = line.words.index(word)
    if i > 0 and "шифр" in clean(line.words[i - 1].text):
        return False
    return word.text.startswith("(") or word.text.endswith(")") or len(line.words) <= 3 or c == "подпись"


def find_labels(lines: Sequence[Line], cfg: ScanConfig) -> dict[str, Label]:
    """The manager's and the owner's label lines: at a line's start; a signature line wins over prose."""
    out: dict[str, Label] = {}
    captions = captions_of(lines, cfg)
    for kind in ("manager", "owner"):
        variants = [clean(v) for v in cfg.labels.get(kind, ())]
        cands: list[tuple[tuple[int, int, int], Label]] = []
        for i, line in enumerate(lines):
            score, k = _match_label(line, variants, cfg.label_min_score)
            if not k:
                continue
            lab = Label(kind, line.words[:k], i, score)
            x0, y0, x1, y1 = lab.box
            h = lab.height
            has_caption = any(y0 - 0.5 * h <= c.y0 <= y1 + 4.5 * h for c in captions)
            short = len(line.words) <= k + 6
            cands.append(((int(has_caption), int(short), y0), lab))
        if cands:
            cands.sort(key=lambda c: c[0])
            out[kind] = cands[-1][1]
    # the same line cannot be both
    if "manager" in out and "owner" in out and out["manager"].line_index == out["owner"].line_index:
        del out["manager"]
    return out


def captions_of(lines: Sequence[Line], cfg: ScanConfig) -> list[Word]:
    return [w for ln in lines for w in ln.words if is_caption(w, ln, cfg)]


def seal_place(lines: Sequence[Line], cfg: ScanConfig) -> list[Word]:
    marks = {clean(v).replace(" ", "") for v in cfg.labels.get("seal_place", ())}
    out = []
    for ln in lines:
        for w in ln.words:
            c = clean(w.text).replace(" ", "")
            if c and any(fuzz.ratio(c, m) >= 80 for m in marks):
                out.append(w)
    return out


def decipher_captions(lines: Sequence[Line]) -> list[Word]:
    """«(расшифровка подписи)» / «(Ф.И.О.)» captions: they sit on a signature row, right of the line."""
    out = []
    for ln in lines:
        for w in ln.words:
            c = cyr(w.text)
            if c and (fuzz.partial_ratio("расшифр", c) >= 85 and len(c) >= 6):
                out.append(w)
    return out


def infer_missing_label(labels: dict[str, Label], captions: Sequence[Word], cfg: ScanConfig,
                        deciphers: Sequence[Word] = (), left: int = 0) -> None:
    """One label lost under a signature: the other signature line's «(подпись)» caption stands in.

    Only a caption on the expected side of the found label (the manager's line above the owner's)
    that is not the found label's own caption is used; the zone is then placed above it.
    """
    if len(labels) != 1:
        return
    kind, lab = next(iter(labels.items()))
    missing = "owner" if kind == "manager" else "manager"
    x0, y0, x1, y1 = lab.box
    h = lab.height
    own = [c for c in captions if y0 - 0.3 * h <= c.y0 <= y1 + 4.5 * h]
    others = [c for c in captions if c not in own and abs(c.cy - (y0 + y1) / 2) < 14 * h]
    if missing == "manager":
        others = [c for c in others if c.y1 < y0]
        pick = max(others, key=lambda c: c.y0, default=None)
    else:
        others = [c for c in others if c.y0 > y1]
        pick = min(others, key=lambda c: c.y0, default=None)
    if pick is not None:
        stand_in = Word(pick.text, pick.conf, pick.x0, int(pick.y0 - 1.6 * h), pick.x1,
                        int(pick.y0 - 0.6 * h), pick.line)
        labels[missing] = Label(missing, (stand_in,), -1, 0.0)
        return
    # no «(подпись)» either: the row's «(расшифровка подписи)» caption marks where the line was
    own_d = [d for d in deciphers if y0 - 0.3 * h <= d.y0 <= y1 + 4.5 * h]
    rows = [d for d in deciphers if d not in own_d and abs(d.cy - (y0 + y1) / 2) < 14 * h]
    rows = [d for d in rows if (d.y1 < y0 if missing == "manager" else d.y0 > y1)]
    if not rows:
        return
    d = max(rows, key=lambda d: d.y0) if missing == "manager" else min(rows, key=lambda d: d.y0)
    stand_in = Word(d.text, d.conf, left, int(d.y0 - 1.6 * h), left + int(h), int(d.y0 - 0.6 * h), d.line)
    labels[missing] = Label(missing, (stand_in,), -1, 0.0)
