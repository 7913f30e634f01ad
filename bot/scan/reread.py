"""A second look at a number (ИНН, ОГРН, СНИЛС) the page's OCR did not read as valid.

The page's OCR confuses digits on a poor copy or fax (3/5, 3/7, 2/7) and the number then fails its
check digit. Here the number's words are cropped from the page, upscaled, binarised, cleared of
a table rule through them and read again as one line of digits, twice (two scales). A value is
taken only when it passes its check digit and no read gives another valid value; otherwise the
field stays a doubt. The owner's name, which has no check digit, is read again the same way when
a word of it was read unsure or the name was not read (reread_owner). Runs only for a field that
failed: a clean page costs nothing (on the officegen dev set 29 reads of ~0.3 s in 60 documents).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import cv2
import numpy as np

from bot.scan import ocr as ocr_mod
from bot.scan.config import ScanConfig
from bot.scan.fields import NUMBERS, digitish, format_snils, label_hits, name_word, person_name, same_row
from bot.scan.form import clean
from bot.scan.ocr import Line, Word

# the length looked for without a label: only ОГРН's 13 digits, as no other number of the form is
# near that long (a СНИЛС or a phone number misread by a digit is an ИНН's)
_UNLABELLED = {"ogrn": 13}
_WHITELIST = "-c tessedit_char_whitelist=0123456789-"


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _groups(words: Sequence[Word]) -> list[list[Word]]:
    """Runs of consecutive mostly-digit words (a number written in parts: «589-706-322 51»)."""
    out: list[list[Word]] = []
    run: list[Word] = []
    for w in words:
        if digitish(w.text):
            run.append(w)
        elif run:
            out.append(run)
            run = []
    if run:
        out.append(run)
    return out


def number_box(lines: Sequence[Line], labels: Sequence[str], lengths: tuple[int, ...],
               anywhere: int = 0) -> tuple[int, int, int, int] | None:
    """The box of the number after a field's label: on the label's line, on its row to the right
    (a table's value cell), or on the next line; a run of about the field's length of digits.
    Without a label, the page's one run of `anywhere` digits (0: none is looked for)."""
    for i, rest in label_hits(lines, labels):
        for ws in (rest, *(ln.words for ln in same_row(lines, i)), *(ln.words for ln in lines[i + 1:i + 2])):
            for g in _groups(ws):
                n = len(_digits("".join(w.text for w in g)))
                if min(lengths) - 1 <= n <= max(lengths) + 2:
                    return _box(g)
    if anywhere:  # the label unread («9ГРЫ»): the one run of the field's length on the page
        runs = [g for ln in lines for g in _groups(ln.words) if len(_digits("".join(w.text for w in g))) == anywhere]
        if len(runs) == 1:
            return _box(runs[0])
    return None


def _box(words: Sequence[Word]) -> tuple[int, int, int, int]:
    return Line(tuple(words)).box


def _crop(grey: np.ndarray, box: tuple[int, int, int, int], th: float, cfg: ScanConfig) -> np.ndarray:
    """The page around a box, `[reread] margin_x` / `margin_y` print heights (``th``) beyond it."""
    x0, y0, x1, y1 = box
    rr = cfg.reread
    return grey[max(0, int(y0 - rr.margin_y * th)):int(y1 + rr.margin_y * th),
                max(0, int(x0 - rr.margin_x * th)):int(x1 + rr.margin_x * th)]


def _clean_crop(grey: np.ndarray, scale: float, rule_share: float, speck: float) -> np.ndarray:
    """The crop upscaled (cubic), binarised (Otsu), table rules, specks (under `speck` pixels of
    the page) and ink cut by its edges removed, with a white border."""
    big = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    _, bw = cv2.threshold(big, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    ink = (bw == 0).astype(np.uint8)
    h, w = ink.shape
    rules = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, int(w * rule_share)), 1)))
    rules |= cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(3, int(h * rule_share)))))
    # a rule is a line or two of pixels thicker than its opening: widen it a little before erasing
    rules = cv2.dilate(rules, np.ones((3, 3), np.uint8))
    ink[rules > 0] = 0
    # a neighbour line's text or a label cut by the crop touches its edge; a speck is tiny
    n, lab, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    for i in range(1, n):
        x, y, cw, ch, area = stats[i]
        if x == 0 or y == 0 or x + cw >= w or y + ch >= h or area < speck * scale * scale:
            ink[lab == i] = 0
    bw = np.where(ink > 0, 0, 255).astype(np.uint8)
    pad = max(10, h // 4)
    return cv2.copyMakeBorder(bw, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)


def _valid_values(words: Sequence[Word], lengths: tuple[int, ...], valid: Callable[[str], bool]) -> set[str]:
    digits = _digits(" ".join(w.text for w in words))
    return {digits} if len(digits) in lengths and valid(digits) else set()


def reread(grey: np.ndarray, lines: Sequence[Line], fields: dict[str, object], cfg: ScanConfig) -> None:
    """Read again each number of `fields` that is missing or failed its check digit; a value is
    taken (fields and fields["valid"] updated) only as described in the module's docstring.
    Raises ocr.OcrError when Tesseract fails."""
    valid_of = fields.get("valid")
    if not isinstance(valid_of, dict):
        return
    rr = cfg.reread
    unit = sorted(w.h for ln in lines for w in ln.words)
    for key, (lengths, valid) in NUMBERS.items():
        if valid_of.get(key):
            continue
        box = number_box(lines, [clean(v) for v in cfg.field_labels.get(key, (key,))], lengths,
                         _UNLABELLED.get(key, 0))
        if box is None:
            continue
        th = max(box[3] - box[1], unit[len(unit) // 2] if unit else 1)
        crop = _crop(grey, box, th, cfg)
        if crop.size == 0:
            continue
        jobs = [(_clean_crop(crop, max(1.0, height / th), rr.rule_share, rr.speck * th * th), 0)
                for height in (rr.first_height, rr.second_height)]
        reads = ocr_mod.ocr_bands(jobs, rr.languages, cfg.ocr.dpi, cfg.limits.ocr_seconds, psm=7,
                                  workers=1, extra=_WHITELIST)
        found = [_valid_values(ws, lengths, valid) for ws in reads]
        values = set().union(*found)
        if len(values) != 1:
            continue  # nothing valid, or two reads that disagree: the field stays a doubt
        value = values.pop()
        fields[key] = format_snils(value) if key == "snils" else value
        valid_of[key] = True


def _name_words(lines: Sequence[Line], name: str) -> list[Word]:
    """The page's words that read as the name (its words in a row on one line)."""
    parts = name.split()
    for ln in lines:
        got = [name_word(w.text) for w in ln.words]
        for i in range(len(got) - len(parts) + 1):
            if got[i:i + len(parts)] == parts:
                return list(ln.words[i:i + len(parts)])
    return []


def _read_name(grey: np.ndarray, box: tuple[int, int, int, int], cfg: ScanConfig) -> tuple[str | None, float]:
    """The owner's name read alone in a box of the page (one line), and its least word confidence."""
    rr = cfg.reread
    th = max(1, box[3] - box[1])
    crop = _crop(grey, box, th, cfg)
    if crop.size == 0:
        return None, 0.0
    image = _clean_crop(crop, max(1.0, rr.first_height / th), rr.rule_share, rr.speck * th * th)
    words = ocr_mod.ocr_bands([(image, 0)], cfg.ocr.languages, cfg.ocr.dpi, cfg.limits.ocr_seconds,
                              psm=7, workers=1)[0]
    name = person_name(" ".join(w.text for w in words), dict(cfg.field_labels))
    if not name:
        return None, 0.0
    confs = [w.conf for w in words if name_word(w.text) in name.split()]
    return name, min(confs, default=0.0)


def reread_owner(grey: np.ndarray, lines: Sequence[Line], fields: dict[str, object], cfg: ScanConfig) -> None:
    """The owner's name read again alone when the page's OCR did not read it, or read a word of it
    unsure (under `name_min_conf`: a misread letter, «Аркабьевна»): the new read is taken when all
    its words are sure, else the name is not reported (a name has no check digit to tell).
    Raises ocr.OcrError when Tesseract fails."""
    if "owner_name" not in cfg.field_labels:
        return
    rr = cfg.reread
    name = fields.get("owner_name")
    if isinstance(name, str) and name:
        words = _name_words(lines, name)
        short = min(len(part) for part in name.split()) < 3  # «Коптева Лю»: the line's end lost
        if not words or (min(w.conf for w in words) >= rr.name_min_conf and not short):
            return
        # the row from the name's start to the page's edge: a name cut short goes on there
        again, conf = _read_name(grey, (min(w.x0 for w in words), min(w.y0 for w in words),
                                        grey.shape[1], max(w.y1 for w in words)), cfg)
        fields["owner_name"] = again if again and conf >= rr.name_min_conf else None
        return
    # not read at all (a phone photo's OCR can skip a whole cell): the label's row right of it
    hits = label_hits(lines, [clean(v) for v in cfg.field_labels["owner_name"]])
    if not hits:
        return
    x0, y0, x1, y1 = lines[hits[0][0]].box
    again, conf = _read_name(grey, (x1 + int(rr.margin_x * (y1 - y0)), y0, grey.shape[1], y1), cfg)
    if again and conf >= rr.name_min_conf:
        fields["owner_name"] = again
