"""A second look at a number (ИНН, ОГРН, СНИЛС) the page's OCR did not read as valid.

The page's OCR confuses digits on a poor copy or fax (3/5, 3/7, 2/7) and the number then fails its
check digit. Here the number's words are cropped from the page, upscaled, binarised, cleared of
a table rule through them and read again as one line of digits, twice (two scales). A value is
taken only when it passes its check digit and no read gives another valid value; otherwise the
field stays a doubt. Runs only for a field that failed: a clean page costs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import cv2
import numpy as np

from bot.ids import valid_inn, valid_ogrn, valid_snils
from bot.scan import ocr as ocr_mod
from bot.scan.config import ScanConfig
from bot.scan.fields import digitish, label_hits, same_row
from bot.scan.form import clean
from bot.scan.ocr import Line, Word

_NUMBERS: dict[str, tuple[tuple[int, ...], Callable[[str], bool]]] = {
    "inn": ((10, 12), valid_inn),
    "ogrn": ((13, 15), valid_ogrn),
    "snils": ((11,), valid_snils),
}
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


def number_box(lines: Sequence[Line], labels: Sequence[str],
               lengths: tuple[int, ...]) -> tuple[int, int, int, int] | None:
    """The box of the number after a field's label: on the label's line, on its row to the right
    (a table's value cell), or on the next line; a run of about the field's length of digits."""
    for i, rest in label_hits(lines, labels):
        for ws in (rest, *(ln.words for ln in same_row(lines, i)), *(ln.words for ln in lines[i + 1:i + 2])):
            for g in _groups(ws):
                n = len(_digits("".join(w.text for w in g)))
                if min(lengths) - 1 <= n <= max(lengths) + 2:
                    return (min(w.x0 for w in g), min(w.y0 for w in g),
                            max(w.x1 for w in g), max(w.y1 for w in g))
    return None


def _clean_crop(grey: np.ndarray, scale: float, rule_share: float) -> np.ndarray:
    """The crop upscaled (cubic), binarised (Otsu), table rules removed, with a white border."""
    big = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    _, bw = cv2.threshold(big, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    ink = (bw == 0).astype(np.uint8)
    h, w = ink.shape
    rules = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, int(w * rule_share)), 1)))
    rules |= cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(3, int(h * rule_share)))))
    # a rule is a line or two of pixels thicker than its opening: widen it a little before erasing
    rules = cv2.dilate(rules, np.ones((3, 3), np.uint8))
    bw[rules > 0] = 255
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
    for key, (lengths, valid) in _NUMBERS.items():
        if valid_of.get(key):
            continue
        box = number_box(lines, [clean(v) for v in cfg.field_labels.get(key, (key,))], lengths)
        if box is None:
            continue
        x0, y0, x1, y1 = box
        th = max(y1 - y0, unit[len(unit) // 2] if unit else 1)
        crop = grey[max(0, int(y0 - rr.margin_y * th)):int(y1 + rr.margin_y * th),
                    max(0, int(x0 - rr.margin_x * th)):int(x1 + rr.margin_x * th)]
        if crop.size == 0:
            continue
        jobs = [(_clean_crop(crop, max(1.0, height / th), rr.rule_share), 0)
                for height in (rr.first_height, rr.second_height)]
        reads = ocr_mod.ocr_bands(jobs, rr.languages, cfg.ocr.dpi, cfg.limits.ocr_seconds, psm=7,
                                  workers=1, extra=_WHITELIST)
        found = [_valid_values(ws, lengths, valid) for ws in reads]
        values = set().union(*found)
        if len(values) != 1:
            continue  # nothing valid, or two reads that disagree: the field stays a doubt
        value = values.pop()
        fields[key] = f"{value[0:3]}-{value[3:6]}-{value[6:9]} {value[9:11]}" if key == "snils" else value
        valid_of[key] = True
